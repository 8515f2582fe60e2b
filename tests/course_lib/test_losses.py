"""Losses and penalties: values from their definitions, gradients against central differences."""
import numpy as np
import pytest

from course_lib import losses
from course_lib.gradcheck import check_loss, numerical_gradient, relative_error
from course_lib.layers import Parameter

TOL = 1e-7


def _targets_for(loss, rng, shape):
    if isinstance(loss, losses.SoftmaxCrossEntropyLoss):
        return rng.integers(0, shape[1], size=shape[0])
    if isinstance(loss, losses.BCEWithLogitsLoss):
        return rng.integers(0, 2, size=shape).astype(float)
    return rng.normal(size=shape)


@pytest.mark.parametrize("make", [losses.MSELoss, losses.BCEWithLogitsLoss, losses.SoftmaxCrossEntropyLoss])
@pytest.mark.parametrize("shape", [(1, 3), (5, 2), (8, 4)])
def test_loss_backward_matches_central_differences(make, shape, rng):
    loss = make()
    pred = rng.normal(scale=3.0, size=shape)
    err = check_loss(loss, pred, _targets_for(loss, rng, shape))
    assert err < TOL, f"{loss!r} on shape {shape}: expected relative error < {TOL}, got {err.report()}"


def test_mse_is_the_mean_of_squared_differences_over_all_elements(rng):
    pred, target = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    expected = sum((p - t) ** 2 for p, t in zip(pred.ravel(), target.ravel())) / pred.size
    got = losses.MSELoss()(pred, target)
    assert got == pytest.approx(expected, rel=1e-12), f"expected {expected}, got {got}"


def test_mse_accepts_a_flat_target_for_a_single_output_column(rng):
    pred, y = rng.normal(size=(5, 1)), rng.normal(size=5)
    loss = losses.MSELoss()
    assert loss(pred, y) == pytest.approx(np.mean((pred[:, 0] - y) ** 2))
    shape = loss.backward().shape
    assert shape == (5, 1), f"gradient must have pred's shape (5, 1), got {shape}"


def test_bce_with_logits_equals_the_naive_formula_where_that_is_safe(rng):
    z, y = rng.normal(size=(7, 1)), rng.integers(0, 2, size=(7, 1)).astype(float)
    s = 1 / (1 + np.exp(-z))
    expected = -np.mean(y * np.log(s) + (1 - y) * np.log(1 - s))
    got = losses.BCEWithLogitsLoss()(z, y)
    assert got == pytest.approx(expected, rel=1e-12), f"expected {expected}, got {got}"


def test_bce_with_logits_stays_finite_for_huge_logits():
    z, y = np.array([[1000.0], [-1000.0], [1000.0]]), np.array([[1.0], [0.0], [0.0]])
    loss = losses.BCEWithLogitsLoss()
    value = loss(z, y)
    # the two confident right answers cost 0, the confident wrong one costs 1000
    assert value == pytest.approx(1000.0 / 3), f"expected 1000/3, got {value}"
    np.testing.assert_allclose(loss.backward(), [[0.0], [0.0], [1 / 3]], atol=1e-15)


def test_cross_entropy_is_minus_mean_log_softmax_of_the_true_class(rng):
    z, y = rng.normal(size=(6, 4)), rng.integers(0, 4, size=6)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    expected = -np.mean(np.log(p[np.arange(6), y]))
    got = losses.SoftmaxCrossEntropyLoss()(z, y)
    assert got == pytest.approx(expected, rel=1e-12), f"expected {expected}, got {got}"


def test_cross_entropy_is_stable_for_huge_logits():
    z = np.array([[1000.0, 0.0, -1000.0], [0.0, 1000.0, 0.0]])
    loss = losses.SoftmaxCrossEntropyLoss()
    value = loss(z, np.array([0, 0]))
    assert np.isfinite(value) and value == pytest.approx(500.0), f"expected (0 + 1000)/2 = 500, got {value}"
    assert np.all(np.isfinite(loss.backward()))


@pytest.mark.parametrize("make", [losses.MSELoss, losses.BCEWithLogitsLoss, losses.SoftmaxCrossEntropyLoss])
def test_float32_predictions_give_float32_gradients(make, rng):
    loss = make()
    pred = rng.normal(size=(4, 3)).astype(np.float32)
    loss(pred, _targets_for(loss, rng, (4, 3)))
    dtype = loss.backward().dtype
    assert dtype == np.float32, f"{loss!r}: expected a float32 gradient, got {dtype}"


