r"""A scalar automatic-differentiation engine: the computational graph of lecture 2, one number per node.

Every arithmetic operation on :class:`Value` objects builds a node that remembers its (at most two) inputs
and the *local* derivatives of its output with respect to each of them, computed in the forward pass right
beside the forward formula. :meth:`Value.backward` then applies the chain rule once per node, from the
output back to the inputs:

.. math:: \frac{\partial L}{\partial x} \mathrel{+}= \frac{\partial L}{\partial f}\,
          \frac{\partial f}{\partial x} \qquad \text{for every node } f \text{ that uses } x

The ``+=`` is the lecture's "gradients add where branches meet". The gate patterns show up in the local
derivatives: ``+`` hands the upstream gradient to both inputs unchanged (it *distributes*), ``*`` multiplies
it by the *other* input (it *switches*), ``max`` sends it to the larger input only (it *routes*).

The worked example ``f = (x + y) * z`` at ``x=-2, y=5, z=-4``::

    >>> x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    >>> f = (x + y) * z
    >>> f.backward()
    >>> f.data, x.grad, y.grad, z.grad
    (-12.0, -4.0, -4.0, 3.0)

Design notes (why it is built this way):

* every node is made by the one constructor, ``Value(data, inputs, op, local=derivatives)``: each operation
  below is its forward formula and its local derivatives, side by side;
* the local derivatives are plain numbers stored on the node, not a closure per node: a closure that refers
  to its own output node is a reference cycle, which only the cyclic garbage collector can free; here a graph
  is freed by reference counting the moment the last name for it goes away;
* the graph is walked with an explicit stack, never by recursion, so a chain of a million nodes backpropagates
  without ``RecursionError``.
"""
from __future__ import annotations

import math
import numbers

__all__ = ["Value", "topological_order", "trace", "node_name"]


def _as_float(value, what: str) -> float:
    """Convert a real number to ``float``; anything else is a ``TypeError`` that names ``what``."""
    if isinstance(value, (float, int)) or isinstance(value, numbers.Real):  # the first test is the quick one
        return float(value)
    raise TypeError(f"{what}: expected a real number, got {value!r} ({type(value).__name__}); "
                    f"pass an int, a float or a Value")


