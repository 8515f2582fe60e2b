r"""Activation functions (lecture 3): one object per function, with its formula and derivative; a registry.

Every class docstring gives the function and its derivative as two ``.. math::`` lines; :func:`describe`
reads them from there, together with four properties, and :func:`activation_table` gives them for every
activation: the rows of lecture 3's table of activations and its "how to choose" columns. The properties:

* ``zero_centred`` -- outputs of both signs that roughly cancel: for :math:`z \sim N(0, 1)`,
  :math:`|\mathbb{E} f(z)| \le 0.3\, \mathbb{E}|f(z)|` (tanh, ELU, SELU; not sigmoid or ReLU), so the next
  layer's weight gradients do not all share one sign;
* ``saturates`` -- the gradient vanishes for large :math:`|x|` on *both* sides (sigmoid, tanh; not ReLU);
* ``monotonic`` -- non-decreasing;
* ``uses_exp`` -- needs ``exp`` or another transcendental function (costlier than a comparison).

``kinks`` lists the points where the function is not smooth; the derivative there is a convention
(PyTorch's) and gradient checks stay away from them.

Shapes: ``forward``, ``derivative`` and ``backward`` work elementwise on any shape (softmax along the last
axis). Integer input is converted to float64; float32 stays float32. Everything is written to stay finite and
silent (no numpy overflow warnings) for inputs as large as :math:`|x| = 10^4`.

    >>> act = get_activation("leaky_relu", negative_slope=0.1)
    >>> act.forward(np.array([-2.0, 3.0]))
    array([-0.2,  3. ])
"""
from __future__ import annotations

import difflib
import inspect

import numpy as np

from course_lib.activation_base import (
    SELU_ALPHA,
    SELU_SCALE,
    Activation,
    as_float_array,
    check_real,
    parameter_names,
    stable_sigmoid,
)
from course_lib.activations_piecewise import (
    Hardshrink,
    HardSigmoid,
    HardSwish,
    Hardtanh,
    Identity,
    PiecewiseLinear,
    Sign,
    Softshrink,
    Step,
    Tanhshrink,
)
from course_lib.activations_smooth import GELU, GELUTanh, Mish, SiLU, Softplus, Softsign, Swish
from course_lib.validation import as_rng, check_positive

__all__ = ["Activation", "ACTIVATIONS", "get_activation", "names", "describe", "activation_table", "TABLE_COLUMNS"]


class Sigmoid(Activation):
    r"""Logistic sigmoid: squashes any input into (0, 1); saturates, not zero-centred.

    .. math:: \sigma(x) = \frac{1}{1 + e^{-x}}
    .. math:: \sigma'(x) = \sigma(x)\,\bigl(1 - \sigma(x)\bigr)
    """
    name, saturates, uses_exp = "sigmoid", True, True

    def _forward(self, x):
        return stable_sigmoid(x)

    def _derivative(self, x):
        s = stable_sigmoid(x)
        return s * (1 - s)


class Tanh(Activation):
    r"""Hyperbolic tangent: a zero-centred sigmoid with range (-1, 1), :math:`\tanh x = 2\sigma(2x) - 1`.

    .. math:: \tanh x = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}
    .. math:: \tanh' x = 1 - \tanh^2 x
    """
    name, zero_centred, saturates, uses_exp = "tanh", True, True, True

    def _forward(self, x):
        return np.tanh(x)

    def _derivative(self, x):
        return 1 - np.tanh(x) ** 2


class ReLU(Activation):
    r"""Rectified linear unit: cheap, does not saturate for x > 0, but a unit stuck at x < 0 "dies".

    .. math:: \mathrm{ReLU}(x) = \max(0, x)
    .. math:: \mathrm{ReLU}'(x) = [x > 0]
    """
    name, kinks = "relu", (0.0,)

    def _forward(self, x):
        return np.maximum(x, 0)

    def _derivative(self, x):
        return x > 0


class _Leaky(Activation):
    """ReLU with slope ``_negative_slope`` for x <= 0: shared by Leaky ReLU, PReLU and RReLU."""
    kinks = (0.0,)

    def _negative_slope(self, x, draw: bool):
        raise NotImplementedError

    def _forward(self, x):
        return np.where(x > 0, x, self._negative_slope(x, draw=True) * x)

    def _derivative(self, x):
        return np.where(x > 0, 1.0, self._negative_slope(x, draw=False))


class LeakyReLU(_Leaky):
    r"""Leaky ReLU: a small fixed slope :math:`a` for negative inputs keeps those units alive.

    .. math:: f(x) = \begin{cases} x & x > 0 \\ a x & x \le 0 \end{cases}
    .. math:: f'(x) = \begin{cases} 1 & x > 0 \\ a & x \le 0 \end{cases}
    """
    name = "leaky_relu"

    def __init__(self, negative_slope: float = 0.01):
        check_real("leaky_relu", "negative_slope", negative_slope)
        self.negative_slope = float(negative_slope)

    @property
    def monotonic(self):
        return self.negative_slope >= 0

    def _negative_slope(self, x, draw):
        return self.negative_slope


