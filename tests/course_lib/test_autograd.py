"""Lecture 2: the scalar autograd engine: examples, each operator's chain rule, deep graphs, errors."""
import gc
import math
import sys

import pytest

from course_lib.autograd import Value, topological_order, trace


def test_worked_example_add_then_multiply():
    # lecture: f = (x + y) z at x=-2, y=5, z=-4: q = 3, f = -12, df/dz = q = 3, df/dx = df/dy = z = -4
    x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    q = x + y
    f = q * z
    f.backward()
    assert (q.data, f.data) == (3.0, -12.0), f"forward: expected q=3, f=-12, got q={q.data}, f={f.data}"
    got = (x.grad, y.grad, z.grad, q.grad)
    assert got == (-4.0, -4.0, 3.0, -4.0), f"expected grads (x, y, z, q) = (-4, -4, 3, -4), got {got}"


def test_dynamic_graph_example():
    # lecture: x**2*y + (y+2) at x=1, y=2 is 6; df/dx = 2xy = 4, df/dy = x**2 + 1 = 2
    x, y = Value(1.0), Value(2.0)
    f = x ** 2 * y + (y + 2)
    f.backward()
    assert f.data == 6.0, f"expected 6, got {f.data}"
    assert (x.grad, y.grad) == (4.0, 2.0), f"expected (4, 2), got {(x.grad, y.grad)}"


def _sigmoid(a):
    return 1 / (1 + math.exp(-a))


def _away_from(point, r, size=1):
    """Samples at distance 0.1 to 2 from ``point`` on either side: clear of the kink there."""
    return point + r.uniform(0.1, 2, size) * r.choice([-1, 1], size)


# name -> (engine expression, the same function on floats, sampler of its inputs away from kinks)
OPERATORS = {
    "add": (lambda a, b: a + b, lambda a, b: a + b, lambda r: r.normal(size=2)),
    "sub": (lambda a, b: a - b, lambda a, b: a - b, lambda r: r.normal(size=2)),
    "mul": (lambda a, b: a * b, lambda a, b: a * b, lambda r: r.normal(size=2)),
    "div": (lambda a, b: a / b, lambda a, b: a / b, lambda r: r.uniform(0.5, 2, 2) * r.choice([-1, 1], 2)),
    "pow_number": (lambda a: a ** 3, lambda a: a ** 3, lambda r: r.normal(size=1)),
    "pow_fraction": (lambda a: a ** 0.5, lambda a: a ** 0.5, lambda r: r.uniform(0.5, 3, 1)),
    "pow_negative": (lambda a: a ** -2, lambda a: a ** -2, lambda r: r.uniform(0.5, 3, 1)),
    "pow_value": (lambda a, b: a ** b, lambda a, b: a ** b, lambda r: r.uniform(0.5, 3, 2)),
    "neg": (lambda a: -a, lambda a: -a, lambda r: r.normal(size=1)),
    "radd": (lambda a: 3.5 + a, lambda a: 3.5 + a, lambda r: r.normal(size=1)),
    "rsub": (lambda a: 3.5 - a, lambda a: 3.5 - a, lambda r: r.normal(size=1)),
    "rmul": (lambda a: 3.5 * a, lambda a: 3.5 * a, lambda r: r.normal(size=1)),
    "rdiv": (lambda a: 3.5 / a, lambda a: 3.5 / a, lambda r: r.uniform(0.5, 2, 1)),
    "rpow": (lambda a: 2.5 ** a, lambda a: 2.5 ** a, lambda r: r.normal(size=1)),
    "exp": (lambda a: a.exp(), math.exp, lambda r: r.normal(size=1)),
    "log": (lambda a: a.log(), math.log, lambda r: r.uniform(0.2, 5, 1)),
    "tanh": (lambda a: a.tanh(), math.tanh, lambda r: r.normal(size=1)),
    "sigmoid": (lambda a: a.sigmoid(), _sigmoid, lambda r: r.normal(size=1) * 3),
    "relu": (lambda a: a.relu(), lambda a: max(a, 0.0), lambda r: _away_from(0.0, r)),
    "max": (lambda a, b: a.max(b), max, lambda r: [r.normal(), r.normal() + _away_from(0.0, r)[0]]),
    "max_number_first": (lambda a: Value.max(0.3, a), lambda a: max(0.3, a), lambda r: _away_from(0.3, r)),
}


