"""Training speed: ``course_lib`` against PyTorch CPU on the same network, data, batches and Adam (float32).

Three sizes (issue 8), each trained by three contenders alternating in one process:

* (a) ``playground``: 2-8-8-1 tanh on 1,000 points (``make_circles``), batch 10, binary cross-entropy;
* (b) ``digits``: 64-128-10 ReLU on the 1,797 digits, batch 32, softmax cross-entropy;
* (c) ``mnist_sized``: 784-256-128-10 ReLU on 60,000 random samples, batch 128, softmax cross-entropy.

Contenders: ``fast`` (``course_lib.fast``: ``fast.layers.from_reference(model)`` + ``fast.optim.Adam``,
first layer without input gradient), ``reference`` (``course_lib.layers`` + ``course_lib.optim.Adam``, what
the lectures show), ``torch`` (``torch.optim.Adam()``, the default for-each implementation) and
``torch_fused`` (``Adam(fused=True)``). Every model starts from the same initial weights and every contender
draws its epoch's permutation from its own ``default_rng(seed)``, so all four run the same computation —
:func:`train_case` reports how far their weights have drifted apart after the warm-up epoch as a check.

One sample = one epoch. One warm-up epoch each, then ``repeats`` samples, alternating; the ratio is
``median(fast) / median(torch)``. The goals: (a) <= 0.20, (b) <= 0.25, (c) <= 0.80, all < 1 against
fused Adam; the reference path within 3x of the fast one on (b) and (c).

:func:`blas_warm_up_effect` runs the fast path on (c) in fresh processes with and without
``course_lib.fast.blas.warm_up`` and reports the ratio: the benchmark that catches the loss of the warm-up.
"""
from __future__ import annotations

from bench.timing import SINGLE_THREAD_ENV, alternate, ratio, run_isolated, single_threaded

single_threaded()  # before numpy's BLAS does any work

import numpy as np  # noqa: E402

CASES = {
    "a": dict(name="playground 2-8-8-1 tanh", sizes=(2, 8, 8, 1), activation="tanh", n=1000, batch=10,
              data="circles", goal=0.20),
    "b": dict(name="digits 64-128-10 ReLU", sizes=(64, 128, 10), activation="relu", n=1797, batch=32,
              data="digits", goal=0.25),
    "c": dict(name="784-256-128-10 ReLU", sizes=(784, 256, 128, 10), activation="relu", n=60000, batch=128,
              data="random", goal=0.80),
}
CONTENDERS = ("fast", "reference", "torch", "torch_fused")
#: the reference path's goal: at most this many times the fast path's time, on these cases
REFERENCE_GOAL = {"b": 3.0, "c": 3.0}


def make_data(case: str, n: int | None = None, seed: int = 0):
    """The case's inputs ``X`` (n, in) float32 and targets ``y``: float32 {0,1} for (a), int64 classes else.

    ``n`` (optional) takes the first ``n`` samples (``n`` <= the case's size), for quick runs.
    """
    spec = _spec(case)
    n_full = spec["n"]
    n = n_full if n is None else int(n)
    if not 1 <= n <= n_full:
        raise ValueError(f"training case {case!r}: n must be in [1, {n_full}], got {n}")
    rng = np.random.default_rng(seed)
    if spec["data"] == "circles":
        from course_lib.datasets import make_circles

        X, y = make_circles(n_full, noise=0.1, rng=rng)
        y = y.astype(np.float32)
    elif spec["data"] == "digits":
        from course_lib.datasets import load_digits

        X, y = load_digits()
    else:
        X = rng.standard_normal((n_full, spec["sizes"][0]), dtype=np.float32)
        y = rng.integers(0, spec["sizes"][-1], n_full)
    return np.ascontiguousarray(X[:n], dtype=np.float32), y[:n]


def _spec(case: str) -> dict:
    if case not in CASES:
        raise ValueError(f"unknown training case {case!r}; choose one of {sorted(CASES)}")
    return CASES[case]


def build_course_lib(case: str, seed: int = 0):
    """``(model, loss)`` for the case in ``course_lib``, float32, weights drawn from ``seed``."""
    from course_lib import layers, losses

    spec = _spec(case)
    sizes, act = spec["sizes"], spec["activation"]
    init = "xavier" if act == "tanh" else "he"
    rng = np.random.default_rng(seed)
    mods = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        mods.append(layers.Linear(fan_in, fan_out, init=init, rng=rng, dtype=np.float32))
        if i < len(sizes) - 2:
            mods.append(layers.ActivationLayer(act))
    loss = losses.BCEWithLogitsLoss() if sizes[-1] == 1 else losses.SoftmaxCrossEntropyLoss()
    return layers.Sequential(*mods), loss


