"""Builders of the nbgrader assignments: one module per assignment, each a list of cells.

``python -m tools.build_assignments`` writes every source notebook ``solutions/<id>/<id>.ipynb`` and
regenerates its release ``assignments/<id>/<id>.ipynb``; ``--check`` exits non-zero when a committed notebook
differs.
The builders are what is reviewed; the ``.ipynb`` files are what is committed and graded.
"""
import importlib

BUILDERS = ("a01_neurons", "a02_backprop", "a03_activations", "a04_optimisers", "a05_regularisation",
            "a06_capstone")


def load_builders():
    """The builder modules in course order; each has ``ID``, ``TITLE`` and ``cells()``."""
    return [importlib.import_module(f"{__name__}.{name}") for name in BUILDERS]