@pytest.mark.parametrize("target, match", [
    (np.array([0, 3, 1]), r"class indices \[3\] outside \[0, 2\]"),
    (np.array([0, -1, 1]), r"class indices \[-1\] outside"),
    (np.array([[0], [1], [2]]), r"shape \(3,\)"),
    (np.eye(3), r"shape \(3,\)"),
])
def test_cross_entropy_rejects_bad_targets_with_a_clear_message(target, match, rng):
    with pytest.raises(ValueError, match=match):
        losses.SoftmaxCrossEntropyLoss()(rng.normal(size=(3, 3)), target)


def test_cross_entropy_rejects_float_targets(rng):
    with pytest.raises(TypeError, match="integer class indices"):
        losses.SoftmaxCrossEntropyLoss()(rng.normal(size=(3, 3)), np.array([0.0, 1.0, 2.0]))


def test_mse_rejects_a_target_of_another_shape(rng):
    with pytest.raises(ValueError, match=r"target of shape \(4, 2\) does not match pred of shape \(4, 3\)"):
        losses.MSELoss()(rng.normal(size=(4, 3)), rng.normal(size=(4, 2)))


def test_log_softmax_is_stable_and_normalised():
    z = np.array([[1000.0, 1001.0, 999.0], [-5.0, 0.0, 5.0]])
    logp = losses.log_softmax(z)
    naive = z[1] - np.log(np.exp(z[1]).sum())
    np.testing.assert_allclose(logp[1], naive, rtol=1e-12)
    np.testing.assert_allclose(np.exp(logp).sum(axis=1), 1.0, rtol=1e-12, err_msg="rows must sum to one")
    expected = np.array([-1.0, 0.0, -2.0]) - np.log(1 + np.exp(-1) + np.exp(-2))
    np.testing.assert_allclose(logp[0], expected, rtol=1e-12, err_msg="huge logits: log-softmax of z - max z")


def test_backward_before_forward_raises():
    with pytest.raises(RuntimeError, match="before forward"):
        losses.MSELoss().backward()


def test_get_loss_by_name_and_unknown_name():
    assert isinstance(losses.get_loss("cross_entropy"), losses.SoftmaxCrossEntropyLoss)
    with pytest.raises(ValueError, match="unknown loss 'hinge'.*mse"):
        losses.get_loss("hinge")


# ------------------------------------------------------------------------------------------- penalties
def _params(rng):
    return [Parameter(rng.normal(size=(3, 4)), "w1"), Parameter(rng.normal(size=5), "w2")]


@pytest.mark.parametrize("penalty, value_of", [
    (losses.l2_penalty, lambda ws, lam: lam / 2 * sum((w ** 2).sum() for w in ws)),
    (losses.l1_penalty, lambda ws, lam: lam * sum(np.abs(w).sum() for w in ws)),
])
def test_penalty_value_and_gradient_match_the_definition(penalty, value_of, rng):
    params, lam = _params(rng), 0.3
    before = [p.grad.copy() + 1.0 for p in params]
    for p in params:
        p.grad += 1.0                        # add_grad must add to what is there, not overwrite it
    value = penalty(params, lam, add_grad=True)
    expected = value_of([p.data for p in params], lam)
    assert value == pytest.approx(expected, rel=1e-12), f"expected {expected}, got {value}"
    for p, b in zip(params, before):
        others = [q for q in params if q is not p]

        def f(w, p=p, others=others):
            return penalty([w, *[q.data for q in others]], lam)

        numeric = numerical_gradient(f, p.data.copy())
        err = relative_error(p.grad - b, numeric)
        assert err < TOL, f"{penalty.__name__} gradient of {p.name}: relative error {err:.2e} > {TOL}"


def test_l2_penalty_gradient_equals_what_sgd_weight_decay_adds(rng):
    """The course's convention: l2_penalty(lam) = lam/2 ||W||^2 adds lam*W, what SGD(weight_decay=lam) adds."""
    from course_lib.optim import SGD
    w0, lam = rng.normal(size=(4, 4)), 0.05
    p, q = Parameter(w0.copy()), Parameter(w0.copy())
    value = losses.l2_penalty([p], lam, add_grad=True)
    assert value == pytest.approx(lam / 2 * (w0 ** 2).sum(), rel=1e-14)
    SGD([q], lr=1.0, weight_decay=lam).step()           # q.grad is 0: the step is exactly what decay adds
    np.testing.assert_allclose(p.grad, w0 - q.data, rtol=1e-14,
                               err_msg="l2_penalty's gradient must equal the weight_decay term of SGD")
    np.testing.assert_allclose(p.grad, lam * w0, rtol=1e-14)


