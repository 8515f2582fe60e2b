"""Lecture 2 against PyTorch: the scalar engine's gradients on random expression graphs equal autograd's."""
import numpy as np
import pytest

from course_lib.autograd import Value

# Each operation written once: Value and torch tensors share these operator and method names. Inputs that
# need a domain (log, division, powers) are mapped into it inside the expression.
UNARY = [
    lambda a: a.tanh(),
    lambda a: a.sigmoid(),
    lambda a: a.tanh().exp(),
    lambda a: (a * a + 1).log(),
    lambda a: a.relu(),
    lambda a: -a,
    lambda a: a ** 2,
    lambda a: 1 - a,
    lambda a: 2 / (a * a + 1),
    lambda a: 2 ** a.tanh(),
]
BINARY = [
    lambda a, b: a + b,
    lambda a, b: a - b,
    lambda a, b: a * b,
    lambda a, b: a / (b * b + 0.5),
    lambda a, b: (a * a + 1) ** b.tanh(),
    "max",
]


def _run(program, leaves, maximum):
    """Evaluate the random program on the given leaves; ``maximum`` is the engine's max of two."""
    pool = list(leaves)
    for kind, op, i, j in program:
        if kind == "unary":
            pool.append(UNARY[op](pool[i]))
        else:
            f = BINARY[op]
            pool.append(maximum(pool[i], pool[j]) if f == "max" else f(pool[i], pool[j]))
    out = pool[-1]
    for extra in pool[-6:-1]:  # several outputs feed the root: more branches meet
        out = out + extra
    return out


@pytest.mark.torch
@pytest.mark.parametrize("seed", range(5))
def test_random_expression_gradients_equal_torch(torch, seed):
    rng = np.random.default_rng(seed)
    start = rng.uniform(-2, 2, size=6).tolist()
    program = []
    for step in range(60):
        size = len(start) + step
        if rng.random() < 0.5:
            program.append(("unary", int(rng.integers(len(UNARY))), int(rng.integers(size)), 0))
        else:
            program.append(("binary", int(rng.integers(len(BINARY))), int(rng.integers(size)),
                            int(rng.integers(size))))

    ours = [Value(v) for v in start]
    root = _run(program, ours, lambda a, b: a.max(b))
    root.backward()

    theirs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in start]
    troot = _run(program, theirs, torch.maximum)
    troot.backward()

    assert abs(root.data - troot.item()) <= 1e-10 * max(1.0, abs(troot.item())), (
        f"forward: ours {root.data!r}, torch {troot.item()!r}")
    for k, (a, t) in enumerate(zip(ours, theirs)):
        expected = 0.0 if t.grad is None else t.grad.item()
        assert abs(a.grad - expected) <= 1e-10 * max(1.0, abs(expected)), (
            f"seed {seed}, leaf {k}: our gradient {a.grad!r}, torch's {expected!r}")
