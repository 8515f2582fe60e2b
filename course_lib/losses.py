r"""Losses and penalties: a value and its gradient with respect to the network's output.

Every loss averages over the batch, as PyTorch's defaults (``reduction="mean"``). ``forward(pred, target)``
returns a float and caches what ``backward()`` needs; ``backward()`` returns :math:`\partial L/\partial
\text{pred}` with the shape and dtype of ``pred``.

Penalties (regularisers) act on parameters or predictions:

* ``l2_penalty``: :math:`\frac{\lambda}{2}\sum_W \|W\|^2`, gradient :math:`\lambda W` — the course's one
  convention for weight decay: the same update as ``optim.SGD(weight_decay=lam)`` and PyTorch's
  ``weight_decay``, which add :math:`\lambda W` to the gradient.
* ``l1_penalty``: :math:`\lambda\sum |w|`, (sub)gradient :math:`\lambda\,\mathrm{sign}(w)`.
* ``entropy_penalty``: :math:`\lambda\,\overline{H(\mathrm{softmax}(z))}` on the predictions.
"""
from __future__ import annotations

import numbers

import numpy as np


def _softmax_parts(z: np.ndarray):
    r"""Stable softmax pieces along axis 1: ``shifted`` :math:`= z - \max z`, ``log_norm``
    :math:`= \log\sum_k e^{z_k - \max z}` (batch, 1) and ``p`` :math:`= \mathrm{softmax}(z)`; then
    :math:`\log p = \text{shifted} - \text{log\_norm}`. One exp per element, and none can overflow."""
    shifted = z - z.max(axis=1, keepdims=True)
    p = np.exp(shifted)
    norm = p.sum(axis=1, keepdims=True)
    p /= norm
    return shifted, np.log(norm), p


def log_softmax(z: np.ndarray) -> np.ndarray:
    r"""Stable :math:`\log\mathrm{softmax}(z)_j = z_j - \max z - \log\sum_k e^{z_k - \max z}` along axis 1."""
    shifted, log_norm, _ = _softmax_parts(z)
    return shifted - log_norm


def as_real_batch(pred, who: str = "loss") -> np.ndarray:
    """``pred`` as a float array holding at least one sample; complex or non-numeric values and an empty
    batch are errors (a complex prediction would silently lose its imaginary part)."""
    pred = np.asarray(pred)
    if pred.dtype.kind not in "fiub":
        raise TypeError(f"{who}: predictions must be real numbers, got an array of dtype {pred.dtype}"
                        + ("; take .real or abs() explicitly if that is what you mean" if pred.dtype.kind == "c"
                           else ""))
    if pred.size == 0:
        raise ValueError(f"{who}: got an empty batch (pred of shape {pred.shape}); a mean over no samples is "
                         f"undefined — check the slicing that made the batch")
    return pred if pred.dtype.kind == "f" else pred.astype(np.float64)


class Loss:
    """Base class: ``forward(pred, target) -> float``, ``backward() -> dL/dpred``; ``loss(pred, target)``."""

    def __init__(self):
        self._grad = None

    def forward(self, pred, target) -> float:
        raise NotImplementedError(f"{type(self).__name__} must implement forward(pred, target)")

    def backward(self) -> np.ndarray:
        if self._grad is None:
            raise RuntimeError(f"{self!r}.backward() was called before forward(pred, target); "
                               "compute the loss first, backward returns its gradient")
        return self._grad

    def __call__(self, pred, target) -> float:
        return self.forward(pred, target)

    def __repr__(self):
        return f"{type(self).__name__}()"

    def _match_target(self, pred, target) -> np.ndarray:
        """``target`` as an array of pred's shape and dtype; a (batch,) target fits a (batch, 1) pred."""
        target = np.asarray(target)
        if target.dtype.kind not in "fiub":
            raise TypeError(f"{self!r}: targets must be real numbers, got an array of dtype {target.dtype}")
        if target.shape != pred.shape:
            if pred.ndim == 2 and pred.shape[1] == 1 and target.shape == pred.shape[:1]:
                target = target.reshape(pred.shape)
            else:
                raise ValueError(f"{self!r}: target of shape {target.shape} does not match pred of shape "
                                 f"{pred.shape}; give one target per output")
        return target.astype(pred.dtype, copy=False)


