r"""Optimiser race: several ``course_lib`` optimisers, each with its own hyper-parameters, start from the same
point of a test surface (``landscapes``); a ``Play`` widget walks through their steps side by side.

Left: the paths over the contour plot. Right: :math:`f` against the step, so speed and final value compare
at a glance. Programmatic use::

    race = OptimizerRace(surface="rosenbrock", steps=300)
    race.set_optimizer("adam", enabled=True, lr=0.05); race.show_frame(100)
    race.trajectories["adam"].values[-1]; race.ranking()
"""

from __future__ import annotations

import ipywidgets as W
import numpy as np

from course_lib import landscapes
from course_lib.plotting import optimizer_title, plot_trajectories
from course_lib.widgets.common import WIDE, App, check_choice, check_range

# optimiser -> (default lr, second hyper-parameter (name, default, min, max) or None)
RACERS = {
    "sgd": (1e-3, None),
    "momentum": (1e-3, ("momentum", 0.9, 0.0, 0.99)),
    "nesterov": (1e-3, ("momentum", 0.9, 0.0, 0.99)),
    "adagrad": (0.3, None),
    "rmsprop": (1e-2, ("alpha", 0.99, 0.5, 0.999)),
    "adam": (5e-2, ("beta1", 0.9, 0.0, 0.99)),
}
LR_RANGE = (1e-5, 1.0)