def torch_twin(case: str, model):
    """The same network in PyTorch, starting from ``model``'s (course_lib) weights; returns (model, loss)."""
    import torch

    spec = _spec(case)
    mods = []
    for layer in model:
        if hasattr(layer, "weight"):
            lin = torch.nn.Linear(layer.in_features, layer.out_features, dtype=torch.float32)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(layer.weight.data))
                lin.bias.copy_(torch.from_numpy(layer.bias.data))
            mods.append(lin)
        else:
            mods.append(torch.nn.Tanh() if spec["activation"] == "tanh" else torch.nn.ReLU())
    loss = torch.nn.BCEWithLogitsLoss() if spec["sizes"][-1] == 1 else torch.nn.CrossEntropyLoss()
    return torch.nn.Sequential(*mods), loss


def course_lib_epoch(model, loss, optimizer, X, y, batch: int, rng, input_grad=True):
    """One epoch of minibatch training with ``course_lib`` (the loop of ``course_lib.training``).

    The fast path passes ``input_grad=False``: the gradient with respect to the data is never used, and
    PyTorch does not compute it either (the input does not require grad).
    """
    from course_lib.training import iterate_minibatches

    extra = {} if input_grad else {"input_grad": False}
    for xb, yb in iterate_minibatches(X, y, batch, rng=rng):
        optimizer.zero_grad()
        loss.forward(model.forward(xb), yb)
        model.backward(loss.backward(), **extra)
        optimizer.step()


def torch_epoch(model, loss, optimizer, X, y, batch: int, rng):
    """The same epoch in PyTorch, the batches in the same order. Each batch is gathered by its slice of the
    permutation: for PyTorch that is faster than gathering the whole epoch first (measured: 0.09 s against
    0.24 s per epoch of (c)), and the peer gets its fastest idiom."""
    import torch

    perm = torch.from_numpy(rng.permutation(X.shape[0]))
    for start in range(0, X.shape[0], batch):
        idx = perm[start:start + batch]
        optimizer.zero_grad()
        loss(model(X[idx]), y[idx]).backward()
        optimizer.step()


def _max_weight_gap(cl_model, torch_model) -> float:
    """Largest relative difference between corresponding weights of the two models."""
    gaps = []
    torch_params = list(torch_model.parameters())
    cl_params = [p for layer in cl_model if hasattr(layer, "weight") for p in (layer.weight, layer.bias)]
    for mine, theirs in zip(cl_params, torch_params):
        other = theirs.detach().numpy() if hasattr(theirs, "detach") else theirs.data
        gaps.append(float(np.abs(mine.data - other).max() / max(np.abs(other).max(), 1e-12)))
    return max(gaps)


