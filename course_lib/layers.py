"""Layers: modules with a ``forward`` and a hand-written ``backward`` (cs231n style, PyTorch names).

Arrays are ``(batch, features)``. Every ``forward`` caches what its ``backward`` needs; ``backward(grad_out)``
takes :math:`\\partial L/\\partial y` and returns :math:`\\partial L/\\partial x`, and *adds* the parameter
gradients into ``p.grad`` **in place**. This is the reference implementation; ``course_lib.fast.layers`` has
a Linear layer that computes the same numbers faster.
"""
from __future__ import annotations

import numpy as np

from course_lib.activations import get_activation
from course_lib.module import Module, ModuleList, Parameter, check_input
from course_lib.regularisation import BatchNorm1d, Dropout
from course_lib.sequential import Sequential
from course_lib.validation import as_rng, float_dtype, positive_int

__all__ = [
    "Parameter", "Module", "ModuleList", "Linear", "ActivationLayer", "ReLU", "LeakyReLU", "ELU", "SELU", "GELU",
    "SiLU", "Sigmoid", "Tanh", "Softplus", "Softmax", "PReLU", "Dropout", "BatchNorm1d", "Maxout", "Sequential",
]


class Linear(Module):
    r"""Fully connected layer :math:`y = x W^\top + b`.

    Shapes: ``x`` (batch, in), ``weight`` (out, in) as in PyTorch, ``bias`` (out,), ``y`` (batch, out).
    Initialisation of W: ``"he"`` :math:`\mathcal N(0, 2/n_{in})` (for ReLU nets), ``"xavier"``
    :math:`U(-a, a),\ a = \sqrt{6/(n_{in}+n_{out})}` (for tanh/sigmoid), ``"normal"``
    :math:`\mathcal N(0, 0.01^2)`; ``b = 0``.
    """

    INITS = ("he", "xavier", "normal")

    def __init__(self, in_features, out_features, bias=True, init="he", rng=None, dtype=np.float64):
        self.in_features = positive_int("Linear", "in_features", in_features)
        self.out_features = positive_int("Linear", "out_features", out_features)
        self.has_bias = bool(bias)
        dt = float_dtype(repr(self), dtype)
        gen, shape = as_rng(rng), (self.out_features, self.in_features)
        if init == "he":
            w = gen.normal(0.0, np.sqrt(2.0 / self.in_features), size=shape)
        elif init == "xavier":
            a = np.sqrt(6.0 / (self.in_features + self.out_features))
            w = gen.uniform(-a, a, size=shape)
        elif init == "normal":
            w = gen.normal(0.0, 0.01, size=shape)
        else:
            raise ValueError(f"{self!r}: unknown init {init!r}; choose one of {self.INITS}")
        self.weight = Parameter(w.astype(dt), "weight")
        self.bias = Parameter(np.zeros(self.out_features, dt), "bias") if bias else None
        self.x = None

    def forward(self, x):
        r""":math:`y = x W^\top + b`; x (batch, in) -> y (batch, out)."""
        x = check_input(self, x, self.in_features)
        self.x = x                                   # cached for backward
        y = x @ self.weight.data.T
        if self.bias is not None:
            y = y + self.bias.data
        return y

    def backward(self, grad_out):
        r""":math:`\partial L/\partial W \mathrel{+}= g^\top x`, :math:`\partial L/\partial b \mathrel{+}= \sum_i g_i`,
        returns :math:`\partial L/\partial x = g W`; g (batch, out) -> (batch, in)."""
        if self.x is None:
            raise self.no_forward_error()
        g = self.check_grad_out(grad_out, (self.x.shape[0], self.out_features))
        self.weight.grad += g.T @ self.x             # dW = g^T x
        if self.bias is not None:
            self.bias.grad += g.sum(axis=0)          # db = sum over the batch
        return g @ self.weight.data                  # dx = g W

    def __repr__(self):
        return f"Linear({self.in_features}→{self.out_features}{'' if self.has_bias else ', bias=False'})"


