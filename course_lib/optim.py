r"""Optimisers (lecture 4): SGD with momentum and Nesterov, AdaGrad, RMSProp, Adam, and gradient clipping.

This is the reference implementation: each ``step()`` is a short loop over the parameters whose lines are the
formulas of the lecture, and each optimiser keeps its per-parameter buffers in ``self.state[p]``, a plain
dict under PyTorch's names (``momentum_buffer``, ``sum``, ``square_avg``, ``exp_avg``, ``exp_avg_sq``,
``step``). Defaults and the place of :math:`\varepsilon` follow ``torch.optim``, so a trajectory computed here
equals PyTorch's on the same problem (``tests/course_lib/test_optim_torch.py``). They share one interface::

    opt = Adam(model.parameters(), lr=1e-3)
    opt.zero_grad(); loss.backward(); model.backward(...); opt.step()
    opt.lr = 5e-4                      # schedules set it between epochs

A parameter is anything with an ndarray ``.data`` and a ``.grad`` of the same shape (``layers.Parameter``).
The optimiser updates ``p.data`` **in place** and never replaces the arrays: a name kept for
``model[0].weight.data`` still sees the trained weights.

The faster variant (one flat buffer, fused chunked updates) is ``course_lib.fast.optim``: same rules, same
numbers, harder to read.

Weight decay :math:`\lambda` adds :math:`\lambda w` to the gradient, the gradient of
:math:`\frac{\lambda}{2}\|w\|^2` (``losses.l2_penalty``), as PyTorch's ``weight_decay`` does.
"""
from __future__ import annotations

import math

import numpy as np

from course_lib.validation import check_positive, check_probability

__all__ = [
    "Optimizer", "SGD", "AdaGrad", "RMSProp", "Adam", "clip_grad_norm", "get_optimizer", "parameter_list",
    "check_parameter",
]


# --------------------------------------------------------------------------------------------- checks
def parameter_list(params, owner: str) -> list:
    """Validate an iterable of parameter-like objects and return it as a list without repeats (a parameter
    listed twice, as a tied weight is, is updated once)."""
    if hasattr(params, "data") or hasattr(params, "parameters"):
        hint = "model.parameters()" if hasattr(params, "parameters") else "[param]"
        raise TypeError(f"{owner}: params must be an iterable of Parameters, got a single "
                        f"{type(params).__name__}; pass {hint}")
    try:
        params = list(params)
    except TypeError:
        raise TypeError(f"{owner}: params must be an iterable of Parameters, "
                        f"got {type(params).__name__}") from None
    if not params:
        raise ValueError(f"{owner}: got an empty parameter list; pass model.parameters() of a model with weights")
    seen, unique = set(), []
    for i, p in enumerate(params):
        check_parameter(p, f"{owner}: parameter {i}")
        if id(p) not in seen:
            seen.add(id(p))
            unique.append(p)
    check_no_shared_arrays(unique, owner)
    return unique


def check_parameter(p, who: str) -> None:
    """Raise a clear error unless ``p.data`` is a float ndarray and ``p.grad`` an ndarray of its shape."""
    data = getattr(p, "data", None)
    name = getattr(p, "name", "") or ""
    what = f"{name!r}, shape {getattr(data, 'shape', '?')}" if name else f"shape {getattr(data, 'shape', '?')}"
    if not isinstance(data, np.ndarray) or not np.issubdtype(data.dtype, np.floating):
        got = type(data).__name__ + (f" of dtype {data.dtype}" if isinstance(data, np.ndarray) else "")
        raise TypeError(f"{who} ({what}) needs a floating-point ndarray .data, got {got}")
    grad = getattr(p, "grad", None)
    if grad is None:
        raise ValueError(f"{who} ({what}) has no gradient (.grad is missing or None); "
                         f"set p.grad = np.zeros_like(p.data) before creating the optimiser")
    if not isinstance(grad, np.ndarray) or grad.shape != data.shape:
        shape = getattr(grad, "shape", type(grad).__name__)
        raise ValueError(f"{who} ({what}): .grad has shape {shape}, expected the shape of .data {data.shape}; "
                         f"backward must accumulate into p.grad in place (p.grad += ...)")


