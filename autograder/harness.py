"""The grading harness every graded test cell is written against (docs/architecture.md, "Grading protocol").

A test cell runs twice. In the student's kernel, ``observe(label, thunk)`` calls the student's code and
records the result as *plain data* in an output of the cell (MIME type :data:`MIME`). In the grader's clean
process (the verifier, :mod:`autograder.verify`) the same source code runs again, but ``observe`` calls nothing:
it returns the recorded plain value, and the asserts run with the grader's own numpy and ``course_lib``.

Plain data (the record format)::

    None, bool, int, str, finite float        as JSON
    {"kind": "float", "value": "nan"|"inf"|"-inf"}
    {"kind": "list"|"tuple", "items": [...]}
    {"kind": "dict", "items": [[key, value], ...]}              keys: str or int
    {"kind": "ndarray", "dtype": "<f8", "shape": [5, 3], "data": base64 of the C-order bytes}
    {"kind": "scalar", "dtype": "<f8", "data": base64}            numpy scalars (np.float64(0.5), ...)
    {"kind": "foreign", "type": "module.Class", "repr": "..."}   anything else
    {"kind": "error", "type": "NotImplementedError", "message": "..."}   the thunk raised

Decoding accepts only these kinds and a whitelist of dtypes, so nothing the student defines reaches an assert.
"""
from __future__ import annotations

import base64
import contextlib
import contextvars
import hashlib
import math
import os
import sys
from dataclasses import dataclass, field

import numpy as np

from autograder.messages import say
from autograder.source_reading import defines_own

MIME = "application/vnd.nn-course.observation+json"
SEED_ENV = "COURSE_GRADING_SEED"
RECORD_VERSION = 1
MAX_DEPTH = 32
# Numeric dtypes a record may carry; anything else (object, str, structured) is Foreign.
DTYPES = {np.dtype(t).str: np.dtype(t) for t in (
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "complex64", "complex128")}


class HarnessError(AssertionError):
    """A graded check failed: the cell earns no points. The message says what was expected and what came out."""


class MissingObservation(HarnessError):
    """The verifier found no record for an ``observe``: the protocol fails closed."""


class StudentError(HarnessError):
    """The student's code raised while it was observed (replayed from the record in the verifier)."""


class AuthoringError(Exception):
    """The test cell itself is wrong (e.g. it uses a student-defined name outside ``observe``)."""


@dataclass(frozen=True)
class Foreign:
    """A value of a type the protocol does not carry as data; it fails every ``assert_*``."""

    type_name: str
    repr: str

    def __bool__(self):
        raise HarnessError(say("harness.no_truth_value", type=self.type_name, repr=self.repr))


# ---------------------------------------------------------------------------------------------- encoding

def _b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode("ascii")


def _foreign(value) -> dict:
    t = type(value)
    try:
        text = repr(value)
    except Exception as exc:  # a student __repr__ may raise anything
        text = f"<repr failed: {type(exc).__name__}>"
    if not isinstance(text, str):
        text = "<repr returned a non-string>"
    return {"kind": "foreign", "type": f"{t.__module__}.{t.__qualname__}", "repr": text[:300]}


def encode(value, _depth: int = 0):
    """Turn a value into plain JSON data (see the module docstring). Exact types only: subclasses are foreign."""
    if _depth > MAX_DEPTH:
        return {"kind": "foreign", "type": "nested", "repr": f"<nested deeper than {MAX_DEPTH}>"}
    t = type(value)
    if value is None or t in (bool, int, str):
        return value
    if t is float:
        return value if math.isfinite(value) else {"kind": "float", "value": repr(value)}
    if t in (list, tuple):
        return {"kind": t.__name__, "items": [encode(v, _depth + 1) for v in value]}
    if t is dict:
        if not all(type(k) in (str, int) for k in value):
            return _foreign(value)
        return {"kind": "dict", "items": [[k, encode(v, _depth + 1)] for k, v in value.items()]}
    if t is np.ndarray and value.dtype.str in DTYPES:
        return {"kind": "ndarray", "dtype": value.dtype.str, "shape": list(value.shape), "data": _b64(value)}
    if isinstance(value, np.generic) and t.__module__ == "numpy" and value.dtype.str in DTYPES:
        return {"kind": "scalar", "dtype": value.dtype.str, "data": _b64(np.asarray(value))}
    return _foreign(value)


