"""Cross-check: 20-step trajectories of every optimiser equal torch.optim's on the same regression problem."""
import numpy as np
import pytest

from course_lib import optim
from course_lib.fast import optim as fast_optim

pytestmark = pytest.mark.torch

CASES = {
    "sgd": ("SGD", {"lr": 0.1}, "SGD", {"lr": 0.1}),
    "momentum": ("SGD", {"lr": 0.05, "momentum": 0.9}, "SGD", {"lr": 0.05, "momentum": 0.9}),
    "nesterov": ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True},
                 "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    "weight_decay": ("SGD", {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1},
                     "SGD", {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1}),
    "adagrad": ("AdaGrad", {"lr": 0.1}, "Adagrad", {"lr": 0.1}),
    "rmsprop": ("RMSProp", {"lr": 0.01, "alpha": 0.9}, "RMSprop", {"lr": 0.01, "alpha": 0.9}),
    "adam": ("Adam", {"lr": 0.05}, "Adam", {"lr": 0.05}),
    "adam_weight_decay": ("Adam", {"lr": 0.05, "betas": (0.8, 0.99), "weight_decay": 0.1},
                          "Adam", {"lr": 0.05, "betas": (0.8, 0.99), "weight_decay": 0.1}),
}


class Param:
    def __init__(self, data):
        self.data = data.copy()
        self.grad = np.zeros_like(self.data)


def regression_problem(rng):
    """Least squares L(W, b) = mean((X W^T + b - Y)^2): X (32, 5), Y (32, 3), W (3, 5), b (3,)."""
    X, Y = rng.normal(size=(32, 5)), rng.normal(size=(32, 3))
    return X, Y, rng.normal(size=(3, 5)), rng.normal(size=3)


def numpy_trajectory(cls, kw, X, Y, W0, b0, steps=20):
    """The weights after each step, and the optimiser's final state of W and b (name -> array)."""
    W, b = Param(W0), Param(b0)
    opt = cls([W, b], **kw)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        dpred = 2 * (X @ W.data.T + b.data - Y) / Y.size
        W.grad += dpred.T @ X
        b.grad += dpred.sum(axis=0)
        opt.step()
        out.append(np.concatenate([W.data.ravel(), b.data]))
    return np.array(out), [opt.state[W], opt.state[b]]


def torch_trajectory(torch, name, kw, X, Y, W0, b0, steps=20):
    W = torch.tensor(W0, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(b0, dtype=torch.float64, requires_grad=True)
    Xt, Yt = torch.tensor(X, dtype=torch.float64), torch.tensor(Y, dtype=torch.float64)
    opt = getattr(torch.optim, name)([W, b], **kw)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        ((Xt @ W.T + b - Yt) ** 2).mean().backward()
        opt.step()
        out.append(np.concatenate([W.detach().numpy().ravel(), b.detach().numpy()]))
    return np.array(out), [{k: v.numpy() for k, v in opt.state[t].items()} for t in (W, b)]


@pytest.mark.parametrize("path", [optim, fast_optim], ids=["reference", "fast"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_twenty_steps_match_torch_optim(torch, rng, case, path):
    cls_name, kw, torch_name, torch_kw = CASES[case]
    cls = getattr(path, cls_name)
    X, Y, W0, b0 = regression_problem(rng)
    ours, our_state = numpy_trajectory(cls, kw, X, Y, W0, b0)
    theirs, their_state = torch_trajectory(torch, torch_name, torch_kw, X, Y, W0, b0)
    assert np.abs(ours[-1] - ours[0]).max() > 1e-2, f"{case}: the weights barely moved, the check is vacuous"
    for t in range(len(ours)):
        np.testing.assert_allclose(ours[t], theirs[t], rtol=1e-6, atol=1e-9,
                                   err_msg=f"{case}: weights after step {t + 1} differ from torch.optim")
    for name, mine, torchs in zip(("W", "b"), our_state, their_state):
        assert sorted(mine) == sorted(torchs), f"{case}: state of {name} has buffers {sorted(mine)}, " \
                                               f"torch.optim's has {sorted(torchs)}"
        for key in mine:     # the fast Adam stores its moments scaled; its state must report torch's exp_avg
            np.testing.assert_allclose(mine[key], torchs[key], rtol=1e-6, atol=1e-12,
                                       err_msg=f"{case}: state[{name}][{key!r}] after 20 steps differs from "
                                               f"torch.optim's")
