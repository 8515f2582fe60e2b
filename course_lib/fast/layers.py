r"""The fast layers: ``course_lib.layers``' Linear, ReLU and Sequential, computing the same numbers faster.

Read ``course_lib.layers`` first: there ``Linear`` is :math:`y = x W^\top + b`, :math:`dW = g^\top x`,
:math:`db = \sum_i g_i`, :math:`dx = g W`. Here the same products are arranged for OpenBLAS and numpy 2
(measured on the course's 2-core AVX2 machines, float32, batch 128, one thread):

* **Orientation.** :math:`x W^\top` is computed as :math:`(W x^\top)^\top`: the same numbers, but OpenBLAS runs
  this orientation faster (784->256: 0.82 against 0.96 ms), and the result, a Fortran-ordered view, is the
  layout in which the next layer's products and the softmax's row reductions are fastest as well.
* **Direct weight gradient.** Right after ``zero_grad()`` the weight gradient is all +0.0, so
  :math:`x^\top g` can be written straight into it (``out=``) instead of into a temporary that is then added
  (784->256: 0.66 against 0.73 ms). The all-zero test reads the bits as unsigned integers (11 us for 256x784
  against 112 us for ``any()``) and runs only from :data:`DIRECT_MIN` weights, where it pays.
* **Bias gradient as a product with ones**: one BLAS call; numpy's sum along the batch axis of the
  Fortran-ordered gradient took 27 against 5 us at 128x256.
* **No input gradient for the first layer**: ``Sequential.backward(g, input_grad=False)`` skips
  :math:`g W` of the first Linear, which data never needs (PyTorch skips it for inputs without
  ``requires_grad``): one of the three products of the largest layer.
* **BLAS warm-up** (``course_lib.fast.blas``): one large product per process before the first large layer.
* **ReLU against a row of zeros** rather than the scalar 0: numpy 2.4 has a vectorised loop only for the
  first (128x256 float32: 20 against 42 us).

:func:`from_reference` builds the fast twin of a reference ``Sequential`` sharing its parameters;
``tests/course_lib/test_fast_equivalence.py`` checks outputs and gradients are the same.
"""
from __future__ import annotations

import functools

import numpy as np

from course_lib import layers
from course_lib.fast import blas
from course_lib.module import Module, check_input

__all__ = ["Linear", "ReLU", "Sequential", "from_reference", "all_zero", "DIRECT_MIN"]

#: weights from which Linear.backward looks for an all-zero gradient to write into: the look costs a few
#: microseconds and pays only when it saves a pass over a large matrix (measured in training: a gain for
#: Linear(784, 256), 200,704 weights; a loss for Linear(256, 128), 32,768, and smaller)
DIRECT_MIN = 1 << 16


def all_zero(a: np.ndarray) -> bool:
    """Whether every element of the float array ``a`` is +0.0: its bits read as unsigned integers have maximum
    0 (one vectorised pass; -0.0 and NaN have bits set, so they count as non-zero)."""
    return a.size == 0 or not a.view(UINT_OF_SIZE[a.itemsize]).max()


UINT_OF_SIZE = {2: np.uint16, 4: np.uint32, 8: np.uint64}


@functools.lru_cache(maxsize=16)
def ones(n: int, dtype) -> np.ndarray:
    """A read-only vector of ``n`` ones, kept: a sum over the batch as ``ones(n, dtype) @ g`` then costs one
    BLAS call and no allocation per step."""
    out = np.ones(n, dtype)
    out.flags.writeable = False
    return out


