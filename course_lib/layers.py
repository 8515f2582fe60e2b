"""Layers: modules with a ``forward`` and a hand-written ``backward`` (cs231n style, PyTorch names).

Arrays are ``(batch, features)``. Every ``forward`` caches what its ``backward`` needs; ``backward(grad_out)``
takes :math:`\\partial L/\\partial y` and returns :math:`\\partial L/\\partial x`, and *adds* the parameter
gradients into ``p.grad`` **in place** (never rebinding it). Layers read ``p.data``/``p.grad`` through the
:class:`Parameter` at every call, so an optimiser may rebind both to views of one flat buffer.
"""
from __future__ import annotations

import numpy as np

from course_lib import _blas
from course_lib._util import as_rng
from course_lib.activations import get_activation
from course_lib.module import Module, Parameter, _all_zero, _check_input, _float_dtype, _ones, _positive_int
from course_lib.regularisation import BatchNorm1d, Dropout

__all__ = [
    "Parameter", "Module", "Linear", "ActivationLayer", "ReLU", "LeakyReLU", "ELU", "SELU", "GELU", "SiLU",
    "Sigmoid", "Tanh", "Softplus", "Softmax", "PReLU", "Dropout", "BatchNorm1d", "Maxout", "Sequential",
]


#: weights from which Linear.backward looks for an all-zero gradient to write into: the look costs a few
#: microseconds and pays only when it saves a pass over a large matrix (measured in training: a gain for
#: Linear(784, 256), 200,704 weights; a loss for Linear(256, 128), 32,768, and smaller)
_DIRECT_MIN = 1 << 16


