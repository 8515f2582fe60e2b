"""The ``Activation`` base class and the numerics every activation shares (see ``course_lib.activations``)."""
from __future__ import annotations

import inspect
import numbers

import numpy as np

SELU_ALPHA = 1.6732632423543772848170429916717   # Klambauer et al. (2017), as in PyTorch
SELU_SCALE = 1.0507009873554804934193349852946
SQRT_2_OVER_PI = 0.7978845608028654               # sqrt(2 / pi), for the tanh form of GELU
INV_SQRT_2PI = 0.3989422804014327                 # 1 / sqrt(2 pi), the normal density at 0


def as_float_array(x, owner, method: str) -> np.ndarray:
    """``x`` as a float ndarray (ints and bools become float64); anything non-numeric is a TypeError."""
    x = np.asarray(x)
    if x.dtype.kind == "f":
        return x
    if x.dtype.kind in "iub":
        return x.astype(np.float64)
    raise TypeError(f"{owner!r}.{method}: expected real numbers, got an array of dtype {x.dtype}; "
                    f"convert it with np.asarray(x, dtype=float)")


def check_real(owner: str, name: str, value) -> None:
    if not (isinstance(value, numbers.Real) and np.isfinite(value)):
        raise ValueError(f"{owner}: {name} must be a finite real number, got {value!r}")


def stable_sigmoid(x):
    # e^{-|x|} is at most 1, so neither branch can overflow
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def stable_softplus(x):
    # log(1 + e^x) = max(x, 0) + log(1 + e^{-|x|})
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def parameter_names(cls) -> list[str]:
    """The named parameters of ``cls.__init__`` (none for a class that keeps ``object.__init__``)."""
    if cls.__init__ is object.__init__:
        return []
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return [n for n, p in list(inspect.signature(cls.__init__).parameters.items())[1:] if p.kind in kinds]


class Activation:
    """Base class: ``forward(x)``, ``derivative(x)`` and ``backward(x, grad_out) = grad_out * derivative(x)``.

    Subclasses implement ``_forward`` and ``_derivative`` on float arrays; the public methods check and
    convert the input once, and return the input's dtype.
    """

    name = ""
    zero_centred = False
    saturates = False
    monotonic = True
    uses_exp = False
    kinks: tuple = ()
    training = True   # only RReLU behaves differently in training and evaluation

    def forward(self, x):
        x = as_float_array(x, self, "forward")
        return np.asarray(self._forward(x)).astype(x.dtype, copy=False)

    def derivative(self, x):
        x = as_float_array(x, self, "derivative")
        return np.asarray(self._derivative(x)).astype(x.dtype, copy=False)

    def backward(self, x, grad_out):
        """Gradient with respect to the input, given the gradient ``grad_out`` of the output (same shape)."""
        x = as_float_array(x, self, "backward")
        grad_out = self._check_grad(x, grad_out)
        return grad_out * np.asarray(self._derivative(x)).astype(x.dtype, copy=False)

    def __call__(self, x):
        return self.forward(x)

    def train(self, mode: bool = True):
        self.training = bool(mode)
        return self

    def eval(self):
        return self.train(False)

    def params(self) -> dict:
        """The constructor parameters and their current values (``rng`` left out)."""
        return {p: getattr(self, p) for p in parameter_names(type(self)) if p != "rng"}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params().items())
        return f"{type(self).__name__}({args})"

    def _check_grad(self, x, grad_out):
        grad_out = as_float_array(grad_out, self, "backward")
        if grad_out.shape != x.shape:
            raise ValueError(f"{self!r}.backward: grad_out has shape {grad_out.shape} but x has shape "
                             f"{x.shape}; pass the gradient of the output, which has the input's shape")
        return grad_out
