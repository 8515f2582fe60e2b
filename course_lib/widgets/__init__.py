"""Interactive ipywidgets apps for the lectures (ipywidgets 7.7 and 8; imported only with this module).

* ``Playground`` — a neural-network playground in the spirit of TensorFlow's, trained by ``course_lib``;
* ``ActivationExplorer`` — an activation and its derivative, parameters on sliders, saturation marked;
* ``OptimizerRace`` — optimisers with their hyper-parameters racing over a test surface;
* ``BackpropStepper`` — forward, then backward, through a small graph, node by node.

Each is a class: ``app = Playground()``; ``app.widget`` is the top-level box (``display(app)`` shows it), and
methods such as ``app.step(5)`` drive it from code. Figures are rendered to PNG into an ``ipywidgets.Image``,
so they appear inline everywhere (Colab included) without ipympl.
"""

import importlib

_APPS = {"Playground": "playground", "ActivationExplorer": "explorer", "OptimizerRace": "race",
         "BackpropStepper": "stepper"}
__all__ = list(_APPS)


def __getattr__(name):
    # each app loads its own module on first use: the stepper does not need the training stack
    if name in _APPS:
        return getattr(importlib.import_module(f"{__name__}.{_APPS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
