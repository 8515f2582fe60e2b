"""Lecture 1: the threshold neuron, logic gates, the perceptron rule and the two ways around XOR."""
import numpy as np
import pytest

from course_lib.neuron import (
    LOGIC_GATES,
    Perceptron,
    collapse_affine,
    collapse_linear,
    gate,
    threshold_neuron,
    xor_by_feature,
    xor_feature,
    xor_two_layer,
)

INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
TRUTH = {  # written out from the definitions of the logical operators, row by row of INPUTS
    "AND": [0, 0, 0, 1],
    "OR": [0, 1, 1, 1],
    "XOR": [0, 1, 1, 0],
}


def _check_table(got, name):
    assert np.array_equal(got, TRUTH[name]), f"{name} truth table: expected {TRUTH[name]}, got {got.tolist()}"


@pytest.mark.parametrize("name", ["AND", "OR"])
def test_gate_reproduces_the_truth_table(name):
    _check_table(gate(name, INPUTS), name)


def test_not_gate_negates_each_input():
    got = gate("NOT", [[0], [1]])
    assert got.tolist() == [1, 0], f"NOT of (0, 1): expected [1, 0], got {got.tolist()}"
    assert int(gate("not", 1)) == 0 and int(gate("NOT", 0)) == 1, "NOT of a bare number should work too"


def test_gates_use_the_lecture_weights():
    # x1 AND x2 = [x1 + x2 - 3/2 > 0], OR with 1/2, NOT x = [-x + 1/2 > 0] written as w0 = -1/2
    for name, (w, w0) in {"AND": ([1, 1], 1.5), "OR": ([1, 1], 0.5), "NOT": ([-1], -0.5)}.items():
        got_w, got_w0 = LOGIC_GATES[name]
        assert got_w.tolist() == w and got_w0 == w0, f"{name}: expected ({w}, {w0}), got ({got_w}, {got_w0})"


def test_threshold_neuron_fires_only_strictly_above_the_threshold(rng):
    w = rng.normal(size=3)
    x = rng.normal(size=(50, 3))
    s = x @ w
    got = threshold_neuron(x, w, 0.3)
    assert np.array_equal(got, (s > 0.3).astype(int)), "a(x) must be [<w,x> - w0 > 0] row by row"
    assert got.dtype.kind == "i", f"the neuron should return ints, got {got.dtype}"
    # exactly on the threshold the neuron stays silent
    assert int(threshold_neuron(np.array([1.0, 0.5]), np.array([1.0, 1.0]), 1.5)) == 0


def test_threshold_neuron_single_example_gives_a_scalar():
    out = threshold_neuron([1, 1], [1, 1], 1.5)
    assert out.shape == () and int(out) == 1, f"expected a 0-d 1, got {out!r}"


def test_threshold_neuron_names_the_shapes_on_mismatch():
    with pytest.raises(ValueError, match=r"shape \(4, 3\).*\(batch, 2\)"):
        threshold_neuron(np.zeros((4, 3)), [1, 1], 0.5)


def test_unknown_gate_lists_the_known_ones():
    with pytest.raises(ValueError, match="AND, OR, NOT"):
        gate("NAND", INPUTS)


@pytest.mark.parametrize("name", ["AND", "OR"])
def test_perceptron_learns_linearly_separable_gates(name):
    p = Perceptron(2, rng=0).fit(INPUTS, TRUTH[name])
    assert p.converged, f"the perceptron should converge on {name}; mistakes per epoch: {p.mistakes}"
    _check_table(p.predict(INPUTS), name)
    assert p.mistakes[-1] == 0 and p.epochs == len(p.mistakes)


def test_perceptron_does_not_converge_on_xor():
    p = Perceptron(2, max_epochs=50, rng=0).fit(INPUTS, TRUTH["XOR"])
    assert not p.converged, "XOR is not linearly separable, yet the perceptron claims convergence"
    assert p.epochs == 50 and min(p.mistakes) > 0, f"every epoch should have a mistake, got {p.mistakes}"
    accuracy = np.mean(p.predict(INPUTS) == TRUTH["XOR"])
    assert accuracy < 1.0, "a single threshold neuron cannot get XOR fully right"


