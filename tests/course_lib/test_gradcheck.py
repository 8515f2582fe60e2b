"""Gradient checking: central differences, the relative error, and checkers that catch a wrong backward."""
import re

import numpy as np
import pytest
from no_english import printed_runs

from course_lib.gradcheck import check_loss, check_module, numerical_gradient, relative_error, worst_element
from course_lib.layers import BatchNorm1d, Dropout, Linear
from course_lib.losses import MSELoss


def test_numerical_gradient_of_a_known_function(rng):
    x = rng.normal(size=(3, 4))
    grad = numerical_gradient(lambda v: np.sum(v ** 3), x)
    np.testing.assert_allclose(grad, 3 * x ** 2, rtol=1e-7, atol=1e-8,
                               err_msg="d/dx sum(x^3) must be 3x^2")


def test_numerical_gradient_restores_x_exactly(rng):
    x = rng.normal(size=(5,))
    before = x.copy()
    numerical_gradient(lambda v: np.sum(np.sin(v)), x)
    assert np.array_equal(x, before), f"x changed: expected {before}, got {x}"


def test_numerical_gradient_restores_x_when_f_raises(rng):
    x = rng.normal(size=(4,))
    before, calls = x.copy(), []

    def f(v):
        calls.append(1)
        if len(calls) == 2:                 # fails while x[0] is perturbed by -eps
            raise RuntimeError("boom")
        return float(v.sum())

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(f, x)
    assert np.array_equal(x, before), f"x was left perturbed: expected {before}, got {x}"


@pytest.mark.parametrize("bad", [np.ones(3, dtype=np.float32), np.ones(3, dtype=int), [1.0, 2.0]])
def test_numerical_gradient_rejects_anything_but_a_float64_array(bad):
    with pytest.raises(TypeError, match="float64"):
        numerical_gradient(np.sum, bad)


def test_relative_error_is_zero_for_equal_and_scale_free(rng):
    a = rng.normal(size=(3, 3))
    assert relative_error(a, a) == 0.0
    e1, e2 = relative_error(a, 1.01 * a), relative_error(1e6 * a, 1.01e6 * a)
    assert e1 == pytest.approx(e2, rel=1e-9), f"scaling both inputs changed the error: {e1} vs {e2}"
    assert 0.004 < e1 < 0.006, f"a 1% difference should give about 0.005, got {e1}"


def test_relative_error_of_two_zero_arrays_is_zero():
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0


def test_relative_error_rejects_different_shapes():
    with pytest.raises(ValueError, match=r"\(3,\) vs \(4,\)"):
        relative_error(np.zeros(3), np.zeros(4))


class _WrongBiasLinear(Linear):
    """A deliberately broken backward: the bias gradient is doubled."""

    def backward(self, grad_out):
        self.bias.grad += grad_out.sum(axis=0)
        return super().backward(grad_out)


def test_check_module_passes_a_correct_layer(rng):
    result = check_module(Linear(4, 3, rng=rng), rng.normal(size=(5, 4)), rng=rng)
    assert set(result) == {"input", "weight", "bias"}, f"expected input, weight, bias; got {sorted(result)}"
    result.assert_close(1e-7)


def test_check_module_catches_a_wrong_parameter_gradient_and_names_it(rng):
    result = check_module(_WrongBiasLinear(4, 3, rng=rng), rng.normal(size=(5, 4)), rng=rng)
    assert result["bias"] > 0.1, f"a doubled bias gradient must be caught, got {result['bias']}"
    assert result["weight"] < 1e-7 and result["input"] < 1e-7, f"only the bias is wrong: {result}"
    with pytest.raises(AssertionError, match=r"(?s)bias .*worst element \(\d+,\): analytic .* numerical"):
        result.assert_close(1e-6)


def test_check_module_leaves_the_module_untouched(rng):
    bn = BatchNorm1d(3)
    before = bn.running_mean.copy(), bn.running_var.copy(), bn.gamma.grad.copy()
    check_module(bn, rng.normal(size=(6, 3)), rng=rng)
    after = bn.running_mean, bn.running_var, bn.gamma.grad
    for b, a in zip(before, after):
        assert np.array_equal(a, b), f"check_module changed the module's state: {b} -> {a}"


