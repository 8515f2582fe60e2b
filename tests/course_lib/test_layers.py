"""Layers: every backward against central differences, the train/eval behaviours, dtypes, the gradient
contract the optimisers rely on, and the errors a student meets."""
import numpy as np
import pytest

from course_lib import layers as L
from course_lib.gradcheck import check_module
from course_lib.losses import SoftmaxCrossEntropyLoss
from course_lib.optim import SGD, Adam

TOL = 1e-6


def _layer_cases():
    """(id, factory(rng, n_features), train mode?, input scale) for every layer kind."""
    return [
        ("linear-he", lambda r, n: L.Linear(n, 3, rng=r), True, 1.0),
        ("linear-xavier-nobias", lambda r, n: L.Linear(n, 2, bias=False, init="xavier", rng=r), True, 1.0),
        ("linear-normal", lambda r, n: L.Linear(n, 4, init="normal", rng=r), True, 1.0),
        ("relu", lambda r, n: L.ReLU(), True, 1.0),
        ("leaky-relu", lambda r, n: L.LeakyReLU(negative_slope=0.2), True, 1.0),
        ("tanh", lambda r, n: L.Tanh(), True, 1.0),
        ("sigmoid", lambda r, n: L.Sigmoid(), True, 1.0),
        ("softmax", lambda r, n: L.Softmax(), True, 1.0),
        ("gelu", lambda r, n: L.GELU(), True, 1.0),
        ("elu", lambda r, n: L.ELU(), True, 1.0),
        ("silu", lambda r, n: L.SiLU(), True, 1.0),
        ("softplus-beta", lambda r, n: L.Softplus(beta=2.0), True, 1.0),
        ("mish-by-name", lambda r, n: L.ActivationLayer("mish"), True, 1.0),
        ("rrelu-eval", lambda r, n: L.ActivationLayer("rrelu", rng=r), False, 1.0),
        ("prelu-shared", lambda r, n: L.PReLU(), True, 1.0),
        ("prelu-per-feature", lambda r, n: L.PReLU(n, init=0.1), True, 1.0),
        ("dropout-inverted", lambda r, n: L.Dropout(0.3, rng=r), True, 1.0),
        ("dropout-paper", lambda r, n: L.Dropout(0.3, mode="scale_at_inference", rng=r), True, 1.0),
        ("dropout-paper-eval", lambda r, n: L.Dropout(0.3, mode="scale_at_inference", rng=r), False, 1.0),
        ("batchnorm-train", lambda r, n: _bn_with_affine(r, n), True, 2.0),
        ("batchnorm-eval", lambda r, n: _bn_with_affine(r, n, stats=True), False, 2.0),
        ("maxout", lambda r, n: L.Maxout(n, 3, pieces=3, rng=r), True, 1.0),
        ("mlp", lambda r, n: L.Sequential(L.Linear(n, 5, rng=r), L.BatchNorm1d(5), L.Tanh(),
                                          L.Dropout(0.2, rng=r), L.Linear(5, 2, rng=r)), True, 1.0),
    ]


def _bn_with_affine(rng, n, stats=False):
    bn = L.BatchNorm1d(n)
    bn.gamma.data[...] = rng.uniform(0.5, 2.0, size=n)
    bn.beta.data[...] = rng.normal(size=n)
    if stats:
        bn.running_mean[...] = rng.normal(size=n)
        bn.running_var[...] = rng.uniform(0.5, 2.0, size=n)
    return bn


CASES = _layer_cases()


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name, make, training, scale", CASES, ids=[c[0] for c in CASES])
def test_backward_matches_central_differences(name, make, training, scale, seed):
    rng = np.random.default_rng(seed)
    batch, n = rng.integers(2, 7), rng.integers(1, 6)
    layer = make(rng, n).train(training)
    x = rng.normal(scale=scale, size=(batch, n))
    result = check_module(layer, x, rng=rng)
    assert set(result) == {"input", *(k for k, _ in layer.named_parameters())}, f"checked {sorted(result)}"
    result.assert_close(TOL)


# ------------------------------------------------------------------------------------------------ Module
def test_named_parameters_follow_pytorch_names():
    net = L.Sequential(L.Linear(4, 3, rng=0), L.ReLU(), L.BatchNorm1d(3), L.Maxout(3, 2, rng=0))
    names = [k for k, _ in net.named_parameters()]
    assert names == ["0.weight", "0.bias", "2.gamma", "2.beta", "3.linear.weight", "3.linear.bias"], names
    assert net.num_parameters() == 4 * 3 + 3 + 3 + 3 + (3 * 4 + 4)