def test_perceptron_update_record_replays_the_rule(rng):
    X = rng.normal(size=(40, 3))
    y = (X @ np.array([1.0, -2.0, 0.5]) - 0.2 > 0).astype(int)
    p = Perceptron(3, lr=0.5, rng=1).fit(X, y)
    assert p.converged and np.array_equal(p.predict(X), y)
    assert len(p.updates) == sum(p.mistakes) > 0
    w, w0 = np.zeros(3), 0.0
    for u in p.updates:  # each record must be one step of w += lr (y - yhat) x, w0 -= lr (y - yhat)
        yhat = int(u["x"] @ w - w0 > 0)
        assert yhat != u["y"], f"update {u} was recorded for a correctly classified example"
        assert np.array_equal(u["x"], X[u["index"]]) and u["y"] == y[u["index"]]
        w, w0 = w + 0.5 * (u["y"] - yhat) * u["x"], w0 - 0.5 * (u["y"] - yhat)
        assert np.allclose(u["w"], w) and np.isclose(u["w0"], w0), f"record {u} does not follow the rule"
    assert np.allclose(p.w, w) and np.isclose(p.w0, w0)


def test_perceptron_is_reproducible_with_a_seed():
    a = Perceptron(2, rng=7).fit(INPUTS, TRUTH["OR"])
    b = Perceptron(2, rng=7).fit(INPUTS, TRUTH["OR"])
    assert [u["index"] for u in a.updates] == [u["index"] for u in b.updates]


def test_perceptron_rejects_bad_labels_and_shapes():
    with pytest.raises(ValueError, match=r"0/1 labels, got values \[-1, 1\]"):
        Perceptron(2).fit(INPUTS, [-1, 1, 1, -1])
    with pytest.raises(ValueError, match=r"y has shape \(3,\)"):
        Perceptron(2).fit(INPUTS, [0, 1, 1])
    with pytest.raises(ValueError, match=r"Perceptron\(3\).*shape \(4, 2\)"):
        Perceptron(3).fit(INPUTS, TRUTH["OR"])
    with pytest.raises(ValueError, match="lr must be > 0"):
        Perceptron(2, lr=0)


def test_xor_feature_values():
    got = xor_feature(INPUTS)
    assert got.tolist() == [0, 1, 1, 0], f"x1 + x2 - 2 x1 x2 on the four corners: got {got.tolist()}"


def test_xor_by_feature_gives_xor():
    _check_table(xor_by_feature(INPUTS), "XOR")


def test_xor_two_layer_gives_xor():
    _check_table(xor_two_layer(INPUTS), "XOR")
    assert int(xor_two_layer([1, 0])) == 1, "a single example (2,) should work too"


def test_collapsed_linear_layers_equal_applying_them_in_turn(rng):
    weights = [rng.normal(size=(5, 3)), rng.normal(size=(4, 5)), rng.normal(size=(2, 4))]
    x = rng.normal(size=(6, 3))
    h = x
    for W in weights:
        h = h @ W.T
    W = collapse_linear(weights)
    assert W.shape == (2, 3), f"expected a (2, 3) matrix, got {W.shape}"
    np.testing.assert_allclose(x @ W.T, h, rtol=1e-12, atol=1e-12, err_msg="one matrix != three layers")


def test_collapsed_affine_layers_equal_applying_them_in_turn(rng):
    weights = [rng.normal(size=(4, 2)), rng.normal(size=(3, 4))]
    biases = [rng.normal(size=4), rng.normal(size=3)]
    x = rng.normal(size=(5, 2))
    h = x
    for W, b in zip(weights, biases):
        h = h @ W.T + b
    W, b = collapse_affine(weights, biases)
    np.testing.assert_allclose(x @ W.T + b, h, rtol=1e-12, atol=1e-12)


def test_collapse_names_the_mismatched_layer():
    with pytest.raises(ValueError, match=r"layer 2 has weight shape \(2, 5\) but layer 1 outputs 4"):
        collapse_linear([np.ones((4, 3)), np.ones((2, 5))])
