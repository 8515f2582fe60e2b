"""course_lib: the reference numpy library of the introductory neural-networks course.

Modules stack in the order the lectures teach them::

    neuron -> autograd -> activations -> layers -> losses -> gradcheck
           -> optim -> schedules -> training -> datasets
           (visual side: plotting, landscapes, augment, architectures, widgets)

These modules are the reference: they read like the lectures. ``course_lib.fast`` computes the same numbers
faster (flat-buffer fused optimisers, BLAS-oriented layers), opt-in.

Importing ``course_lib`` imports numpy only; each submodule is loaded the first time it is used, so
``course_lib.layers`` works without an explicit import and matplotlib/ipywidgets load only with
``plotting``/``widgets``.

``course_lib.set_language("ru")`` makes every figure, widget and printout made afterwards speak Russian
(``"en"`` is the default; a ``lang=`` argument wins); ``course_lib.glossary.glossary()`` lists the course's
terms in both languages.
"""
import importlib

from course_lib.language import get_language, set_language

__version__ = "0.1.0"

_SUBMODULES = (
    "neuron", "autograd", "activations", "layers", "losses", "gradcheck", "optim", "schedules",
    "training", "datasets", "augment", "landscapes", "architectures", "plotting", "widgets", "fast",
    "language", "glossary",
)

__all__ = [*_SUBMODULES, "set_language", "get_language"]


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'course_lib' has no attribute {name!r}")
