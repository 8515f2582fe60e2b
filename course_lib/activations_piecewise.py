r"""Piecewise-linear, hard and shrinking activations (lecture 3): cheap functions made of straight pieces.

Hard tanh, hard sigmoid and hard swish replace a smooth curve by line segments (no ``exp``); the shrink
functions push small inputs to zero; step and sign are the historical threshold units, whose derivative is
zero almost everywhere. They are registered with the others in ``course_lib.activations``.
"""
from __future__ import annotations

import numpy as np

from course_lib.activation_base import Activation, check_real
from course_lib.validation import check_positive


class Hardtanh(Activation):
    r"""Hard tanh: the identity clipped to [min_val, max_val].

    .. math:: f(x) = \min\bigl(\max(x, m), M\bigr)
    .. math:: f'(x) = [m < x < M]
    """
    name, saturates = "hardtanh", True

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0):
        check_real("hardtanh", "min_val", min_val)
        check_real("hardtanh", "max_val", max_val)
        if not min_val < max_val:
            raise ValueError(f"hardtanh: min_val must be < max_val, got min_val={min_val!r}, "
                             f"max_val={max_val!r}")
        self.min_val, self.max_val = float(min_val), float(max_val)
        self.kinks = (self.min_val, self.max_val)
        self.zero_centred = self.min_val < 0 < self.max_val

    def _forward(self, x):
        return np.clip(x, self.min_val, self.max_val)

    def _derivative(self, x):
        return (x > self.min_val) & (x < self.max_val)


class HardSigmoid(Activation):
    r"""Hard sigmoid, PyTorch's definition :math:`\mathrm{ReLU6}(x + 3)/6` (slope 1/6; Keras uses 0.2).

    .. math:: f(x) = \min\bigl(\max(x/6 + 1/2,\; 0),\; 1\bigr)
    .. math:: f'(x) = \tfrac16\,[-3 < x < 3]
    """
    name, saturates, kinks = "hard_sigmoid", True, (-3.0, 3.0)

    def _forward(self, x):
        return np.clip(x / 6 + 0.5, 0, 1)

    def _derivative(self, x):
        return np.where((x > -3) & (x < 3), 1 / 6, 0.0)


class HardSwish(Activation):
    r"""Hard swish (MobileNetV3): Swish with the hard sigmoid, :math:`x\,\mathrm{ReLU6}(x + 3)/6`.

    .. math:: f(x) = x \min\bigl(\max(x/6 + 1/2,\; 0),\; 1\bigr)
    .. math:: f'(x) = \begin{cases} 0 & x < -3 \\ (2x + 3)/6 & -3 \le x \le 3 \\ 1 & x > 3 \end{cases}
    """
    name, monotonic, kinks = "hard_swish", False, (-3.0, 3.0)

    def _forward(self, x):
        return x * np.clip(x / 6 + 0.5, 0, 1)

    def _derivative(self, x):
        return np.where(x < -3, 0.0, np.where(x > 3, 1.0, (2 * x + 3) / 6))


class Tanhshrink(Activation):
    r"""Tanh-shrink: what tanh takes away from the identity.

    .. math:: f(x) = x - \tanh x
    .. math:: f'(x) = \tanh^2 x
    """
    name, zero_centred, uses_exp = "tanhshrink", True, True

    def _forward(self, x):
        return x - np.tanh(x)

    def _derivative(self, x):
        return np.tanh(x) ** 2


class _Shrink(Activation):
    """Shared by the soft and hard shrink: zero on [-λ, λ], slope 1 outside."""
    zero_centred = True

    def __init__(self, lambd: float = 0.5):
        check_positive(self.name, "lambd", lambd, allow_zero=True)
        self.lambd = float(lambd)
        self.kinks = (-self.lambd, self.lambd)

    def _derivative(self, x):
        return np.abs(x) > self.lambd


class Softshrink(_Shrink):
    r"""Soft shrinkage (soft thresholding): moves every input λ towards zero, and stops at zero.

    .. math:: f(x) = \mathrm{sign}(x)\,\max(|x| - \lambda, 0)
    .. math:: f'(x) = [\,|x| > \lambda\,]
    """
    name = "softshrink"

    def _forward(self, x):
        return np.sign(x) * np.maximum(np.abs(x) - self.lambd, 0)