class Value:
    r"""One scalar node of a computational graph: its value ``data`` and the gradient ``grad`` of the output.

    ``Value(data, _children=(), _op="", label="", _local=None)``. Build graphs with ``+ - * / **``, unary ``-``
    and the methods :meth:`exp`, :meth:`log`, :meth:`tanh`, :meth:`sigmoid`, :meth:`relu`, :meth:`max`; plain
    numbers mix in on either side (``2 * x``, ``1 - x``). Call :meth:`backward` on the output.

    Attributes: ``data`` (float), ``grad`` (float, :math:`\partial\,\mathrm{root}/\partial\,\mathrm{self}`
    after ``backward``), ``op`` (the operation that made the node, ``""`` for an input), ``label`` (a name for
    drawings), ``_prev`` (tuple of input nodes, micrograd's name), ``_local`` (tuple of local derivatives
    :math:`\partial\,\mathrm{self}/\partial\,\mathrm{input}`, one per input). A node built by hand with
    ``_children`` but without ``_local`` passes no gradient on (as in micrograd).
    """

    __slots__ = ("data", "grad", "op", "label", "_prev", "_local")

    def __init__(self, data, _children=(), _op: str = "", label: str = "", _local=None):
        self.data = _as_float(data, "Value(data)")
        self.grad = 0.0
        self.op = _op
        self.label = label
        self._prev = tuple(_children)
        self._local = (0.0,) * len(self._prev) if _local is None else tuple(_local)
        if len(self._local) != len(self._prev):
            raise ValueError(f"Value({self.data:g}): got {len(self._prev)} children and {len(self._local)} "
                             f"local derivatives; give one local derivative per input")
        for child in self._prev:
            if not isinstance(child, Value):
                raise TypeError(f"Value({self.data:g}): children must be Values, got {child!r}")

    @property
    def _op(self) -> str:
        """micrograd's name for :attr:`op`, for drawing code written against micrograd."""
        return self.op

    def __repr__(self) -> str:
        name = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g}{name})"

    # ---- binary operators: forward result and local derivatives side by side ---------------------------

    def __add__(self, other):
        a, b = self, _operand(other, "+", self)
        return Value(a.data + b.data, (a, b), "+", _local=(1.0, 1.0))      # df/da = 1, df/db = 1

    def __radd__(self, other):                                              # other + self, e.g. sum()'s 0
        return _operand(other, "+", self) + self

    def __sub__(self, other):
        a, b = self, _operand(other, "-", self)
        return Value(a.data - b.data, (a, b), "-", _local=(1.0, -1.0))     # df/da = 1, df/db = -1

    def __rsub__(self, other):
        return _operand(other, "-", self) - self

    def __mul__(self, other):
        a, b = self, _operand(other, "*", self)
        return Value(a.data * b.data, (a, b), "*", _local=(b.data, a.data))  # df/da = b, df/db = a: "switch"

    def __rmul__(self, other):
        return _operand(other, "*", self) * self

    def __truediv__(self, other):
        a, b = self, _operand(other, "/", self)
        if b.data == 0.0:
            raise ZeroDivisionError(f"{a!r} / {b!r}: division by zero; add a small epsilon to the denominator "
                                    f"or check where it becomes 0")
        out = a.data / b.data
        return Value(out, (a, b), "/", _local=(1.0 / b.data, -out / b.data))  # df/da = 1/b, df/db = -a/b^2

    def __rtruediv__(self, other):
        return _operand(other, "/", self) / self

    def __pow__(self, other):
        # number exponent n: f = a^n, df/da = n a^(n-1);  Value exponent b: also df/db = a^b ln a
        if isinstance(other, Value):
            return _power_of_values(self, other)
        n = _as_float(other, f"{self!r} ** exponent")
        out = _checked_power(self.data, n, self, other)
        return Value(out, (self,), f"**{n:g}", _local=(_power_slope(self.data, n, self, other),))

    def __rpow__(self, other):
        # number ** Value: f = c^b, df/db = c^b ln c
        return _power_of_values(_operand(other, "**", self), self)

    def __neg__(self):
        return Value(-self.data, (self,), "neg", _local=(-1.0,))              # df/da = -1

    # ---- unary functions ---------------------------------------------------------------------------

    def exp(self):
        """:math:`f = e^a`, :math:`f' = e^a` (the output itself)."""
        try:
            out = math.exp(self.data)
        except OverflowError:
            raise OverflowError(f"{self!r}.exp(): e^{self.data:g} overflows a float (limit e^709.78); "
                                f"scale the input down") from None
        return Value(out, (self,), "exp", _local=(out,))

    def log(self):
        r""":math:`f = \ln a`, :math:`f' = 1/a`; only for :math:`a > 0`."""
        if not self.data > 0.0:
            raise ValueError(f"{self!r}.log(): the logarithm of a non-positive number ({self.data:g}) is "
                             f"undefined; take the log of a positive value, e.g. (x + eps).log()")
        return Value(math.log(self.data), (self,), "log", _local=(1.0 / self.data,))

    def tanh(self):
        r""":math:`f = \tanh a`, :math:`f' = 1 - \tanh^2 a`."""
        t = math.tanh(self.data)
        return Value(t, (self,), "tanh", _local=(1.0 - t * t,))

    def sigmoid(self):
        r""":math:`f = \sigma(a) = 1/(1+e^{-a})`, :math:`f' = \sigma(a)(1-\sigma(a))`."""
        a = self.data
        if a >= 0.0:  # two branches so that exp never overflows
            s = 1.0 / (1.0 + math.exp(-a))
        else:
            e = math.exp(a)
            s = e / (1.0 + e)
        return Value(s, (self,), "sigmoid", _local=(s * (1.0 - s),))

    def relu(self):
        r""":math:`f = \max(0, a)`, :math:`f' = [a > 0]` (0 at the kink, as PyTorch); NaN stays NaN."""
        if math.isnan(self.data):
            return Value(math.nan, (self,), "ReLU", _local=(math.nan,))
        return Value(max(self.data, 0.0), (self,), "ReLU", _local=(1.0 if self.data > 0.0 else 0.0,))

    def max(self, other):
        r""":math:`f = \max(a, b)`: the gate *routes* the gradient to the larger input.

        Works as ``a.max(b)`` and as ``Value.max(a, b)`` (either argument may be a number). On a tie the
        gradient is split equally between the two inputs, as ``torch.maximum`` does; if either input is NaN
        the result is NaN (in either order, as ``torch.maximum``), with NaN local derivatives.
        """
        a = self if isinstance(self, Value) else _operand(self, "max", other)
        b = _operand(other, "max", a)
        if math.isnan(a.data) or math.isnan(b.data):
            return Value(math.nan, (a, b), "max", _local=(math.nan, math.nan))
        if a.data > b.data:
            return Value(a.data, (a, b), "max", _local=(1.0, 0.0))
        if a.data < b.data:
            return Value(b.data, (a, b), "max", _local=(0.0, 1.0))
        return Value(a.data, (a, b), "max", _local=(0.5, 0.5))

    # ---- the backward pass ---------------------------------------------------------------------------

    def backward(self) -> None:
        r"""Fill ``grad`` of every node of the graph with :math:`\partial\,\mathrm{self}/\partial\,v`.

        Leaves (inputs, parameters) *accumulate* across calls, as in PyTorch: zero them between training
        steps. Inner nodes are reset first, so calling ``backward`` twice adds exactly twice the gradient to
        the leaves. Iterative: the depth of the graph is limited by memory only.
        """
        order = topological_order(self)
        for v in order:
            if v._prev:
                v.grad = 0.0
        self.grad += 1.0
        for v in reversed(order):
            for child, local in zip(v._prev, v._local):
                child.grad += local * v.grad  # the chain rule: local derivative times upstream gradient


