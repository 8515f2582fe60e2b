"""Optimisers: each update rule against a two-step example worked out from its formula (on the reference and
the fast path), validation, what the reference path promises (arrays kept, plain state), and gradient
clipping. PyTorch cross-checks live in test_optim_torch.py."""
import numpy as np
import pytest

from course_lib import optim
from course_lib.fast import optim as fast_optim
from course_lib.optim import SGD, Adam, clip_grad_norm, get_optimizer


@pytest.fixture(params=[optim, fast_optim], ids=["reference", "fast"])
def path(request):
    """Each rule is tested on both paths: the lecture's loop (course_lib.optim) and the fast one."""
    return request.param


class Param:
    """The optimisers' duck type: an array ``data`` and a same-shape ``grad``."""

    def __init__(self, data, grad=None):
        arr = np.array(data)
        self.data = arr if arr.dtype.kind == "f" else arr.astype(float)
        self.grad = np.zeros_like(self.data) if grad is None else grad


W0 = np.array([1.0, -2.0])


def two_steps(make_opt, w0=W0):
    """Minimise Q(w) = ||w||^2 / 2 (gradient g = w) for two steps; return (w1, w2)."""
    p = Param(w0.copy())
    opt = make_opt([p])
    out = []
    for _ in range(2):
        p.grad[...] = p.data          # written in place, as the layers do
        opt.step()
        out.append(p.data.copy())
    return out


def assert_steps(got, expected, rtol=1e-12):
    for t, (g, e) in enumerate(zip(got, expected), start=1):
        np.testing.assert_allclose(g, e, rtol=rtol, atol=0, err_msg=f"w after step {t}")


# --------------------------------------------------------------------------------------------- update rules
def test_sgd_takes_plain_gradient_steps(path):
    lr = 0.1
    w1 = W0 - lr * W0
    w2 = w1 - lr * w1
    assert_steps(two_steps(lambda ps: path.SGD(ps, lr=lr)), [w1, w2])


def test_sgd_momentum_accumulates_velocity(path):
    lr, mu = 0.1, 0.9
    v1 = W0                          # v1 = mu*0 + g0
    w1 = W0 - lr * v1
    v2 = mu * v1 + w1                # g1 = w1
    w2 = w1 - lr * v2
    assert_steps(two_steps(lambda ps: path.SGD(ps, lr=lr, momentum=mu)), [w1, w2])
    np.testing.assert_allclose(w2, [0.72, -1.44], rtol=1e-12)   # the same numbers by hand


def test_nesterov_steps_along_gradient_plus_momentum(path):
    lr, mu = 0.1, 0.9
    v1 = W0
    w1 = W0 - lr * (W0 + mu * v1)
    v2 = mu * v1 + w1
    w2 = w1 - lr * (w1 + mu * v2)
    assert_steps(two_steps(lambda ps: path.SGD(ps, lr=lr, momentum=mu, nesterov=True)), [w1, w2])
    np.testing.assert_allclose(w1, [0.81, -1.62], rtol=1e-12)


def test_weight_decay_adds_lambda_w_to_the_gradient(path):
    lr, lam = 0.1, 0.5
    w1 = W0 - lr * (W0 + lam * W0)
    w2 = w1 - lr * (w1 + lam * w1)
    assert_steps(two_steps(lambda ps: path.SGD(ps, lr=lr, weight_decay=lam)), [w1, w2])


def test_adagrad_divides_by_root_of_summed_squares(path):
    lr, eps = 0.1, 1e-10
    G1 = W0**2
    w1 = W0 - lr * W0 / (np.sqrt(G1) + eps)
    G2 = G1 + w1**2
    w2 = w1 - lr * w1 / (np.sqrt(G2) + eps)
    assert_steps(two_steps(lambda ps: path.AdaGrad(ps, lr=lr)), [w1, w2])
    np.testing.assert_allclose(w1, [0.9, -1.9], rtol=1e-9)


