"""Does the grading harness record plain data faithfully, replay it strictly, and judge it fairly?"""
from __future__ import annotations

import numpy as np
import pytest

from autograder import harness
from autograder.harness import (
    Foreign,
    HarnessError,
    MissingObservation,
    Replay,
    StudentError,
    assert_array,
    assert_equal,
    assert_scalar,
    assert_true,
    decode,
    encode,
    grading_rng,
    observe,
    own_code,
    replaying,
)


@pytest.fixture(autouse=True)
def fresh_records(monkeypatch):
    monkeypatch.setattr(harness, "LOCAL_RECORDS", [])
    monkeypatch.delenv(harness.SEED_ENV, raising=False)


@pytest.mark.parametrize("value", [
    None, True, 3, -2**70, "text", 0.25, float("inf"), [1, 2.5, "a"], (1, (2, None)), {"a": 1, 2: [3]},
    np.arange(6, dtype=np.int32).reshape(2, 3), np.array([0.1, np.nan], dtype=np.float32), np.float64(0.5),
    np.int64(7), np.bool_(True), np.zeros((0, 3)), np.array([1 + 2j]),
])
def test_encode_then_decode_returns_an_equal_value_of_the_same_type(value):
    back = decode(encode(value))
    assert type(back) is type(value), f"expected type {type(value).__name__}, got {type(back).__name__}"
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and back.shape == value.shape, f"expected {value!r}, got {back!r}"
        assert np.array_equal(back, value, equal_nan=value.dtype.kind in "fc"), f"expected {value!r}, got {back!r}"
    else:
        assert back == value, f"expected {value!r}, got {back!r}"


def test_nan_survives_encoding_as_a_tagged_float():
    assert np.isnan(decode(encode(float("nan")))), "expected nan back from an encoded nan"


@pytest.mark.parametrize("make", [
    lambda: np.ma.masked_array([1.0]),                        # an ndarray subclass
    lambda: type("F", (float,), {"__eq__": lambda s, o: True})(1.0),
    lambda: np.array(["a", "b"]),                             # a string dtype is not numeric data
    lambda: np.array([object()], dtype=object),
    lambda: {(1, 2): 3},                                      # a key that is not str or int
    lambda: {1, 2},
])
def test_values_of_other_types_come_back_as_foreign(make):
    back = decode(encode(make()))
    assert isinstance(back, Foreign), f"expected Foreign for {type(make()).__name__}, got {back!r}"


def test_foreign_fails_every_assert_and_has_no_truth_value():
    thing = Foreign("x.Yes", "<Yes>")
    for check in (lambda: assert_array(thing, np.zeros(1)), lambda: assert_scalar(thing, 1.0),
                  lambda: assert_equal(thing, 1), lambda: assert_true(thing), lambda: bool(thing)):
        with pytest.raises(HarnessError):
            check()


@pytest.mark.parametrize("record, why", [
    ({"kind": "pickle", "data": ""}, "unknown kind"),
    ({"kind": "ndarray", "dtype": "|O", "shape": [1], "data": ""}, "not allowed"),
    ({"kind": "ndarray", "dtype": "<f8", "shape": [2], "data": "AAAAAAAAAAA="}, "do not fill shape"),
    ({"kind": "ndarray", "dtype": "<f8", "shape": [-1], "data": ""}, "bad shape"),
    (float("nan"), "bare non-finite"),
    ({"kind": "dict", "items": [[[1], 2]]}, "bad dict item"),
])
def test_decode_rejects_malformed_records_with_a_reason(record, why):
    with pytest.raises(HarnessError, match=why):
        decode(record)


def test_decode_refuses_records_nested_too_deeply():
    deep = 0
    for _ in range(harness.MAX_DEPTH + 5):
        deep = {"kind": "list", "items": [deep]}
    with pytest.raises(HarnessError, match="nested too deeply"):
        decode(deep)


def test_grading_rng_depends_on_seed_and_label_only(monkeypatch):
    a = grading_rng("sigmoid").normal(size=4)
    assert np.array_equal(a, grading_rng("sigmoid").normal(size=4)), "same seed and label must repeat inputs"
    assert not np.array_equal(a, grading_rng("relu").normal(size=4)), "another label must give other inputs"
    monkeypatch.setenv(harness.SEED_ENV, "99")
    b = grading_rng("sigmoid").normal(size=4)
    assert not np.array_equal(a, b), "another seed must give other inputs"
    with replaying(Replay(records=[], seed=99)):
        assert np.array_equal(b, grading_rng("sigmoid").normal(size=4)), "the verifier must see the kernel's inputs"