def test_zero_grad_train_eval_and_children_reach_every_layer(rng):
    net = L.Sequential(L.Linear(2, 3, rng=rng), L.Sequential(L.Dropout(0.5), L.Linear(3, 1, rng=rng)))
    for p in net.parameters():
        p.grad += 1.0
    net.zero_grad()
    assert all(not p.grad.any() for p in net.parameters()), "zero_grad must zero every gradient"
    assert net.eval() is net and not any(m.training for m in net.modules()), "eval() must reach nested layers"
    net.train()
    assert all(m.training for m in net.modules())
    assert [type(c).__name__ for c in net.children()] == ["Linear", "Sequential"]


def test_repr_names_the_layer_and_its_sizes():
    assert repr(L.Linear(4, 3)) == "Linear(4→3)"
    assert repr(L.Maxout(4, 3, pieces=2)) == "Maxout(4→3, pieces=2)"
    assert repr(L.LeakyReLU(negative_slope=0.1)) == "LeakyReLU(negative_slope=0.1)"
    expected = "Sequential(\n  (0): Linear(2→1)\n  (1): Sigmoid()\n)"
    assert repr(L.Sequential(L.Linear(2, 1), L.Sigmoid())) == expected


def test_linear_computes_x_w_transpose_plus_b_with_weight_out_by_in(rng):
    lin = L.Linear(4, 3, rng=rng)
    lin.bias.data[...] = rng.normal(size=3)
    assert lin.weight.shape == (3, 4), f"weight must be (out, in) = (3, 4), got {lin.weight.shape}"
    x = rng.normal(size=(5, 4))
    rows = list(zip(lin.weight.data, lin.bias.data))
    expected = np.array([[sum(xi[k] * w[k] for k in range(4)) + b for w, b in rows] for xi in x])
    np.testing.assert_allclose(lin(x), expected, rtol=1e-12)


@pytest.mark.parametrize("init, expected_std", [("he", np.sqrt(2 / 400)), ("xavier", np.sqrt(2 / 600)),
                                                ("normal", 0.01)])
def test_linear_init_has_the_documented_spread(init, expected_std):
    w = L.Linear(400, 200, init=init, rng=3).weight.data
    std = w.std()
    assert abs(std / expected_std - 1) < 0.02, f"{init}: expected std {expected_std:.4f}, got {std:.4f}"


# ------------------------------------------------------------------------------------------------ Dropout
@pytest.mark.parametrize("mode", ["inverted", "scale_at_inference"])
def test_dropout_training_mean_equals_inference_output(mode, rng):
    x = rng.normal(size=(1, 8))
    drop = L.Dropout(0.4, mode=mode, rng=rng)
    samples = np.stack([drop(x) for _ in range(20000)])
    inference = drop.eval()(x)
    np.testing.assert_allclose(samples.mean(axis=0), inference, atol=0.03,
                               err_msg=f"{mode}: E[training output] must equal the inference output")
    dropped = np.mean(samples == 0)
    assert abs(dropped - 0.4) < 0.01, f"expected 40% of units dropped, got {dropped:.3f}"


def test_inverted_dropout_is_the_identity_at_inference(rng):
    x = rng.normal(size=(3, 4))
    drop = L.Dropout(0.5, rng=rng).eval()
    assert np.array_equal(drop(x), x) and np.array_equal(drop.backward(x), x)


def test_paper_dropout_scales_by_keep_probability_at_inference(rng):
    x = rng.normal(size=(3, 4))
    drop = L.Dropout(0.25, mode="scale_at_inference", rng=rng).eval()
    np.testing.assert_allclose(drop(x), 0.75 * x, rtol=1e-15)
    np.testing.assert_allclose(drop.backward(np.ones((3, 4))), 0.75, rtol=1e-15)


@pytest.mark.parametrize("mode, kept_value", [("inverted", 2.0), ("scale_at_inference", 1.0)])
def test_dropout_backward_reuses_the_mask_of_the_last_forward(mode, kept_value, rng):
    drop = L.Dropout(0.5, mode=mode, rng=rng)
    y = drop(np.ones((6, 7)))
    assert set(np.unique(y)) <= {0.0, kept_value}, f"{mode}: expected 0 or {kept_value}, got {np.unique(y)}"
    np.testing.assert_array_equal(drop.backward(np.ones((6, 7))), y)