class PReLU(_Leaky):
    r"""Parametric ReLU (He et al., 2015): Leaky ReLU whose slope :math:`\alpha` is learned; here a given α.

    .. math:: f(x) = \begin{cases} x & x > 0 \\ \alpha x & x \le 0 \end{cases}
    .. math:: f'(x) = \begin{cases} 1 & x > 0 \\ \alpha & x \le 0 \end{cases}, \qquad
              \frac{\partial f}{\partial \alpha} = \min(0, x)
    """
    name = "prelu"

    def __init__(self, alpha: float = 0.25):
        check_real("prelu", "alpha", alpha)
        self.alpha = float(alpha)

    @property
    def monotonic(self):
        return self.alpha >= 0

    def _negative_slope(self, x, draw):
        return self.alpha

    def derivative_alpha(self, x):
        r""":math:`\partial f/\partial\alpha = \min(0, x)` elementwise (the learnable PReLU layer sums it)."""
        x = as_float_array(x, self, "derivative_alpha")
        return np.minimum(x, 0)


class RReLU(_Leaky):
    r"""Randomised leaky ReLU (Xu et al., 2015): in training the slope :math:`a \sim U(l, u)` per element.

    In evaluation (``eval()``) the slope is the mean :math:`(l + u)/2`. In training, ``derivative`` and
    ``backward`` use the slopes drawn by the last ``forward`` (call ``forward`` first, on the same shape).

    .. math:: f(x) = \begin{cases} x & x > 0 \\ a x & x \le 0 \end{cases}, \quad
              a \sim U(l, u) \text{ (training)}, \; a = \tfrac{l + u}{2} \text{ (evaluation)}
    .. math:: f'(x) = \begin{cases} 1 & x > 0 \\ a & x \le 0 \end{cases}
    """
    name = "rrelu"

    def __init__(self, lower: float = 1 / 8, upper: float = 1 / 3, rng=None):
        check_real("rrelu", "lower", lower)
        check_real("rrelu", "upper", upper)
        if lower > upper:
            raise ValueError(f"rrelu: lower must be <= upper, got lower={lower!r}, upper={upper!r}")
        self.lower, self.upper = float(lower), float(upper)
        self._rng = as_rng(rng)
        self._slopes = None
        self.training = True

    def _negative_slope(self, x, draw):
        if not self.training:
            return (self.lower + self.upper) / 2
        if draw:
            self._slopes = self._rng.uniform(self.lower, self.upper, size=x.shape).astype(x.dtype)
        elif self._slopes is None or self._slopes.shape != x.shape:
            got = "no forward yet" if self._slopes is None else f"last forward had shape {self._slopes.shape}"
            raise ValueError(f"{self!r}: in training the derivative uses the slopes of the last forward, but "
                             f"there was {got} and x has shape {x.shape}; call forward(x) first, or eval()")
        return self._slopes


class ELU(Activation):
    r"""Exponential linear unit (Clevert et al., 2015): smooth, saturates to :math:`-\alpha` for x → -∞.

    .. math:: f(x) = \begin{cases} x & x > 0 \\ \alpha (e^{x} - 1) & x \le 0 \end{cases}
    .. math:: f'(x) = \begin{cases} 1 & x > 0 \\ \alpha e^{x} & x \le 0 \end{cases}
    """
    name, zero_centred, uses_exp, kinks = "elu", True, True, (0.0,)
    _scale = 1.0

    def __init__(self, alpha: float = 1.0):
        check_positive("elu", "alpha", alpha, allow_zero=True)
        self.alpha = float(alpha)

    def _forward(self, x):
        # exp only of the non-positive part: np.where evaluates both branches
        return self._scale * np.where(x > 0, x, self.alpha * np.expm1(np.minimum(x, 0)))

    def _derivative(self, x):
        return self._scale * np.where(x > 0, 1.0, self.alpha * np.exp(np.minimum(x, 0)))


class SELU(ELU):
    r"""Scaled ELU (Klambauer et al., 2017): :math:`\lambda \approx 1.0507`, :math:`\alpha \approx 1.6733`
    keep activations near zero mean and unit variance through many layers ("self-normalising").

    .. math:: f(x) = \lambda \begin{cases} x & x > 0 \\ \alpha (e^{x} - 1) & x \le 0 \end{cases}
    .. math:: f'(x) = \lambda \begin{cases} 1 & x > 0 \\ \alpha e^{x} & x \le 0 \end{cases}
    """
    name = "selu"
    _scale = SELU_SCALE

    def __init__(self):
        super().__init__(alpha=SELU_ALPHA)