def train_case(case: str = "a", repeats: int = 5, n: int | None = None, seed: int = 0,
               blas_warm_up: str = "library", contenders=CONTENDERS) -> dict:
    """Time one epoch of each contender on ``case`` (``repeats`` alternating samples after one warm-up epoch).

    ``blas_warm_up``: ``"library"`` (whatever ``course_lib.fast`` does by itself), ``"force"`` (call
    ``course_lib.fast.blas.warm_up()`` first) or ``"skip"`` (mark it done without doing it).
    Returns a JSON-able dict: medians per contender (``wall``, ``cpu`` seconds per epoch), ``ratios``
    (fast / each PyTorch contender, by both clocks), ``reference_ratio`` (reference / fast),
    ``weight_gap`` (relative weight difference of the fast model to each other contender after the warm-up
    epoch) and the case's description.
    """
    from course_lib import optim
    from course_lib.fast import blas
    from course_lib.fast import layers as fast_layers
    from course_lib.fast import optim as fast_optim

    spec = _spec(case)
    if blas_warm_up == "force":
        blas.warm_up()
    elif blas_warm_up == "skip":
        blas.skip_warm_up()
    elif blas_warm_up != "library":
        raise ValueError(f"train_case: blas_warm_up must be 'library', 'force' or 'skip', "
                         f"got {blas_warm_up!r}")
    unknown = set(contenders) - set(CONTENDERS)
    if "fast" not in contenders or unknown:
        raise ValueError(f"train_case: contenders must include 'fast' and come from {CONTENDERS}, "
                         f"got {tuple(contenders)}")
    X, y = make_data(case, n, seed)
    batch = spec["batch"]
    model, loss = build_course_lib(case, seed)
    runs = {}
    twins = {}
    if "reference" in contenders:
        ref, ref_loss = build_course_lib(case, seed)
        ref_opt, ref_gen = optim.Adam(ref.parameters()), np.random.default_rng(seed + 1)
        twins["reference"] = ref
        runs["reference"] = lambda: course_lib_epoch(ref, ref_loss, ref_opt, X, y, batch, ref_gen)
    if {"torch", "torch_fused"} & set(contenders):
        import torch

        single_threaded()
        Xt, yt = torch.from_numpy(X), torch.from_numpy(y.reshape(-1, 1) if spec["sizes"][-1] == 1 else y)
        for name in (c for c in contenders if c.startswith("torch")):
            twin, twin_loss = torch_twin(case, model)
            opt = torch.optim.Adam(twin.parameters(), fused=True) if name == "torch_fused" \
                else torch.optim.Adam(twin.parameters())
            gen = np.random.default_rng(seed + 1)
            twins[name] = twin
            runs[name] = (lambda tw=twin, tl=twin_loss, o=opt, g=gen:
                          torch_epoch(tw, tl, o, Xt, yt, batch, g))
    model = fast_layers.from_reference(model)
    opt = fast_optim.Adam(model.parameters())
    gen = np.random.default_rng(seed + 1)
    runs = {"fast": lambda: course_lib_epoch(model, loss, opt, X, y, batch, gen, input_grad=False), **runs}
    for run in runs.values():  # the warm-up epoch, untimed
        run()
    gaps = {name: _max_weight_gap(model, twin) for name, twin in twins.items()}
    samples = alternate(runs, repeats)
    out = {
        "case": case, "name": spec["name"], "n": int(X.shape[0]), "batch": batch, "repeats": repeats,
        "goal": spec["goal"], "blas_warm_up": blas_warm_up, "blas_warm_after": blas.is_warm(),
        "median": {k: {"wall": s.median("wall"), "cpu": s.median("cpu")} for k, s in samples.items()},
        "ratios": {k: {"wall": ratio(samples, "fast", k, "wall"),
                       "cpu": ratio(samples, "fast", k, "cpu")} for k in runs if k.startswith("torch")},
        "weight_gap": gaps,
    }
    if "reference" in runs:
        out["reference_ratio"] = {c: ratio(samples, "reference", "fast", c) for c in ("wall", "cpu")}
        out["reference_goal"] = REFERENCE_GOAL.get(case)
    return out


def course_lib_epoch_time(case: str = "c", n: int | None = None, repeats: int = 3, blas_warm_up: str = "skip",
                          seed: int = 0) -> dict:
    """Median (wall, cpu) seconds of one fast-path epoch on ``case`` after one warm-up epoch — meant to
    run in a fresh process (see :func:`blas_warm_up_effect`)."""
    res = train_case(case, repeats=repeats, n=n, seed=seed, blas_warm_up=blas_warm_up, contenders=("fast",))
    return {**res["median"]["fast"], "blas_warm_after": res["blas_warm_after"]}


def blas_warm_up_effect(case: str = "c", n: int | None = 15000, processes: int = 3, repeats: int = 3) -> dict:
    """The fast path on ``case`` in fresh processes without the OpenBLAS warm-up and with it, alternating.

    Returns medians over processes and ``ratio`` = time without / time with (> 1: the warm-up pays), plus
    ``hooked``: whether ``course_lib.fast`` warms up by itself during training (``blas_warm_up="library"``).
    """
    import statistics

    arms = {"skip": [], "force": []}
    for _ in range(processes):
        for arm in arms:
            arms[arm].append(run_isolated("bench.training:course_lib_epoch_time",
                                          dict(case=case, n=n, repeats=repeats, blas_warm_up=arm, seed=0)))
    hooked = run_isolated("bench.training:course_lib_epoch_time",
                          dict(case=case, n=min(n or 512, 512), repeats=1, blas_warm_up="library"))
    med = {arm: {clock: statistics.median(r[clock] for r in runs) for clock in ("wall", "cpu")}
           for arm, runs in arms.items()}
    return {"case": case, "n": n, "processes": processes, "without": med["skip"], "with": med["force"],
            "ratio": {c: med["skip"][c] / med["force"][c] for c in ("wall", "cpu")},
            "hooked": hooked["blas_warm_after"], "env": SINGLE_THREAD_ENV}
