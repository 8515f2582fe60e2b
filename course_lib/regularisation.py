"""Regularisation layers: dropout (both conventions) and batch normalisation.

Both behave differently in training and at inference, which is why ``Module.train()``/``eval()`` exist.
"""
from __future__ import annotations

import numbers

import numpy as np

from course_lib.module import Module, Parameter, check_input
from course_lib.validation import as_rng, check_positive, check_probability, float_dtype, positive_int


class Dropout(Module):
    r"""Dropout: in training each unit is kept with probability :math:`1-p` (mask :math:`m_{ij}\sim
    \mathrm{Bernoulli}(1-p)`).

    * ``mode="inverted"`` (as PyTorch): training :math:`y = x\odot m/(1-p)`, inference :math:`y = x`.
    * ``mode="scale_at_inference"`` (the original paper): training :math:`y = x\odot m`, inference
      :math:`y = (1-p)\,x`.

    Both keep :math:`\mathbb E[y_{train}] = y_{inference}`. backward multiplies ``grad_out`` by the same
    factor as the last forward. ``set_mask(keep)`` feeds a boolean keep-mask for the next training passes
    (``set_mask(None)`` draws again). Shapes: any; y has the shape of x.
    """

    MODES = ("inverted", "scale_at_inference")

    def __init__(self, p=0.5, mode="inverted", rng=None):
        check_probability("Dropout", "p", p)
        if mode not in self.MODES:
            raise ValueError(f"Dropout: mode must be one of {self.MODES}, got {mode!r}")
        self.p, self.mode, self.rng = float(p), mode, as_rng(rng)
        self._factor = None       # what the last forward multiplied x by: a mask array or a scalar
        self._keep = None         # a fixed keep-mask (set_mask / freeze_noise), else None

    def set_mask(self, keep) -> None:
        self._keep = None if keep is None else np.asarray(keep, dtype=bool)

    def freeze_noise(self, frozen=True):
        self._keep = (self._factor != 0) if frozen and isinstance(self._factor, np.ndarray) else None
        return self

    def forward(self, x):
        r"""Training: :math:`y = x\odot m` (inverted: :math:`x\odot m/(1-p)`) with a fresh mask; inference:
        :math:`y = x` (inverted) or :math:`(1-p)\,x`. y has x's shape."""
        x = np.asarray(x)
        dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
        if not self.training:
            self._factor = 1.0 if self.mode == "inverted" else 1.0 - self.p
        elif self.p == 0.0:
            self._factor = 1.0
        else:
            keep = self._keep
            if keep is None:
                keep = self.rng.random(x.shape, dtype=np.float32) >= self.p
            elif keep.shape != x.shape:
                raise ValueError(f"{self!r}: the fixed mask has shape {keep.shape} but the input has shape "
                                 f"{x.shape}; call set_mask(None) to draw masks again")
            factor = keep.astype(dtype)
            if self.mode == "inverted":
                factor *= 1.0 / (1.0 - self.p)
            self._factor = factor
        self._shape = x.shape
        return self._scale(x)

    def backward(self, grad_out):
        r""":math:`\partial L/\partial x = g\odot` (the factor of the last forward); shape of x."""
        if self._factor is None:
            raise self.no_forward_error()
        shape = self._factor.shape if isinstance(self._factor, np.ndarray) else self._shape
        return self._scale(self.check_grad_out(grad_out, shape))

    def _scale(self, a):
        f = self._factor
        return a if isinstance(f, float) and f == 1.0 else a * f

    def __repr__(self):
        return f"Dropout(p={self.p}{'' if self.mode == 'inverted' else ', mode=' + repr(self.mode)})"


