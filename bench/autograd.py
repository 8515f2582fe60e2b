r"""Scalar autograd: ``course_lib.autograd.Value`` against micrograd 0.1.0 on micrograd's own demo step.

The step (micrograd's README demo, written here from its documented API): an MLP 2-16-16-1 with ReLU hidden
units, built from scalar ``Value`` objects the same way for both engines, on 100 two-moons points with labels
:math:`y_i \in \{-1, 1\}`; the loss is the mean hinge loss plus an L2 penalty,

.. math:: L = \frac1N\sum_i \max(0,\ 1 - y_i s_i) + \alpha \sum_p p^2, \qquad \alpha = 10^{-4},

then ``backward()``, an SGD update :math:`p \leftarrow p - \eta\,\partial L/\partial p` and a full garbage
collection (``gc.collect()``): micrograd's closures make every node part of a reference cycle, so its graph is
only freed by the cyclic collector, and that cost belongs to the step.

The third contender is the same step vectorised with ``course_lib.layers`` (float64, the whole batch as one
``(100, 2)`` array): the lecture's point that vectorisation, not a faster scalar engine, is what makes neural
networks trainable. It creates no reference cycles, so its step has no explicit collection (the automatic
collector stays on for all three).

All three start from the same weights and data; :func:`autograd_step` returns their first losses, which agree
to rounding — a check that they compute the same thing.
"""
from __future__ import annotations

import gc

from bench.timing import alternate, ratio, single_threaded

single_threaded()

import numpy as np  # noqa: E402

SIZES = (2, 16, 16, 1)
ALPHA = 1e-4


def moons(n: int = 100, seed: int = 0):
    """``X`` (n, 2) float64 and ``y`` (n,) in {-1.0, 1.0} from ``course_lib.datasets.make_moons``."""
    from course_lib.datasets import make_moons

    X, y = make_moons(n, noise=0.1, rng=np.random.default_rng(seed))
    return X.astype(np.float64), 2.0 * y.astype(np.float64) - 1.0