class ActivationLayer(Module):
    """An elementwise activation (from ``course_lib.activations``) as a layer: y = f(x), grad_in = f'(x)·g.

    ``ActivationLayer("leaky_relu", negative_slope=0.1)`` or ``ActivationLayer(activation_object)``. Softmax's
    backward is its Jacobian-vector product (along the last axis). Shapes: any, ``y`` has the shape of ``x``.
    """

    activation_name: str | None = None        # set by the shortcut subclasses (ReLU, Tanh, ...)

    def __init__(self, name_or_activation=None, **params):
        spec = self.activation_name if name_or_activation is None else name_or_activation
        if spec is None:
            raise TypeError("ActivationLayer needs an activation name such as 'relu' or an activation object")
        if isinstance(spec, str):
            self.activation = get_activation(spec, **params)
        elif callable(getattr(spec, "forward", None)) and not isinstance(spec, type) and not params:
            self.activation = spec
        else:
            raise TypeError(f"ActivationLayer takes an activation name such as 'relu' (with its parameters) or "
                            f"an activation object, got {spec!r}; for a class, pass an instance: {spec!r}()")
        self._spec, self._params, self._x = spec, params, None

    @property
    def training(self):
        return self.__dict__.get("_training", True)

    @training.setter
    def training(self, mode):
        self.__dict__["_training"] = mode
        if hasattr(self.activation, "training"):      # RReLU draws slopes only in training
            self.activation.training = mode

    def forward(self, x):
        r""":math:`y = f(x)` elementwise (softmax: along the last axis); y has x's shape."""
        self._x = x
        return self.activation.forward(x)

    def backward(self, grad_out):
        r""":math:`\partial L/\partial x = f'(x)\odot g` (softmax: :math:`s\odot(g - \langle g, s\rangle)`);
        g and the result have x's shape."""
        if self._x is None:
            raise self.no_forward_error()
        return self.activation.backward(self._x, grad_out)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self._params.items())
        if self.activation_name is not None:
            return f"{type(self).__name__}({args})"
        name = self._spec if isinstance(self._spec, str) else getattr(self._spec, "name", "?")
        return f"ActivationLayer({name!r}{', ' + args if args else ''})"


class ReLU(ActivationLayer):
    r""":math:`\max(0, x)`."""
    activation_name = "relu"


class LeakyReLU(ActivationLayer):
    r""":math:`x` for :math:`x>0`, else :math:`\text{negative\_slope}\cdot x` (default 0.01)."""
    activation_name = "leaky_relu"


class ELU(ActivationLayer):
    r""":math:`x` for :math:`x>0`, else :math:`\alpha(e^x-1)`."""
    activation_name = "elu"


class SELU(ActivationLayer):
    r""":math:`\lambda x` for :math:`x>0`, else :math:`\lambda\alpha(e^x-1)` (self-normalising constants)."""
    activation_name = "selu"


class GELU(ActivationLayer):
    r""":math:`x\,\Phi(x)`."""
    activation_name = "gelu"


class SiLU(ActivationLayer):
    r""":math:`x\,\sigma(x)` (Swish with β = 1)."""
    activation_name = "silu"


class Sigmoid(ActivationLayer):
    r""":math:`\sigma(x) = 1/(1+e^{-x})`."""
    activation_name = "sigmoid"


class Tanh(ActivationLayer):
    r""":math:`\tanh x`."""
    activation_name = "tanh"


class Softplus(ActivationLayer):
    r""":math:`\frac1\beta \log(1+e^{\beta x})`."""
    activation_name = "softplus"


class Softmax(ActivationLayer):
    r""":math:`\mathrm{softmax}(x)_j = e^{x_j}/\sum_k e^{x_k}` along the last axis."""
    activation_name = "softmax"