class Linear(layers.Linear):
    r""":math:`y = x W^\top + b` as ``course_lib.layers.Linear`` (same constructor and parameters), with the
    products arranged for speed (see the module docstring)."""

    def forward(self, x):
        r""":math:`y = (W x^\top)^\top + b`, i.e. :math:`x W^\top + b`; x (batch, in) -> y (batch, out)."""
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[1] != self.in_features:
            check_input(self, x, self.in_features)
        if blas.cold and x.shape[0] * self.in_features * self.out_features >= blas.MIN_WORK:
            blas.warm_up()
        y = (self.weight.data @ x.T).T
        if self.bias is not None:
            y += self.bias.data
        self.x = x
        return y

    def backward(self, grad_out, input_grad=True):
        r""":math:`dW \mathrel{+}= (x^\top g)^\top`, :math:`db \mathrel{+}= \mathbf 1^\top g`, returns
        :math:`(W^\top g^\top)^\top = g W`, or ``None`` with ``input_grad=False``."""
        x = self.x
        if x is None:
            raise self.no_forward_error()
        if grad_out.shape != (x.shape[0], self.out_features):
            self.check_grad_out(grad_out, (x.shape[0], self.out_features))
        w = self.weight
        if w.grad.size >= DIRECT_MIN and all_zero(w.grad):
            np.matmul(x.T, grad_out, out=w.grad.T)
        else:
            w.grad += grad_out.T @ x
        if self.bias is not None:
            self.bias.grad += ones(x.shape[0], grad_out.dtype) @ grad_out
        return (w.data.T @ grad_out.T).T if input_grad else None

    def __repr__(self):
        return "fast." + super().__repr__()


class ReLU(Module):
    r""":math:`y = \max(x, 0)`, :math:`\partial L/\partial x = g\odot[x > 0]`, as ``course_lib.layers.ReLU``."""

    def __init__(self):
        self.x = None

    def forward(self, x):
        x = np.asarray(x)
        # zeros along x's contiguous axis (a row, or a column of a Fortran-ordered x): vectorised in numpy 2
        column = x.ndim > 1 and x.flags.f_contiguous and not x.flags.c_contiguous
        zeros = np.zeros((len(x),) + (1,) * (x.ndim - 1) if column else x.shape[-1:], x.dtype)
        self.x = x
        return np.maximum(x, zeros)

    def backward(self, grad_out):
        if self.x is None:
            raise self.no_forward_error()
        if grad_out.shape != self.x.shape:
            self.check_grad_out(grad_out, self.x.shape)
        return grad_out * (self.x > 0)

    def __repr__(self):
        return "fast.ReLU()"


class Sequential(layers.Sequential):
    """``course_lib.layers.Sequential`` whose ``backward`` can skip the first layer's input gradient."""

    def backward(self, grad_out, input_grad=True):
        r"""The chain rule right to left; with ``input_grad=False`` a first fast ``Linear`` (or fast
        ``Sequential``) does not compute :math:`\partial L/\partial x` and ``None`` is returned."""
        if not self.layers:
            return grad_out
        for layer in reversed(self.layers[1:]):
            grad_out = layer.backward(grad_out)
        first = self.layers[0]
        if not input_grad and isinstance(first, (Linear, Sequential)):
            return first.backward(grad_out, input_grad=False)
        return first.backward(grad_out)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(*self.layers[index])
        return self.layers[index]


def from_reference(model: layers.Sequential) -> Sequential:
    """The fast twin of a reference ``Sequential``: each ``Linear`` becomes a fast one holding the **same**
    Parameter objects, each ReLU a fast ReLU; other layers are taken over as they are (so the reference
    model should not be used in parallel with the twin)."""
    if not isinstance(model, layers.Sequential):
        raise TypeError(f"from_reference: expected a course_lib.layers.Sequential, got {type(model).__name__}")
    out = []
    for layer in model:
        if isinstance(layer, layers.Sequential):
            out.append(from_reference(layer))
        elif type(layer) is layers.Linear:
            fast = Linear.__new__(Linear)
            fast.__dict__.update(vars(layer))
            fast.x = None
            out.append(fast)
        elif isinstance(layer, layers.ActivationLayer) and getattr(layer.activation, "name", "") == "relu":
            out.append(ReLU())
        else:
            out.append(layer)
    return Sequential(*out)
