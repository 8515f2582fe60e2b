"""Lecture 3: every activation's derivative against central differences, dtypes, stability, the registry."""
import subprocess
import sys
import warnings

import numpy as np
import pytest

from course_lib.activations import ACTIVATIONS, Activation, describe, get_activation, names

CONTRACT_NAMES = """sigmoid tanh relu leaky_relu prelu elu selu gelu gelu_tanh swish silu mish softplus
    softsign hardtanh hard_sigmoid hard_swish tanhshrink softshrink hardshrink rrelu step sign identity
    piecewise_linear softmax""".split()
ELEMENTWISE = [n for n in CONTRACT_NAMES if n != "softmax"]
# every name with its defaults, plus non-default parameters where there are any
CASES = [(n, {}) for n in ELEMENTWISE] + [
    ("leaky_relu", {"negative_slope": 0.2}), ("prelu", {"alpha": -0.5}), ("elu", {"alpha": 0.4}),
    ("softplus", {"beta": 2.5}), ("swish", {"beta": 1.7}), ("hardtanh", {"min_val": -2.0, "max_val": 0.5}),
    ("softshrink", {"lambd": 1.2}), ("hardshrink", {"lambd": 1.2}), ("rrelu", {"lower": 0.05, "upper": 0.5}),
    ("piecewise_linear", {"knots_x": (-1.0, 0.0, 2.0), "knots_y": (-1.0, 0.5, 0.0), "extrapolate": "linear"}),
]
CASE_IDS = [n + "".join(f"-{k}={v}" for k, v in p.items()) for n, p in CASES]
EPS = 1e-6


def _make(name, params):
    return get_activation(name, **params).eval()  # eval: RReLU is deterministic; the others do not care


def _inputs_away_from_kinks(act, rng, n=400):
    x = rng.uniform(-5, 5, size=n)
    for k in act.kinks:
        x = x[np.abs(x - k) > 1e-3]
    return x


def _max_error_message(what, got, expected, x):
    err = np.abs(got - expected) / np.maximum(1.0, np.abs(expected))
    i = int(np.argmax(err))
    return (f"{what}: max relative error {err[i]:.2e} at x={x.flat[i]!r}: got {got.flat[i]!r}, "
            f"expected {expected.flat[i]!r}")


