"""Cell helpers shared by the assignment builders (``tools/build_assignments``).

The lectures are no longer built from Python: each is edited as ``notebooks/NAME.md`` (MyST, paired with
``NAME.ipynb`` by jupytext); see ``tools/lectures.py``.
"""
