"""Shared fixtures. Optional heavy checks (PyTorch cross-checks, the browser test) are *marked* and follow
the rule in ``optional_tools``: skipped locally when their tool is missing, a failure in CI."""
import os

# One BLAS thread: on 2 cores, BLAS threads fighting pytest (and notebook kernels, which inherit this) made the
# training tests 3-6x slower. Set before numpy is imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pytest
from optional_tools import IN_CI, require  # noqa: E402,F401 - the shared rule for optional checks


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