def test_rmsprop_uses_leaky_average_with_eps_outside_the_root(path):
    lr, a, eps = 0.01, 0.9, 1e-3      # a large eps makes its position visible
    s1 = (1 - a) * W0**2
    w1 = W0 - lr * W0 / (np.sqrt(s1) + eps)
    s2 = a * s1 + (1 - a) * w1**2
    w2 = w1 - lr * w1 / (np.sqrt(s2) + eps)
    assert_steps(two_steps(lambda ps: path.RMSProp(ps, lr=lr, alpha=a, eps=eps)), [w1, w2])


def test_adam_applies_bias_corrected_moments(path):
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-3
    m1, v1 = (1 - b1) * W0, (1 - b2) * W0**2
    w1 = W0 - lr * (m1 / (1 - b1)) / (np.sqrt(v1 / (1 - b2)) + eps)
    m2, v2 = b1 * m1 + (1 - b1) * w1, b2 * v1 + (1 - b2) * w1**2
    w2 = w1 - lr * (m2 / (1 - b1**2)) / (np.sqrt(v2 / (1 - b2**2)) + eps)
    assert_steps(two_steps(lambda ps: path.Adam(ps, lr=lr, eps=eps)), [w1, w2])


def test_adam_without_bias_correction_starts_from_moments_biased_to_zero(path):
    lr, b1, b2 = 0.01, 0.9, 0.999
    g = np.array([0.5, -3.0])
    steps, first_moments = {}, {}
    for corrected in (True, False):
        p = Param(np.zeros(2))
        opt = path.Adam([p], lr=lr, bias_correction=corrected)
        p.grad[...] = g
        opt.step()
        steps[corrected] = -p.data
        first_moments[corrected] = opt.state[p]["exp_avg"] / (1 - b1 if corrected else 1)
    # corrected: m_hat = g and v_hat = g^2, so the first step is lr * sign(g)
    np.testing.assert_allclose(steps[True], lr * np.sign(g), rtol=1e-6,
                               err_msg="Adam's first corrected step should be lr per weight")
    # uncorrected: m is (1 - b1) g, v is (1 - b2) g^2, the step is lr (1 - b1)/sqrt(1 - b2) sign(g)
    ratio_m = first_moments[False] / first_moments[True]
    np.testing.assert_allclose(ratio_m, 1 - b1, rtol=1e-12,
                               err_msg="uncorrected first moment / corrected one should be 1 - beta1")
    np.testing.assert_allclose(steps[False] / steps[True], (1 - b1) / np.sqrt(1 - b2), rtol=1e-6,
                               err_msg="uncorrected first step / corrected one should be (1-b1)/sqrt(1-b2)")


def test_adam_state_reports_the_moments_of_the_formula(path):
    b1, b2 = 0.8, 0.99
    g1, g2 = np.array([0.5, -3.0]), np.array([1.0, 2.0])
    p = Param(np.zeros(2))
    opt = path.Adam([p], lr=0.01, betas=(b1, b2))
    for g in (g1, g2):
        p.grad[...] = g
        opt.step()
    expected = {"exp_avg": (1 - b1) * (b1 * g1 + g2), "exp_avg_sq": (1 - b2) * (b2 * g1**2 + g2**2)}
    for name, value in expected.items():
        np.testing.assert_allclose(opt.state[p][name], value, rtol=1e-12,
                                   err_msg=f"state[{name!r}] should be the moment m_t / v_t of the docstring")


def test_lr_is_settable_and_used_by_the_next_step(path):
    p = Param([1.0])
    opt = path.SGD([p], lr=0.1)
    opt.lr = 0.5
    p.grad[...] = 2.0
    opt.step()
    assert p.data[0] == pytest.approx(1.0 - 0.5 * 2.0), f"expected 0.0 after a step at lr 0.5, got {p.data}"


def test_zero_grad_clears_gradients_in_place(path):
    p = Param([1.0, 2.0])
    opt = path.SGD([p], lr=0.1)
    grad_before = p.grad
    p.grad += 3.0
    opt.zero_grad()
    assert p.grad is grad_before and not p.grad.any(), f"expected zeros in the same array, got {p.grad}"


