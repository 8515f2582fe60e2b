"""The fast path computes what the reference path computes: outputs, gradients and 20-step optimiser
trajectories of small float64 networks agree to 1e-12."""
import numpy as np
import pytest

from course_lib import layers, losses, optim
from course_lib.fast import layers as fast_layers
from course_lib.fast import optim as fast_optim

TOL = dict(rtol=1e-12, atol=1e-12)


def reference_net(seed=0, activation=layers.ReLU):
    rng = np.random.default_rng(seed)
    return layers.Sequential(layers.Linear(6, 8, rng=rng), activation(), layers.Linear(8, 5, rng=rng),
                             activation(), layers.Linear(5, 3, rng=rng))


def data(seed=1, n=7):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 6)), rng.integers(0, 3, n)


@pytest.mark.parametrize("activation", [layers.ReLU, layers.Tanh])
def test_fast_twin_gives_the_same_outputs_and_gradients(activation):
    X, y = data()
    ref = reference_net(activation=activation)
    fast = fast_layers.from_reference(ref)
    assert [p for p in fast.parameters()] == ref.parameters(), "the twin must hold the same Parameter objects"
    loss = losses.SoftmaxCrossEntropyLoss()
    results = []
    for model in (ref, fast):
        model.zero_grad()
        out = model.forward(X)
        loss.forward(out, y)
        dx = model.backward(loss.backward())
        results.append((out.copy(), dx.copy(), [p.grad.copy() for p in model.parameters()]))
    (out_r, dx_r, g_r), (out_f, dx_f, g_f) = results
    np.testing.assert_allclose(out_f, out_r, **TOL, err_msg="outputs differ")
    np.testing.assert_allclose(dx_f, dx_r, **TOL, err_msg="input gradients differ")
    assert any(np.abs(g).max() > 1e-3 for g in g_r), "vacuous: the reference gradients are all tiny"
    for i, (gf, gr) in enumerate(zip(g_f, g_r)):
        np.testing.assert_allclose(gf, gr, **TOL, err_msg=f"gradient of parameter {i} differs")


def test_skipping_the_input_gradient_leaves_the_parameter_gradients_unchanged():
    X, y = data()
    grads = []
    for input_grad in (True, False):
        model = fast_layers.from_reference(reference_net())
        g = np.random.default_rng(3).normal(size=(X.shape[0], 3))
        model.forward(X)
        returned = model.backward(g, input_grad=input_grad)
        assert (returned is None) == (not input_grad), f"input_grad={input_grad} returned {type(returned)}"
        grads.append([p.grad.copy() for p in model.parameters()])
    for with_input, without in zip(*grads):
        np.testing.assert_array_equal(without, with_input, err_msg="skipping dx changed a parameter gradient")


def test_fast_linear_uses_the_direct_write_on_a_large_layer_and_matches_the_reference():
    rng = np.random.default_rng(0)
    ref = layers.Linear(300, 256, rng=rng)               # 76,800 weights: above fast_layers.DIRECT_MIN
    assert ref.weight.data.size >= fast_layers.DIRECT_MIN
    fast = fast_layers.from_reference(layers.Sequential(ref))[0]
    x, g = rng.normal(size=(16, 300)), rng.normal(size=(16, 256))
    grads = []
    for layer in (ref, fast):
        layer.weight.grad[...] = 0.0
        layer.bias.grad[...] = 0.0
        np.testing.assert_allclose(layer.forward(x), x @ ref.weight.data.T + ref.bias.data, **TOL)
        dx = layer.backward(g)
        grads.append((dx, layer.weight.grad.copy(), layer.bias.grad.copy()))
    for name, f, r in zip(("dx", "dW", "db"), grads[1], grads[0]):
        np.testing.assert_allclose(f, r, **TOL, err_msg=f"{name} differs")


OPTIMISERS = {
    "sgd": dict(lr=0.1),
    "momentum": dict(lr=0.05, momentum=0.9),
    "nesterov": dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
    "adagrad": dict(lr=0.1, weight_decay=0.01),
    "rmsprop": dict(lr=0.01, alpha=0.9),
    "adam": dict(lr=0.01),
    "adam_uncorrected": dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1, bias_correction=False),
}


@pytest.mark.parametrize("name", sorted(OPTIMISERS))
def test_twenty_step_trajectories_agree(name):
    X, y = data(n=32)
    kw = dict(OPTIMISERS[name])
    key = name.split("_")[0]
    ref = reference_net()
    fast = fast_layers.from_reference(reference_net())   # a second model from the same seed
    opts = (optim.get_optimizer(key, ref.parameters(), **kw),
            optim.get_optimizer(key, fast.parameters(), table=fast_optim.OPTIMIZERS, **kw))
    assert type(opts[1]).__module__ == "course_lib.fast.optim"
    loss = losses.SoftmaxCrossEntropyLoss()
    start = np.concatenate([p.data.ravel() for p in ref.parameters()])
    rng = np.random.default_rng(5)
    for step in range(20):
        rows = rng.choice(32, size=8, replace=False)
        for model, opt in zip((ref, fast), opts):
            opt.zero_grad()
            loss.forward(model.forward(X[rows]), y[rows])
            model.backward(loss.backward())
            opt.step()
        for i, (pf, pr) in enumerate(zip(fast.parameters(), ref.parameters())):
            np.testing.assert_allclose(pf.data, pr.data, **TOL,
                                       err_msg=f"{name}: parameter {i} after step {step + 1} differs")
    moved = np.abs(np.concatenate([p.data.ravel() for p in ref.parameters()]) - start).max()
    assert moved > 1e-3, f"{name}: the weights barely moved ({moved:.2g}), the check is vacuous"
    for p_ref, p_fast in zip(ref.parameters(), fast.parameters()):
        state_ref, state_fast = opts[0].state[p_ref], opts[1].state[p_fast]
        assert sorted(state_ref) == sorted(state_fast), f"{name}: state keys {sorted(state_fast)}"
        for k in state_ref:
            np.testing.assert_allclose(state_fast[k], state_ref[k], **TOL, err_msg=f"{name}: state {k!r}")