def check_no_shared_arrays(params, owner: str) -> None:
    """Two different parameters holding one array would each be updated with only their own gradient (the
    tie silently breaks in Adam); tie weights by sharing the Parameter object instead."""
    seen = {}
    for p in params:
        if not p.data.size:
            continue
        start = p.data.__array_interface__["data"][0]       # two arrays starting at one address share it
        if start in seen:
            raise ValueError(f"{owner}: two different parameters share one array ({seen[start]!r} and {p!r}); "
                             f"to tie weights share the Parameter itself (l2.weight = l1.weight), not its .data")
        seen[start] = p

# --------------------------------------------------------------------------------------------- interface
class Optimizer:
    """What every optimiser shares: ``params``, a settable ``lr`` (> 0), ``steps`` taken and ``state``.

    ``state[p]`` is a dict of arrays of ``p``'s shape (created at the first step), plus the number of steps
    ``"step"`` for the adaptive methods (the same keys as ``torch.optim``). Subclasses
    write ``update(p, g, state)``: one parameter's step from its gradient ``g`` (weight decay included).
    """

    def __init__(self, params, lr):
        self.name = type(self).__name__
        self.params = parameter_list(params, self.name)
        self.lr = lr
        self.steps = 0
        self.state = {p: {} for p in self.params}

    @property
    def lr(self) -> float:
        return self._lr

    @lr.setter
    def lr(self, value):
        check_positive(self.name, "lr", value)
        self._lr = float(value)

    def zero_grad(self) -> None:
        """Set every gradient to zero in place."""
        for p in self.params:
            p.grad[...] = 0

    def step(self) -> None:
        """One update of every parameter from its current ``.grad``."""
        for i, p in enumerate(self.params):
            check_parameter(p, f"{self.name}: parameter {i}")
        check_no_shared_arrays(self.params, self.name)
        self.steps += 1
        for p in self.params:
            state = self.state.setdefault(p, {})
            g = p.grad
            if self.weight_decay:
                g = g + self.weight_decay * p.data      # the gradient of (lambda/2) ||w||^2 added
            self.update(p, g, state)

    weight_decay = 0.0

    def update(self, p, g, state) -> None:  # pragma: no cover - abstract
        raise NotImplementedError(f"{self.name} must implement update(p, g, state)")

    def __repr__(self) -> str:
        return f"{self.name}(lr={self.lr:g}, {len(self.params)} parameters)"


def buffer(state: dict, name: str, like: np.ndarray) -> np.ndarray:
    """``state[name]``, created as zeros of ``like``'s shape and dtype the first time (:math:`v_0 = 0`)."""
    if name not in state:
        state[name] = np.zeros_like(like)
    return state[name]


# --------------------------------------------------------------------------------------------- the rules
class SGD(Optimizer):
    r"""Stochastic gradient descent with optional momentum, Nesterov momentum and weight decay.

    With the gradient :math:`g_t` (plus :math:`\lambda w_t` for weight decay) and momentum :math:`\rho`:

    .. math::
        v_{t+1} = \rho v_t + g_t, \qquad
        w_{t+1} = w_t - \alpha\, v_{t+1}  \quad\text{(momentum)}, \qquad
        w_{t+1} = w_t - \alpha\, (g_t + \rho v_{t+1})  \quad\text{(Nesterov)}.

    Without momentum it is plain :math:`w_{t+1} = w_t - \alpha g_t`. The lecture writes Nesterov with the
    look-ahead point :math:`\tilde w_t = w_t + \rho v_t` and a change of variables,
    :math:`v_{t+1} = \rho v_t - \alpha \nabla Q(\tilde w_t)`,
    :math:`\tilde w_{t+1} = \tilde w_t - \rho v_t + (1 + \rho)\, v_{t+1}`: the same method (PyTorch's form, with
    the sign of :math:`v` flipped and :math:`\alpha` outside). State: ``momentum_buffer`` (:math:`v`).
    """

    def __init__(self, params, lr=0.01, momentum=0.0, nesterov=False, weight_decay=0.0):
        check_probability("SGD", "momentum", momentum)
        check_positive("SGD", "weight_decay", weight_decay, allow_zero=True)
        if not isinstance(nesterov, (bool, np.bool_)):
            raise TypeError(f"SGD: nesterov must be True or False, got {nesterov!r}")
        if nesterov and momentum == 0:
            raise ValueError(f"SGD: nesterov=True needs momentum > 0, got momentum={momentum!r}; "
                             f"pass e.g. momentum=0.9")
        self.momentum, self.nesterov, self.weight_decay = float(momentum), bool(nesterov), float(weight_decay)
        super().__init__(params, lr)

    def update(self, p, g, state):
        if self.momentum:
            v = buffer(state, "momentum_buffer", p.data)
            v[...] = self.momentum * v + g                  # in place: the state keeps its array
            g = g + self.momentum * v if self.nesterov else v
        p.data -= self.lr * g