def _operand(other, op: str, this) -> Value:
    """Turn a number into a constant leaf; reject anything else naming the operation and both operands."""
    if isinstance(other, Value):
        return other
    if isinstance(other, (float, int)) or isinstance(other, numbers.Real):
        return Value(other)
    raise TypeError(f"Value {op}: cannot combine {this!r} with {other!r} of type {type(other).__name__}; "
                    f"the operands must be numbers or Values")


def _checked_power(base: float, exponent: float, left, right) -> float:
    """``base ** exponent`` as a real float, or a clear error naming ``left ** right`` (the operands)."""
    try:
        out = base ** exponent
    except ZeroDivisionError:
        raise ZeroDivisionError(f"{left!r} ** {right!r}: 0 to a negative power ({exponent:g}) is a division "
                                f"by zero; keep the base away from 0") from None
    except OverflowError:
        raise OverflowError(f"{left!r} ** {right!r}: {base:g} ** {exponent:g} overflows a float") from None
    if type(out) is complex:
        raise ValueError(f"{left!r} ** {right!r}: a negative base ({base:g}) with a non-integer exponent "
                         f"({exponent:g}) has no real result")
    return out


def _power_of_values(a: Value, b: Value) -> Value:
    r"""``a ** b`` with a Value exponent: the gradient to ``b`` needs :math:`\ln a`, so ``a`` must be >= 0."""
    if a.data < 0.0:
        raise ValueError(f"{a!r} ** {b!r}: with a Value exponent the base must be >= 0, since "
                         f"d(a**b)/db = a**b ln a; use a number exponent (x ** 2) for a negative base")
    out = _checked_power(a.data, b.data, a, b)
    d_base = _power_slope(a.data, b.data, a, b)
    # a^b is flat in b at a = 0 (it is 0 for every b > 0), so the slope in b is 0 there
    d_exponent = out * math.log(a.data) if a.data > 0.0 else 0.0
    return Value(out, (a, b), "**", _local=(d_base, d_exponent))


def _power_slope(base: float, n: float, left, right) -> float:
    r""":math:`\partial a^n / \partial a = n a^{n-1}`, with the limits at ``a = 0`` spelled out."""
    if n == 0.0:
        return 0.0
    if base == 0.0 and n < 1.0:
        return math.inf  # e.g. the slope of sqrt at 0
    return n * _checked_power(base, n - 1.0, left, right)


def topological_order(root: Value) -> list[Value]:
    """Every node that ``root`` depends on, each after all of its inputs: inputs first, ``root`` last.

    A depth-first search with an explicit stack instead of recursion, so deep graphs do not hit Python's
    recursion limit: the node on top of the stack first sends its unvisited inputs up the stack, and is
    written to the order only when all of them are done.
    """
    if not isinstance(root, Value):
        raise TypeError(f"topological_order: root must be a Value, got {type(root).__name__}")
    order = []
    visited = {root}
    stack = [root]
    while stack:
        node = stack[-1]
        for child in node._prev:
            if child not in visited:  # go down to this input first
                visited.add(child)
                stack.append(child)
                break
        else:  # every input is done: the node comes next in the order
            order.append(stack.pop())
    return order


def trace(root: Value) -> tuple[list[Value], list[tuple[Value, Value]]]:
    """The graph under ``root`` for drawing: ``nodes`` in topological order and ``edges`` (input -> user).

    Each node appears once; an input used twice by the same node (``a * a``) gives that edge twice, because
    the gradient flows along both.
    """
    nodes = topological_order(root)
    edges = [(child, node) for node in nodes for child in node._prev]
    return nodes, edges


def node_name(v: Value) -> str:
    """How drawings and the backprop stepper name a node: its label, else its operation, else (an unlabelled
    constant such as the 2 in ``y + 2``) its value."""
    return v.label or v.op or f"{v.data:g}"