@pytest.mark.parametrize("name", sorted(OPERATORS))
def test_operator_gradient_matches_central_differences(name, rng):
    op, reference, sample = OPERATORS[name]
    eps = 1e-6
    for _ in range(5):
        args = [float(a) for a in sample(rng)]
        values = [Value(a) for a in args]
        out = op(*values)
        assert math.isclose(out.data, reference(*args), rel_tol=1e-12, abs_tol=1e-12), (
            f"{name}{tuple(args)}: forward {out.data}, expected {reference(*args)}")
        out.backward()
        for i, v in enumerate(values):
            up, down = list(args), list(args)
            up[i] += eps
            down[i] -= eps
            numeric = (reference(*up) - reference(*down)) / (2 * eps)
            assert math.isclose(v.grad, numeric, rel_tol=1e-6, abs_tol=1e-7), (
                f"{name} at {args}: d/d(arg {i}) by backward = {v.grad!r}, "
                f"by central differences = {numeric!r}")


def test_gradients_accumulate_where_a_node_is_used_twice():
    a = Value(3.0)
    (a + a).backward()
    assert a.grad == 2.0, f"d(a + a)/da should be 2, got {a.grad}"
    b = Value(3.0)
    (b * b).backward()
    assert b.grad == 6.0, f"d(b*b)/db = 2b = 6, got {b.grad}"
    c, d = Value(2.0), Value(-1.5)
    (c * d + c.tanh()).backward()  # c feeds two branches
    expected = d.data + (1 - math.tanh(2.0) ** 2)
    assert math.isclose(c.grad, expected, rel_tol=1e-14), f"expected {expected}, got {c.grad}"


def test_calling_backward_twice_doubles_the_leaf_gradients():
    x, y = Value(1.5), Value(-0.5)
    f = (x * y).tanh() * x
    f.backward()
    first = (x.grad, y.grad)
    f.backward()
    assert (x.grad, y.grad) == (2 * first[0], 2 * first[1]), (
        f"leaves accumulate like PyTorch: expected {2 * first[0], 2 * first[1]}, got {(x.grad, y.grad)}")


def test_deep_chain_backpropagates_without_recursion_error():
    depth = 10_000
    assert sys.getrecursionlimit() < depth, "the test needs a chain deeper than the recursion limit"
    x = Value(0.7)
    y = x
    for _ in range(depth):
        y = y * 1.0001 + 0.001
    y.backward()
    expected = 1.0001 ** depth
    assert math.isclose(x.grad, expected, rel_tol=1e-9), f"expected 1.0001**{depth}={expected}, got {x.grad}"
    assert len(topological_order(y)) == 1 + 4 * depth  # x, then per step: constant, *, constant, +


def test_graph_has_no_reference_cycles():
    # the graph must be freed by reference counting alone (no closure per node), which is what keeps it fast
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        x = Value(0.3)
        y = x
        for _ in range(200):
            y = (y * x + 1.0).tanh()
        y.backward()
        del y
        found = gc.collect()
    finally:
        if was_enabled:
            gc.enable()
    assert found == 0, f"the garbage collector found {found} objects in reference cycles"


def test_trace_gives_nodes_in_topological_order_and_the_edges():
    x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    q = x + y
    f = q * z
    nodes, edges = trace(f)
    assert nodes[-1] is f and set(map(id, nodes)) == set(map(id, [x, y, z, q, f])) and len(nodes) == 5
    position = {id(n): i for i, n in enumerate(nodes)}
    expected = {(id(x), id(q)), (id(y), id(q)), (id(q), id(f)), (id(z), id(f))}
    got = {(id(a), id(b)) for a, b in edges}
    assert got == expected and len(edges) == 4, f"edges: expected x->q, y->q, q->f, z->f, got {edges}"
    for child, parent in edges:
        assert position[id(child)] < position[id(parent)], f"{child} comes after its user {parent}"
    assert (q.op, f.op, x.op, x.label) == ("+", "*", "", "x")
    assert q._prev == (x, y) and q._local == (1.0, 1.0) and f._local == (z.data, q.data)