class Linear(Module):
    r"""Fully connected layer :math:`y = x W^\top + b`.

    Shapes: ``x`` (batch, in), ``weight`` (out, in) as in PyTorch, ``bias`` (out,), ``y`` (batch, out).
    Initialisation of W: ``"he"`` :math:`\mathcal N(0, 2/n_{in})` (for ReLU nets), ``"xavier"``
    :math:`U(-a, a),\ a = \sqrt{6/(n_{in}+n_{out})}` (for tanh/sigmoid), ``"normal"``
    :math:`\mathcal N(0, 0.01^2)`; ``b = 0``.
    """

    INITS = ("he", "xavier", "normal")

    def __init__(self, in_features, out_features, bias=True, init="he", rng=None, dtype=np.float64):
        self.in_features = _positive_int("Linear", "in_features", in_features)
        self.out_features = _positive_int("Linear", "out_features", out_features)
        self._has_bias = bool(bias)
        dt = _float_dtype(repr(self), dtype)
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
        self._x = None

    def forward(self, x):
        r""":math:`y = x W^\top + b`; x (batch, in) -> y (batch, out)."""
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[1] != self.in_features:
            _check_input(self, x, self.in_features)
        if _blas.cold and x.shape[0] * self.in_features * self.out_features >= _blas.MIN_WORK:
            _blas.warm_up()  # OpenBLAS starts slow on some CPUs: one large product first (see _blas)
        # x W^T computed as (W x^T)^T, the same numbers: OpenBLAS runs this orientation faster at a batch of 128
        # (784->256: 0.82 against 0.96 ms on the course's machines), and the result, a Fortran-ordered view, is
        # the layout in which the next layer's products and the softmax's row reductions are fastest as well
        y = (self.weight.data @ x.T).T
        if self.bias is not None:
            y += self.bias.data
        self._x = x
        return y

    def backward(self, grad_out, input_grad=True):
        r""":math:`\partial L/\partial W \mathrel{+}= g^\top x`,
        :math:`\partial L/\partial b \mathrel{+}= \sum_i g_i`, returns :math:`g W`;
        g (batch, out) -> (batch, in). With ``input_grad=False`` the input gradient is not computed (returns
        ``None``): a first layer fed with data needs none, as PyTorch skips it for inputs without ``requires_grad``."""
        x = self._x
        if x is None:
            raise self._no_forward()
        if grad_out.shape != (x.shape[0], self.out_features):
            raise ValueError(f"{self!r}.backward got grad_out of shape {grad_out.shape}; "
                             f"expected {(x.shape[0], self.out_features)} like the last output")
        w = self.weight
        if w.grad.size >= _DIRECT_MIN and _all_zero(w.grad):
            # as after zero_grad(): the product can go straight into the gradient, no temporary to add; written
            # as (x^T g)^T, the orientation OpenBLAS runs faster here (784->256: 0.66 against 0.73 ms)
            np.matmul(x.T, grad_out, out=w.grad.T)
        else:
            w.grad += grad_out.T @ x
        if self.bias is not None:
            # the sum over the batch as a product with ones: one BLAS call; numpy's sum along the batch axis of
            # the Fortran-ordered gradients (see forward) took 27 against 5 us at 128x256
            self.bias.grad += _ones(x.shape[0], grad_out.dtype) @ grad_out
        return (w.data.T @ grad_out.T).T if input_grad else None  # g W, transposed as in forward

    def __repr__(self):
        return f"Linear({self.in_features}→{self.out_features}{'' if self._has_bias else ', bias=False'})"


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
            raise self._no_forward()
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
        self.num_parameters = _positive_int("PReLU", "num_parameters", num_parameters)
        dt = _float_dtype("PReLU", dtype)
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
            _check_input(self, x, self.num_parameters)
        self._x = x
        return self._set_alpha().forward(x)

    def backward(self, grad_out):
        r""":math:`\partial L/\partial\alpha \mathrel{+}= \sum g\odot\min(x, 0)` (summed over the batch, and
        over the features when α is shared); returns :math:`g\odot([x>0] + \alpha[x\le0])`, shape of x."""
        x = self._x
        if x is None:
            raise self._no_forward()
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
        self.out_features = _positive_int("Maxout", "out_features", out_features)
        self.pieces = _positive_int("Maxout", "pieces", pieces)
        self.linear = Linear(in_features, self.out_features * self.pieces, init=init, rng=rng, dtype=dtype)
        self._arg = None

    def forward(self, x):
        r""":math:`z = xW^\top + b` (batch, out·K) viewed as (batch, out, K), :math:`y = \max_k z_{:,:,k}`
        (batch, out)."""
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[1] != self.linear.in_features:
            _check_input(self, x, self.linear.in_features)
        z = self.linear.forward(x).reshape(x.shape[0], self.out_features, self.pieces)
        self._arg = z.argmax(axis=2)[..., None]
        return np.take_along_axis(z, self._arg, axis=2)[..., 0]

    def backward(self, grad_out):
        r""":math:`\partial L/\partial z_{ijk} = g_{ij}[k = \arg\max_k z_{ijk}]`, then the Linear backward;
        g (batch, out) -> (batch, in)."""
        if self._arg is None:
            raise self._no_forward()
        n = grad_out.shape[0]
        dz = np.zeros((n, self.out_features, self.pieces), dtype=grad_out.dtype)
        np.put_along_axis(dz, self._arg, grad_out[..., None], axis=2)
        return self.linear.backward(dz.reshape(n, self.out_features * self.pieces))

    def __repr__(self):
        return f"Maxout({self.linear.in_features}→{self.out_features}, pieces={self.pieces})"