class AdaGrad(Optimizer):
    r"""AdaGrad: each weight's step shrinks with the sum of its squared gradients (PyTorch's rule).

    .. math::
        G_{t+1} = G_t + g_t \odot g_t, \qquad
        w_{t+1} = w_t - \alpha\, \frac{g_t}{\sqrt{G_{t+1}} + \varepsilon}

    with :math:`G_0 = 0` (the lecture's ``grad_squared``; PyTorch's state name ``sum``).
    """

    def __init__(self, params, lr=0.01, eps=1e-10, weight_decay=0.0):
        check_positive("AdaGrad", "eps", eps)
        check_positive("AdaGrad", "weight_decay", weight_decay, allow_zero=True)
        self.eps, self.weight_decay = float(eps), float(weight_decay)
        super().__init__(params, lr)

    def update(self, p, g, state):
        state["step"] = state.get("step", 0) + 1
        grad_squared = buffer(state, "sum", p.data)
        grad_squared += g * g
        p.data -= self.lr * g / (np.sqrt(grad_squared) + self.eps)


class RMSProp(Optimizer):
    r"""RMSProp: AdaGrad with a leaky (exponentially weighted) average of squared gradients (PyTorch's rule).

    .. math::
        s_{t+1} = \rho\, s_t + (1 - \rho)\, g_t \odot g_t, \qquad
        w_{t+1} = w_t - \alpha\, \frac{g_t}{\sqrt{s_{t+1}} + \varepsilon}

    with decay rate :math:`\rho` = ``alpha`` (0.99, the lecture's ``decay_rate``), :math:`\varepsilon` outside
    the square root. State: ``square_avg`` (:math:`s`).
    """

    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0):
        check_probability("RMSProp", "alpha", alpha)
        check_positive("RMSProp", "eps", eps)
        check_positive("RMSProp", "weight_decay", weight_decay, allow_zero=True)
        self.alpha, self.eps, self.weight_decay = float(alpha), float(eps), float(weight_decay)
        super().__init__(params, lr)

    def update(self, p, g, state):
        state["step"] = state.get("step", 0) + 1
        square_avg = buffer(state, "square_avg", p.data)
        square_avg[...] = self.alpha * square_avg + (1 - self.alpha) * g * g
        p.data -= self.lr * g / (np.sqrt(square_avg) + self.eps)


