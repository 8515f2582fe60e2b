"""Cross-checks against PyTorch (float64): the layers and losses give PyTorch's outputs and gradients."""
import numpy as np
import pytest

from course_lib import layers as L
from course_lib import losses
from course_lib.fast import layers as fast_layers

pytestmark = pytest.mark.torch
TOL = dict(rtol=1e-6, atol=1e-9)


def _t(torch, a, grad=True):
    return torch.tensor(a, dtype=torch.float64, requires_grad=grad)


def _close(ours, theirs, what):
    np.testing.assert_allclose(ours, theirs.detach().numpy(), **TOL, err_msg=f"{what}: ours vs PyTorch")


def _run_torch(module, x, g):
    """PyTorch forward and backward with upstream gradient g; returns (y, dx)."""
    y = module(x)
    y.backward(g)
    return y, x.grad


@pytest.mark.parametrize("path", [L, fast_layers], ids=["reference", "fast"])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(torch, rng, bias, path):
    ours = path.Linear(5, 3, bias=bias, rng=rng)
    if bias:
        ours.bias.data[...] = rng.normal(size=3)
    theirs = torch.nn.Linear(5, 3, bias=bias)
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(ours.weight.data))
        if bias:
            theirs.bias.copy_(torch.from_numpy(ours.bias.data))
    x, g = rng.normal(size=(4, 5)), rng.normal(size=(4, 3))
    y_t, dx_t = _run_torch(theirs, _t(torch, x), torch.from_numpy(g))
    _close(ours(x), y_t, "Linear forward")
    _close(ours.backward(g), dx_t, "Linear grad input")
    _close(ours.weight.grad, theirs.weight.grad, "Linear grad weight")
    if bias:
        _close(ours.bias.grad, theirs.bias.grad, "Linear grad bias")


def test_batchnorm_matches_torch_in_training_and_eval(torch, rng):
    n = 4
    ours, theirs = L.BatchNorm1d(n, momentum=0.2), torch.nn.BatchNorm1d(n, momentum=0.2)
    gamma, beta = rng.uniform(0.5, 2, size=n), rng.normal(size=n)
    ours.gamma.data[...], ours.beta.data[...] = gamma, beta
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(gamma))
        theirs.bias.copy_(torch.from_numpy(beta))
    for batch in (6, 3):                                     # two training steps move the running statistics
        x, g = rng.normal(1.0, 2.0, size=(batch, n)), rng.normal(size=(batch, n))
        ours.zero_grad()
        theirs.zero_grad()
        y_t, dx_t = _run_torch(theirs, _t(torch, x), torch.from_numpy(g))
        _close(ours(x), y_t, f"BatchNorm1d training forward (batch {batch})")
        _close(ours.backward(g), dx_t, f"BatchNorm1d training grad input (batch {batch})")
        _close(ours.gamma.grad, theirs.weight.grad, "BatchNorm1d grad gamma")
        _close(ours.beta.grad, theirs.bias.grad, "BatchNorm1d grad beta")
    _close(ours.running_mean, theirs.running_mean, "BatchNorm1d running_mean")
    _close(ours.running_var, theirs.running_var, "BatchNorm1d running_var")
    ours.eval()
    theirs.eval()
    x, g = rng.normal(size=(5, n)), rng.normal(size=(5, n))
    y_t, dx_t = _run_torch(theirs, _t(torch, x), torch.from_numpy(g))
    _close(ours(x), y_t, "BatchNorm1d eval forward")
    _close(ours.backward(g), dx_t, "BatchNorm1d eval grad input")


@pytest.mark.parametrize("num_parameters", [1, 3])
def test_prelu_matches_torch(torch, rng, num_parameters):
    ours = L.PReLU(num_parameters, init=0.3)
    theirs = torch.nn.PReLU(num_parameters, init=0.3)
    x, g = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    y_t, dx_t = _run_torch(theirs, _t(torch, x), torch.from_numpy(g))
    _close(ours(x), y_t, "PReLU forward")
    _close(ours.backward(g), dx_t, "PReLU grad input")
    _close(ours.alpha.grad, theirs.weight.grad, "PReLU grad alpha")


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_dropout_matches_torch_with_the_same_mask(torch, rng, p):
    torch.manual_seed(0)
    x, g = rng.normal(size=(8, 10)), rng.normal(size=(8, 10))
    y_t, dx_t = _run_torch(lambda v: torch.nn.functional.dropout(v, p, training=True), _t(torch, x),
                           torch.from_numpy(g))
    ours = L.Dropout(p, rng=rng)
    ours.set_mask(y_t.detach().numpy() != 0)                  # torch's mask: x has no exact zeros
    _close(ours(x), y_t, "Dropout forward")
    _close(ours.backward(g), dx_t, "Dropout grad input")


def _torch_loss(torch, name):
    return {"mse": torch.nn.MSELoss(), "bce": torch.nn.BCEWithLogitsLoss(),
            "ce": torch.nn.CrossEntropyLoss()}[name]


@pytest.mark.parametrize("name, ours", [("mse", losses.MSELoss), ("bce", losses.BCEWithLogitsLoss),
                                        ("ce", losses.SoftmaxCrossEntropyLoss)])
def test_losses_match_torch(torch, rng, name, ours):
    pred = rng.normal(scale=4.0, size=(7, 3))
    if name == "ce":
        target = rng.integers(0, 3, size=7)
    else:
        target = rng.normal(size=(7, 3)) if name == "mse" else rng.integers(0, 2, size=(7, 3)).astype(float)
    target_t = torch.from_numpy(target)
    pred_t = _t(torch, pred)
    value_t = _torch_loss(torch, name)(pred_t, target_t)
    value_t.backward()
    loss = ours()
    value = loss(pred, target)
    expected = value_t.item()
    assert value == pytest.approx(expected, rel=1e-10), f"{name}: expected {expected}, got {value}"
    _close(loss.backward(), pred_t.grad, f"{name} gradient")


@pytest.mark.parametrize("path", [L, fast_layers], ids=["reference", "fast"])
def test_relu_matches_torch(torch, rng, path):
    x, g = rng.normal(size=(6, 4)), rng.normal(size=(6, 4))
    x[0, 0] = 0.0                                             # the kink: gradient 0, as PyTorch
    ours = path.ReLU()
    y_t, dx_t = _run_torch(torch.nn.ReLU(), _t(torch, x), torch.from_numpy(g))
    _close(ours(x), y_t, "ReLU forward")
    _close(ours.backward(g), dx_t, "ReLU grad input")
