"""Builders of the nbgrader assignments: one module per assignment, each a list of cells.

``python -m tools.build_assignments`` writes every source notebook ``solutions/<id>/<id>.ipynb`` and
regenerates its release ``assignments/<id>/<id>.ipynb``; ``--check`` exits non-zero when a committed notebook
differs.
The builders are what is reviewed; the ``.ipynb`` files are what is committed and graded.

Each translation file ``<lang>/<id>.toml`` adds an edition ``<id>_<lang>`` of a builder in another language
(:mod:`tools.build_assignments.translation`): same cells and code, translated words.
"""
import importlib

BUILDERS = ("a01_neurons", "a02_backprop", "a03_activations", "a04_optimisers", "a05_regularisation",
            "a06_capstone")


def load_builders():
    """The builder modules in course order, each followed by its translated editions; every builder has
    ``ID``, ``TITLE``, ``FORBIDDEN`` and ``cells()`` (an edition also ``LANGUAGE`` and ``BASE_ID``)."""
    from .translation import Edition, editions

    modules = [importlib.import_module(f"{__name__}.{name}") for name in BUILDERS]
    translated = editions({m.ID for m in modules})
    out = []
    for m in modules:
        out.append(m)
        out += [Edition(m, lang) for base, lang in translated if base == m.ID]
    return out


def notebook(builder):
    """The source notebook a builder (module or edition) writes."""
    from . import _cells

    return _cells.build(builder.ID, builder.TITLE, builder.cells(), builder.FORBIDDEN,
                        language=getattr(builder, "LANGUAGE", "en"),
                        held_out=getattr(builder, "HELD_OUT", None))
