"""Builders of the lecture notebooks: one module per notebook, each a list of markdown and code cells.

``python -m tools.build_notebooks`` regenerates every notebook in ``notebooks/``;
``python -m tools.build_notebooks --check`` exits non-zero when a committed notebook differs from its builder.
"""
import importlib

BUILDERS = (
    "nb01_neurons_and_xor",
    "nb02_backpropagation",
    "nb03_activation_functions",
    "nb04_optimisation",
    "nb05_regularisation",
    "nb06_building_blocks",
)


def load_builders():
    """The builder modules, in lecture order; each has ``FILENAME``, ``TITLE`` and ``cells()``."""
    return [importlib.import_module(f"{__name__}.{name}") for name in BUILDERS]