def test_importing_activations_loads_numpy_only():
    code = ("import sys, course_lib.activations; "
            "print(sorted(m for m in ('scipy', 'matplotlib', 'torch', 'sklearn') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    out = done.stdout.strip()
    assert out == "[]", f"importing course_lib.activations also imported {out}; import them inside functions"


def test_registry_has_exactly_the_contract_names():
    assert names() == sorted(CONTRACT_NAMES), f"expected {sorted(CONTRACT_NAMES)}, got {names()}"
    for name, cls in ACTIVATIONS.items():
        assert issubclass(cls, Activation) and cls.name == name


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_derivative_matches_central_differences(name, params, rng):
    act = _make(name, params)
    x = _inputs_away_from_kinks(act, rng)
    numeric = (act.forward(x + EPS) - act.forward(x - EPS)) / (2 * EPS)
    got = act.derivative(x)
    assert np.allclose(got, numeric, rtol=1e-6, atol=1e-6), (
        _max_error_message(f"{act!r}.derivative", got, numeric, x))


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_backward_is_the_gradient_of_a_weighted_sum(name, params, rng):
    act = _make(name, params)
    x = _inputs_away_from_kinks(act, rng, n=60)[:48].reshape(6, 8)
    g = rng.normal(size=x.shape)
    numeric = np.empty_like(x)
    for i in np.ndindex(x.shape):  # d/dx_i of sum(g * f(x)), one coordinate at a time
        e = np.zeros_like(x)
        e[i] = EPS
        numeric[i] = (np.sum(g * act.forward(x + e)) - np.sum(g * act.forward(x - e))) / (2 * EPS)
    got = act.backward(x, g)
    assert got.shape == x.shape
    assert np.allclose(got, numeric, rtol=1e-6, atol=1e-6), (
        _max_error_message(f"{act!r}.backward", got, numeric, x))


def test_softmax_backward_matches_central_differences_and_the_jacobian(rng):
    act = get_activation("softmax")
    x, g = rng.normal(size=(4, 5)) * 2, rng.normal(size=(4, 5))
    numeric = np.empty_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = EPS
        numeric[i] = (np.sum(g * act.forward(x + e)) - np.sum(g * act.forward(x - e))) / (2 * EPS)
    got = act.backward(x, g)
    assert np.allclose(got, numeric, rtol=1e-6, atol=1e-8), (
        _max_error_message("softmax.backward", got, numeric, x))
    J = act.jacobian(x)
    assert J.shape == (4, 5, 5)
    np.testing.assert_allclose(np.einsum("bij,bi->bj", J, g), got, rtol=1e-12, atol=1e-14,
                               err_msg="backward should equal J^T g")


def test_softmax_rows_are_probabilities_and_shift_invariant(rng):
    act = get_activation("softmax")
    x = rng.normal(size=(3, 7))
    s = act.forward(x)
    assert np.all(s > 0) and np.allclose(s.sum(axis=-1), 1.0), f"rows should sum to 1, got {s.sum(axis=-1)}"
    np.testing.assert_allclose(act.forward(x + 100.0), s, rtol=1e-12)
    with pytest.raises(TypeError, match="not elementwise.*backward"):
        act.derivative(x)


def test_prelu_derivative_alpha_matches_central_differences(rng):
    x = rng.uniform(-3, 3, size=50)
    alpha = 0.3
    numeric = (get_activation("prelu", alpha=alpha + EPS).forward(x)
               - get_activation("prelu", alpha=alpha - EPS).forward(x)) / (2 * EPS)
    got = get_activation("prelu", alpha=alpha).derivative_alpha(x)
    assert np.allclose(got, numeric, atol=1e-8), _max_error_message("prelu.derivative_alpha", got, numeric, x)


@pytest.mark.parametrize("name", CONTRACT_NAMES)
def test_float32_stays_float32(name, rng):
    act = get_activation(name)
    x = rng.normal(size=(3, 4)).astype(np.float32)
    y = act.forward(x)
    grad = act.backward(x, np.ones_like(x))
    assert y.dtype == np.float32 and grad.dtype == np.float32, f"{name}: got {y.dtype} and {grad.dtype}"
    if name != "softmax":
        assert act.derivative(x).dtype == np.float32
    act.eval()  # RReLU: compare fixed slopes
    np.testing.assert_allclose(act.forward(x), act.forward(x.astype(np.float64)), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", CONTRACT_NAMES)
def test_large_inputs_give_finite_results_without_warnings(name, dtype):
    x = np.array([-1e4, -1e3, -88.0, -30.0, -1.0, 0.0, 1.0, 30.0, 88.0, 1e3, 1e4], dtype=dtype)
    act = get_activation(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        outputs = [act.forward(x), act.backward(x, np.ones_like(x))]
        if name != "softmax":
            outputs.append(act.derivative(x))
    for out in outputs:
        assert np.all(np.isfinite(out)), f"{name} on {x}: non-finite output {out}"


@pytest.mark.parametrize("layout", ["C", "F", "strided", "1-D", "0-D", "3-D F"])
def test_relu_gives_max_x_0_for_every_memory_layout(layout, rng):
    x = rng.normal(size=(6, 5)).astype(np.float32)
    x = {"C": x, "F": np.asfortranarray(x), "strided": x[::2, ::2], "1-D": x[0], "0-D": np.array(x[0, 0]),
         "3-D F": np.asfortranarray(rng.normal(size=(4, 3, 2)))}[layout]
    if x.ndim:
        x[..., 0] = np.nan                                # propagates, as in np.maximum
    got = get_activation("relu").forward(x)
    np.testing.assert_array_equal(got, np.maximum(x, 0), err_msg=f"relu of a {layout} array")
    assert got.dtype == x.dtype and np.shape(got) == x.shape, f"expected {x.dtype} {x.shape}, got {got.dtype} " \
                                                               f"{np.shape(got)}"


def test_saturating_functions_hit_their_limits_for_large_inputs():
    x = np.array([-1e4, 1e4])
    assert get_activation("sigmoid").forward(x).tolist() == [0.0, 1.0]
    assert get_activation("softplus").forward(x).tolist() == [0.0, 1e4]
    assert get_activation("tanh").forward(x).tolist() == [-1.0, 1.0]


def test_integer_input_is_converted_and_text_is_rejected():
    y = get_activation("relu").forward([-2, 3])
    assert y.dtype == np.float64 and y.tolist() == [0.0, 3.0]
    with pytest.raises(TypeError, match=r"ReLU\(\)\.forward: expected real numbers"):
        get_activation("relu").forward(["a"])


def test_backward_names_the_shapes_on_mismatch():
    with pytest.raises(ValueError, match=r"grad_out has shape \(3,\) but x has shape \(2,\)"):
        get_activation("tanh").backward(np.zeros(2), np.zeros(3))


def test_hard_sigmoid_follows_torchs_definition():
    x = np.array([-4.0, -3.0, -1.5, 0.0, 1.5, 3.0, 4.0])
    expected = np.minimum(np.maximum(x + 3, 0), 6) / 6  # relu6(x + 3) / 6
    np.testing.assert_allclose(get_activation("hard_sigmoid").forward(x), expected, rtol=1e-15)


def test_piecewise_linear_default_is_the_keras_hard_sigmoid(rng):
    x = rng.uniform(-5, 5, size=100)
    np.testing.assert_allclose(get_activation("piecewise_linear").forward(x), np.clip(0.2 * x + 0.5, 0, 1),
                               rtol=1e-12, atol=1e-15)


def test_piecewise_linear_passes_through_its_knots_and_extends_linearly():
    act = get_activation("piecewise_linear", knots_x=[-1, 0, 2], knots_y=[-1, 0.5, 0], extrapolate="linear")
    np.testing.assert_allclose(act.forward(np.array([-1.0, 0.0, 2.0])), [-1.0, 0.5, 0.0], atol=1e-15)
    np.testing.assert_allclose(act.forward(np.array([-3.0, 4.0])), [-4.0, -0.5], atol=1e-12)


def test_step_and_sign_have_zero_derivative():
    x = np.array([-2.0, -0.1, 0.1, 2.0])
    for name in ("step", "sign"):
        assert get_activation(name).derivative(x).tolist() == [0.0] * 4, f"{name}' should be 0 away from 0"
    assert get_activation("step").forward(np.array([-1.0, 0.0, 1.0])).tolist() == [0.0, 0.0, 1.0]


def test_rrelu_training_slopes_are_seeded_and_within_bounds(rng):
    x = -rng.uniform(0.5, 2.0, size=1000)  # all negative: every output shows its slope
    a = get_activation("rrelu", lower=0.1, upper=0.3, rng=5)
    b = get_activation("rrelu", lower=0.1, upper=0.3, rng=5)
    ya, yb = a.forward(x), b.forward(x)
    assert np.array_equal(ya, yb), "the same seed should draw the same slopes"
    slopes = ya / x
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3, (
        f"slopes should lie in [0.1, 0.3], got {slopes.min():.3f}..{slopes.max():.3f}")
    assert slopes.std() > 0.03, "in training each element should get its own slope"
    assert not np.array_equal(a.forward(x), ya), "a second forward should draw new slopes"


def test_rrelu_eval_is_deterministic_with_the_mean_slope(rng):
    act = get_activation("rrelu", rng=0).eval()
    x = rng.normal(size=50)
    y1, y2 = act.forward(x), act.forward(x)
    mean_slope = (1 / 8 + 1 / 3) / 2
    np.testing.assert_array_equal(y1, y2)
    np.testing.assert_allclose(y1, np.where(x > 0, x, mean_slope * x), rtol=1e-15)
    assert act.train().training and not act.eval().training


def test_rrelu_training_backward_uses_the_slopes_of_the_last_forward(rng):
    x = rng.normal(size=(5, 6))
    g = rng.normal(size=x.shape)
    # three twins with one seed draw the same slopes: central differences of a fixed function
    up, down, act = (get_activation("rrelu", rng=11) for _ in range(3))
    numeric = (up.forward(x + EPS) * g - down.forward(x - EPS) * g) / (2 * EPS)
    act.forward(x)
    got = act.backward(x, g)
    assert np.allclose(got, numeric, atol=1e-6), (
        _max_error_message("rrelu.backward (training)", got, numeric, x))
    with pytest.raises(ValueError, match="call forward"):
        get_activation("rrelu", rng=0).backward(x, g)


def test_unknown_name_lists_the_known_names_and_suggests_one():
    with pytest.raises(ValueError, match=r"activation 'leaky_rleu'; did you mean 'leaky_relu'\?.*tanh"):
        get_activation("leaky_rleu")
    assert isinstance(get_activation("Leaky-ReLU"), ACTIVATIONS["leaky_relu"]), "case and '-' are forgiven"


@pytest.mark.parametrize(("name", "params", "message"), [
    ("relu", {"alpha": 1.0}, "unknown parameter.*alpha.*relu takes no parameters"),
    ("elu", {"slope": 1.0}, "unknown parameter.*slope.*elu takes alpha"),
    ("elu", {"alpha": -1.0}, "elu: alpha must be >= 0, got -1.0"),
    ("softplus", {"beta": 0.0}, "softplus: beta must be > 0, got 0.0"),
    ("leaky_relu", {"negative_slope": float("nan")}, "negative_slope must be a finite real number"),
    ("hardtanh", {"min_val": 1.0, "max_val": -1.0}, "min_val must be < max_val"),
    ("rrelu", {"lower": 0.5, "upper": 0.1}, "lower must be <= upper"),
    ("softshrink", {"lambd": -0.5}, "lambd must be >= 0"),
    ("piecewise_linear", {"knots_x": [0, 0], "knots_y": [0, 1]}, "strictly increasing"),
    ("piecewise_linear", {"extrapolate": "mirror"}, "extrapolate must be 'constant' or 'linear'"),
])
def test_invalid_parameters_are_named(name, params, message):
    with pytest.raises(ValueError, match=message):
        get_activation(name, **params)


@pytest.mark.parametrize("name", CONTRACT_NAMES)
def test_docstring_carries_formula_and_derivative(name):
    info = describe(name)
    assert info["formula"] and info["derivative"], f"{name}: the docstring needs 2 '.. math::' lines: {info}"
    assert set(info) >= {"zero_centred", "saturates", "monotonic", "uses_exp", "summary", "params"}


def _normal_weights():
    z = np.linspace(-8, 8, 20001)
    w = np.exp(-z * z / 2)
    return z, w / w.sum()


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_the_choice_table_properties_match_the_function(name):
    act = get_activation(name).eval()
    z, w = _normal_weights()
    f = act.forward(z)
    ratio = abs(np.sum(w * f)) / np.sum(w * np.abs(f))
    assert (ratio <= 0.3) == act.zero_centred, (
        f"{name}: |E f(z)| / E|f(z)| = {ratio:.3f}, but zero_centred says {act.zero_centred}")
    tail = np.max(np.abs(act.derivative(np.array([-1e4, 1e4]))))
    assert (tail < 1e-6) == act.saturates, f"{name}: |f'| at +-1e4 is {tail}, saturates says {act.saturates}"
    grid = np.linspace(-10, 10, 200_001)
    rises = bool(np.all(np.diff(act.forward(grid)) >= -1e-12))
    assert rises == act.monotonic, (
        f"{name}: non-decreasing on [-10, 10] is {rises}, but monotonic says {act.monotonic}")


def test_describe_reports_parameters_and_kinks():
    info = describe(get_activation("hardtanh", min_val=-2.0, max_val=3.0))
    assert info["params"] == {"min_val": -2.0, "max_val": 3.0} and info["kinks"] == (-2.0, 3.0)
    assert repr(get_activation("elu", alpha=0.5)) == "ELU(alpha=0.5)"


def test_activation_table_has_a_complete_row_for_every_activation():
    from course_lib.activations import TABLE_COLUMNS, activation_table
    rows = activation_table()
    assert [r["name"] for r in rows] == names(), "one row per registered activation, sorted by name"
    for r in rows:
        assert tuple(r) == TABLE_COLUMNS, f"{r['name']}: columns {tuple(r)}"
        assert r["formula"] and r["derivative"], f"{r['name']}: the formula and derivative must not be empty"
        assert all(isinstance(r[k], bool) for k in ("zero_centred", "saturates", "monotonic", "uses_exp"))
    by_name = {r["name"]: r for r in rows}
    assert by_name["tanh"]["zero_centred"] and by_name["tanh"]["saturates"]
    assert not by_name["relu"]["saturates"] and by_name["relu"]["kinks"] == (0.0,)
    assert by_name["sigmoid"]["uses_exp"] and not by_name["relu"]["uses_exp"]
