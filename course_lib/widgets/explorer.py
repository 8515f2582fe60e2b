r"""Activation explorer: an activation :math:`f` and its derivative :math:`f'`, its parameters on sliders,
and the *saturation regions* — where :math:`|f'(x)| < \tau`, so almost no gradient flows back — shaded.

Programmatic use::

    app = ActivationExplorer(); app.select("leaky_relu", negative_slope=0.2)
    app.saturated           # [(x_lo, x_hi), ...] intervals where |f'| < threshold
"""

from __future__ import annotations

import inspect
import numbers

import ipywidgets as W
import numpy as np

from course_lib import activations
from course_lib.language import label_or
from course_lib.plotting import plot_activation, saturated_intervals, saturation_mask
from course_lib.widgets.common import WIDE, App, check_choice, check_range

# slider ranges for the parameters the activations take (name -> (min, max, step))
PARAM_RANGES = {
    "negative_slope": (0.0, 1.0, 0.01),
    "alpha": (0.0, 3.0, 0.05),
    "beta": (0.1, 5.0, 0.1),
    "lambd": (0.0, 2.0, 0.05),
    "min_val": (-3.0, 0.0, 0.1),
    "max_val": (0.0, 3.0, 0.1),
    "lower": (0.0, 1.0, 0.01),
    "upper": (0.0, 1.0, 0.01),
}


def numeric_parameters(name: str) -> dict:
    """The activation's constructor parameters with a numeric default: ``{param: default}``."""
    sig = inspect.signature(activations.ACTIVATIONS[name])
    return {
        p.name: float(p.default)
        for p in sig.parameters.values()
        if isinstance(p.default, numbers.Real) and not isinstance(p.default, bool)
    }


def _slider_range(param, default):
    lo, hi, step = PARAM_RANGES.get(param, (min(0.0, 2 * default - 1), max(1.0, 2 * default + 1), 0.05))
    return min(lo, default), max(hi, default), step


class ActivationExplorer(App):
    """Pick an activation; move its parameter sliders, the x-range and the saturation threshold."""

    def __init__(self, name: str = "sigmoid", threshold: float = 0.05, x_range=(-5.0, 5.0),
                 lang: str | None = None):
        super().__init__(figsize=(6, 4), lang=lang)
        self.names = [n for n in activations.names() if n != "softmax"]
        self.choice = W.Dropdown(
            options=self.choices("activation", self.names),
            value=check_choice("ActivationExplorer", "name", name, self.names),
            description=self.text("explorer.activation"),
        )
        self.threshold = W.FloatSlider(
            value=threshold, min=0.0, max=0.5, step=0.01, description=self.text("explorer.threshold"),
            style=WIDE,
        )
        self.x_range = W.FloatRangeSlider(
            value=tuple(x_range), min=-10.0, max=10.0, step=0.5, description="x"
        )
        self.param_box = W.VBox()
        self.sliders: dict[str, W.FloatSlider] = {}
        self._hold, self._pending = False, {}
        self.choice.observe(lambda _: self._build_sliders(), names="value")
        for c in (self.threshold, self.x_range):
            c.observe(lambda _: self._changed(), names="value")
        self.widget = W.HBox(
            [W.VBox([self.choice, self.param_box, self.x_range, self.threshold, self.status]), self.image]
        )
        self._build_sliders()

    def _changed(self):
        if not self._hold:
            self.render()

    def _build_sliders(self):
        values, self._pending = self._pending, {}
        self.sliders = {}
        for p, default in numeric_parameters(self.choice.value).items():
            lo, hi, step = _slider_range(p, default)
            s = W.FloatSlider(
                value=values.get(p, default), min=lo, max=hi, step=step,
                description=label_or(f"param.{p}", p, self.lang), style=WIDE,
            )
            s.observe(lambda _: self._changed(), names="value")
            self.sliders[p] = s
        self.param_box.children = tuple(self.sliders.values())
        self._changed()

    def select(self, name: str, **params):
        """Show activation ``name`` with parameters ``params`` (each checked against its slider's range)."""
        check_choice("ActivationExplorer", "name", name, self.names)
        known = numeric_parameters(name)
        for p, v in params.items():
            if p not in known:
                raise ValueError(
                    f"ActivationExplorer: {name} has no parameter {p!r}; it has {list(known) or 'none'}"
                )
            lo, hi, _ = _slider_range(p, known[p])
            check_range("ActivationExplorer", f"{name}.{p}", v, lo, hi)
        self._hold = True
        try:
            if name == self.choice.value:
                for p, v in params.items():
                    self.sliders[p].value = v
            else:
                self._pending = dict(params)
                self.choice.value = name  # the observer rebuilds the sliders from _pending
        finally:
            self._hold = False
        self.render()
        return self

    def set_view(self, x_range=None, threshold=None):
        """Change the x-range (within [-10, 10]) and/or the saturation threshold (within [0, 0.5])."""
        if x_range is not None:
            lo, hi = x_range
            if not -10 <= lo < hi <= 10:
                raise ValueError(
                    f"ActivationExplorer: x_range must satisfy -10 <= lo < hi <= 10, got {x_range}"
                )
        if threshold is not None:
            check_range("ActivationExplorer", "threshold", threshold, 0.0, 0.5)
        self._hold = True
        try:
            if x_range is not None:
                self.x_range.value = (lo, hi)
            if threshold is not None:
                self.threshold.value = threshold
        finally:
            self._hold = False
        self.render()
        return self

    @property
    def params(self) -> dict:
        return {p: s.value for p, s in self.sliders.items()}

    @property
    def activation(self):
        return activations.get_activation(self.choice.value, **self.params)

    @property
    def x(self):
        return np.linspace(*self.x_range.value, 401)

    @property
    def saturated(self) -> list:
        """Intervals of x (within the view) where :math:`|f'(x)|` is below the threshold."""
        act = self.activation
        if hasattr(act, "training"):
            act.training = False
        return saturated_intervals(self.x, saturation_mask(act.derivative(self.x), self.threshold.value))

    def render(self):
        spans = ", ".join(f"[{lo:.2f}, {hi:.2f}]" for lo, hi in self.saturated) or self.text("explorer.none")
        self.status.value = self.text("explorer.status", threshold=self.threshold.value, spans=spans)
        self._show(
            lambda fig: plot_activation(
                self.activation, x=self.x, ax=fig.subplots(), saturation=self.threshold.value, lang=self.lang
            )
        )
