"""Optimisers: each update rule against a two-step example worked out from its formula, the flat parameter
buffer, validation, and gradient clipping. PyTorch cross-checks live in test_optim_torch.py."""
import numpy as np
import pytest

from course_lib.optim import (
    SGD,
    AdaGrad,
    Adam,
    RMSProp,
    clip_grad_norm,
    flatten_parameters,
    get_optimizer,
)


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
def test_sgd_takes_plain_gradient_steps():
    lr = 0.1
    w1 = W0 - lr * W0
    w2 = w1 - lr * w1
    assert_steps(two_steps(lambda ps: SGD(ps, lr=lr)), [w1, w2])


def test_sgd_momentum_accumulates_velocity():
    lr, mu = 0.1, 0.9
    v1 = W0                          # v1 = mu*0 + g0
    w1 = W0 - lr * v1
    v2 = mu * v1 + w1                # g1 = w1
    w2 = w1 - lr * v2
    assert_steps(two_steps(lambda ps: SGD(ps, lr=lr, momentum=mu)), [w1, w2])
    np.testing.assert_allclose(w2, [0.72, -1.44], rtol=1e-12)   # the same numbers by hand


def test_nesterov_steps_along_gradient_plus_momentum():
    lr, mu = 0.1, 0.9
    v1 = W0
    w1 = W0 - lr * (W0 + mu * v1)
    v2 = mu * v1 + w1
    w2 = w1 - lr * (w1 + mu * v2)
    assert_steps(two_steps(lambda ps: SGD(ps, lr=lr, momentum=mu, nesterov=True)), [w1, w2])
    np.testing.assert_allclose(w1, [0.81, -1.62], rtol=1e-12)


def test_weight_decay_adds_lambda_w_to_the_gradient():
    lr, lam = 0.1, 0.5
    w1 = W0 - lr * (W0 + lam * W0)
    w2 = w1 - lr * (w1 + lam * w1)
    assert_steps(two_steps(lambda ps: SGD(ps, lr=lr, weight_decay=lam)), [w1, w2])


def test_adagrad_divides_by_root_of_summed_squares():
    lr, eps = 0.1, 1e-10
    G1 = W0**2
    w1 = W0 - lr * W0 / (np.sqrt(G1) + eps)
    G2 = G1 + w1**2
    w2 = w1 - lr * w1 / (np.sqrt(G2) + eps)
    assert_steps(two_steps(lambda ps: AdaGrad(ps, lr=lr)), [w1, w2])
    np.testing.assert_allclose(w1, [0.9, -1.9], rtol=1e-9)


def test_rmsprop_uses_leaky_average_with_eps_outside_the_root():
    lr, a, eps = 0.01, 0.9, 1e-3      # a large eps makes its position visible
    s1 = (1 - a) * W0**2
    w1 = W0 - lr * W0 / (np.sqrt(s1) + eps)
    s2 = a * s1 + (1 - a) * w1**2
    w2 = w1 - lr * w1 / (np.sqrt(s2) + eps)
    assert_steps(two_steps(lambda ps: RMSProp(ps, lr=lr, alpha=a, eps=eps)), [w1, w2])


def test_adam_applies_bias_corrected_moments():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-3
    m1, v1 = (1 - b1) * W0, (1 - b2) * W0**2
    w1 = W0 - lr * (m1 / (1 - b1)) / (np.sqrt(v1 / (1 - b2)) + eps)
    m2, v2 = b1 * m1 + (1 - b1) * w1, b2 * v1 + (1 - b2) * w1**2
    w2 = w1 - lr * (m2 / (1 - b1**2)) / (np.sqrt(v2 / (1 - b2**2)) + eps)
    assert_steps(two_steps(lambda ps: Adam(ps, lr=lr, eps=eps)), [w1, w2])


def test_adam_without_bias_correction_starts_from_moments_biased_to_zero():
    lr, b1, b2 = 0.01, 0.9, 0.999
    g = np.array([0.5, -3.0])
    steps, first_moments = {}, {}
    for corrected in (True, False):
        p = Param(np.zeros(2))
        opt = Adam([p], lr=lr, bias_correction=corrected)
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


