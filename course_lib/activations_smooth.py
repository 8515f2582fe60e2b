"""The smooth activations that followed ReLU: GELU (exact and tanh form), Swish/SiLU, Mish, Softplus and
Softsign (see ``course_lib.activations`` for the conventions; importable from there)."""
from __future__ import annotations

import numpy as np

from course_lib.activation_base import (
    INV_SQRT_2PI,
    SQRT_2_OVER_PI,
    Activation,
    check_real,
    stable_sigmoid,
    stable_softplus,
)
from course_lib.validation import check_positive

__all__ = ["GELU", "GELUTanh", "Swish", "SiLU", "Mish", "Softplus", "Softsign"]


class GELU(Activation):
    r"""Gaussian error linear unit (Hendrycks & Gimpel, 2016), exact form: x times the normal CDF Φ(x).

    .. math:: \mathrm{GELU}(x) = x\,\Phi(x) = \tfrac{x}{2}\bigl(1 + \mathrm{erf}(x/\sqrt{2})\bigr)
    .. math:: \mathrm{GELU}'(x) = \Phi(x) + x\,\varphi(x), \quad \varphi(x) = e^{-x^2/2}/\sqrt{2\pi}
    """
    name, monotonic, uses_exp = "gelu", False, True

    @staticmethod
    def _cdf(x):
        from scipy.special import erf  # scipy only when GELU is used: the module imports numpy only
        return 0.5 * (1 + erf(x / np.sqrt(2)))

    def _forward(self, x):
        return x * self._cdf(x)

    def _derivative(self, x):
        return self._cdf(x) + x * INV_SQRT_2PI * np.exp(-0.5 * x * x)


class GELUTanh(Activation):
    r"""GELU with the tanh approximation (as in BERT/GPT-2; PyTorch's ``approximate="tanh"``).

    .. math:: f(x) = \tfrac{x}{2}\bigl(1 + \tanh u\bigr), \quad u = \sqrt{2/\pi}\,(x + 0.044715\,x^3)
    .. math:: f'(x) = \tfrac12(1 + \tanh u)
              + \tfrac{x}{2}(1 - \tanh^2 u)\sqrt{2/\pi}\,(1 + 3 \cdot 0.044715\,x^2)
    """
    name, monotonic, uses_exp = "gelu_tanh", False, True

    def _forward(self, x):
        return 0.5 * x * (1 + np.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x ** 3)))

    def _derivative(self, x):
        t = np.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x ** 3))
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)


class Swish(Activation):
    r"""Swish (Ramachandran et al., 2017): x gated by its own sigmoid; β = 1 is SiLU.

    .. math:: f(x) = x\,\sigma(\beta x)
    .. math:: f'(x) = \sigma(\beta x) + \beta x\,\sigma(\beta x)\bigl(1 - \sigma(\beta x)\bigr)
    """
    name, monotonic, uses_exp = "swish", False, True

    def __init__(self, beta: float = 1.0):
        check_real(self.name, "beta", beta)
        self.beta = float(beta)

    def _forward(self, x):
        return x * stable_sigmoid(self.beta * x)

    def _derivative(self, x):
        s = stable_sigmoid(self.beta * x)
        return s + self.beta * x * s * (1 - s)


class SiLU(Swish):
    r"""Sigmoid linear unit: Swish with β = 1 (PyTorch's ``silu``).

    .. math:: f(x) = x\,\sigma(x)
    .. math:: f'(x) = \sigma(x)\bigl(1 + x(1 - \sigma(x))\bigr)
    """
    name = "silu"

    def __init__(self):
        super().__init__(beta=1.0)


class Mish(Activation):
    r"""Mish (Misra, 2019): smooth and non-monotonic like Swish.

    .. math:: f(x) = x \tanh\bigl(\mathrm{softplus}(x)\bigr)
    .. math:: f'(x) = \tanh(\mathrm{sp}(x)) + x\,\bigl(1 - \tanh^2(\mathrm{sp}(x))\bigr)\,\sigma(x)
    """
    name, monotonic, uses_exp = "mish", False, True

    def _forward(self, x):
        return x * np.tanh(stable_softplus(x))

    def _derivative(self, x):
        t = np.tanh(stable_softplus(x))
        return t + x * (1 - t * t) * stable_sigmoid(x)


class Softplus(Activation):
    r"""Softplus: a smooth ReLU; β sharpens the corner.

    .. math:: f(x) = \tfrac{1}{\beta} \ln\bigl(1 + e^{\beta x}\bigr)
    .. math:: f'(x) = \sigma(\beta x)

    PyTorch switches to the identity for :math:`\beta x > 20`; this exact form differs by < 1e-8 there.
    """
    name, uses_exp = "softplus", True

    def __init__(self, beta: float = 1.0):
        check_positive("softplus", "beta", beta)
        self.beta = float(beta)

    def _forward(self, x):
        return stable_softplus(self.beta * x) / self.beta

    def _derivative(self, x):
        return stable_sigmoid(self.beta * x)


class Softsign(Activation):
    r"""Softsign: a tanh-like squashing with polynomial tails (saturates slowly, no exp).

    .. math:: f(x) = \frac{x}{1 + |x|}
    .. math:: f'(x) = \frac{1}{(1 + |x|)^2}
    """
    name, zero_centred, saturates = "softsign", True, True

    def _forward(self, x):
        return x / (1 + np.abs(x))

    def _derivative(self, x):
        return 1 / (1 + np.abs(x)) ** 2