def initial_weights(sizes=SIZES, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per layer ``(W (out, in), b (out,))`` drawn from U(-1, 1) (micrograd's Neuron init; b too, so that
    the check compares something non-trivial)."""
    rng = np.random.default_rng(seed)
    return [(rng.uniform(-1, 1, (o, i)), rng.uniform(-1, 1, o)) for i, o in zip(sizes[:-1], sizes[1:])]


class ScalarMLP:
    """An MLP of scalar ``Value`` nodes for any engine with ``+``, ``*`` and ``relu()`` (micrograd's API).

    ``layers[l][j]`` is ``(weights of neuron j, its bias)``; hidden layers use ReLU, the output is linear.
    """

    def __init__(self, value_cls, weights):
        self.layers = [[([value_cls(float(w)) for w in W[j]], value_cls(float(b[j]))) for j in range(len(b))]
                       for W, b in weights]
        self.params = [p for layer in self.layers for ws, b in layer for p in (*ws, b)]

    def __call__(self, x):
        last = len(self.layers) - 1
        for depth, layer in enumerate(self.layers):
            out = []
            for ws, b in layer:
                act = b
                for w, xi in zip(ws, x):
                    act = act + w * xi
                out.append(act.relu() if depth < last else act)
            x = out
        return x[0]


def scalar_step(model: ScalarMLP, X, y, lr: float, collect: bool = True) -> float:
    """micrograd's demo step on a :class:`ScalarMLP`: hinge + L2 loss, backward, SGD, ``gc.collect()``."""
    rows = [[float(v) for v in row] for row in X]
    scores = [model(row) for row in rows]
    data_loss = sum((1 + -float(yi) * s).relu() for yi, s in zip(y, scores)) * (1.0 / len(rows))
    loss = data_loss + ALPHA * sum(p * p for p in model.params)
    for p in model.params:
        p.grad = 0.0
    loss.backward()
    for p in model.params:
        p.data -= lr * p.grad
    value = loss.data
    del scores, data_loss, loss
    if collect:
        gc.collect()
    return value


class VectorisedMLP:
    """The same network and step with ``course_lib.layers`` on the whole batch at once (float64)."""

    def __init__(self, weights):
        from course_lib import layers, optim

        mods = []
        for i, (W, b) in enumerate(weights):
            lin = layers.Linear(W.shape[1], W.shape[0])
            lin.weight.data[...] = W
            lin.bias.data[...] = b
            mods.append(lin)
            if i < len(weights) - 1:
                mods.append(layers.ReLU())
        self.model = layers.Sequential(*mods)
        self.optimizer = optim.SGD(self.model.parameters(), lr=1.0)

    def step(self, X, y, lr: float) -> float:
        r"""Hinge loss :math:`\frac1N\sum\max(0, 1 - y s)`, gradient :math:`-y[1 - ys > 0]/N`; L2 through
        ``losses.l2_penalty(2 alpha, add_grad=True)`` (micrograd's :math:`\alpha\sum p^2`, gradient
        :math:`2\alpha p`); one SGD step."""
        from course_lib.losses import l2_penalty

        opt = self.optimizer
        opt.zero_grad()
        s = self.model.forward(X)[:, 0]
        margin = 1.0 - y * s
        active = margin > 0
        loss = float(margin[active].sum() / len(y))
        self.model.backward((-(y * active) / len(y))[:, None])
        loss += l2_penalty(self.model.parameters(), 2 * ALPHA, add_grad=True)
        opt.lr = lr
        opt.step()
        return loss


def _learning_rate(k: int, steps: int = 100) -> float:
    return 1.0 - 0.9 * k / steps  # the demo's decaying rate


def autograd_step(repeats: int = 5, n: int = 100, vector_steps: int = 200, seed: int = 0) -> dict:
    """Time one demo step of micrograd, ``course_lib`` ``Value`` and the vectorised ``course_lib`` network.

    Samples alternate; the vectorised step is timed over ``vector_steps`` steps per sample (it is ~10^4 times
    shorter). Returns medians (seconds per step), ``speedup`` = micrograd / each contender, and
    ``first_loss`` of each contender (equal up to rounding when all compute the same step).
    """
    from micrograd.engine import Value as MicrogradValue

    from course_lib.autograd import Value as CourseValue

    if repeats < 1 or vector_steps < 1:
        raise ValueError(f"autograd_step: repeats and vector_steps must be >= 1, "
                         f"got {repeats}, {vector_steps}")
    X, y = moons(n, seed)
    weights = initial_weights(SIZES, seed)
    micro, mine = ScalarMLP(MicrogradValue, weights), ScalarMLP(CourseValue, weights)
    vec = VectorisedMLP(weights)
    first = {"micrograd": scalar_step(micro, X, y, _learning_rate(0)),
             "course_lib_value": scalar_step(mine, X, y, _learning_rate(0)),
             "course_lib_vectorised": vec.step(X, y, _learning_rate(0))}
    count = {"micrograd": 1, "course_lib_value": 1, "course_lib_vectorised": 1}

    def run(name, fn, steps=1):
        def go():
            for _ in range(steps):
                fn(_learning_rate(count[name] % 100))
                count[name] += 1
        return go

    samples = alternate({
        "micrograd": run("micrograd", lambda lr: scalar_step(micro, X, y, lr)),
        "course_lib_value": run("course_lib_value", lambda lr: scalar_step(mine, X, y, lr)),
        "course_lib_vectorised": run("course_lib_vectorised", lambda lr: vec.step(X, y, lr), vector_steps),
    }, repeats)
    per_step = {"micrograd": 1, "course_lib_value": 1, "course_lib_vectorised": vector_steps}
    median = {k: {c: s.median(c) / per_step[k] for c in ("wall", "cpu")} for k, s in samples.items()}
    speedup = {k: {c: ratio(samples, "micrograd", k, c) * per_step[k] for c in ("wall", "cpu")}
               for k in ("course_lib_value", "course_lib_vectorised")}
    return {"n": n, "sizes": list(SIZES), "repeats": repeats, "vector_steps": vector_steps, "median": median,
            "speedup": speedup, "first_loss": first, "goal": {"course_lib_value": 3.0,
                                                              "course_lib_vectorised": 1000.0}}
