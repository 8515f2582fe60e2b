r"""Numerical gradient checking: is a hand-written backward right?

The central difference :math:`\frac{\partial f}{\partial x_i} \approx \frac{f(x + \varepsilon e_i) -
f(x - \varepsilon e_i)}{2\varepsilon}` has error :math:`O(\varepsilon^2)`; in float64 with
:math:`\varepsilon = 10^{-6}` a correct backward agrees to a relative error of about :math:`10^{-7}` or
better, a wrong one is off by :math:`10^{-2}` or more.

To check a layer with parameters, :func:`check_module` turns it into the scalar :math:`f(x) = \sum_{ij}
G_{ij}\,y_{ij}(x)` with a random upstream gradient G, so that backward(G) must equal :math:`\nabla f`.
"""
from __future__ import annotations

import copy

import numpy as np

from course_lib.language import label, label_or
from course_lib.validation import as_rng

_TINY = 1e-300


def numerical_gradient(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    r"""Central differences of the scalar ``f(x)`` at ``x``: :math:`(f(x+\varepsilon e_i) -
    f(x-\varepsilon e_i)) / 2\varepsilon` for every element i. ``x`` (float64, any shape) is perturbed in
    place, one element at a time, and restored afterwards, even when ``f`` raises. Returns an array of x's
    shape."""
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        got = x.dtype if isinstance(x, np.ndarray) else type(x).__name__
        raise TypeError(f"numerical_gradient needs a float64 numpy array to perturb in place, got {got}; "
                        f"in float32 a step of eps={eps} drowns in rounding: pass x.astype(np.float64)")
    grad = np.empty_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    if not np.shares_memory(flat, x):
        raise ValueError("numerical_gradient needs a contiguous array (its elements are perturbed in place); "
                         "pass np.ascontiguousarray(x)")
    for i in range(flat.size):
        old = flat[i]
        try:
            flat[i] = old + eps
            fp = float(f(x))
            flat[i] = old - eps
            fm = float(f(x))
        finally:
            flat[i] = old
        gflat[i] = (fp - fm) / (2 * eps)
    return grad


def relative_error(a, b) -> float:
    r""":math:`\max_i |a_i - b_i| \,/\, \max(\max_i (|a_i| + |b_i|), \text{tiny})`: 0 when equal, about 1
    when unrelated; scale-free, and robust to elements that are near zero."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"relative_error: shapes differ, {a.shape} vs {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(a) + np.abs(b))), _TINY))


def locate_worst(analytic, numeric) -> tuple:
    r"""``(index, analytic value, numerical value)`` of the element where two gradients differ most,
    :math:`\arg\max_i |a_i - n_i|`; ``()`` for empty arrays."""
    a, n = np.asarray(analytic, dtype=np.float64), np.asarray(numeric, dtype=np.float64)
    if a.size == 0:
        return ()
    idx = np.unravel_index(int(np.argmax(np.abs(a - n))), a.shape)
    return tuple(int(i) for i in idx), float(a[idx]), float(n[idx])


def describe_worst(worst, lang: str | None = None) -> str:
    """``locate_worst``'s answer as one line in ``lang`` (default: the process-wide language); ``None`` (not
    located) gives ``""``."""
    if worst is None:
        return ""
    if not worst:
        return label("gradcheck.empty", lang)
    index, a, n = worst
    return label("gradcheck.worst", lang, index=index, analytic=f"{a:.10g}", numeric=f"{n:.10g}")


def worst_element(analytic, numeric, lang: str | None = None) -> str:
    """A one-line description, in ``lang``, of the element where two gradients differ most."""
    return describe_worst(locate_worst(analytic, numeric), lang)


class GradCheck(dict):
    """``{name: relative error}`` for "input" and each parameter; ``worst`` locates the worst element of each
    (``locate_worst``), ``details`` describes it in words and ``max_abs`` keeps its absolute difference.

    ``report(lang=None)`` gives a readable table in ``lang`` (default: the process-wide language, as ``str``
    does); ``assert_close(tol, atol)`` raises an AssertionError, in English like every course_lib error, naming
    every entry whose relative error is above ``tol`` and whose largest absolute difference is above ``atol`` (a
    gradient that is exactly zero, e.g. a bias before BatchNorm, has a relative error of 1 against the
    :math:`10^{-10}` rounding noise of the central difference).
    """

    def __init__(self, owner: str):
        super().__init__()
        self.owner, self.worst, self.max_abs = owner, {}, {}

    @property
    def details(self) -> dict:
        """``{name: the worst element in words}``, in the process-wide language."""
        return {k: describe_worst(w) for k, w in self.worst.items()}

    def add(self, name, analytic, numeric) -> None:
        self[name] = relative_error(analytic, numeric)
        self.worst[name] = locate_worst(analytic, numeric)
        diff = np.abs(np.asarray(analytic, dtype=np.float64) - numeric)
        self.max_abs[name] = float(diff.max()) if diff.size else 0.0

    def report(self, lang: str | None = None) -> str:
        """One line per entry: its name (a parameter's, translated where the label table knows it), the relative
        error and the worst element."""
        lines = [label("gradcheck.title", lang, owner=self.owner)]
        for k, v in self.items():
            name = label("gradcheck.input", lang) if k == "input" else label_or(f"tensor.{k}", k, lang)
            row = label("gradcheck.row", lang, error=f"{v:.3e}", worst=describe_worst(self.worst[k], lang))
            lines.append(f"  {name:<20} {row}")
        return "\n".join(lines)

    def assert_close(self, tol: float = 1e-6, atol: float = 1e-8) -> GradCheck:
        if any(not (v <= tol or self.max_abs[k] <= atol) for k, v in self.items()):
            # an error message, like every course_lib error, is in English
            raise AssertionError(f"backward disagrees with central differences (tolerance {tol:g}).\n"
                                 + self.report("en"))
        return self

    def __str__(self):
        return self.report()


def check_module(module, x, rng=None, eps: float = 1e-6) -> GradCheck:
    r"""Compare ``module.backward`` with central differences, for the input and every parameter.

    A deep copy of ``module`` is checked (the original's state, e.g. BatchNorm's running averages, is left
    alone). With a random upstream gradient G (drawn from ``rng``), :math:`f = \sum G\odot y`; stochastic
    layers reuse the random draw of the first forward (``freeze_noise``), so f is a fixed function.
    Parameters must be float64. ``x`` (any shape the module takes). Returns a :class:`GradCheck` dict.
    """
    gen = as_rng(rng)
    m = copy.deepcopy(module)
    x = np.array(x, dtype=np.float64)
    named = m.named_parameters()
    for name, p in named:
        if p.data.dtype != np.float64:
            raise TypeError(f"check_module: parameter {name!r} of {module!r} is {p.data.dtype}; gradient "
                            "checks need float64 layers (create the layer with dtype=np.float64)")
    y = m.forward(x)
    m.freeze_noise(True)
    try:
        g = gen.normal(size=np.shape(y))

        def f(_):
            return float(np.vdot(g, m.forward(x)))

        m.zero_grad()
        m.forward(x)
        dx = m.backward(g)
        result = GradCheck(repr(module))
        result.add("input", dx, numerical_gradient(f, x, eps))
        for name, p in named:
            analytic = p.grad.copy()
            result.add(name, analytic, numerical_gradient(f, p.data, eps))
    finally:
        m.freeze_noise(False)
    return result


class LossCheck(float):
    """A relative error (a float) that also remembers the worst element (``worst``, see ``locate_worst``;
    ``details`` in words) for a report."""

    worst = None

    @property
    def details(self) -> str:
        return describe_worst(self.worst)

    def report(self, lang: str | None = None) -> str:
        """The relative error and the worst element, in ``lang`` (default: the process-wide language)."""
        return label("gradcheck.row", lang, error=f"{float(self):.3e}", worst=describe_worst(self.worst, lang))


def check_loss(loss, pred, target, eps: float = 1e-6) -> LossCheck:
    r"""Relative error between ``loss.backward()`` and central differences of ``loss.forward(pred, target)``
    with respect to ``pred`` (float64). Returns a float; ``.report()`` names the worst element."""
    pred = np.array(pred, dtype=np.float64)
    loss.forward(pred, target)
    analytic = np.array(loss.backward(), dtype=np.float64)
    numeric = numerical_gradient(lambda z: loss.forward(z, target), pred, eps)
    out = LossCheck(relative_error(analytic, numeric))
    out.worst = locate_worst(analytic, numeric)
    return out