def test_l2_penalty_trains_like_sgd_weight_decay_of_the_same_lambda(rng):
    from course_lib.optim import SGD
    w0, g, lam = rng.normal(size=(3, 3)), rng.normal(size=(3, 3)), 0.05
    a, b = Parameter(w0.copy()), Parameter(w0.copy())
    opt_a, opt_b = SGD([a], lr=0.1), SGD([b], lr=0.1, weight_decay=lam)
    a.grad += g
    losses.l2_penalty([a], lam, add_grad=True)
    b.grad += g
    opt_a.step()
    opt_b.step()
    np.testing.assert_allclose(a.data, b.data, rtol=1e-13,
                               err_msg="l2_penalty(lam) + SGD must equal SGD(weight_decay=lam)")


@pytest.mark.parametrize("lam", [-1, "0.1", None, float("nan")])
def test_penalty_rejects_a_negative_or_non_numeric_lambda(rng, lam):
    with pytest.raises(ValueError, match=f"l2_penalty: lam must be .* >= 0, got {lam!r}"):
        losses.l2_penalty(_params(rng), lam)


def test_entropy_penalty_value_is_lambda_times_mean_entropy(rng):
    z, lam = rng.normal(size=(5, 3)), 0.7
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    expected = lam * np.mean(-(p * np.log(p)).sum(axis=1))
    value, _ = losses.entropy_penalty(z, lam)
    assert value == pytest.approx(expected, rel=1e-12), f"expected {expected}, got {value}"


@pytest.mark.parametrize("lam", [0.5, -0.2])
def test_entropy_penalty_gradient_matches_central_differences(lam, rng):
    z = rng.normal(scale=2.0, size=(6, 4))
    _, grad = losses.entropy_penalty(z, lam)
    numeric = numerical_gradient(lambda v: losses.entropy_penalty(v, lam)[0], z.copy())
    err = relative_error(grad, numeric)
    assert err < TOL, f"entropy_penalty gradient: relative error {err:.2e} > {TOL}"


def test_entropy_penalty_of_uniform_predictions_is_log_c_and_stationary():
    value, grad = losses.entropy_penalty(np.zeros((2, 4)), 1.0)
    assert value == pytest.approx(np.log(4)), f"expected log 4 = {np.log(4)}, got {value}"
    np.testing.assert_allclose(grad, 0.0, atol=1e-15, err_msg="maximum entropy must be a stationary point")


# ------------------------------------------------------------------------------------------- misuse
@pytest.mark.parametrize("loss, pred, target", [
    (losses.MSELoss(), np.zeros((0, 1)), np.zeros(0)),
    (losses.BCEWithLogitsLoss(), np.zeros((0, 1)), np.zeros(0)),
    (losses.SoftmaxCrossEntropyLoss(), np.zeros((0, 3)), np.zeros(0, dtype=int)),
], ids=lambda v: type(v).__name__ if isinstance(v, losses.Loss) else "")
def test_an_empty_batch_is_a_clear_error_in_every_loss(loss, pred, target):
    with pytest.raises(ValueError, match=r"empty batch.*shape \(0, \d\)"):
        loss.forward(pred, target)


def test_complex_predictions_are_refused_instead_of_losing_their_imaginary_part():
    with pytest.raises(TypeError, match=r"real numbers, got an array of dtype complex128.*\.real"):
        losses.MSELoss().forward(np.array([[1.0 + 2.0j]]), np.array([1.0]))
    with pytest.raises(TypeError, match="targets must be real numbers"):
        losses.MSELoss().forward(np.array([[1.0]]), np.array([1.0 + 1.0j]))


@pytest.mark.parametrize("name", [None, 3, ["mse"]])
def test_get_loss_of_a_non_string_gets_the_friendly_message(name):
    with pytest.raises(ValueError, match=r"unknown loss .*; known losses: bce_with_logits"):
        losses.get_loss(name)