class BatchNorm1d(Module):
    r"""Batch normalisation over the batch axis, per feature.

    Training: :math:`\mu = \frac1m\sum_i x_i`, :math:`\sigma^2 = \frac1m\sum_i (x_i-\mu)^2` (biased),
    :math:`\hat x = (x-\mu)/\sqrt{\sigma^2+\varepsilon}`, :math:`y = \gamma\hat x + \beta`; the running
    averages move as PyTorch's: :math:`r \leftarrow (1-\text{momentum})\,r + \text{momentum}\cdot s` with the
    *unbiased* variance :math:`\sigma^2\,m/(m-1)` (``momentum=None``: cumulative average). Inference uses the
    running mean and variance instead. Shapes: x, y (batch, num_features); gamma, beta, running stats
    (num_features,).
    """

    def __init__(self, num_features, eps=1e-5, momentum=0.1, dtype=np.float64):
        self.num_features = positive_int("BatchNorm1d", "num_features", num_features)
        check_positive("BatchNorm1d", "eps", eps)
        if momentum is not None and not (isinstance(momentum, numbers.Real) and 0 <= momentum <= 1):
            raise ValueError(f"BatchNorm1d: momentum must be in [0, 1] or None, got {momentum!r}")
        dt = float_dtype("BatchNorm1d", dtype)
        self.eps, self.momentum = float(eps), momentum
        self.gamma = Parameter(np.ones(self.num_features, dt), "gamma")
        self.beta = Parameter(np.zeros(self.num_features, dt), "beta")
        self.running_mean = np.zeros(self.num_features, dt)
        self.running_var = np.ones(self.num_features, dt)
        self.num_batches_tracked = 0
        self._cache = None

    def forward(self, x):
        r"""Training: :math:`y = \gamma (x-\mu_B)/\sqrt{\sigma_B^2+\varepsilon} + \beta`; inference: the same
        with the running statistics. x (batch, features) -> y (batch, features)."""
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[1] != self.num_features:
            check_input(self, x, self.num_features)
        if self.training:
            m = x.shape[0]
            if m < 2:
                raise ValueError(f"{self!r} in training mode needs a batch of at least 2 samples to estimate "
                                 f"the variance, got input of shape {x.shape}; use a larger batch or call "
                                 ".eval() to normalise with the running statistics")
            mean = x.mean(axis=0)
            xc = x - mean
            var = np.einsum("ij,ij->j", xc, xc) / m
            self.num_batches_tracked += 1
            k = 1.0 / self.num_batches_tracked if self.momentum is None else float(self.momentum)
            self.running_mean *= 1.0 - k
            self.running_mean += k * mean
            self.running_var *= 1.0 - k
            self.running_var += (k * m / (m - 1)) * var
        else:
            xc = x - self.running_mean
            var = self.running_var
        inv_std = 1.0 / np.sqrt(var + self.eps)
        xhat = xc * inv_std
        self._cache = (xhat, inv_std, self.training)
        return xhat * self.gamma.data + self.beta.data

    def backward(self, grad_out):
        r""":math:`\partial L/\partial\gamma \mathrel{+}= \sum_i g_i\hat x_i`,
        :math:`\partial L/\partial\beta \mathrel{+}= \sum_i g_i`; with :math:`d = g\gamma`, training:
        :math:`\partial L/\partial x = \frac{1}{\sqrt{\sigma^2+\varepsilon}}\big(d - \bar d - \hat x\,
        \overline{d\hat x}\big)` (bars: batch means); inference:
        :math:`d/\sqrt{\sigma^2_{run}+\varepsilon}`."""
        if self._cache is None:
            raise self.no_forward_error()
        xhat, inv_std, batch_stats = self._cache
        grad_out = self.check_grad_out(grad_out, xhat.shape)
        gamma = self.gamma.data
        dgamma = np.einsum("ij,ij->j", grad_out, xhat)
        self.beta.grad += grad_out.sum(axis=0)
        self.gamma.grad += dgamma
        d = grad_out * gamma
        if batch_stats:
            d -= d.mean(axis=0)
            d -= xhat * (dgamma * gamma / d.shape[0])
        d *= inv_std
        return d

    def fold(self):
        r"""The inference map as one affine map :math:`y = s\odot x + t`, returns ``(scale, shift)`` with
        :math:`s = \gamma/\sqrt{\sigma^2_{run}+\varepsilon}`, :math:`t = \beta - \mu_{run} s`, both
        (num_features,)."""
        scale = self.gamma.data / np.sqrt(self.running_var + self.eps)
        return scale, self.beta.data - self.running_mean * scale

    def __repr__(self):
        return f"BatchNorm1d({self.num_features})"