def _fail_record(what: str) -> HarnessError:
    return HarnessError(f"malformed observation record: {what}")


def decode(data, _depth: int = 0):
    """Inverse of :func:`encode`, strict: an unknown kind or dtype raises :class:`HarnessError`."""
    if _depth > MAX_DEPTH + 1:
        raise _fail_record("nested too deeply")
    t = type(data)
    if data is None or t in (bool, int, str):
        return data
    if t is float:
        if not math.isfinite(data):
            raise _fail_record(f"bare non-finite float {data!r}")
        return data
    if t is not dict or type(data.get("kind")) is not str:
        raise _fail_record(f"unexpected {t.__name__}")
    kind = data["kind"]
    if kind == "float" and data.get("value") in ("nan", "inf", "-inf"):
        return float(data["value"])
    if kind in ("list", "tuple") and type(data.get("items")) is list:
        items = [decode(v, _depth + 1) for v in data["items"]]
        return items if kind == "list" else tuple(items)
    if kind == "dict" and type(data.get("items")) is list:
        out = {}
        for pair in data["items"]:
            if type(pair) is not list or len(pair) != 2 or type(pair[0]) not in (str, int):
                raise _fail_record("bad dict item")
            out[pair[0]] = decode(pair[1], _depth + 1)
        return out
    if kind in ("ndarray", "scalar"):
        dtype = DTYPES.get(data.get("dtype"))
        shape = data.get("shape", []) if kind == "ndarray" else []
        if dtype is None or type(data.get("data")) is not str or type(shape) is not list:
            raise _fail_record(f"dtype {data.get('dtype')!r} is not allowed")
        if not all(type(n) is int and n >= 0 for n in shape):
            raise _fail_record(f"bad shape {shape!r}")
        raw = base64.b64decode(data["data"], validate=True)
        if len(raw) != dtype.itemsize * math.prod(shape):
            raise _fail_record(f"{len(raw)} bytes do not fill shape {shape} of {dtype}")
        arr = np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
        return arr if kind == "ndarray" else arr[()]
    if kind == "foreign":
        return Foreign(str(data.get("type", "?")), str(data.get("repr", "")))
    if kind == "error":
        return _RaisedRecord(str(data.get("type", "Exception")), str(data.get("message", "")))
    raise _fail_record(f"unknown kind {kind!r}")


@dataclass(frozen=True)
class _RaisedRecord:
    type_name: str
    message: str


# ---------------------------------------------------------------------------------------------- the two modes

@dataclass
class Replay:
    """The verifier's state for one test cell: its records, the seed, and the submission's own code."""

    records: list[dict]
    seed: int
    own_sources: list[str] = field(default_factory=list)
    used: dict[str, int] = field(default_factory=dict)
    observed: int = 0


_REPLAY: contextvars.ContextVar[Replay | None] = contextvars.ContextVar("nn_course_replay", default=None)


@contextlib.contextmanager
def replaying(replay: Replay):
    """Run the enclosed test-cell code in verifier mode (used by :mod:`autograder.verify`)."""
    token = _REPLAY.set(replay)
    try:
        yield replay
    finally:
        _REPLAY.reset(token)


def _seed() -> int:
    replay = _REPLAY.get()
    if replay is not None:
        return replay.seed
    text = os.environ.get(SEED_ENV, "0")
    return int(text) if text.isdigit() else 0


def replay_seed() -> int | None:
    """The seed of the cell the verifier is replaying; None in a kernel (the student's or one at home)."""
    replay = _REPLAY.get()
    return None if replay is None else replay.seed


