"""The shared timing helpers: alternating order, medians, ratios (no wall-clock assertions)."""
import pytest

from bench.timing import Samples, alternate, ratio, run_isolated


def test_alternate_rotates_who_goes_first_and_times_everyone_equally():
    calls = []
    samples = alternate({"a": lambda: calls.append("a"), "b": lambda: calls.append("b"),
                         "c": lambda: calls.append("c")}, repeats=3)
    assert calls == ["a", "b", "c", "b", "c", "a", "c", "a", "b"], f"order was {calls}"
    assert {k: len(s.wall) for k, s in samples.items()} == {"a": 3, "b": 3, "c": 3}


def test_ratio_divides_the_medians():
    s = {"mine": Samples(wall=[1.0, 9.0, 2.0], cpu=[1, 1, 1]), "theirs": Samples(wall=[4.0, 4.0, 100.0])}
    assert ratio(s, "mine", "theirs") == pytest.approx(0.5), "median 2 over median 4 should be 0.5"


def test_alternate_and_median_reject_empty_input():
    with pytest.raises(ValueError, match="repeats must be >= 1, got 0"):
        alternate({"a": lambda: None}, 0)
    with pytest.raises(ValueError, match="no samples"):
        Samples().median()


def test_run_isolated_returns_the_result_of_a_fresh_process_with_one_blas_thread():
    env = run_isolated("os:getenv", {"key": "OPENBLAS_NUM_THREADS"})
    assert env == "1", f"the subprocess saw OPENBLAS_NUM_THREADS={env!r}, expected '1'"


def test_run_isolated_reports_the_failure_of_the_target():
    with pytest.raises(RuntimeError, match="failed in its subprocess"):
        run_isolated("bench.training:make_data", {"case": "nope"})