def test_dropout_set_mask_feeds_a_given_mask(rng):
    keep = rng.random((3, 4)) > 0.5
    drop = L.Dropout(0.5, rng=rng)
    drop.set_mask(keep)
    x = rng.normal(size=(3, 4))
    np.testing.assert_array_equal(drop(x), np.where(keep, 2 * x, 0.0))
    with pytest.raises(ValueError, match=r"fixed mask has shape \(3, 4\) but the input has shape \(2, 4\)"):
        drop(x[:2])


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5, "0.5"])
def test_dropout_rejects_p_outside_zero_one(p):
    with pytest.raises(ValueError, match=r"Dropout: p must be in \[0, 1\)"):
        L.Dropout(p)


def test_dropout_rejects_an_unknown_mode():
    with pytest.raises(ValueError, match="mode must be one of .*'inverted'.*got 'paper'"):
        L.Dropout(0.5, mode="paper")


# ------------------------------------------------------------------------------------------------ BatchNorm
def test_batchnorm_training_output_has_zero_mean_unit_variance(rng):
    y = L.BatchNorm1d(4)(rng.normal(3.0, 5.0, size=(64, 4)))
    np.testing.assert_allclose(y.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=0), 1.0, rtol=1e-3)        # eps = 1e-5 against a variance of 25


def test_batchnorm_running_variance_is_unbiased(rng):
    x = rng.normal(2.0, 3.0, size=(10, 3))
    bn = L.BatchNorm1d(3, momentum=1.0)
    bn(x)
    np.testing.assert_allclose(bn.running_mean, x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, x.var(axis=0, ddof=1), rtol=1e-12,
                               err_msg="running_var must be the unbiased m/(m-1) variance")
    expected = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0, ddof=1) + bn.eps)
    np.testing.assert_allclose(bn.eval()(x), expected, rtol=1e-10, err_msg="eval must use the running stats")


def test_batchnorm_running_stats_move_with_momentum(rng):
    a, b = rng.normal(size=(5, 2)), rng.normal(1.0, 2.0, size=(8, 2))
    bn = L.BatchNorm1d(2, momentum=0.1)
    bn(a)
    bn(b)
    mean = 0.9 * (0.9 * 0 + 0.1 * a.mean(0)) + 0.1 * b.mean(0)
    var = 0.9 * (0.9 * 1 + 0.1 * a.var(0, ddof=1)) + 0.1 * b.var(0, ddof=1)
    np.testing.assert_allclose(bn.running_mean, mean, rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, var, rtol=1e-12)


def test_batchnorm_fold_gives_the_eval_output(rng):
    bn = _bn_with_affine(rng, 4)
    for _ in range(3):
        bn(rng.normal(1.0, 2.0, size=(16, 4)))
    x = rng.normal(size=(5, 4))
    scale, shift = bn.fold()
    np.testing.assert_allclose(x * scale + shift, bn.eval()(x), rtol=1e-12)


def test_batchnorm_refuses_a_single_sample_batch_in_training():
    with pytest.raises(ValueError, match=r"at least 2 samples.*\(1, 3\).*\.eval\(\)"):
        L.BatchNorm1d(3)(np.ones((1, 3)))
    assert L.BatchNorm1d(3).eval()(np.ones((1, 3))).shape == (1, 3), "eval mode works on one sample"


# ------------------------------------------------------------------------------------------------ dtypes
def test_float32_network_keeps_float32_outputs_and_gradients(rng):
    f32 = np.float32
    net = L.Sequential(L.Linear(4, 6, rng=rng, dtype=f32), L.BatchNorm1d(6, dtype=f32), L.ReLU(),
                       L.PReLU(6, dtype=f32), L.Dropout(0.3, rng=rng), L.Maxout(6, 3, rng=rng, dtype=f32),
                       L.Tanh(), L.Linear(3, 2, rng=rng, dtype=f32), L.Softmax())
    y = net(rng.normal(size=(5, 4)).astype(f32))
    dx = net.backward(np.ones_like(y))
    assert y.dtype == f32 and dx.dtype == f32, f"expected float32 out and grad_in, got {y.dtype}, {dx.dtype}"
    dtypes = {k: (p.data.dtype, p.grad.dtype) for k, p in net.named_parameters()}
    assert all(d == (f32, f32) for d in dtypes.values()), f"expected float32 parameters and grads: {dtypes}"