def grading_rng(label: str) -> np.random.Generator:
    """A generator seeded by the run's seed and ``label``: the same inputs in the kernel and in the verifier.

    Students running the visible tests at home get seed 0; a grading run sets ``COURSE_GRADING_SEED``.
    """
    if not isinstance(label, str) or not label:
        raise TypeError(f"grading_rng(label) needs a non-empty string label, got {label!r}")
    digest = hashlib.sha256(label.encode("utf-8")).digest()
    return np.random.default_rng([_seed(), *np.frombuffer(digest[:16], dtype="<u4").tolist()])


def _summary(value) -> str:
    if isinstance(value, np.ndarray):
        return f"ndarray {value.dtype} {value.shape}"
    if isinstance(value, Foreign):
        return f"foreign object {value.type_name}"
    return type(value).__name__


def _publish(record: dict, label: str, value) -> None:
    text = f"observed {label}: {_summary(value)}"
    ip = sys.modules.get("IPython")
    shell = ip.get_ipython() if ip is not None and hasattr(ip, "get_ipython") else None
    if shell is None:
        LOCAL_RECORDS.append(record)
        return
    from IPython.display import publish_display_data

    publish_display_data({MIME: record, "text/plain": text})


LOCAL_RECORDS: list[dict] = []  # records made outside IPython (plain python / tests)


def observe(label: str, thunk):
    """Kernel: call ``thunk()``, record its result as plain data, return the decoded copy.

    Verifier: return the recorded value of the next ``observe`` with this label; no record fails the check.
    """
    if not isinstance(label, str) or not label:
        raise TypeError(f"observe(label, thunk) needs a non-empty string label, got {label!r}")
    replay = _REPLAY.get()
    if replay is not None:
        return _replayed(replay, label)
    if not callable(thunk):
        raise TypeError(f"observe({label!r}, thunk): thunk must be callable, e.g. lambda: f(x); got {thunk!r}")
    try:
        value = encode(thunk())
    except Exception as exc:
        _publish(_record(label, {"kind": "error", "type": type(exc).__name__, "message": str(exc)[:2000]}),
                 label, exc)
        raise
    _publish(_record(label, value), label, decode(value))
    return decode(value)


def _record(label: str, value) -> dict:
    return {"version": RECORD_VERSION, "label": label, "value": value}


def _replayed(replay: Replay, label: str):
    replay.observed += 1
    wanted = replay.used.get(label, 0)
    matches = [r for r in replay.records if type(r) is dict and r.get("label") == label]
    if wanted >= len(matches):
        raise MissingObservation(say("harness.missing_observation", label=repr(label)))
    replay.used[label] = wanted + 1
    value = decode(matches[wanted].get("value"))
    if isinstance(value, _RaisedRecord):
        raise StudentError(say("harness.student_raised", label=label, type=value.type_name, message=value.message))
    return value


# ---------------------------------------------------------------------------------------------- asserts

def _fail(what: str, message: str):
    raise HarnessError(f"{what}: {message}")


def _preview(a) -> str:
    with np.printoptions(precision=6, threshold=12, edgeitems=3, linewidth=100):
        return np.array2string(np.asarray(a), separator=", ") if isinstance(a, np.ndarray) else repr(a)


def assert_array(got, expected, *, shape=None, dtype=None, rtol=1e-7, atol=0.0, what="value"):
    """Check an observed ndarray: exact type, shape, dtype, then ``|got - expected| <= atol + rtol |expected|``.

    ``dtype=None`` accepts any numeric dtype; ``shape=None`` takes the expected array's shape.
    """
    expected = np.asarray(expected)
    want_shape = tuple(shape) if shape is not None else expected.shape
    if type(got) is not np.ndarray:
        _fail(what, say("harness.not_array", shape=want_shape, got=_describe(got)))
    if got.shape != want_shape:
        _fail(what, say("harness.shape", expected=want_shape, got=got.shape))
    if dtype is not None and got.dtype != np.dtype(dtype):
        _fail(what, say("harness.dtype", expected=np.dtype(dtype), got=got.dtype))
    if got.dtype.kind not in "biufc":
        _fail(what, say("harness.not_numeric", got=got.dtype))
    if expected.shape != want_shape:
        expected = np.broadcast_to(expected, want_shape)
    close = np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=False)
    if not close.all():
        bad = np.argwhere(~close)
        first = tuple(int(i) for i in bad[0])
        diff = np.abs(got.astype(complex if got.dtype.kind == "c" else float) - expected)
        _fail(what, say("harness.entries_differ", bad=len(bad), size=got.size, rtol=rtol, atol=atol, index=first,
                        expected=repr(expected[first].item()), got=repr(got[first].item()),
                        diff=np.nanmax(diff) if np.isfinite(diff).any() else diff.max(),
                        expected_preview=_preview(expected), got_preview=_preview(got)))


