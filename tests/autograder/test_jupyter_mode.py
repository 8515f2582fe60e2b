"""Do students lose nbgrader's instructor tools while instructors keep them?"""
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import jupyter_mode

CONFIG = Path(sys.prefix) / "etc" / "jupyter"
TOUCHED = (CONFIG / "labconfig" / "page_config.json", CONFIG / "jupyter_server_config.json")


@pytest.fixture
def restore_environment():
    """The set-up writes this environment's Jupyter configuration: put it back exactly as it was."""
    saved = {path: path.read_bytes() if path.exists() else None for path in TOUCHED}
    yield
    for path, data in saved.items():
        if data is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(data)


def jupyter_listing(*args):
    out = subprocess.run([sys.executable, "-m", "jupyter", *args], capture_output=True, text=True, check=True)
    return out.stdout + out.stderr


def test_student_setup_disables_and_locks_every_instructor_tool(restore_environment):
    jupyter_mode.apply("student")
    state = jupyter_mode.status()
    assert state == dict.fromkeys(state, False), f"instructor tools still enabled for a student: {state}"
    page_config = (CONFIG / "labconfig" / "page_config.json").read_text()
    assert page_config.count(": true") == 2 * len(jupyter_mode.INSTRUCTOR_PLUGINS), page_config


def test_student_setup_is_what_jupyters_own_listing_reports(restore_environment):
    jupyter_mode.apply("student")
    text = jupyter_listing("server", "extension", "list")
    line = next(ln for ln in text.splitlines() if "nbgrader.server_extensions.formgrader" in ln)
    assert "disabled" in line, f"jupyter server extension list says: {line!r}"


def test_instructor_setup_enables_them_again(restore_environment):
    jupyter_mode.apply("student")
    jupyter_mode.apply("instructor")
    state = jupyter_mode.status()
    assert all(state.values()), f"instructor set-up left tools disabled: {state}"
    assert set(state) == {*jupyter_mode.INSTRUCTOR_PLUGINS, *jupyter_mode.INSTRUCTOR_SERVER_EXTENSIONS}


def test_unknown_mode_is_a_clear_error():
    with pytest.raises(ValueError, match="choose 'student' or 'instructor'"):
        jupyter_mode.apply("teacher")