class MSELoss(Loss):
    r"""Mean squared error :math:`L = \frac1N\sum (\hat y - y)^2` over all N elements;
    :math:`\partial L/\partial\hat y = \frac2N(\hat y - y)`. pred, target: same shape (or (batch,1) and
    (batch,))."""

    def forward(self, pred, target) -> float:
        pred = as_real_batch(pred, repr(self))
        diff = pred - self._match_target(pred, target)
        self._grad = diff * (2.0 / diff.size)
        return float(np.vdot(diff, diff) / diff.size)


class BCEWithLogitsLoss(Loss):
    r"""Binary cross-entropy on logits z with targets :math:`y\in[0,1]`, in the stable form
    :math:`\ell = \max(z,0) - zy + \log(1+e^{-|z|})`, averaged over all elements;
    :math:`\partial L/\partial z = (\sigma(z) - y)/N`. pred, target: same shape (or (batch,1) and
    (batch,))."""

    def forward(self, pred, target) -> float:
        z = as_real_batch(pred, repr(self))
        y = self._match_target(z, target)
        n = z.size
        loss = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
        # sigma(z) without overflow: exp of a non-positive number only
        e = np.exp(-np.abs(z))
        sig = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)
        self._grad = (sig - y) * (1.0 / n)
        return float(loss.sum() / n)


class SoftmaxCrossEntropyLoss(Loss):
    r"""Softmax cross-entropy on logits z (batch, C) with integer class targets y (batch,):
    :math:`L = \frac1N\sum_i \big(\log\sum_k e^{z_{ik}} - z_{i y_i}\big)`;
    :math:`\partial L/\partial z = (\mathrm{softmax}(z) - \mathrm{onehot}(y))/N`. Same as PyTorch's
    ``CrossEntropyLoss``."""

    def forward(self, pred, target) -> float:
        z = as_real_batch(pred, repr(self))
        y = np.asarray(target)
        if z.ndim != 2:
            raise ValueError(f"{self!r}: pred must be logits of shape (batch, classes), got shape {z.shape}")
        n, c = z.shape
        if y.shape != (n,):
            raise ValueError(f"{self!r}: target must be class indices of shape ({n},), got shape {y.shape}; "
                             "pass integer labels, not one-hot rows")
        if y.dtype.kind not in "iu":
            raise TypeError(f"{self!r}: target must hold integer class indices, got dtype {y.dtype}; "
                            "use y.astype(int)")
        if n and (y.min() < 0 or y.max() >= c):
            bad = y[(y < 0) | (y >= c)]
            raise ValueError(f"{self!r}: target holds class indices {np.unique(bad).tolist()} outside "
                             f"[0, {c - 1}] for logits with {c} classes")
        shifted, log_norm, grad = _softmax_parts(z)
        rows = np.arange(n)
        value = float((log_norm[:, 0] - shifted[rows, y]).sum() / n)
        grad[rows, y] -= 1.0
        grad *= 1.0 / n
        self._grad = grad
        return value


LOSSES = {
    "mse": MSELoss,
    "bce_with_logits": BCEWithLogitsLoss,
    "binary_crossentropy": BCEWithLogitsLoss,
    "cross_entropy": SoftmaxCrossEntropyLoss,
    "softmax_cross_entropy": SoftmaxCrossEntropyLoss,
    "sparse_categorical_crossentropy": SoftmaxCrossEntropyLoss,
}


def get_loss(name: str) -> Loss:
    """A loss by name (Keras-like ``compile``): one of ``sorted(LOSSES)``."""
    key = name.lower() if isinstance(name, str) else None
    if key not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; known losses: {', '.join(sorted(LOSSES))}")
    return LOSSES[key]()


