"""The rule for optional heavy checks (PyTorch cross-checks, the browser test): skip locally, fail in CI.

Locally a check whose tool is missing skips with the reason; in CI (``CI=true``) the same absence is a failure,
so these checks can never be skipped silently there. Test modules and conftests import this module by name
(pytest puts ``tests/`` on ``sys.path``).
"""
import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def missing(message: str):
    """Skip locally, fail in CI, with ``message`` saying what is missing and why it is needed."""
    if IN_CI:
        pytest.fail(f"{message}; CI requires this check")
    pytest.skip(f"{message}; CI runs this check")


def require(module_name: str, why: str):
    """Import an optional module for ``why``."""
    try:
        return __import__(module_name)
    except ImportError as exc:  # pragma: no cover - depends on the machine
        missing(f"{module_name} cannot be imported ({exc}), needed for {why}")


def require_executable(path: str, why: str, install_hint: str = "") -> str:
    """An executable file that ``why`` needs, e.g. Debian's ``/usr/bin/chromium``."""
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        missing(f"{path} is not installed{f' ({install_hint})' if install_hint else ''}, needed for {why}")
    return path