def _describe(got) -> str:
    if isinstance(got, Foreign):
        return say("harness.foreign", type=got.type_name, repr=got.repr)
    return f"{type(got).__name__} {_preview(got)[:300]}"


def assert_scalar(got, expected, *, rtol=1e-7, atol=0.0, what="value"):
    """Check an observed number (Python or numpy scalar): ``|got - expected| <= atol + rtol |expected|``.

    A bool ``expected`` asks for exactly that bool; an int ``expected`` with ``rtol=atol=0`` for that integer.
    """
    if isinstance(expected, (bool, np.bool_)):
        if type(got) not in (bool, np.bool_) or bool(got) is not bool(expected):
            _fail(what, say("harness.expected_got", expected=bool(expected), got=_describe(got)))
        return
    numeric = (int, float, np.integer, np.floating)
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, numeric) or isinstance(got, Foreign):
        _fail(what, say("harness.not_a_number", expected=repr(expected), got=_describe(got)))
    if not math.isclose(float(got), float(expected), rel_tol=rtol, abs_tol=atol) and not (
            math.isnan(float(got)) and math.isnan(float(expected))):
        _fail(what, say("harness.scalar_differs", expected=repr(expected), got=repr(got),
                        diff=f"{abs(float(got) - float(expected)):.3g}", rtol=rtol, atol=atol))


def assert_equal(got, expected, *, what="value"):
    """Check observed plain data (str, int, bool, list, tuple, dict of those) for exact equality, types included."""
    if not _same(got, expected):
        _fail(what, say("harness.expected_got", expected=repr(expected), got=_describe(got)))


def _same(a, b) -> bool:
    if isinstance(a, Foreign) or type(a) is not type(b):
        return False
    if type(a) in (list, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if type(a) is dict:
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if type(a) is np.ndarray:
        return a.shape == b.shape and a.dtype == b.dtype and bool(np.array_equal(a, b))
    return bool(a == b)


def assert_true(condition, message="condition is false"):
    """Check a condition computed from observed data: it must be exactly ``True`` (not merely truthy)."""
    if condition is not True and not (type(condition) is np.bool_ and bool(condition)):
        raise HarnessError(say("harness.condition", message=message, got=_describe(condition)))


def own_code(name: str) -> None:
    """Check that ``name`` is defined by the notebook's own ``def``/``class``, not imported from course_lib.

    Verifier: the submission's non-test cells are read as source (:func:`autograder.source_reading.defines_own`).
    Kernel: a friendly best-effort check of the live object.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise TypeError(f"own_code(name) needs an identifier string, got {name!r}")
    replay = _REPLAY.get()
    if replay is not None:
        verdict = defines_own(replay.own_sources, name)
        if verdict is not True:
            raise HarnessError(say("harness.not_own", name=repr(name), reason=verdict))
        return
    scope = sys._getframe(1).f_globals
    obj = scope.get(name)
    module = getattr(obj, "__module__", None)
    if obj is None:
        raise HarnessError(say("harness.not_own", name=repr(name), reason=say("harness.not_defined", name=name)))
    if not callable(obj) or module not in ("__main__", None):
        raise HarnessError(say("harness.not_own", name=repr(name),
                               reason=say("harness.imported", name=name, origin=module or type(obj).__name__)))