def test_adam_state_reports_the_moments_of_the_formula():
    b1, b2 = 0.8, 0.99
    g1, g2 = np.array([0.5, -3.0]), np.array([1.0, 2.0])
    p = Param(np.zeros(2))
    opt = Adam([p], lr=0.01, betas=(b1, b2))
    for g in (g1, g2):
        p.grad[...] = g
        opt.step()
    expected = {"exp_avg": (1 - b1) * (b1 * g1 + g2), "exp_avg_sq": (1 - b2) * (b2 * g1**2 + g2**2)}
    for name, value in expected.items():
        np.testing.assert_allclose(opt.state[p][name], value, rtol=1e-12,
                                   err_msg=f"state[{name!r}] should be the moment m_t / v_t of the docstring")


def test_lr_is_settable_and_used_by_the_next_step():
    p = Param([1.0])
    opt = SGD([p], lr=0.1)
    opt.lr = 0.5
    p.grad[...] = 2.0
    opt.step()
    assert p.data[0] == pytest.approx(1.0 - 0.5 * 2.0), f"expected 0.0 after a step at lr 0.5, got {p.data}"


def test_zero_grad_clears_gradients_in_place():
    p = Param([1.0, 2.0])
    opt = SGD([p], lr=0.1)
    grad_before = p.grad
    p.grad += 3.0
    opt.zero_grad()
    assert p.grad is grad_before and not p.grad.any(), f"expected zeros in the same array, got {p.grad}"


# --------------------------------------------------------------------------------------------- flat buffer
def test_parameters_become_views_of_one_contiguous_buffer(rng):
    ps = [Param(rng.normal(size=(3, 4))), Param(rng.normal(size=3)), Param(rng.normal(size=(2, 2)))]
    values = [p.data.copy() for p in ps]
    Adam(ps)
    bases = {id(p.data.base) for p in ps}
    assert len(bases) == 1, f"expected every p.data to view one buffer, got {len(bases)} buffers"
    buf = ps[0].data.base
    assert buf.ndim == 1 and buf.size == 12 + 3 + 4, f"expected a flat buffer of 19 values, got {buf.shape}"
    assert len({id(p.grad.base) for p in ps}) == 1 and ps[0].grad.base is not buf
    for p, v in zip(ps, values):
        np.testing.assert_array_equal(p.data, v, err_msg="flattening must keep the parameter values")


def test_step_sees_gradients_written_in_place_after_construction():
    p, q = Param([1.0, 2.0]), Param([[3.0]])
    opt = SGD([p, q], lr=0.5)
    p.grad += [2.0, 4.0]             # how a layer's backward accumulates
    q.grad += 1.0
    opt.step()
    np.testing.assert_allclose(p.data, [0.0, 0.0], err_msg="p should move by -lr * grad")
    np.testing.assert_allclose(q.data, [[2.5]], err_msg="q should move by -lr * grad")


def test_step_adopts_arrays_rebound_after_construction():
    p = Param([1.0, 2.0])
    opt = SGD([p], lr=0.5)
    p.data = np.array([10.0, 20.0])   # a student's p.data = ... must not be silently ignored
    p.grad = np.array([2.0, 2.0])
    opt.step()
    np.testing.assert_allclose(p.data, [9.0, 19.0], err_msg="the rebound values and gradient should be used")


def test_second_optimiser_shares_the_buffer_and_keeps_the_first_working():
    ps = [Param([1.0, 2.0]), Param([3.0])]
    first = SGD(ps, lr=0.1)
    buf = ps[0].data.base
    second = SGD(ps, lr=1.0)
    assert ps[0].data.base is buf and ps[1].data.base is buf, "the second optimiser must reuse the buffer"
    for p in ps:
        p.grad[...] = 1.0
    first.step()
    np.testing.assert_allclose(ps[0].data, [0.9, 1.9], err_msg="the first optimiser's step must reach p.data")
    second.step()
    np.testing.assert_allclose(ps[1].data, [3.0 - 0.1 - 1.0], err_msg="both optimisers must update p.data")


def test_optimiser_on_a_contiguous_subset_shares_memory_with_the_full_one():
    ps = [Param([1.0]), Param([2.0, 3.0]), Param([4.0])]
    SGD(ps, lr=0.1)
    buf = ps[0].data.base
    part = SGD(ps[1:], lr=1.0)
    ps[1].grad[...] = 1.0
    part.step()
    assert ps[1].data.base is buf, "the subset optimiser should reuse the full buffer, not copy"
    np.testing.assert_allclose(ps[1].data, [1.0, 2.0])