# ------------------------------------------------------------------------------------------------ contract
def test_backward_accumulates_into_gradients_rebound_to_a_flat_buffer(rng):
    net = L.Sequential(L.Linear(3, 4, rng=rng), L.BatchNorm1d(4), L.PReLU(4), L.Maxout(4, 2, rng=rng))
    params = net.parameters()
    sizes = [p.size for p in params]
    data, grad = np.concatenate([p.data.ravel() for p in params]), np.zeros(sum(sizes))
    offsets = np.cumsum([0, *sizes])
    for p, a, b in zip(params, offsets[:-1], offsets[1:]):      # what the optimiser does
        p.data, p.grad = data[a:b].reshape(p.shape), grad[a:b].reshape(p.shape)
    x, g = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    w0, b0 = net[0].weight.data.copy(), net[0].bias.data.copy()
    net(x)
    net.backward(g)
    once = grad.copy()
    assert np.count_nonzero(once) > 0.9 * once.size, "backward did not write into the flat buffer"
    net(x)
    net.backward(g)
    np.testing.assert_allclose(grad, 2 * once, rtol=1e-12,
                               err_msg="a second backward must add to the gradients, not overwrite them")
    assert all(p.grad.base is grad for p in params), "a layer rebound p.grad instead of adding in place"
    data *= 0.5                                              # an in-place update through the buffer
    np.testing.assert_allclose(net[0](x), x @ (0.5 * w0).T + 0.5 * b0, rtol=1e-12,
                               err_msg="Linear must read its weight through the Parameter at every call")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_large_linear_writes_into_a_zero_gradient_and_adds_to_any_other(dtype, rng):
    layer = L.Linear(300, 256, rng=rng, dtype=dtype)     # 76,800 weights: large enough to write in place
    grad = layer.weight.grad
    x, g = rng.normal(size=(7, 300)).astype(dtype), rng.normal(size=(7, 256)).astype(dtype)
    expected = g.T @ x
    layer(x)
    layer.backward(g)
    np.testing.assert_allclose(grad, expected, rtol=1e-5, err_msg="the first backward from a zero gradient")
    layer(x)
    layer.backward(g)
    np.testing.assert_allclose(grad, 2 * expected, rtol=1e-5, err_msg="a second backward must add, not overwrite")
    grad[...] = -0.0                                    # all bits not zero: must be added to, not overwritten
    grad[0, 0] = np.nan
    layer.backward(g)
    assert np.isnan(grad[0, 0]), "a NaN already in the gradient should stay NaN after adding"
    np.testing.assert_allclose(grad.ravel()[1:], expected.ravel()[1:], rtol=1e-5)
    assert layer.weight.grad is grad and grad.dtype == dtype, "backward must write into p.grad in place"


def test_layers_and_a_real_optimiser_share_the_same_memory(rng):
    net = L.Sequential(L.Linear(3, 4, rng=rng), L.BatchNorm1d(4), L.PReLU(4), L.Maxout(4, 2, rng=rng))
    opt = SGD(net.parameters(), lr=0.1)                  # rebinds p.data / p.grad to its flat buffer
    before = {k: p.data.copy() for k, p in net.named_parameters()}
    opt.zero_grad()
    net(rng.normal(size=(6, 3)))
    net.backward(rng.normal(size=(6, 2)))
    grads = {k: p.grad.copy() for k, p in net.named_parameters()}
    assert all(np.any(g) for g in grads.values()), f"every parameter should get a gradient: {grads}"
    opt.step()
    for k, p in net.named_parameters():
        np.testing.assert_allclose(p.data, before[k] - 0.1 * grads[k], rtol=1e-12,
                                   err_msg=f"{k}: SGD did not see the gradient the layer computed")


# ------------------------------------------------------------------------------------------------ errors
@pytest.mark.parametrize("layer, x, match", [
    (L.Linear(4, 3), np.ones((2, 5)), r"Linear\(4→3\) got input of shape \(2, 5\); expected \(batch, 4\)"),
    (L.Linear(4, 3), np.ones(4), r"Linear\(4→3\) got input of shape \(4,\); expected \(batch, 4\)"),
    (L.BatchNorm1d(3), np.ones((4, 2)), r"BatchNorm1d\(3\) got input of shape \(4, 2\)"),
    (L.Maxout(4, 2), np.ones((2, 3, 4)), r"Maxout\(4→2, pieces=2\) got input of shape \(2, 3, 4\)"),
    (L.PReLU(3), np.ones((2, 4)), r"PReLU\(num_parameters=3\) got input of shape \(2, 4\)"),
])
def test_wrong_input_shape_names_the_layer_and_the_shapes(layer, x, match):
    with pytest.raises(ValueError, match=match):
        layer(x)


@pytest.mark.parametrize("layer", [L.Linear(2, 2), L.ReLU(), L.PReLU(), L.Dropout(), L.BatchNorm1d(2),
                                   L.Maxout(2, 2)], ids=repr)
def test_backward_before_forward_is_a_clear_error(layer):
    with pytest.raises(RuntimeError, match=r"backward\(\) was called before forward\(\)"):
        layer.backward(np.ones((2, 2)))