class PReLU(Module):
    r"""Parametric ReLU with a learnable slope: :math:`y = x` for :math:`x>0`, else :math:`\alpha x`.

    ``num_parameters=1`` shares one α; ``num_parameters=features`` learns one α per feature (column).
    Shapes: x (batch, features) -> y (batch, features); ``alpha`` (num_parameters,).
    :math:`\partial y/\partial x = [x>0] + \alpha[x\le0]`, :math:`\partial y/\partial\alpha = \min(x, 0)`.
    """

    def __init__(self, num_parameters=1, init=0.25, dtype=np.float64):
        self.num_parameters = positive_int("PReLU", "num_parameters", num_parameters)
        dt = float_dtype("PReLU", dtype)
        self.alpha = Parameter(np.full(self.num_parameters, init, dtype=dt), "alpha")
        self._act = get_activation("prelu", alpha=init)
        self._x = None

    def _set_alpha(self):
        # The optimiser may rebind alpha.data: hand the activation the current array at every call.
        self._act.alpha = self.alpha.data
        return self._act

    def forward(self, x):
        r""":math:`y = \max(x, 0) + \alpha\min(x, 0)`, α broadcast over columns; x, y (batch, features)."""
        x = np.asarray(x)
        if self.num_parameters > 1:
            check_input(self, x, self.num_parameters)
        self._x = x
        return self._set_alpha().forward(x)

    def backward(self, grad_out):
        r""":math:`\partial L/\partial\alpha \mathrel{+}= \sum g\odot\min(x, 0)` (summed over the batch, and
        over the features when α is shared); returns :math:`g\odot([x>0] + \alpha[x\le0])`, shape of x."""
        x = self._x
        if x is None:
            raise self.no_forward_error()
        grad_out = self.check_grad_out(grad_out, x.shape)
        act = self._set_alpha()
        da = grad_out * act.derivative_alpha(x)
        self.alpha.grad += da.sum(axis=0) if self.num_parameters > 1 else da.sum()
        return grad_out * act.derivative(x)

    def __repr__(self):
        return f"PReLU(num_parameters={self.num_parameters})"


class Maxout(Module):
    r"""Maxout unit: :math:`y_j = \max_{k=1..K} (x W_{jk}^\top + b_{jk})` over ``pieces`` = K linear pieces.

    Implemented as ``Linear(in, out*pieces)`` (child ``linear``; output unit j owns columns
    ``j*K .. j*K+K-1``) followed by a max; the gradient flows only to the winning piece.
    Shapes: x (batch, in) -> y (batch, out).
    """

    def __init__(self, in_features, out_features, pieces=2, init="he", rng=None, dtype=np.float64):
        self.out_features = positive_int("Maxout", "out_features", out_features)
        self.pieces = positive_int("Maxout", "pieces", pieces)
        self.linear = Linear(in_features, self.out_features * self.pieces, init=init, rng=rng, dtype=dtype)
        self._arg = None

    def forward(self, x):
        r""":math:`z = xW^\top + b` (batch, out·K) viewed as (batch, out, K), :math:`y = \max_k z_{:,:,k}`
        (batch, out)."""
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[1] != self.linear.in_features:
            check_input(self, x, self.linear.in_features)
        z = self.linear.forward(x).reshape(x.shape[0], self.out_features, self.pieces)
        self._arg = z.argmax(axis=2)[..., None]
        return np.take_along_axis(z, self._arg, axis=2)[..., 0]

    def backward(self, grad_out):
        r""":math:`\partial L/\partial z_{ijk} = g_{ij}[k = \arg\max_k z_{ijk}]`, then the Linear backward;
        g (batch, out) -> (batch, in)."""
        if self._arg is None:
            raise self.no_forward_error()
        n = self._arg.shape[0]
        grad_out = self.check_grad_out(grad_out, (n, self.out_features))
        dz = np.zeros((n, self.out_features, self.pieces), dtype=grad_out.dtype)
        np.put_along_axis(dz, self._arg, grad_out[..., None], axis=2)
        return self.linear.backward(dz.reshape(n, self.out_features * self.pieces))

    def __repr__(self):
        return f"Maxout({self.linear.in_features}→{self.out_features}, pieces={self.pieces})"


