"""Layers: modules with a ``forward`` and a hand-written ``backward`` (cs231n style, PyTorch names).

Arrays are ``(batch, features)``. Every ``forward`` caches what its ``backward`` needs; ``backward(grad_out)``
takes :math:`\\partial L/\\partial y` and returns :math:`\\partial L/\\partial x`, and *adds* the parameter
gradients into ``p.grad`` **in place** (never rebinding it). Layers read ``p.data``/``p.grad`` through the
:class:`Parameter` at every call, so an optimiser may rebind both to views of one flat buffer.
"""
from __future__ import annotations

import numbers

import numpy as np

from course_lib._util import as_rng, check_positive, check_probability
from course_lib.activations import get_activation

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _float_dtype(owner: str, dtype) -> np.dtype:
    dt = np.dtype(dtype)
    if dt not in _FLOATS:
        raise TypeError(f"{owner}: dtype must be float32 or float64, got {dt}")
    return dt


def _positive_int(owner: str, name: str, value) -> int:
    if not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}")
    return int(value)


def _check_input(layer: Module, x, n_features: int) -> np.ndarray:
    """Return ``x`` as an array of shape ``(batch, n_features)`` or raise an error naming the layer."""
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[1] != n_features:
        raise ValueError(f"{layer!r} got input of shape {x.shape}; expected (batch, {n_features})")
    return x


class Parameter:
    """A learnable array ``data`` and its gradient ``grad`` (same shape and dtype, zeros at start)."""

    __slots__ = ("data", "grad", "name")

    def __init__(self, data, name: str = ""):
        self.data = np.asarray(data)
        self.grad = np.zeros_like(self.data)
        self.name = name

    @property
    def shape(self):
        return self.data.shape

    @property
    def size(self) -> int:
        return self.data.size

    def __repr__(self):
        return f"Parameter({self.name or '?'}, shape={self.data.shape}, dtype={self.data.dtype})"


class Module:
    """Base class: ``forward(x) -> y``, ``backward(grad_out) -> grad_in`` and the parameter bookkeeping.

    Parameters and sub-modules are found among the instance attributes, in the order they were set.
    """

    training = True

    def forward(self, x):
        raise NotImplementedError(f"{type(self).__name__} must implement forward(x)")

    def backward(self, grad_out):
        raise NotImplementedError(f"{type(self).__name__} must implement backward(grad_out)")

    def __call__(self, x):
        return self.forward(x)

    def _no_forward(self):
        return RuntimeError(f"{self!r}.backward() was called before forward(); run forward(x) first, "
                            "backward uses the values cached by the last forward")

    def named_children(self) -> list[tuple[str, Module]]:
        return [(k, v) for k, v in vars(self).items() if isinstance(v, Module)]

    def children(self) -> list[Module]:
        return [m for _, m in self.named_children()]

    def modules(self):
        """Yield this module and every module below it, depth first."""
        yield self
        for child in self.children():
            yield from child.modules()

    def named_parameters(self, prefix: str = "") -> list[tuple[str, Parameter]]:
        seen, out = set(), []
        own = [(prefix + k, v) for k, v in vars(self).items() if isinstance(v, Parameter)]
        for name, child in self.named_children():
            own.extend(child.named_parameters(f"{prefix}{name}."))
        for name, p in own:
            if id(p) not in seen:           # a shared (tied) parameter is listed once
                seen.add(id(p))
                out.append((name, p))
        return out

    def parameters(self) -> list[Parameter]:
        return [p for _, p in self.named_parameters()]

    def num_parameters(self) -> int:
        return sum(p.size for p in self.parameters())

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad[...] = 0

    def train(self, mode: bool = True) -> Module:
        for m in self.modules():
            m.training = bool(mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def freeze_noise(self, frozen: bool = True) -> Module:
        """Make stochastic layers reuse their last random draw (for gradient checks); ``False`` undoes it."""
        for child in self.children():
            child.freeze_noise(frozen)
        return self

    def __repr__(self):
        return f"{type(self).__name__}()"


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
        y = x @ self.weight.data.T
        if self.bias is not None:
            y += self.bias.data
        self._x = x
        return y

    def backward(self, grad_out):
        r""":math:`\partial L/\partial W \mathrel{+}= g^\top x`,
        :math:`\partial L/\partial b \mathrel{+}= \sum_i g_i`, returns :math:`g W`;
        g (batch, out) -> (batch, in)."""
        x = self._x
        if x is None:
            raise self._no_forward()
        if grad_out.shape != (x.shape[0], self.out_features):
            raise ValueError(f"{self!r}.backward got grad_out of shape {grad_out.shape}; "
                             f"expected {(x.shape[0], self.out_features)} like the last output")
        w = self.weight
        w.grad += grad_out.T @ x
        if self.bias is not None:
            self.bias.grad += grad_out.sum(axis=0)
        return grad_out @ w.data

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
        return self._scale(x)

    def backward(self, grad_out):
        r""":math:`\partial L/\partial x = g\odot` (the factor of the last forward); shape of x."""
        if self._factor is None:
            raise self._no_forward()
        return self._scale(grad_out)

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
        self.num_features = _positive_int("BatchNorm1d", "num_features", num_features)
        check_positive("BatchNorm1d", "eps", eps)
        if momentum is not None and not (isinstance(momentum, numbers.Real) and 0 <= momentum <= 1):
            raise ValueError(f"BatchNorm1d: momentum must be in [0, 1] or None, got {momentum!r}")
        dt = _float_dtype("BatchNorm1d", dtype)
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
            _check_input(self, x, self.num_features)
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
            raise self._no_forward()
        xhat, inv_std, batch_stats = self._cache
        if grad_out.shape != xhat.shape:
            raise ValueError(f"{self!r}.backward got grad_out of shape {grad_out.shape}; "
                             f"expected {xhat.shape} like the last output")
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

    def backward(self, grad_out):
        r"""The chain rule right to left: :math:`g \leftarrow f_l.\mathrm{backward}(g)` for
        :math:`l = L, \dots, 1`; returns :math:`\partial L/\partial x` (batch, in)."""
        for layer in reversed(self.layers):
            grad_out = layer.backward(grad_out)
        return grad_out

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
