"""Smoke tests: every benchmark runs at a tiny size and reports well-formed results. No timing is asserted.

They keep the benchmark scripts from rotting; the checks that carry weight are the ones that the contenders
compute the same thing (same weights after an epoch, same loss, same scores).
"""
import math

import numpy as np
import pytest

from bench import run_all
from bench.autograd import autograd_step
from bench.grading import grading_run
from bench.training import CASES, blas_warm_up_effect, make_data, train_case


def finite_positive(x):
    return isinstance(x, float) and math.isfinite(x) and x > 0


def assert_ratios(ratios, where):
    for name, clocks in ratios.items():
        for clock, value in clocks.items():
            assert finite_positive(value), \
                f"{where}: ratio {name}/{clock} should be finite and > 0, got {value!r}"


TINY_N = {"a": 40, "b": 64, "c": 256}


@pytest.fixture(scope="module")
def training_results(torch):
    return {case: train_case(case, repeats=1, n=TINY_N[case]) for case in CASES}


@pytest.fixture(scope="module")
def autograd_result():
    return autograd_step(repeats=1, n=8, vector_steps=2)


@pytest.mark.torch
@pytest.mark.parametrize("case", sorted(CASES))
def test_training_case_reports_a_finite_ratio_against_both_torch_optimisers(training_results, case):
    r = training_results[case]
    assert set(r["ratios"]) == {"torch", "torch_fused"}, \
        f"ratios against {set(r['ratios'])}, expected both Adams"
    assert_ratios(r["ratios"], f"training case {case}")
    assert_ratios({"reference": r["reference_ratio"]}, f"training case {case}, reference / fast")
    assert r["n"] == TINY_N[case], f"case {case} trained on {r['n']} samples, expected {TINY_N[case]}"


@pytest.mark.torch
@pytest.mark.parametrize("case", sorted(CASES))
def test_course_lib_and_torch_train_the_same_network_to_the_same_weights(training_results, case):
    # after one epoch from the same weights in the same batch order, only float32 rounding separates them
    gaps = training_results[case]["weight_gap"]
    assert set(gaps) == {"reference", "torch", "torch_fused"}, f"compared with {sorted(gaps)}"
    for name, gap in gaps.items():
        assert gap < 1e-3, \
            f"case {case}: weights differ from {name}'s by {gap:.2e} after one epoch, expected < 1e-3"


def test_training_data_match_the_case_description():
    X, y = make_data("b")
    assert X.shape == (1797, 64) and X.dtype == np.float32, f"digits: got {X.shape} {X.dtype}"
    assert set(np.unique(y)) == set(range(10)), f"digits labels: {np.unique(y)}"
    X, y = make_data("a", n=100)
    assert X.shape == (100, 2) and set(np.unique(y)) <= {0.0, 1.0}, \
        f"playground: got {X.shape}, {np.unique(y)}"


def test_training_rejects_an_unknown_case_and_a_too_large_n():
    with pytest.raises(ValueError, match="unknown training case 'z'"):
        make_data("z")
    with pytest.raises(ValueError, match=r"n must be in \[1, 1000\], got 5000"):
        make_data("a", n=5000)


def test_blas_warm_up_benchmark_reports_both_arms_and_whether_course_lib_hooks_it():
    r = blas_warm_up_effect(case="c", n=256, processes=1, repeats=1)
    for arm in ("without", "with"):
        assert finite_positive(r[arm]["wall"]), f"{arm} arm: wall time {r[arm]['wall']!r}"
    assert finite_positive(r["ratio"]["cpu"]) and finite_positive(r["ratio"]["wall"]), f"ratio {r['ratio']}"
    assert isinstance(r["hooked"], bool), f"hooked should say yes or no, got {r['hooked']!r}"


def test_value_micrograd_and_vectorised_step_compute_the_same_loss(autograd_result):
    losses = autograd_result["first_loss"]
    ref = losses["micrograd"]
    for name, value in losses.items():
        assert value == pytest.approx(ref, rel=1e-12), f"{name} first loss {value!r}, micrograd {ref!r}"


def test_autograd_benchmark_reports_finite_speedups(autograd_result):
    assert set(autograd_result["speedup"]) == {"course_lib_value", "course_lib_vectorised"}
    assert_ratios(autograd_result["speedup"], "autograd")


@pytest.fixture(scope="module")
def grading_result():
    return grading_run(students=2)


@pytest.mark.slow
def test_grading_benchmark_gives_identical_scores_from_both_graders(grading_result):
    r = grading_result
    assert r["identical"], f"nbgrader and course grade disagree: {r['differences']} (scores {r['scores']})"
    assert set(r["scores"]) == {"nbgrader", "course_grade_1", "course_grade"}, f"runs: {sorted(r['scores'])}"
    full = r["scores"]["course_grade"]
    assert all(v is not None and v > 0 for v in full.values()), f"complete submissions scored {full}"
    assert finite_positive(r["speedup"]) and finite_positive(r["speedup_1"]), \
        f"speed-ups {r['speedup']!r} (workers) and {r['speedup_1']!r} (one worker)"


@pytest.mark.torch
@pytest.mark.slow
def test_report_has_the_machine_and_a_row_per_benchmark(training_results, autograd_result, grading_result):
    results = {f"training_{c}": r for c, r in training_results.items()}
    results.update(autograd=autograd_result, grading=grading_result)
    page = run_all.render(results, {"cpu": "test cpu", "cores": 2}, (1.0, 1.0, 1.0), (2.0, 2.0, 2.0), 60.0,
                          quick=True)
    for text in ("| cpu | test cpu |", "(a) playground", "(b) digits", "(c) 784-256-128-10", "| micrograd |",
                 "`course_lib.autograd.Value`", "2 generated submissions of `01_neurons`", "`course grade --workers 1`",
                 "Quick run"):
        assert text in page, f"the report lacks {text!r}:\n{page}"


def test_report_shows_a_failed_benchmark_instead_of_dropping_it():
    page = run_all.render({"grading": {"error": "RuntimeError: nbgrader autograde failed (exit 1)"}},
                          {"cpu": "test cpu"}, None, None, 1.0)
    assert "error: RuntimeError: nbgrader autograde failed (exit 1)" in page, f"the error is missing:\n{page}"


def test_run_all_refuses_an_unknown_benchmark():
    with pytest.raises(ValueError, match=r"unknown benchmark\(s\) \['speed'\]"):
        run_all.run(["speed"])