# --------------------------------------------------------------------------------------------- validation
@pytest.mark.parametrize("make, message", [
    (lambda path, ps: path.SGD(ps, lr=0), "SGD: lr must be > 0, got 0"),
    (lambda path, ps: path.Adam(ps, lr=-1e-3), "Adam: lr must be > 0, got -0.001"),
    (lambda path, ps: path.SGD(ps, momentum=1.0), r"SGD: momentum must be in \[0, 1\), got 1.0"),
    (lambda path, ps: path.SGD(ps, momentum=-0.1), r"SGD: momentum must be in \[0, 1\), got -0.1"),
    (lambda path, ps: path.SGD(ps, nesterov=True), "SGD: nesterov=True needs momentum > 0"),
    (lambda path, ps: path.Adam(ps, betas=(1.0, 0.999)), r"Adam: betas\[0\] must be in \[0, 1\), got 1.0"),
    (lambda path, ps: path.Adam(ps, betas=(0.9, 1.5)), r"Adam: betas\[1\] must be in \[0, 1\), got 1.5"),
    (lambda path, ps: path.RMSProp(ps, alpha=1.0), r"RMSProp: alpha must be in \[0, 1\), got 1.0"),
    (lambda path, ps: path.AdaGrad(ps, eps=0), "AdaGrad: eps must be > 0, got 0"),
])
def test_bad_hyperparameters_are_rejected_with_name_and_value(path, make, message):
    with pytest.raises(ValueError, match=message):
        make(path, [Param([1.0])])


def test_setting_a_non_positive_lr_is_rejected(path):
    opt = path.Adam([Param([1.0])])
    with pytest.raises(ValueError, match="Adam: lr must be > 0, got -1"):
        opt.lr = -1


def test_missing_gradient_is_reported(path):
    p = Param([1.0])
    p.grad = None
    with pytest.raises(ValueError, match=r"SGD: parameter 0 .*has no gradient"):
        path.SGD([p])


def test_gradient_of_wrong_shape_is_reported(path):
    p = Param(np.ones((2, 3)), grad=np.zeros(6))
    with pytest.raises(ValueError, match=r"\.grad has shape \(6,\), expected the shape of \.data \(2, 3\)"):
        path.Adam([p])


def test_gradient_rebound_to_wrong_shape_is_reported_at_step(path):
    p = Param(np.ones(3))
    opt = path.SGD([p])
    p.grad = np.ones(4)
    with pytest.raises(ValueError, match=r"\.grad has shape \(4,\)"):
        opt.step()


def test_empty_or_single_parameter_arguments_are_explained(path):
    with pytest.raises(ValueError, match="empty parameter list"):
        path.SGD([])
    with pytest.raises(TypeError, match=r"pass \[param\]"):
        path.SGD(Param([1.0]))


def test_get_optimizer_builds_by_name_and_lists_known_names():
    p = Param([1.0])
    opt = get_optimizer("nesterov", [p], lr=0.3)
    assert isinstance(opt, SGD) and opt.nesterov and opt.momentum == 0.9 and opt.lr == 0.3, repr(opt)
    assert isinstance(get_optimizer("Adam", [p]), Adam)
    with pytest.raises(ValueError, match="unknown optimiser 'adamw'; known: adagrad, adam, momentum"):
        get_optimizer("adamw", [p])


# --------------------------------------------------------------------------------------------- clipping
def test_clip_grad_norm_scales_a_large_gradient_to_theta():
    a, b = Param(np.zeros(2), grad=np.array([3.0, 0.0])), Param(np.zeros(1), grad=np.array([4.0]))
    norm = clip_grad_norm([a, b], max_norm=1.0)
    assert norm == pytest.approx(5.0), f"expected the norm before clipping, 5.0, got {norm}"
    np.testing.assert_allclose(np.concatenate([a.grad, b.grad]), [0.6, 0.0, 0.8],
                               err_msg="g should become g * theta / ||g||")


def test_clip_grad_norm_leaves_a_small_gradient_unchanged():
    a = Param(np.zeros(2), grad=np.array([3.0, 4.0]))
    grad = a.grad
    assert clip_grad_norm([a], max_norm=10.0) == pytest.approx(5.0)
    assert a.grad is grad
    np.testing.assert_array_equal(a.grad, [3.0, 4.0], err_msg="a gradient below theta must not change")