def test_linear_backward_rejects_a_gradient_of_the_wrong_shape():
    lin = L.Linear(2, 3)
    lin(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"grad_out of shape \(4, 2\); expected \(4, 3\)"):
        lin.backward(np.ones((4, 2)))


def test_activation_layer_passes_train_and_eval_to_a_random_activation(rng):
    layer = L.ActivationLayer("rrelu", rng=rng)
    x = -np.ones((4, 5))
    assert len(np.unique(layer(x))) > 1, "RReLU in training draws a slope per element"
    layer.eval()
    np.testing.assert_allclose(layer(x), -(1 / 8 + 1 / 3) / 2, rtol=1e-12,
                               err_msg="RReLU at inference uses the mean slope (lower + upper) / 2")


def test_unknown_activation_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown activation 'relux'.*known names: .*relu"):
        L.ActivationLayer("relux")


def test_activation_layer_takes_an_activation_object_but_not_a_class():
    from course_lib.activations import Tanh
    layer = L.ActivationLayer(Tanh())
    np.testing.assert_allclose(layer(np.array([[0.5]])), np.tanh([[0.5]]), rtol=1e-15)
    with pytest.raises(TypeError, match="pass an instance"):
        L.ActivationLayer(Tanh)


@pytest.mark.parametrize("make, match", [
    (lambda: L.Linear(0, 3), "Linear: in_features must be a positive integer, got 0"),
    (lambda: L.Linear(2, 3, init="glorot"), "unknown init 'glorot'"),
    (lambda: L.BatchNorm1d(3, momentum=2.0), r"momentum must be in \[0, 1\] or None, got 2.0"),
    (lambda: L.Maxout(3, 2, pieces=0), "pieces must be a positive integer"),
])
def test_bad_constructor_arguments_are_named(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_linear_rejects_an_integer_dtype():
    with pytest.raises(TypeError, match="dtype must be float32 or float64, got int64"):
        L.Linear(2, 2, dtype=np.int64)


# ------------------------------------------------------------------------------------------------ Sequential
def test_sequential_indexing_len_iteration_append_and_slicing():
    a, b, c = L.Linear(2, 3), L.ReLU(), L.Linear(3, 1)
    net = L.Sequential(a, b)
    assert net.append(c) is net and len(net) == 3 and net[0] is a and net[-1] is c and list(net) == [a, b, c]
    head = net[:2]
    assert isinstance(head, L.Sequential) and list(head) == [a, b]


def test_sequential_rejects_a_class_instead_of_an_instance():
    with pytest.raises(TypeError, match=r"forget the parentheses.*ReLU\(\)"):
        L.Sequential(L.Linear(2, 2), L.ReLU)


def test_summary_lists_layers_output_shapes_and_parameter_counts(rng):
    net = L.Sequential(L.Linear(4, 8, rng=rng), L.ReLU(), L.Dropout(0.5), L.Linear(8, 3, rng=rng))
    text = net.summary()
    rows = ["(0) Linear(4→8)", "(None, 8)", "40", "(3) Linear(8→3)", "(None, 3)", "27",
            "Total parameters: 67"]
    for row in rows:
        assert row in text, f"summary lacks {row!r}:\n{text}"
    assert all(m.training for m in net.modules()), "summary must restore training mode"


def test_fit_before_compile_says_what_to_do():
    with pytest.raises(RuntimeError, match=r"compile\(loss, optimizer\) first"):
        L.Sequential(L.Linear(2, 1)).fit(np.ones((4, 2)), np.ones(4))


def test_compile_fit_predict_learn_xor(rng):
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]] * 8, dtype=float)
    y = (X[:, 0] != X[:, 1]).astype(int)
    net = L.Sequential(L.Linear(2, 16, rng=rng), L.Tanh(), L.Linear(16, 2, rng=rng))
    assert type(net.compile("cross_entropy", "adam").optimizer).__name__ == "Adam", "compile takes names too"
    net.compile(SoftmaxCrossEntropyLoss(), Adam(net.parameters(), lr=0.05))
    history = net.fit(X, y, epochs=100, batch_size=8, progress=False, rng=rng)
    losses = history.history["loss"]
    first, last = losses[0], losses[-1]
    assert last < 0.1 * first, f"expected the loss to fall tenfold: {first:.3f} -> {last:.3f}"
    pred = net.predict(X[:4]).argmax(axis=1)
    np.testing.assert_array_equal(pred, [0, 1, 1, 0], err_msg="the trained net must compute XOR")