class Adam(Optimizer):
    r"""Adam: momentum on the gradient plus RMSProp's scaling, with bias correction (PyTorch's rule).

    .. math::
        m_{t} = \beta_1 m_{t-1} + (1-\beta_1)\, g_t, \qquad
        v_{t} = \beta_2 v_{t-1} + (1-\beta_2)\, g_t \odot g_t, \\
        \hat m_t = \frac{m_t}{1-\beta_1^t}, \qquad \hat v_t = \frac{v_t}{1-\beta_2^t}, \qquad
        w_{t} = w_{t-1} - \alpha\, \frac{\hat m_t}{\sqrt{\hat v_t} + \varepsilon}

    (:math:`t = 1, 2, \dots`, :math:`m_0 = v_0 = 0`). State: ``exp_avg`` (:math:`m_t`, the lecture's
    ``first_moment``), ``exp_avg_sq`` (:math:`v_t`, ``second_moment``), ``step`` (:math:`t`).
    ``bias_correction=False`` uses :math:`m_t, v_t` directly, as in the lecture's comparison: since both start
    at zero, the first step is then :math:`\alpha (1-\beta_1)/\sqrt{1-\beta_2} \approx 3.16\,\alpha` per
    weight instead of :math:`\alpha` — far too large when :math:`\beta_2` is close to 1.
    Defaults as PyTorch: :math:`\beta_1 = 0.9`, :math:`\beta_2 = 0.999`, :math:`\varepsilon = 10^{-8}` outside
    the square root, :math:`\alpha = 10^{-3}`.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, bias_correction=True):
        self.betas = check_betas("Adam", betas)
        check_positive("Adam", "eps", eps)
        check_positive("Adam", "weight_decay", weight_decay, allow_zero=True)
        if not isinstance(bias_correction, (bool, np.bool_)):
            raise TypeError(f"Adam: bias_correction must be True or False, got {bias_correction!r}")
        self.eps, self.weight_decay = float(eps), float(weight_decay)
        self.bias_correction = bool(bias_correction)
        super().__init__(params, lr)

    def update(self, p, g, state):
        beta1, beta2 = self.betas
        t = state["step"] = state.get("step", 0) + 1
        first_moment = buffer(state, "exp_avg", p.data)
        second_moment = buffer(state, "exp_avg_sq", p.data)
        first_moment[...] = beta1 * first_moment + (1 - beta1) * g
        second_moment[...] = beta2 * second_moment + (1 - beta2) * g * g
        if self.bias_correction:
            first_unbias = first_moment / (1 - beta1 ** t)
            second_unbias = second_moment / (1 - beta2 ** t)
        else:
            first_unbias, second_unbias = first_moment, second_moment
        p.data -= self.lr * first_unbias / (np.sqrt(second_unbias) + self.eps)


def check_betas(owner: str, betas) -> tuple[float, float]:
    """``(beta1, beta2)`` as floats, each in [0, 1), or a clear error."""
    try:
        beta1, beta2 = betas
    except (TypeError, ValueError):
        raise ValueError(f"{owner}: betas must be a pair (beta1, beta2), got {betas!r}") from None
    check_probability(owner, "betas[0]", beta1)
    check_probability(owner, "betas[1]", beta2)
    return float(beta1), float(beta2)


# --------------------------------------------------------------------------------------------- helpers
def clip_grad_norm(params, max_norm) -> float:
    r"""Rescale all gradients together so that their joint norm is at most ``max_norm`` (:math:`\theta`).

    .. math::
        \|g\| = \sqrt{\textstyle\sum_p \|g_p\|^2}, \qquad
        \text{if } \|g\| > \theta:\; g \leftarrow g\, \theta / \|g\|

    In place (the parameters keep their gradient arrays). Returns :math:`\|g\|` before clipping.
    """
    check_positive("clip_grad_norm", "max_norm", max_norm)
    params = parameter_list(params, "clip_grad_norm")
    total = math.sqrt(sum(float(np.vdot(p.grad, p.grad)) for p in params))
    if not math.isfinite(total):
        raise FloatingPointError(f"clip_grad_norm: the gradient norm is not finite ({total}); training has "
                                 f"diverged — lower the learning rate or look for a NaN in the forward pass")
    if total > max_norm:
        scale = max_norm / total
        for p in params:
            p.grad *= scale
    return total


OPTIMIZERS = {
    "sgd": (SGD, {}),
    "momentum": (SGD, {"momentum": 0.9}),
    "nesterov": (SGD, {"momentum": 0.9, "nesterov": True}),
    "adagrad": (AdaGrad, {}),
    "rmsprop": (RMSProp, {}),
    "adam": (Adam, {}),
}


def get_optimizer(name: str, params, table=None, **kw) -> Optimizer:
    """Build an optimiser by name: ``sgd``, ``momentum`` (SGD, momentum 0.9), ``nesterov``, ``adagrad``,
    ``rmsprop``, ``adam``. Keyword arguments override the defaults:
    ``get_optimizer("momentum", model.parameters(), lr=0.1)``. ``table`` (name -> (class, defaults)) defaults
    to :data:`OPTIMIZERS`."""
    table = OPTIMIZERS if table is None else table
    if not isinstance(name, str):
        raise TypeError(f"get_optimizer: name must be a string such as 'adam', got {name!r}")
    key = name.lower()
    if key not in table:
        raise ValueError(f"get_optimizer: unknown optimiser {name!r}; known: {', '.join(sorted(table))}")
    cls, defaults = table[key]
    return cls(params, **{**defaults, **kw})