def check_lambda(lam, who: str, allow_negative: bool = False) -> None:
    """A penalty's strength must be a finite real number (>= 0 unless ``allow_negative``)."""
    if (isinstance(lam, bool) or not isinstance(lam, numbers.Real) or not np.isfinite(lam)
            or (lam < 0 and not allow_negative)):
        bound = "a finite number" if allow_negative else "a finite number >= 0"
        raise ValueError(f"{who}: lam must be {bound}, got {lam!r}")


def _penalty(params, lam, add_grad, value_of, grad_of, who):
    check_lambda(lam, who)
    params = params.parameters() if hasattr(params, "parameters") else list(params)
    total = 0.0
    for p in params:
        data = getattr(p, "data", p)
        total += float(value_of(data))
        if add_grad:
            if not hasattr(p, "grad"):
                raise TypeError(f"{who}(add_grad=True) needs Parameter objects to add the gradient to, "
                                f"got {type(p).__name__}")
            p.grad += grad_of(data)
    return lam * total


def l2_penalty(params, lam, add_grad=False) -> float:
    r"""L2 penalty (weight decay) :math:`\frac{\lambda}{2}\sum_W \|W\|^2` over the given parameters (a list or
    a Module: pass only the weights if biases should not be penalised); its gradient is :math:`\lambda W`.

    ``add_grad=True`` adds :math:`\lambda W` to each ``p.grad`` in place: exactly what
    ``optim.SGD(weight_decay=lam)`` (and PyTorch's ``weight_decay``) adds, so the step is
    :math:`W \leftarrow (1 - \alpha\lambda) W - \alpha\nabla Q` either way. The factor 1/2 is there so that
    the gradient is :math:`\lambda W`, not :math:`2\lambda W`. The source lecture writes the penalty as
    :math:`\lambda\|W\|_2` (the norm, unsquared); its gradient :math:`\lambda W/\|W\|` has a constant
    length, a different regulariser — the squared form is what "weight decay" means everywhere in practice.
    """
    return _penalty(params, lam, add_grad, lambda w: np.vdot(w, w) / 2.0, lambda w: lam * w, "l2_penalty")


def l1_penalty(params, lam, add_grad=False) -> float:
    r"""L1 penalty :math:`\lambda\sum_p\sum |w|`; ``add_grad=True`` adds the subgradient
    :math:`\lambda\,\mathrm{sign}(w)` (0 at w = 0) to each ``p.grad`` in place."""
    return _penalty(params, lam, add_grad, lambda w: np.abs(w).sum(), lambda w: lam * np.sign(w),
                    "l1_penalty")


def entropy_penalty(logits, lam):
    r"""Penalty on the entropy of the predictions :math:`p = \mathrm{softmax}(z)`, averaged over the batch:

    :math:`P = \frac{\lambda}{N}\sum_i H(p_i)`, :math:`H(p) = -\sum_j p_j\log p_j`,
    :math:`\partial P/\partial z_{ij} = -\frac{\lambda}{N}\,p_{ij}\,(\log p_{ij} + H(p_i))`.

    Added to the loss, :math:`\lambda > 0` pushes towards confident predictions (entropy minimisation);
    :math:`\lambda < 0` rewards high entropy, i.e. penalises over-confident outputs (the "confidence
    penalty"). logits (batch, C) -> (value: float, grad: (batch, C)).
    """
    check_lambda(lam, "entropy_penalty", allow_negative=True)
    z = as_real_batch(logits, "entropy_penalty")
    if z.ndim != 2:
        raise ValueError(f"entropy_penalty: logits must have shape (batch, classes), got shape {z.shape}")
    n = z.shape[0]
    shifted, log_norm, p = _softmax_parts(z)
    logp = shifted - log_norm
    h = -(p * logp).sum(axis=1, keepdims=True)
    grad = p * (logp + h)
    grad *= -lam / n
    return float(lam * h.sum() / n), grad