def test_float32_parameters_stay_float32():
    p = Param(np.ones(3, dtype=np.float32))
    opt = Adam([p], lr=0.1)
    p.grad[...] = 1.0
    opt.step()
    assert p.data.dtype == np.float32 and p.grad.dtype == np.float32, f"got {p.data.dtype}, {p.grad.dtype}"
    assert all(b.dtype == np.float32 for b in opt.state[p].values()), "state buffers should be float32 too"


def test_mixed_dtypes_get_one_buffer_each():
    a, b, c = Param(np.ones(2, np.float32)), Param(np.ones(3)), Param(np.ones(1, np.float32))
    groups = flatten_parameters([a, b, c])
    assert [g.dtype for g in groups] == [np.float32, np.float64], f"got {[g.dtype for g in groups]}"
    assert a.data.base is c.data.base is groups[0].data and b.data.base is groups[1].data
    opt = SGD([a, b, c], lr=0.5)
    for p in (a, b, c):
        p.grad[...] = 1.0
    opt.step()
    for p in (a, b, c):
        np.testing.assert_allclose(p.data, 0.5, err_msg=f"every group must be updated ({p.data.dtype})")


def test_tied_parameter_is_updated_once():
    p = Param([1.0])
    opt = SGD([p, p], lr=0.1)
    p.grad[...] = 1.0
    opt.step()
    assert p.data[0] == pytest.approx(0.9), f"a repeated parameter moved twice: {p.data}"


def test_state_holds_per_parameter_buffers_of_its_shape():
    p, q = Param(np.ones((2, 3))), Param(np.ones(4))
    opt = SGD([p, q], lr=0.1, momentum=0.9)
    p.grad[...] = 1.0
    q.grad[...] = 2.0
    opt.step()
    np.testing.assert_allclose(opt.state[p]["momentum_buffer"], np.ones((2, 3)))
    np.testing.assert_allclose(opt.state[q]["momentum_buffer"], 2 * np.ones(4))


# --------------------------------------------------------------------------------------------- validation
@pytest.mark.parametrize("make, message", [
    (lambda ps: SGD(ps, lr=0), "SGD: lr must be > 0, got 0"),
    (lambda ps: Adam(ps, lr=-1e-3), "Adam: lr must be > 0, got -0.001"),
    (lambda ps: SGD(ps, momentum=1.0), r"SGD: momentum must be in \[0, 1\), got 1.0"),
    (lambda ps: SGD(ps, momentum=-0.1), r"SGD: momentum must be in \[0, 1\), got -0.1"),
    (lambda ps: SGD(ps, nesterov=True), "SGD: nesterov=True needs momentum > 0"),
    (lambda ps: Adam(ps, betas=(1.0, 0.999)), r"Adam: betas\[0\] must be in \[0, 1\), got 1.0"),
    (lambda ps: Adam(ps, betas=(0.9, 1.5)), r"Adam: betas\[1\] must be in \[0, 1\), got 1.5"),
    (lambda ps: RMSProp(ps, alpha=1.0), r"RMSProp: alpha must be in \[0, 1\), got 1.0"),
    (lambda ps: AdaGrad(ps, eps=0), "AdaGrad: eps must be > 0, got 0"),
])
def test_bad_hyperparameters_are_rejected_with_name_and_value(make, message):
    with pytest.raises(ValueError, match=message):
        make([Param([1.0])])


def test_setting_a_non_positive_lr_is_rejected():
    opt = Adam([Param([1.0])])
    with pytest.raises(ValueError, match="Adam: lr must be > 0, got -1"):
        opt.lr = -1


def test_missing_gradient_is_reported():
    p = Param([1.0])
    p.grad = None
    with pytest.raises(ValueError, match=r"SGD: parameter 0 .*has no gradient"):
        SGD([p])


def test_gradient_of_wrong_shape_is_reported():
    p = Param(np.ones((2, 3)), grad=np.zeros(6))
    with pytest.raises(ValueError, match=r"\.grad has shape \(6,\), expected the shape of \.data \(2, 3\)"):
        Adam([p])


def test_gradient_rebound_to_wrong_shape_is_reported_at_step():
    p = Param(np.ones(3))
    opt = SGD([p])
    p.grad = np.ones(4)
    with pytest.raises(ValueError, match=r"\.grad has shape \(4,\)"):
        opt.step()


def test_empty_or_single_parameter_arguments_are_explained():
    with pytest.raises(ValueError, match="empty parameter list"):
        SGD([])
    with pytest.raises(TypeError, match=r"pass \[param\]"):
        SGD(Param([1.0]))


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