def test_trace_keeps_both_edges_of_a_squared_node():
    a = Value(2.0)
    nodes, edges = trace(a * a)
    assert len(nodes) == 2 and len(edges) == 2


def test_max_routes_the_gradient_and_splits_ties():
    a, b = Value(2.0), Value(-1.0)
    a.max(b).backward()
    assert (a.grad, b.grad) == (1.0, 0.0)
    c, d = Value(1.0), Value(1.0)
    c.max(d).backward()
    assert (c.grad, d.grad) == (0.5, 0.5), f"a tie splits the gradient, got {(c.grad, d.grad)}"


def test_relu_gradient_at_zero_is_zero():
    a = Value(0.0)
    a.relu().backward()
    assert a.grad == 0.0


def test_hand_built_node_uses_its_local_derivatives():
    a, b = Value(2.0), Value(3.0)
    c = Value(7.0, (a, b), "custom", label="c", _local=(10.0, -1.0))
    c.backward()
    assert (a.grad, b.grad, c.op, c.label) == (10.0, -1.0, "custom", "c")
    with pytest.raises(ValueError, match="one local derivative per input"):
        Value(1.0, (a, b, c), _local=(1.0, 2.0))
    u, v, w = Value(1.0), Value(2.0), Value(3.0)
    d = Value(6.0, (u, v, w), "sum3", _local=(1.0, 2.0, 3.0))   # any number of inputs
    d.backward()
    assert (u.grad, v.grad, w.grad) == (1.0, 2.0, 3.0), "each input gets its local derivative times 1"


def test_nan_propagates_through_relu_and_max_in_either_order():
    import math
    nan = Value(float("nan"))
    assert math.isnan(nan.relu().data), "ReLU(NaN) must be NaN, as torch.relu, not 0"
    for out in (nan.max(1.0), Value(1.0).max(nan), Value.max(2.0, nan), Value.max(nan, -5.0)):
        assert math.isnan(out.data), f"max with a NaN input must be NaN whatever the order, got {out.data}"


def test_log_of_non_positive_number_is_a_clear_error():
    with pytest.raises(ValueError, match=r"log.*non-positive number \(0\)"):
        Value(0.0).log()
    with pytest.raises(ValueError, match=r"-2"):
        Value(-2.0).log()


def test_division_by_zero_is_a_clear_error():
    with pytest.raises(ZeroDivisionError, match=r"Value\(data=1.*Value\(data=0.*division by zero"):
        Value(1.0) / Value(0.0)
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        2.0 / Value(0.0)
    with pytest.raises(ZeroDivisionError, match="negative power"):
        Value(0.0) ** -1


def test_non_numeric_operand_names_the_operation_and_the_values():
    with pytest.raises(TypeError, match=r"Value \+: cannot combine Value\(data=2.*'a' of type str"):
        Value(2.0) + "a"
    with pytest.raises(TypeError, match=r"Value \*.*\[1, 2\] of type list"):
        [1, 2] * Value(2.0)
    with pytest.raises(TypeError, match=r"Value\(data\): expected a real number, got 'x'"):
        Value("x")
    with pytest.raises(TypeError, match="must be a Value"):
        topological_order(3.0)


def test_powers_without_a_real_result_are_clear_errors():
    with pytest.raises(ValueError, match=r"negative base \(-8\) with a non-integer exponent \(0.5\)"):
        Value(-8.0) ** 0.5
    with pytest.raises(ValueError, match="base must be >= 0"):
        Value(-2.0) ** Value(2.0)
    with pytest.raises(OverflowError, match="overflows"):
        Value(1000.0).exp()
