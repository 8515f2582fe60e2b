"""The widgets also work on ipywidgets 7.7, the version Google Colab ships.

The first run installs ipywidgets 7.7 with its matching widgetsnbextension and jupyterlab_widgets (and
ipython_genutils, which ipywidgets 7 imports) into ``.venv-ipywidgets7/`` at the repository root, without
touching the shared environment; later runs reuse it. ``test_widgets.py`` and ``test_widgets_language.py`` (the
apps in Russian) then run in a subprocess with that directory first on ``PYTHONPATH``, so they import
ipywidgets 7.7 instead of the environment's 8.x.

In CI (``CI=true``) a failed install is a failure; locally it skips with the reason.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from optional_tools import missing

ROOT = Path(__file__).resolve().parents[2]
OVERLAY = ROOT / ".venv-ipywidgets7"
DONE = OVERLAY / ".installed"
REQUIREMENTS = ["ipywidgets==7.7.*", "widgetsnbextension~=3.6.0", "jupyterlab_widgets>=1.0.0,<3",
                "ipython_genutils~=0.2.0"]


def _overlay() -> Path:
    """The cached overlay directory, installed on first use (into a temporary twin, then moved into place)."""
    if DONE.exists():
        return OVERLAY
    staging = OVERLAY.with_name(OVERLAY.name + f".partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
           "--target", str(staging), *REQUIREMENTS]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        reason = f"could not install ipywidgets 7.7 into {OVERLAY}: {proc.stderr.strip()[-800:]}"
        missing(reason)
    (staging / ".installed").write_text(" ".join(REQUIREMENTS) + "\n")
    shutil.rmtree(OVERLAY, ignore_errors=True)
    staging.rename(OVERLAY)
    return OVERLAY


@pytest.mark.slow
def test_widget_tests_pass_under_ipywidgets_7_7():
    overlay = _overlay()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(overlay), *filter(None, [env.get("PYTHONPATH")])])
    env["MPLBACKEND"] = "Agg"
    cmd = [sys.executable, "-m", "pytest", "tests/course_lib/test_widgets.py",
           "tests/course_lib/test_widgets_language.py", "-q", "-rA", "-p", "no:cacheprovider"]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    tail = proc.stdout[-3000:] + proc.stderr[-1000:]
    assert proc.returncode == 0, f"the widget tests failed on ipywidgets 7.7, exit {proc.returncode}:\n{tail}"
    assert "PASSED tests/course_lib/test_widgets_language.py::test_a_russian_app_shows_no_english[stepper]" \
        in proc.stdout, f"the Russian widget tests did not run on ipywidgets 7.7:\n{tail}"
    assert "test_running_under_ipywidgets[7.7." in proc.stdout, \
        f"the subprocess did not import ipywidgets 7.7.x from {overlay}:\n{tail}"
