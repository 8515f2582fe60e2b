r"""Test surfaces for optimisers (topic 4), and a runner that drives any ``course_lib`` optimiser over them.

Each surface is a function :math:`f: \mathbb{R}^2 \to \mathbb{R}` with its exact gradient, a start point that
shows the surface's difficulty, its minima and a plotting window:

* ``ill_conditioned_quadratic(condition_number)`` — a long narrow valley: plain gradient descent zig-zags;
* ``rosenbrock()`` — the curved banana valley;
* ``saddle()`` — a saddle point at the origin where the gradient vanishes;
* ``local_minima()`` — a tilted double well: a shallow local minimum beside the global one.

Points are arrays whose last axis is (x, y): ``surface(p)`` maps shape ``(..., 2)`` to ``(...)`` and
``surface.gradient(p)`` maps ``(..., 2)`` to ``(..., 2)``, so the same call serves one point and a contour
grid.

``run_optimizer(surface, "adam", lr=0.1, steps=200)`` returns a ``Trajectory``: the optimiser sees the point
as one parameter of shape (2,) (an object with ``.data`` and ``.grad``, like ``layers.Parameter``) and the
surface writes its gradient into ``.grad`` before each ``step()``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from course_lib.validation import check_positive


@dataclass(frozen=True)
class Surface:
    """A 2-D test function: ``f(x, y)``, ``grad(x, y) -> (df/dx, df/dy)``, and where to look at it."""
    name: str
    f: callable
    grad: callable
    start: tuple
    minima: tuple
    xlim: tuple
    ylim: tuple
    formula: str = ""
    key: str = ""            # the id of its title in course_lib.language.LABELS ("surface.<key>")
    title_fields: tuple = ()  # ((placeholder, value), ...) for that title

    def title(self, lang: str | None = None) -> str:
        """The surface's name for a figure, in ``lang`` (default: the process-wide language)."""
        from course_lib.language import label_or

        return label_or(f"surface.{self.key}", self.name, lang, **dict(self.title_fields))

    def _split(self, p):
        p = np.asarray(p, dtype=float)
        if p.shape[-1:] != (2,):
            raise ValueError(f"{self.name}: points must have shape (..., 2) (x, y), got shape {p.shape}")
        return p[..., 0], p[..., 1]

    def __call__(self, p):
        return self.f(*self._split(p))

    def gradient(self, p):
        return np.stack(np.broadcast_arrays(*self.grad(*self._split(p))), axis=-1)

    def grid(self, n: int = 200):
        """``(X, Y, Z)`` over the plotting window, each (n, n), ready for ``contour``."""
        X, Y = np.meshgrid(np.linspace(*self.xlim, n), np.linspace(*self.ylim, n))
        return X, Y, self.f(X, Y)


def ill_conditioned_quadratic(condition_number: float = 10.0, angle: float = 0.0) -> Surface:
    r""":math:`f(p) = \tfrac12 p^\top A p` with :math:`A = R_\theta\,\mathrm{diag}(1, \kappa)\,R_\theta^\top`.

    The Hessian's eigenvalues are 1 and :math:`\kappa` (the condition number); gradient descent converges
    only for :math:`\eta < 2/\kappa` and then needs about :math:`\kappa` steps along the flat direction.
    ``angle`` (degrees) turns the valley away from the axes.
    """
    check_positive("ill_conditioned_quadratic", "condition_number", condition_number)
    if condition_number < 1:
        raise ValueError(f"ill_conditioned_quadratic: condition_number must be >= 1, got {condition_number}")
    t = np.deg2rad(angle)
    R = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    A = R @ np.diag([1.0, float(condition_number)]) @ R.T

    def f(x, y):
        return 0.5 * (A[0, 0] * x * x + 2 * A[0, 1] * x * y + A[1, 1] * y * y)

    def grad(x, y):
        return A[0, 0] * x + A[0, 1] * y, A[1, 0] * x + A[1, 1] * y

    return Surface(f"quadratic (κ={condition_number:g})", f, grad, start=(-4.0, 1.5), minima=((0.0, 0.0),),
                   xlim=(-5.0, 5.0), ylim=(-3.0, 3.0), formula=r"$\frac{1}{2}(x^2 + \kappa y^2)$",
                   key="quadratic", title_fields=(("kappa", condition_number),))


def rosenbrock(a: float = 1.0, b: float = 100.0) -> Surface:
    r""":math:`f(x, y) = (a - x)^2 + b\,(y - x^2)^2`, minimum 0 at :math:`(a, a^2)`.

    :math:`\partial_x f = -2(a - x) - 4 b x (y - x^2)`, :math:`\partial_y f = 2 b (y - x^2)`.
    """
    def f(x, y):
        return (a - x) ** 2 + b * (y - x * x) ** 2

    def grad(x, y):
        return -2 * (a - x) - 4 * b * x * (y - x * x), 2 * b * (y - x * x)

    return Surface("Rosenbrock", f, grad, start=(-1.5, 2.0), minima=((a, a * a),),
                   xlim=(-2.0, 2.0), ylim=(-1.0, 3.0), formula=r"$(a-x)^2 + b(y-x^2)^2$", key="rosenbrock")


