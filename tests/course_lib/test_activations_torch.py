"""Lecture 3 against PyTorch: forward and backward of every activation torch has agree to 1e-6 in float64."""
import numpy as np
import pytest

from course_lib.activations import get_activation

# (our name, our parameters, torch's function given torch.nn.functional and torch)
TORCH_TWINS = [
    ("sigmoid", {}, lambda F, t: t.sigmoid),
    ("tanh", {}, lambda F, t: t.tanh),
    ("relu", {}, lambda F, t: F.relu),
    ("leaky_relu", {}, lambda F, t: F.leaky_relu),
    ("leaky_relu", {"negative_slope": 0.2}, lambda F, t: lambda x: F.leaky_relu(x, 0.2)),
    ("prelu", {"alpha": 0.3}, lambda F, t: lambda x: F.prelu(x, t.tensor([0.3], dtype=t.float64))),
    ("elu", {}, lambda F, t: F.elu),
    ("elu", {"alpha": 0.7}, lambda F, t: lambda x: F.elu(x, alpha=0.7)),
    ("selu", {}, lambda F, t: F.selu),
    ("gelu", {}, lambda F, t: F.gelu),
    ("gelu_tanh", {}, lambda F, t: lambda x: F.gelu(x, approximate="tanh")),
    ("silu", {}, lambda F, t: F.silu),
    ("swish", {}, lambda F, t: F.silu),
    ("mish", {}, lambda F, t: F.mish),
    ("softplus", {}, lambda F, t: F.softplus),
    ("softplus", {"beta": 2.0}, lambda F, t: lambda x: F.softplus(x, beta=2.0)),
    ("softsign", {}, lambda F, t: F.softsign),
    ("hardtanh", {}, lambda F, t: F.hardtanh),
    ("hardtanh", {"min_val": -2.0, "max_val": 0.5}, lambda F, t: lambda x: F.hardtanh(x, -2.0, 0.5)),
    ("hard_sigmoid", {}, lambda F, t: F.hardsigmoid),
    ("hard_swish", {}, lambda F, t: F.hardswish),
    ("tanhshrink", {}, lambda F, t: F.tanhshrink),
    ("softshrink", {}, lambda F, t: F.softshrink),
    ("softshrink", {"lambd": 0.7}, lambda F, t: lambda x: F.softshrink(x, 0.7)),
    ("hardshrink", {}, lambda F, t: F.hardshrink),
    ("hardshrink", {"lambd": 0.7}, lambda F, t: lambda x: F.hardshrink(x, 0.7)),
    ("rrelu", {}, lambda F, t: lambda x: F.rrelu(x, 1 / 8, 1 / 3, training=False)),
    ("sign", {}, lambda F, t: t.sign),
    ("softmax", {}, lambda F, t: lambda x: F.softmax(x, dim=-1)),
]
IDS = [n + "".join(f"-{k}={v}" for k, v in p.items()) for n, p, _ in TORCH_TWINS]


@pytest.mark.torch
@pytest.mark.parametrize(("name", "params", "twin"), TORCH_TWINS, ids=IDS)
def test_forward_and_backward_equal_torch(torch, name, params, twin, rng):
    act = get_activation(name, **params).eval()  # RReLU in evaluation mode: torch's training=False
    x = rng.uniform(-6, 6, size=(8, 16))
    x[0, :4] = [-30.0, 30.0, -25.0, 25.0]  # beyond softplus' switch to the identity in torch (beta x > 20)
    for k in act.kinks:
        x[np.abs(x - k) < 1e-3] += 2e-3  # the derivative at a kink is a convention
    g = rng.normal(size=x.shape)

    tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    ty = twin(torch.nn.functional, torch)(tx)
    (ty * torch.tensor(g)).sum().backward()

    y, grad = act.forward(x), act.backward(x, g)
    for what, ours, theirs in (("forward", y, ty.detach().numpy()), ("backward", grad, tx.grad.numpy())):
        err = np.abs(ours - theirs)
        i = np.unravel_index(np.argmax(err), err.shape)
        assert err[i] <= 1e-6, (f"{name}{params} {what}: max error {err[i]:.2e} at x={x[i]!r}: "
                                f"ours {ours[i]!r}, torch {theirs[i]!r}")


@pytest.mark.torch
def test_prelu_alpha_gradient_equals_torch(torch, rng):
    x, g = rng.normal(size=(10, 3)), rng.normal(size=(10, 3))
    weight = torch.tensor([0.3], dtype=torch.float64, requires_grad=True)
    (torch.nn.functional.prelu(torch.tensor(x), weight) * torch.tensor(g)).sum().backward()
    ours = np.sum(g * get_activation("prelu", alpha=0.3).derivative_alpha(x))
    assert abs(ours - weight.grad.item()) <= 1e-10, f"dL/dalpha: ours {ours!r}, torch {weight.grad.item()!r}"