def test_observe_records_a_plain_copy_and_returns_it():
    x = np.linspace(-1, 1, 5)
    got = observe("double(x)", lambda: 2 * x)
    (record,) = harness.LOCAL_RECORDS
    assert record["label"] == "double(x)" and record["value"]["kind"] == "ndarray", f"unexpected record {record}"
    assert got is not x and np.array_equal(got, 2 * x), f"expected a decoded copy of 2x, got {got!r}"


def test_observe_records_an_exception_and_reraises_it():
    def broken():
        raise NotImplementedError("not yet")

    with pytest.raises(NotImplementedError):
        observe("f()", broken)
    assert harness.LOCAL_RECORDS[0]["value"] == {"kind": "error", "type": "NotImplementedError",
                                                 "message": "not yet"}, f"got {harness.LOCAL_RECORDS}"


def test_replay_returns_records_in_order_per_label_and_fails_closed_when_one_is_missing():
    records = [{"version": 1, "label": "f", "value": 1}, {"version": 1, "label": "g", "value": "x"},
               {"version": 1, "label": "f", "value": 2}]
    with replaying(Replay(records=records, seed=0)) as replay:
        assert [observe("f", None), observe("g", None), observe("f", None)] == [1, "x", 2], "replay order"
        with pytest.raises(MissingObservation, match="no observation of 'f'"):
            observe("f", None)
    assert replay.observed == 4, f"expected 4 observe calls counted, got {replay.observed}"


def test_replay_of_a_recorded_exception_fails_the_check_with_its_message():
    records = [{"version": 1, "label": "f(x)", "value": {"kind": "error", "type": "ValueError", "message": "bad"}}]
    replay = Replay(records=records, seed=0)
    with replaying(replay), pytest.raises(StudentError, match="f\\(x\\) raised ValueError: bad"):
        observe("f(x)", None)


@pytest.mark.parametrize("got, kwargs, message", [
    (np.zeros(3), {"shape": (2,)}, "expected shape (2,), got shape (3,)"),
    (np.zeros(2, dtype=np.float32), {"dtype": "float64"}, "expected dtype float64, got dtype float32"),
    ([0.0, 0.0], {}, "expected a numpy array of shape (2,), got list"),
    (np.array([0.0, 1.5]), {}, "1 of 2 entries differ"),
])
def test_assert_array_names_what_was_expected_and_what_came_out(got, kwargs, message):
    with pytest.raises(HarnessError) as err:
        assert_array(got, np.zeros(2), what="f(x)", **kwargs)
    assert "f(x)" in str(err.value) and message in str(err.value), f"expected {message!r} in {err.value}"


def test_assert_array_accepts_values_within_tolerance():
    assert_array(np.array([1.0 + 1e-9, 2.0]), np.array([1.0, 2.0]), rtol=1e-7, dtype="float64")


def test_assert_scalar_accepts_numpy_scalars_and_rejects_bools_and_strings():
    assert_scalar(np.float64(1.0 + 1e-12), 1.0, rtol=1e-9)
    assert_scalar(3, 3)
    for bad in (True, "1.0", None):
        with pytest.raises(HarnessError, match="expected a number close to 1.0"):
            assert_scalar(bad, 1.0)
    with pytest.raises(HarnessError, match="expected 1.0, got 1.1"):
        assert_scalar(1.1, 1.0, rtol=1e-3)


def test_assert_true_needs_exactly_true_not_a_truthy_value():
    assert_true(np.bool_(True))
    for truthy in (1, [0], "yes", np.array([True])):
        with pytest.raises(HarnessError, match="the answer is wrong"):
            assert_true(truthy, "the answer is wrong")


def test_assert_equal_compares_types_as_well_as_values():
    assert_equal([1, (2, "a")], [1, (2, "a")])
    with pytest.raises(HarnessError, match="expected \\[1, 2\\]"):
        assert_equal((1, 2), [1, 2])


def test_own_code_in_the_kernel_rejects_an_imported_or_missing_function(monkeypatch):
    import math

    monkeypatch.setitem(globals(), "imported_sqrt", math.sqrt)
    with pytest.raises(HarnessError, match="comes from math"):
        own_code("imported_sqrt")
    with pytest.raises(HarnessError, match="is not defined"):
        own_code("never_defined_anywhere")
    with pytest.raises(TypeError, match="identifier"):
        own_code("not a name")
