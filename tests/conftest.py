"""Shared test policy.

Optional heavy checks (PyTorch cross-checks, the browser test) are *marked*. Locally they skip when their tool is
missing; in CI (``CI=true``) a missing tool is a failure, so the checks can never be skipped silently there.
"""
import os

# One BLAS thread: on 2 cores, BLAS threads fighting pytest (and notebook kernels, which inherit this) made the
# training tests 3-6x slower. Set before numpy is imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(module_name: str, why: str):
    """Import an optional module; skip locally when absent, fail in CI."""
    try:
        return __import__(module_name)
    except ImportError as exc:  # pragma: no cover - depends on the machine
        if IN_CI:
            pytest.fail(f"{module_name} is required in CI for {why} but cannot be imported: {exc}")
        pytest.skip(f"{module_name} not installed ({why}); CI runs this check")


@pytest.fixture(scope="session")
def torch():
    """The torch module for cross-checks, in float64."""
    t = require("torch", "the PyTorch cross-checks")
    t.set_default_dtype(t.float64)
    return t


@pytest.fixture
def rng():
    """A fresh seeded generator per test: failures are reproducible."""
    return np.random.default_rng(20261122)