def test_clip_grad_norm_rejects_bad_theta_and_nan():
    a = Param(np.zeros(1), grad=np.array([np.nan]))
    with pytest.raises(ValueError, match="clip_grad_norm: max_norm must be > 0, got 0"):
        clip_grad_norm([a], 0)
    with pytest.raises(FloatingPointError, match="not finite"):
        clip_grad_norm([a], 1.0)


# --------------------------------------------------------------------------------------------- reference path
def test_reference_optimiser_keeps_the_parameters_arrays(rng):
    p = Param(rng.normal(size=(3, 4)))
    data, grad = p.data, p.grad
    opt = optim.Adam([p], lr=0.1)
    p.grad += 1.0
    opt.step()
    opt.zero_grad()
    assert p.data is data and p.grad is grad, "the optimiser must update the arrays in place, never rebind them"


@pytest.mark.parametrize("make, names", [
    (lambda ps: optim.SGD(ps, momentum=0.9), {"momentum_buffer"}),
    (lambda ps: optim.AdaGrad(ps), {"sum", "step"}),
    (lambda ps: optim.RMSProp(ps), {"square_avg", "step"}),
    (lambda ps: optim.Adam(ps), {"exp_avg", "exp_avg_sq", "step"}),
])
def test_reference_state_is_a_plain_dict_under_pytorchs_names(make, names):
    p = Param([1.0, -2.0])
    opt = make([p])
    p.grad[...] = 1.0
    opt.step()
    assert type(opt.state[p]) is dict and set(opt.state[p]) == names, f"got {opt.state[p]}"
    assert opt.state[p].get("step", 1) == 1
    key = sorted(names - {"step"})[0]
    opt.state[p][key][...] = 0.0          # writing into the state is seen by the next step, as in PyTorch
    assert not opt.state[p][key].any()


def test_reference_adam_stores_the_true_moments():
    p = Param([0.0, 0.0])
    opt = optim.Adam([p], betas=(0.8, 0.99))
    p.grad[...] = [0.5, -3.0]
    opt.step()
    np.testing.assert_allclose(opt.state[p]["exp_avg"], [0.1, -0.6], rtol=1e-12)
    np.testing.assert_allclose(opt.state[p]["exp_avg_sq"], [0.0025, 0.09], rtol=1e-12)


def test_parameters_sharing_one_array_are_an_error_for_both_paths(path):
    a, b = Param([1.0, 2.0]), Param([0.0, 0.0])
    b.data = a.data                      # a tie by sharing the array: each would be updated on its own
    with pytest.raises(ValueError, match=r"share one array.*l2.weight = l1.weight"):
        path.Adam([a, b])


def test_tying_by_sharing_the_parameter_object_works(path):
    p = Param([1.0])
    opt = path.SGD([p, p], lr=0.1)
    p.grad[...] = 1.0
    opt.step()
    assert p.data[0] == pytest.approx(0.9), f"a repeated parameter moved twice: {p.data}"


@pytest.mark.parametrize("name", ["sgd", "momentum", "adagrad", "rmsprop", "adam"])
def test_a_size_zero_parameter_is_carried_along(path, name):
    empty, w = Param(np.zeros((0, 3))), Param([1.0, 2.0])
    opt = optim.get_optimizer(name, [empty, w], table=path.OPTIMIZERS, lr=0.1)
    w.grad[...] = 1.0
    opt.step()
    opt.zero_grad()
    assert empty.data.shape == (0, 3) and np.all(w.data < [1.0, 2.0]), f"got {empty.data.shape}, {w.data}"


@pytest.mark.parametrize("kw, message", [
    ({"lr": "0.1"}, "lr must be > 0, got '0.1'"),
    ({"momentum": "0.9"}, r"momentum must be in \[0, 1\), got '0.9'"),
    ({"weight_decay": None}, "weight_decay must be >= 0, got None"),
    ({"momentum": 0.9, "nesterov": "yes"}, "nesterov must be True or False, got 'yes'"),
])
def test_non_numeric_hyperparameters_get_the_friendly_message(path, kw, message):
    with pytest.raises((ValueError, TypeError), match=message):
        path.SGD([Param([1.0])], **kw)
