"""Small helpers shared by every course_lib module: random generators and argument checks.

Errors name the owner and the value so that a student sees at once what was wrong, e.g.
``Adam: lr must be > 0, got -0.1``.
"""
from __future__ import annotations

import numbers

import numpy as np


def as_rng(rng=None) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from ``None`` (fresh), a seed, or a generator (returned as is)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, numbers.Integral):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be None, an int seed or a numpy.random.Generator, got {type(rng).__name__}")


def check_finite(name: str, value) -> None:
    """Raise ``FloatingPointError`` when ``value`` holds NaN or infinity."""
    if not np.all(np.isfinite(value)):
        raise FloatingPointError(f"{name} is not finite: {value}")


def check_positive(owner: str, name: str, value, allow_zero: bool = False) -> None:
    """Raise ``ValueError`` unless ``value`` is a real number > 0 (or >= 0 with ``allow_zero``)."""
    ok = (isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value)
          and (value >= 0 if allow_zero else value > 0))
    if not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{owner}: {name} must be {bound}, got {value!r}")


def check_probability(owner: str, name: str, value) -> None:
    """Raise ``ValueError`` unless ``0 <= value < 1``."""
    if not (isinstance(value, numbers.Real) and not isinstance(value, bool) and 0 <= value < 1):
        raise ValueError(f"{owner}: {name} must be in [0, 1), got {value!r}")


FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def float_dtype(owner: str, dtype) -> np.dtype:
    """``dtype`` as a numpy dtype if it is float32 or float64, else a ``TypeError`` naming ``owner``."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in FLOAT_DTYPES:
        got = repr(dtype) if dt is None else str(dt)
        raise TypeError(f"{owner}: dtype must be float32 or float64, got {got}")
    return dt


def positive_int(owner: str, name: str, value) -> int:
    """``value`` as an int if it is an integer >= 1 (not a bool), else a ``ValueError`` naming it."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}")
    return int(value)
