"""What every widget app shares: the top-level box, inline rendering, and range checks.

Rendering: each app draws into a ``matplotlib.figure.Figure`` it owns (never pyplot's global state, so no
figure leaks and nothing is shown twice by the inline backend) and puts the PNG bytes into an
``ipywidgets.Image``. That behaves the same on ipywidgets 7.7 (Colab) and 8, and needs no ipympl.

Language: each app takes ``lang=None`` (``"en"``, ``"ru"``; ``None`` is the process-wide language of
``course_lib.set_language``), fixed when the app is made. Descriptions, option labels, status lines and figures
come from ``course_lib.language.LABELS``; what the controls *return* (``"relu"``, ``"circle"``) is the same in
both languages, so code driving an app does not depend on the language.
"""

from __future__ import annotations

import numbers

import ipywidgets as W
from matplotlib.figure import Figure

from course_lib.language import label, label_or, resolve_language
from course_lib.plotting import figure_to_png

WIDE = {"description_width": "initial"}


class App:
    """Base of the widget apps: ``.widget`` is the top-level box; ``display(app)`` shows it."""

    widget: W.Widget

    def __init__(self, figsize=(9, 4), lang: str | None = None):
        self.lang = resolve_language(lang)
        self.figure = Figure(figsize=figsize)
        self.image = W.Image(format="png", layout=W.Layout(max_width="100%"))
        self.status = W.HTML()

    def text(self, key: str, **fields) -> str:
        """The label ``key`` in the app's language."""
        return label(key, self.lang, **fields)

    def choices(self, prefix: str, values) -> list:
        """Dropdown options ``[(shown, value), ...]``: each value under its label ``prefix.value`` (or itself,
        for a name with no translation). Pairs work on ipywidgets 7.7 and 8 alike."""
        return [(label_or(f"{prefix}.{v}", str(v), self.lang), v) for v in values]

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    def _show(self, draw) -> None:
        """Clear the app's figure, let ``draw(fig)`` fill it, and publish it as PNG."""
        self.figure.clear()
        draw(self.figure)
        self.image.value = figure_to_png(self.figure)


def check_choice(owner: str, name: str, value, options):
    if value not in options:
        raise ValueError(f"{owner}: {name} must be one of {list(options)}, got {value!r}")
    return value


def check_range(owner: str, name: str, value, lo, hi, integer=False):
    """Raise a ``ValueError`` naming the control unless ``lo <= value <= hi`` (sliders clamp silently)."""
    kind = numbers.Integral if integer else numbers.Real
    if not isinstance(value, kind) or isinstance(value, bool) or not lo <= value <= hi:
        what = "an integer" if integer else "a number"
        raise ValueError(f"{owner}: {name} must be {what} in [{lo}, {hi}], got {value!r}")
    return value


def set_controls(owner: str, controls: dict, settings: dict) -> None:
    """Validate ``settings`` against their controls' ranges/options, then assign them all."""
    for name, value in settings.items():
        if name not in controls:
            raise ValueError(f"{owner}: unknown setting {name!r}; known: {', '.join(controls)}")
        c = controls[name]
        if hasattr(c, "options"):
            options = [o[1] if isinstance(o, tuple) else o for o in c.options]
            check_choice(owner, name, value, options)
        elif hasattr(c, "min") and hasattr(c, "max") and not isinstance(c, W.FloatLogSlider):
            check_range(owner, name, value, c.min, c.max, integer=isinstance(c, W.IntSlider))
        elif isinstance(c, W.FloatLogSlider):
            check_range(owner, name, value, c.base**c.min, c.base**c.max)
        elif isinstance(c, W.Checkbox) and not isinstance(value, bool):
            raise ValueError(f"{owner}: {name} must be True or False, got {value!r}")
    for name, value in settings.items():
        controls[name].value = value