class OptimizerRace(App):
    """Race optimisers over a surface; ``trajectories`` holds each one's ``landscapes.Trajectory``."""

    def __init__(self, surface: str = "rosenbrock", steps: int = 200, enabled=("sgd", "momentum", "adam"),
                 lang: str | None = None):
        super().__init__(figsize=(10, 4.2), lang=lang)
        check_choice("OptimizerRace", "surface", surface, list(landscapes.SURFACES))
        self.surface_choice = W.Dropdown(
            options=self.choices("surface_choice", landscapes.SURFACES),
            value=surface, description=self.text("race.surface"), style=WIDE,
        )
        self.condition = W.FloatLogSlider(
            value=10.0, base=10, min=0, max=3, description=self.text("race.condition"), style=WIDE
        )
        self.steps = W.IntSlider(
            value=check_range("OptimizerRace", "steps", steps, 1, 2000, integer=True),
            min=1,
            max=2000,
            description=self.text("race.steps"),
        )
        self.play = W.Play(value=steps, min=0, max=steps, step=max(1, steps // 50), interval=100)
        self.frame_slider = W.IntSlider(value=steps, min=0, max=steps, description=self.text("race.step"))
        W.jslink((self.play, "value"), (self.frame_slider, "value"))
        self.rows = {}
        for name, (lr, extra) in RACERS.items():
            row = {
                "enabled": W.Checkbox(
                    value=name in enabled, description=optimizer_title(name, self.lang), indent=False,
                    layout=W.Layout(width="130px"),
                ),
                "lr": W.FloatLogSlider(value=lr, base=10, min=-5, max=0, description=self.text("param.lr")),
            }
            if extra:
                row[extra[0]] = W.FloatSlider(
                    value=extra[1], min=extra[2], max=extra[3], step=0.01,
                    description=self.text(f"param.{extra[0]}"),
                )
            self.rows[name] = row
        self._hold = False
        for c in [self.surface_choice, self.condition, self.steps] + [
            c for r in self.rows.values() for c in r.values()
        ]:
            c.observe(lambda _: self._changed(), names="value")
        self.frame_slider.observe(lambda _: None if self._hold else self.render(), names="value")
        self.widget = W.VBox(
            [
                W.HBox([self.surface_choice, self.condition, self.steps]),
                *[W.HBox(list(r.values())) for r in self.rows.values()],
                W.HBox([self.play, self.frame_slider, self.status]),
                self.image,
            ]
        )
        self.run()

    # ------------------------------------------------------------------ settings
    def _changed(self):
        if not self._hold:
            self.run()

    def set_optimizer(self, name: str, enabled: bool | None = None, **hyper):
        """Enable/disable optimiser ``name`` and set its hyper-parameters (``lr``, ``momentum``, ...)."""
        check_choice("OptimizerRace", "optimiser", name, list(self.rows))
        row = self.rows[name]
        for k, v in hyper.items():
            if k not in row or k == "enabled":
                raise ValueError(
                    f"OptimizerRace: {name} has no hyper-parameter {k!r}; "
                    f"it has {[c for c in row if c != 'enabled']}"
                )
            lo, hi = LR_RANGE if k == "lr" else (row[k].min, row[k].max)
            check_range("OptimizerRace", f"{name}.{k}", v, lo, hi)
        self._hold = True
        try:
            if enabled is not None:
                row["enabled"].value = bool(enabled)
            for k, v in hyper.items():
                row[k].value = v
        finally:
            self._hold = False
        return self.run()

    def configure(self, surface=None, steps=None, condition_number=None):
        self._hold = True
        try:
            if surface is not None:
                self.surface_choice.value = check_choice(
                    "OptimizerRace", "surface", surface, list(landscapes.SURFACES)
                )
            if steps is not None:
                self.steps.value = check_range("OptimizerRace", "steps", steps, 1, 2000, integer=True)
            if condition_number is not None:
                self.condition.value = check_range(
                    "OptimizerRace", "condition_number", condition_number, 1, 1000
                )
        finally:
            self._hold = False
        return self.run()

    @property
    def surface(self):
        name = self.surface_choice.value
        params = {"condition_number": self.condition.value} if name == "quadratic" else {}
        return landscapes.get_surface(name, **params)

    def hyper(self, name: str) -> dict:
        """The keyword arguments ``optim.get_optimizer(name, ...)`` receives from the row's sliders."""
        row = self.rows[name]
        kw = {"lr": row["lr"].value}
        if "momentum" in row:
            kw["momentum"] = row["momentum"].value
        if "alpha" in row:
            kw["alpha"] = row["alpha"].value
        if "beta1" in row:
            kw["betas"] = (row["beta1"].value, 0.999)
        return kw

    # ------------------------------------------------------------------ racing
    def run(self):
        """Recompute every enabled optimiser's trajectory and show the last step."""
        surface, steps = self.surface, self.steps.value
        self.trajectories = {
            name: landscapes.run_optimizer(surface, name, steps=steps, **self.hyper(name))
            for name, row in self.rows.items()
            if row["enabled"].value
        }
        self._hold = True
        try:
            for c in (self.play, self.frame_slider):
                c.max = steps
            self.play.step = max(1, steps // 50)
            self.frame_slider.value = steps
        finally:
            self._hold = False
        self.render()
        return self

    @property
    def frame(self) -> int:
        return self.frame_slider.value

    def show_frame(self, t: int):
        """Show every path up to step ``t``."""
        self.frame_slider.value = check_range("OptimizerRace", "frame", t, 0, self.steps.value, integer=True)
        return self

    def ranking(self, t: int | None = None) -> list:
        """Optimiser names ordered by :math:`f` at step ``t`` (default: the current frame); diverged last."""
        t = self.frame if t is None else t
        return sorted(self.trajectories, key=lambda name: self._value_at(name, t))

    def _value_at(self, name, t) -> float:
        """f at step ``t``; infinity once a diverged run has ended."""
        traj = self.trajectories[name]
        if t >= len(traj.values) - 1 and traj.diverged:
            return np.inf
        return float(traj.values[min(t, len(traj.values) - 1)])

    def render(self):
        t = self.frame
        parts = [
            self.text("race.value", name=optimizer_title(name, self.lang), value=v) if np.isfinite(v)
            else self.text("race.diverged", name=optimizer_title(name, self.lang))
            for name, v in ((n, self._value_at(n, t)) for n in self.trajectories)
        ]
        self.status.value = (self.text("race.status", step=t, values=", ".join(parts)) if parts
                             else self.text("race.none_enabled"))
        self._show(self._draw)

    def _draw(self, fig):
        ax_path, ax_f = fig.subplots(1, 2)
        surface = self.surface
        plot_trajectories(surface, self.trajectories, ax=ax_path, upto=self.frame, lang=self.lang)
        lowest = min(
            [float(surface(np.array(m))) for m in surface.minima]
            + [float(np.min(tr.values)) for tr in self.trajectories.values()]
        )
        for i, (name, traj) in enumerate(self.trajectories.items()):
            n = min(self.frame + 1, len(traj.values))
            # shift by the lowest value seen, so that a log scale works for surfaces whose minimum is negative
            ax_f.semilogy(np.arange(n), traj.values[:n] - lowest + 1e-12, color=f"C{i}",
                          label=optimizer_title(name, self.lang))
        ax_f.set_xlabel(self.text("race.step"))
        ax_f.set_title(self.text("race.gap_title"))
        ax_f.set_xlim(0, max(1, self.steps.value))
        fig.tight_layout()