def saddle() -> Surface:
    r""":math:`f(x, y) = x^2 - y^2 + \tfrac14 y^4`: a saddle at the origin.

    The minima are :math:`-1` at :math:`(0, \pm\sqrt2)`; the quartic term only keeps the surface bounded
    below, so that an optimiser that escapes has somewhere to go. Started on the ridge (:math:`y \approx 0`),
    plain gradient descent creeps because the gradient there is tiny.
    """
    def f(x, y):
        return x * x - y * y + 0.25 * y ** 4

    def grad(x, y):
        return 2 * x, -2 * y + y ** 3

    r2 = float(np.sqrt(2.0))
    return Surface("saddle", f, grad, start=(-2.0, 1e-3), minima=((0.0, r2), (0.0, -r2)),
                   xlim=(-2.5, 2.5), ylim=(-2.5, 2.5), formula=r"$x^2 - y^2 + y^4/4$", key="saddle")


def local_minima(tilt: float = 0.3) -> Surface:
    r""":math:`f(x, y) = \tfrac14 x^4 - \tfrac12 x^2 + t\,x + \tfrac12 y^2`: a tilted double well.

    :math:`\partial_x f = x^3 - x + t` has two stable roots: the global minimum on the left and a shallower
    local one on the right (for :math:`0 < t < 2/(3\sqrt3)`). Started on the right, gradient descent stops in
    the local minimum; enough momentum carries it over the hump.
    """
    if not 0 < tilt < 2 / (3 * np.sqrt(3)):
        raise ValueError(f"local_minima: tilt must be in (0, {2 / (3 * np.sqrt(3)):.3f}) for two minima, "
                         f"got {tilt}")

    def f(x, y):
        return 0.25 * x ** 4 - 0.5 * x * x + tilt * x + 0.5 * y * y

    def grad(x, y):
        return x ** 3 - x + tilt, y

    roots = np.sort(np.roots([1.0, 0.0, -1.0, tilt]).real)
    minima = ((float(roots[0]), 0.0), (float(roots[2]), 0.0))   # the middle root is the hump
    return Surface("local minima", f, grad, start=(2.0, 1.5), minima=minima,
                   xlim=(-2.2, 2.2), ylim=(-2.0, 2.0), formula=r"$x^4/4 - x^2/2 + t x + y^2/2$",
                   key="local_minima")


SURFACES = {"quadratic": ill_conditioned_quadratic, "rosenbrock": rosenbrock, "saddle": saddle,
            "local_minima": local_minima}


def get_surface(name: str, **params) -> Surface:
    """A surface by name (``quadratic``, ``rosenbrock``, ``saddle``, ``local_minima``)."""
    if name not in SURFACES:
        raise ValueError(f"get_surface: unknown surface {name!r}; known: {', '.join(SURFACES)}")
    return SURFACES[name](**params)


class _Point:
    """The optimised point as a parameter: ``data`` (2,) and ``grad`` (2,)."""

    def __init__(self, data):
        self.data, self.grad, self.name = data, np.zeros_like(data), "point"


@dataclass
class Trajectory:
    """Where an optimiser went: ``points`` (steps + 1, 2) including the start, ``values`` (steps + 1,)."""
    optimizer: str
    points: np.ndarray
    values: np.ndarray
    diverged: bool = False
    hyper: dict = field(default_factory=dict)

    @property
    def final(self):
        return self.points[-1]


def run_optimizer(surface: Surface, optimizer="sgd", start=None, steps: int = 100, max_norm: float = 1e6,
                  **hyper) -> Trajectory:
    """Minimise ``surface`` from ``start`` (default ``surface.start``) for ``steps`` optimiser steps.

    ``optimizer`` is a name for ``optim.get_optimizer`` (hyper-parameters as keywords, e.g. ``lr=0.01,
    momentum=0.9``) or a callable ``params -> Optimizer``. The run stops early, with ``diverged=True``, once
    the point leaves the ball of radius ``max_norm`` or stops being finite.
    """
    from course_lib import optim

    if not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"run_optimizer: steps must be a non-negative integer, got {steps!r}")
    p0 = np.array(surface.start if start is None else start, dtype=np.float64)
    if p0.shape != (2,):
        raise ValueError(f"run_optimizer: start must be a point (x, y), got shape {p0.shape}")
    point = _Point(p0.copy())
    if callable(optimizer):
        opt, label = optimizer([point]), getattr(optimizer, "__name__", type(optimizer).__name__)
    else:
        opt, label = optim.get_optimizer(optimizer, [point], **hyper), str(optimizer)
    points, diverged = [p0], False
    for _ in range(steps):
        opt.zero_grad()
        # write in place: the optimiser may hold point.grad as a view of its flat buffer
        point.grad[...] = surface.gradient(point.data)
        opt.step()
        p = np.array(point.data, dtype=np.float64)
        if not np.all(np.isfinite(p)) or np.linalg.norm(p) > max_norm:
            diverged = True
            break
        points.append(p)
    points = np.array(points)
    return Trajectory(label, points, surface(points), diverged, dict(hyper))