class Hardshrink(_Shrink):
    r"""Hard shrinkage: keeps inputs with :math:`|x| > \lambda`, zeroes the rest (jumps at ±λ).

    .. math:: f(x) = x\,[\,|x| > \lambda\,]
    .. math:: f'(x) = [\,|x| > \lambda\,]
    """
    name = "hardshrink"

    def _forward(self, x):
        return np.where(np.abs(x) > self.lambd, x, 0.0)


class _Flat(Activation):
    """Piecewise constant: the derivative is 0 wherever it exists, so no gradient flows through."""
    kinks, saturates = (0.0,), True

    def _derivative(self, x):
        return np.zeros_like(x)


class Step(_Flat):
    r"""Heaviside step, the McCulloch–Pitts threshold :math:`[x > 0]`.

    Its derivative is 0 everywhere except at 0 (where it does not exist), so gradient descent cannot train
    through it: this is why the perceptron needed its own learning rule.

    .. math:: f(x) = [x > 0]
    .. math:: f'(x) = 0 \quad (x \ne 0)
    """
    name = "step"

    def _forward(self, x):
        return x > 0


class Sign(_Flat):
    r"""Sign function, the ±1 threshold unit; derivative 0 wherever it exists (not at 0).

    .. math:: f(x) = \mathrm{sign}(x)
    .. math:: f'(x) = 0 \quad (x \ne 0)
    """
    name, zero_centred = "sign", True

    def _forward(self, x):
        return np.sign(x)


class Identity(Activation):
    r"""Identity: the "linear" activation of a regression output; stacking it collapses layers into one.

    .. math:: f(x) = x
    .. math:: f'(x) = 1
    """
    name, zero_centred = "identity", True

    def _forward(self, x):
        return x

    def _derivative(self, x):
        return np.ones_like(x)


class PiecewiseLinear(Activation):
    r"""The continuous piecewise linear function through the knots :math:`(x_k, y_k)`.

    The default, knots (-2.5, 0) and (2.5, 1), is a 3-piece approximation of the sigmoid (the slope-0.2
    "hard sigmoid" of Keras/Theano). Outside the knots it stays constant (``extrapolate="constant"``) or
    continues the end segments (``"linear"``).

    .. math:: f(x) = y_k + \frac{y_{k+1} - y_k}{x_{k+1} - x_k}(x - x_k), \quad x_k \le x < x_{k+1}
    .. math:: f'(x) = \frac{y_{k+1} - y_k}{x_{k+1} - x_k} \text{ on that piece}
    """
    name = "piecewise_linear"

    def __init__(self, knots_x=(-2.5, 2.5), knots_y=(0.0, 1.0), extrapolate: str = "constant"):
        xs, ys = np.asarray(knots_x, dtype=np.float64), np.asarray(knots_y, dtype=np.float64)
        if xs.ndim != 1 or xs.shape != ys.shape or len(xs) < 2:
            raise ValueError(f"piecewise_linear: knots_x and knots_y must be 1-D of the same length >= 2, "
                             f"got shapes {xs.shape} and {ys.shape}")
        if not (np.all(np.isfinite(xs)) and np.all(np.isfinite(ys)) and np.all(np.diff(xs) > 0)):
            raise ValueError(f"piecewise_linear: knots_x must be finite and strictly increasing and knots_y "
                             f"finite, got knots_x={xs.tolist()}, knots_y={ys.tolist()}")
        if extrapolate not in ("constant", "linear"):
            raise ValueError(f"piecewise_linear: extrapolate must be 'constant' or 'linear', "
                             f"got {extrapolate!r}")
        self.knots_x, self.knots_y, self.extrapolate = tuple(xs.tolist()), tuple(ys.tolist()), extrapolate
        self._xs, self._ys, self._slopes = xs, ys, np.diff(ys) / np.diff(xs)
        self.kinks = self.knots_x
        self.monotonic = bool(np.all(self._slopes >= 0))
        self.saturates = extrapolate == "constant"
        self.zero_centred = bool(ys.min() < 0 < ys.max())

    def _piece(self, x):
        """Index of the segment that holds each x (the end segments extend beyond the knots)."""
        return np.clip(np.searchsorted(self._xs, x, side="right") - 1, 0, len(self._xs) - 2)

    def _forward(self, x):
        if self.extrapolate == "constant":
            x = np.clip(x, self._xs[0], self._xs[-1])
        k = self._piece(x)
        return self._ys[k] + self._slopes[k] * (x - self._xs[k])

    def _derivative(self, x):
        slope = self._slopes[self._piece(x)]
        if self.extrapolate == "constant":
            slope = np.where((x < self._xs[0]) | (x > self._xs[-1]), 0.0, slope)
        return slope
