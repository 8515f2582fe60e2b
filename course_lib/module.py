"""The ``Module`` base and ``Parameter``: what every layer shares (cs231n-style forward/backward, PyTorch names).

Arrays are ``(batch, features)``. Every ``forward`` caches what its ``backward`` needs; ``backward(grad_out)``
takes :math:`\\partial L/\\partial y` and returns :math:`\\partial L/\\partial x`, and *adds* the parameter
gradients into ``p.grad`` **in place** (never rebinding it). Layers read ``p.data``/``p.grad`` through the
:class:`Parameter` at every call, so an optimiser may rebind both to views of one flat buffer.
"""
from __future__ import annotations

import numpy as np


def check_input(layer: Module, x, n_features: int) -> np.ndarray:
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

    def no_forward_error(self):
        return RuntimeError(f"{self!r}.backward() was called before forward(); run forward(x) first, "
                            "backward uses the values cached by the last forward")

    def check_grad_out(self, grad_out, shape) -> np.ndarray:
        """``grad_out`` as an array of the last output's ``shape``; any other shape is an error (it would
        broadcast into a gradient of the wrong shape)."""
        grad_out = np.asarray(grad_out)
        if grad_out.shape != tuple(shape):
            raise ValueError(f"{self!r}.backward got grad_out of shape {grad_out.shape}; expected {tuple(shape)} "
                             f"like the last output (grad_out is dL/dy, one number per output)")
        if grad_out.dtype.kind not in "fiu":
            raise TypeError(f"{self!r}.backward: grad_out must hold real numbers, got dtype {grad_out.dtype}")
        return grad_out

    def named_children(self) -> list[tuple[str, Module]]:
        out = []
        for k, v in vars(self).items():
            if isinstance(v, Module):
                out.append((k, v))
            elif isinstance(v, (list, tuple, dict)) and _holds_modules(v):
                kind = type(v).__name__
                raise TypeError(f"{type(self).__name__}.{k} is a plain {kind} holding layers or parameters: "
                                f"parameters(), zero_grad() and eval() cannot see inside it; wrap it as "
                                f"self.{k} = ModuleList([...]) (from course_lib.module)")
        return out

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


def _holds_modules(container) -> bool:
    items = container.values() if isinstance(container, dict) else container
    return any(isinstance(v, (Module, Parameter)) for v in items)


class ModuleList(Module):
    """A list of modules that ``parameters()``, ``zero_grad()``, ``train()``/``eval()`` see (PyTorch's
    ``nn.ModuleList``): keep layers in ``self.blocks = ModuleList([...])``, not in a plain list.

    Supports ``len``, indexing, iteration and ``append``. It has no ``forward``: the owner decides the order.
    """

    def __init__(self, modules=()):
        self.layers = []
        for m in modules:
            self.append(m)

    def append(self, module):
        if not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__} takes Module objects (Linear, ReLU(), ...), got {module!r}; "
                            "did you forget the parentheses, as in ReLU instead of ReLU()?")
        self.layers.append(module)
        return self

    def named_children(self):
        return [(str(i), m) for i, m in enumerate(self.layers)]

    def __len__(self):
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return type(self)(self.layers[index])
        return self.layers[index]

    def __repr__(self):
        inner = "".join(f"\n  ({i}): {m!r}" for i, m in enumerate(self.layers))
        return f"{type(self).__name__}({inner}\n)" if self.layers else f"{type(self).__name__}()"