def test_check_module_fixes_dropouts_mask_and_releases_it_after(rng):
    drop = Dropout(0.5, rng=1)
    result = check_module(drop, rng.normal(size=(4, 6)), rng=rng)
    assert result["input"] < 1e-8, f"with the mask fixed, dropout is linear: got {result.report()}"
    # the original layer still draws fresh masks
    x = np.ones((50, 50))
    assert not np.array_equal(drop(x), drop(x)), "Dropout must draw a new mask per forward after a check"


def test_check_module_refuses_float32_layers(rng):
    with pytest.raises(TypeError, match="parameter 'weight' .* float32.*dtype=np.float64"):
        check_module(Linear(2, 2, dtype=np.float32), rng.normal(size=(3, 2)))


class _HalfMSE(MSELoss):
    def backward(self):
        return super().backward() / 2


def test_check_loss_catches_a_wrong_loss_gradient(rng):
    pred, target = rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    good, bad = check_loss(MSELoss(), pred, target), check_loss(_HalfMSE(), pred, target)
    assert good < 1e-8, f"MSELoss is correct, expected a tiny error, got {good.report()}"
    assert bad > 0.1, f"a halved gradient must be caught, got {bad.report()}"
    assert "worst element" in bad.report()


# --------------------------------------------------------------------------- the reports' language
def _layer_and_x():
    return Linear(4, 3, rng=0), np.random.default_rng(1).normal(size=(2, 4))


def test_reports_are_english_by_default_and_unchanged():
    result = check_module(*_layer_and_x(), rng=0)
    assert result.report().splitlines() == [
        "gradient check of Linear(4→3):",
        "  input                relative error 4.091e-11; worst element (1, 2): analytic -0.6057822256, "
        "numerical -0.6057822256",
        "  weight               relative error 4.467e-11; worst element (2, 0): analytic 0.5486921486, "
        "numerical 0.5486921485",
        "  bias                 relative error 4.935e-11; worst element (2,): analytic 1.002017705, "
        "numerical 1.002017705"]
    assert str(result) == result.report("en") == result.report()
    assert worst_element(np.ones(3), np.zeros(3)) == "worst element (0,): analytic 1, numerical 0"
    assert worst_element(np.ones(0), np.ones(0)) == "(empty)"
    loss = check_loss(MSELoss(), np.eye(2), np.zeros((2, 2)))
    assert re.fullmatch(r"relative error \d\.\d{3}e-\d\d; worst element \(\d, \d\): analytic \S+, numerical \S+",
                        loss.report()), loss.report()


def test_reports_follow_set_language_and_lang_wins():
    import course_lib

    result = check_module(*_layer_and_x(), rng=0)
    loss = check_loss(MSELoss(), np.eye(2), np.zeros((2, 2)))
    english = result.report("en"), loss.report("en"), worst_element(np.ones(3), np.zeros(3), lang="en")
    course_lib.set_language("ru")
    text = result.report()
    assert text.splitlines()[0] == "проверка градиента Linear(4→3):", text
    assert "вход x" in text and "веса W" in text and "смещения b" in text, text
    assert "относительная ошибка 4.467e-11; наибольшее расхождение в элементе (2, 0): аналитически 0.5486921486, "\
           "численно 0.5486921485" in text, text
    assert str(result) == text
    assert worst_element(np.ones(3), np.zeros(3)) == \
        "наибольшее расхождение в элементе (0,): аналитически 1, численно 0"
    assert worst_element(np.ones(0), np.ones(0)) == "(пусто)"
    assert loss.report().startswith("относительная ошибка "), loss.report()
    for russian in (text, loss.report(), worst_element(np.ones(3), np.zeros(3))):
        assert printed_runs(russian) == [], f"English left in {russian!r}: {printed_runs(russian)}"
    assert (result.report("en"), loss.report("en"), worst_element(np.ones(3), np.zeros(3), lang="en")) == english


def test_a_failed_assert_close_explains_in_english_whatever_the_language():
    import course_lib

    course_lib.set_language("ru")
    result = check_module(_WrongBiasLinear(4, 3, rng=0), np.ones((2, 4)), rng=0)
    with pytest.raises(AssertionError, match=r"(?s)^backward disagrees.*\n  bias .*worst element \(\d+,\)"):
        result.assert_close(1e-6)