class Sequential(Module):
    """Modules applied in order: ``forward`` left to right, ``backward`` right to left.

    Keras-like helpers: ``compile(loss, optimizer, metrics)``, ``fit(X, y, ...)``
    (``course_lib.training.fit``), ``predict(X)``, ``summary(input_shape)``. Supports ``len``, indexing (a
    slice gives a Sequential), iteration and ``append``.
    """

    def __init__(self, *modules):
        self.layers = []
        for m in modules:
            self.append(m)
        self.loss = self.optimizer = None
        self.metrics = ("accuracy",)

    def append(self, module) -> Sequential:
        if not isinstance(module, Module):
            raise TypeError(f"Sequential takes Module objects (Linear, ReLU(), ...), got {module!r}; "
                            "did you forget the parentheses, as in ReLU instead of ReLU()?")
        self.layers.append(module)
        return self

    def named_children(self):
        return [(str(i), m) for i, m in enumerate(self.layers)]

    def forward(self, x):
        r""":math:`y = f_L(\dots f_2(f_1(x)))`; x (batch, in) -> y (batch, out of the last layer)."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad_out, input_grad=True):
        r"""The chain rule right to left: :math:`g \leftarrow f_l.\mathrm{backward}(g)` for
        :math:`l = L, \dots, 1`; returns :math:`\partial L/\partial x` (batch, in), or ``None`` with
        ``input_grad=False`` when the first layer can skip it (``fit`` does this: data needs no gradient)."""
        if not self.layers:
            return grad_out
        for layer in reversed(self.layers[1:]):
            grad_out = layer.backward(grad_out)
        first = self.layers[0]
        if not input_grad and isinstance(first, (Linear, Sequential)):
            return first.backward(grad_out, input_grad=False)
        return first.backward(grad_out)

    def __len__(self):
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(*self.layers[index])
        return self.layers[index]

    def __repr__(self):
        inner = "".join(f"\n  ({i}): {m!r}" for i, m in enumerate(self.layers))
        return f"Sequential({inner}\n)" if self.layers else "Sequential()"

    def summary(self, input_shape=None) -> str:
        """A table of the layers, their output shapes (for a batch of ``None``) and parameter counts.

        ``input_shape`` is the shape of one sample, e.g. ``(64,)``; by default it is read from the first
        layer that knows its input width (Linear, Maxout, BatchNorm1d).
        """
        if input_shape is None:
            for m in self.modules():
                width = getattr(m, "in_features", None) or getattr(m, "num_features", None)
                if width:
                    input_shape = (width,)
                    break
        shapes = ["?"] * len(self.layers)
        if input_shape is not None:
            modes = [(m, m.training) for m in self.modules()]
            self.eval()                         # inference mode: no running stats moved, no masks drawn
            try:
                x = np.zeros((2, *input_shape))
                for i, layer in enumerate(self.layers):
                    x = layer.forward(x)
                    shapes[i] = str((None, *x.shape[1:]))
            finally:
                for m, mode in modes:
                    m.training = mode
        rows = [(f"({i}) {m!r}", s, m.num_parameters()) for i, (m, s) in enumerate(zip(self.layers, shapes))]
        w1 = max([len("Layer")] + [len(r[0]) for r in rows])
        w2 = max([len("Output shape")] + [len(r[1]) for r in rows])
        line = "-" * (w1 + w2 + 14)
        out = [line, f"{'Layer':<{w1}}  {'Output shape':<{w2}}  {'Params':>10}", line]
        out += [f"{a:<{w1}}  {b:<{w2}}  {c:>10,}" for a, b, c in rows]
        out += [line, f"Total parameters: {self.num_parameters():,}", line]
        return "\n".join(out)

    def compile(self, loss, optimizer, metrics=("accuracy",)) -> Sequential:
        """Remember the loss (a Loss or a name for ``losses.get_loss``), the optimiser (an Optimizer or a name
        for ``optim.get_optimizer`` with its default settings) and the metrics used by ``fit``."""
        if isinstance(loss, str):
            from course_lib.losses import get_loss
            loss = get_loss(loss)
        if isinstance(optimizer, str):
            from course_lib.optim import get_optimizer
            optimizer = get_optimizer(optimizer, self.parameters())
        self.loss, self.optimizer, self.metrics = loss, optimizer, tuple(metrics)
        return self

    def fit(self, X, y, epochs=10, batch_size=32, validation_data=None, **kwargs):
        """Train with ``course_lib.training.fit`` using what ``compile`` stored; returns its ``History``."""
        if self.loss is None or self.optimizer is None:
            raise RuntimeError("Sequential.fit: call model.compile(loss, optimizer) first, "
                               "e.g. model.compile('cross_entropy', 'adam')")
        from course_lib.training import fit
        return fit(self, X, y, self.loss, self.optimizer, epochs=epochs, batch_size=batch_size,
                   validation_data=validation_data, metrics=self.metrics, **kwargs)

    def predict(self, X, batch_size=256):
        """Outputs of the network in inference mode (``course_lib.training.predict``), shape (n, outputs)."""
        from course_lib.training import predict
        return predict(self, X, batch_size=batch_size)
