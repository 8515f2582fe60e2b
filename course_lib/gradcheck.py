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


def worst_element(analytic, numeric) -> str:
    """A one-line description of the element where two gradients differ most."""
    a, n = np.asarray(analytic, dtype=np.float64), np.asarray(numeric, dtype=np.float64)
    if a.size == 0:
        return "(empty)"
    idx = np.unravel_index(int(np.argmax(np.abs(a - n))), a.shape)
    return f"worst element {tuple(int(i) for i in idx)}: analytic {a[idx]:.10g}, numerical {n[idx]:.10g}"


class GradCheck(dict):
    """``{name: relative error}`` for "input" and each parameter; ``details`` names the worst element of each
    and ``max_abs`` keeps its absolute difference.

    ``report()`` gives a readable table; ``assert_close(tol, atol)`` raises an AssertionError naming every
    entry whose relative error is above ``tol`` and whose largest absolute difference is above ``atol`` (a
    gradient that is exactly zero, e.g. a bias before BatchNorm, has a relative error of 1 against the
    :math:`10^{-10}` rounding noise of the central difference).
    """

    def __init__(self, owner: str):
        super().__init__()
        self.owner, self.details, self.max_abs = owner, {}, {}

    def add(self, name, analytic, numeric) -> None:
        self[name] = relative_error(analytic, numeric)
        self.details[name] = worst_element(analytic, numeric)
        diff = np.abs(np.asarray(analytic, dtype=np.float64) - numeric)
        self.max_abs[name] = float(diff.max()) if diff.size else 0.0

    def report(self) -> str:
        lines = [f"gradient check of {self.owner}:"]
        lines += [f"  {k:<20} relative error {v:.3e}; {self.details[k]}" for k, v in self.items()]
        return "\n".join(lines)

    def assert_close(self, tol: float = 1e-6, atol: float = 1e-8) -> GradCheck:
        if any(not (v <= tol or self.max_abs[k] <= atol) for k, v in self.items()):
            raise AssertionError(f"backward disagrees with central differences (tolerance {tol:g}).\n"
                                 + self.report())
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
    """A relative error (a float) that also remembers the worst element (``details``) for a report."""

    details = ""

    def report(self) -> str:
        return f"relative error {float(self):.3e}; {self.details}"


def check_loss(loss, pred, target, eps: float = 1e-6) -> LossCheck:
    r"""Relative error between ``loss.backward()`` and central differences of ``loss.forward(pred, target)``
    with respect to ``pred`` (float64). Returns a float; ``.report()`` names the worst element."""
    pred = np.array(pred, dtype=np.float64)
    loss.forward(pred, target)
    analytic = np.array(loss.backward(), dtype=np.float64)
    numeric = numerical_gradient(lambda z: loss.forward(z, target), pred, eps)
    out = LossCheck(relative_error(analytic, numeric))
    out.details = worst_element(analytic, numeric)
    return out