class Softmax(Activation):
    r"""Softmax along the last axis: turns scores into probabilities. Not elementwise, so no ``derivative``:
    its Jacobian is :math:`J = \mathrm{diag}(s) - s s^\top` and ``backward`` applies it without building it.

    .. math:: s_i = \frac{e^{x_i}}{\sum_j e^{x_j}}
    .. math:: \frac{\partial s_i}{\partial x_j} = s_i([i = j] - s_j), \qquad
              \nabla_x = s \odot \bigl(g - \langle g, s\rangle\bigr)
    """
    name, saturates, monotonic, uses_exp = "softmax", True, False, True

    def _forward(self, x):
        if x.ndim == 0:
            raise ValueError(f"{self!r}: needs at least one axis (the classes), got a scalar {x!r}")
        e = np.exp(x - x.max(axis=-1, keepdims=True))  # the shift cancels and keeps exp <= 1
        return e / e.sum(axis=-1, keepdims=True)

    def derivative(self, x):
        raise TypeError(f"{self!r} is not elementwise, so it has no elementwise derivative; use "
                        f"backward(x, grad_out) or jacobian(x)")

    def backward(self, x, grad_out):
        """Jacobian-vector product :math:`s \\odot (g - \\langle g, s\\rangle)` along the last axis."""
        s = self.forward(x)
        g = self._check_grad(s, grad_out)
        return s * (g - np.sum(g * s, axis=-1, keepdims=True))

    def jacobian(self, x):
        """The full Jacobian ``J[..., i, j] = ds_i/dx_j``: shape ``x.shape + (n,)``, ``n = x.shape[-1]``."""
        s = self.forward(x)
        return s[..., :, None] * np.eye(s.shape[-1], dtype=s.dtype) - s[..., :, None] * s[..., None, :]


ACTIVATIONS: dict[str, type[Activation]] = {cls.name: cls for cls in (
    Sigmoid, Tanh, ReLU, LeakyReLU, PReLU, ELU, SELU, GELU, GELUTanh, Swish, SiLU, Mish, Softplus, Softsign,
    Hardtanh, HardSigmoid, HardSwish, Tanhshrink, Softshrink, Hardshrink, RReLU, Step, Sign, Identity,
    PiecewiseLinear, Softmax)}


def names() -> list[str]:
    """The registered activation names, sorted."""
    return sorted(ACTIVATIONS)


def _lookup(name) -> type[Activation]:
    if not isinstance(name, str):
        raise TypeError(f"activation name must be a string, got {name!r} ({type(name).__name__})")
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    if key in ACTIVATIONS:
        return ACTIVATIONS[key]
    close = difflib.get_close_matches(key, names(), n=1, cutoff=0.5)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise ValueError(f"unknown activation {name!r}; {hint}known names: {', '.join(names())}")


def get_activation(name, **params) -> Activation:
    """A new activation object by name, e.g. ``get_activation("elu", alpha=0.5)``.

    An unknown name or parameter is a ``ValueError`` that lists what exists; an ``Activation`` object is
    returned as it is.
    """
    if isinstance(name, Activation) and not params:
        return name
    cls = _lookup(name)
    accepted = parameter_names(cls)
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        takes = f"takes {', '.join(accepted)}" if accepted else "takes no parameters"
        raise ValueError(f"get_activation({cls.name!r}): unknown parameter(s) {', '.join(unknown)}; "
                         f"{cls.name} {takes}")
    return cls(**params)


def describe(name_or_activation) -> dict:
    """What the lecture's "how to choose" table shows about one activation: formulas and properties."""
    act = get_activation(name_or_activation)
    doc = inspect.getdoc(type(act)) or ""
    maths = []
    for line in doc.splitlines():
        if line.startswith(".. math::"):
            maths.append(line.split("::", 1)[1].strip())
        elif maths and line.startswith(" ") and line.strip() and len(maths) <= 2:
            maths[-1] += " " + line.strip()  # an indented line continues the formula above
    return {
        "name": act.name, "summary": doc.splitlines()[0] if doc else "",
        "formula": maths[0] if maths else "", "derivative": maths[1] if len(maths) > 1 else "",
        "zero_centred": act.zero_centred, "saturates": act.saturates, "monotonic": act.monotonic,
        "uses_exp": act.uses_exp, "kinks": tuple(act.kinks), "params": act.params(),
    }


#: the columns of :func:`activation_table`, in order
TABLE_COLUMNS = ("name", "formula", "derivative", "zero_centred", "saturates", "monotonic", "uses_exp", "kinks")


def activation_table() -> list[dict]:
    """The lecture's table of activation functions: one row per registered activation (sorted by name), each
    a dict with the keys of :data:`TABLE_COLUMNS` — ``formula`` and ``derivative`` as LaTeX (from the class
    docstring), the four properties as booleans and the kinks as a tuple of x values. Rendered in lecture 3.
    """
    return [{key: describe(name)[key] for key in TABLE_COLUMNS} for name in names()]
