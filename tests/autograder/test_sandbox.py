"""Is student code kept away from instructor files, the network and the grader, and bounded in time and memory?

One kernel is started for the whole module (starting is the slow part); each test runs a cell in it.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import nbformat
import pytest

import autograder
from autograder import sandbox, zygote
from autograder.execute import run_notebook
from autograder.forbidden import STUB_MARKERS
from autograder.sandbox import Kernel, sandbox_status

REPO = Path(autograder.__file__).resolve().parents[1]


def _run(kernel, *sources, cell_timeout_s=20.0, output_bytes=100_000):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    report = run_notebook(kernel, nb, timeout_s=60, cell_timeout_s=cell_timeout_s, output_bytes=output_bytes)
    text = "".join(o.get("text", "") for c in nb.cells for o in c.outputs if o.output_type == "stream")
    errors = [o.ename for c in nb.cells for o in c.outputs if o.output_type == "error"]
    return report, text, errors


@pytest.fixture(scope="module")
def secret(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    path = course / "solutions" / "ps1" / "ps1.ipynb"
    path.parent.mkdir(parents=True)
    path.write_text("the instructor's solution")
    return path


@pytest.fixture(scope="module", params=["fresh", "forked"])
def kernel(request, secret):
    """Every property below holds for a kernel started as its own sandbox and for one forked by a zygote."""
    os.environ["NN_COURSE_TEST_TOKEN"] = "grader-only"  # must not reach the kernel
    z = zygote.Zygote() if request.param == "forked" else None
    try:
        with Kernel(memory_mb=768, zygote=z) as k:
            yield k
    finally:
        del os.environ["NN_COURSE_TEST_TOKEN"]
        if z is not None:
            z.close()


def test_bubblewrap_is_used_on_this_machine():
    status = sandbox_status()
    assert status.sandboxed and status.warning is None, f"expected bwrap to work here (CI installs it), got {status}"


def test_student_code_cannot_see_the_course_tree_or_the_repository_solutions(kernel, secret):
    report, text, errors = _run(kernel, f"import os\nprint(os.path.exists({str(secret)!r}), "
                                        f"os.path.exists({str(REPO / 'solutions')!r}), "
                                        f"sorted(os.listdir({str(REPO)!r})))")
    assert not errors, f"the probe itself failed: {errors}"
    visible = text.strip()
    assert visible.startswith("False False"), f"expected the solutions to be invisible, kernel printed {visible!r}"
    assert "solutions" not in visible and "gradebook.db" not in visible, f"repository leaked: {visible!r}"


def test_modules_in_the_work_folder_import_like_in_a_notebook_kernel(kernel):
    (kernel.work / "helper_mod.py").write_text("X = 5\n")
    kernel.prepare({"NN_COURSE_PROBE": "7"})
    _, text, errors = _run(kernel, "import os, helper_mod\nprint(helper_mod.X, os.environ['NN_COURSE_PROBE'])")
    assert text.split() == ["5", "7"], f"expected the helper module and the variable, got {text!r} {errors}"


def test_the_work_folder_is_writable_and_outside_the_course(kernel, secret):
    report, text, errors = _run(kernel, "import os\nopen('scratch.txt', 'w').write('ok')\nprint(os.getcwd())")
    assert not errors and text.strip() == str(kernel.work), f"expected cwd {kernel.work}, got {text!r} {errors}"
    assert (kernel.work / "scratch.txt").read_text() == "ok", "a file written by the kernel must land in its folder"
    assert secret.parents[2] not in kernel.work.parents, f"{kernel.work} lies inside the course"


def test_student_code_has_no_network(kernel):
    probe = ("import socket\ntry:\n    socket.create_connection(('1.1.1.1', 443), timeout=3)\n    print('connected')\n"
             "except OSError as e:\n    print('blocked', type(e).__name__)")
    _, text, errors = _run(kernel, probe)
    assert text.startswith("blocked"), f"expected the connection to fail, kernel printed {text!r} {errors}"


def test_student_code_cannot_see_grader_processes_or_environment(kernel):
    _, text, errors = _run(kernel, f"import os\nprint(os.path.exists('/proc/{os.getpid()}'), "
                                   "os.environ.get('NN_COURSE_TEST_TOKEN'), os.getpid() < 100)")
    assert text.split() == ["False", "None", "True"], f"expected a private PID namespace and env, got {text!r}"


def test_a_memory_bomb_raises_memory_error_and_the_kernel_survives(kernel):
    report, text, errors = _run(kernel, "hog = bytearray(2 * 1024**3)", "print('still here')")
    assert errors == ["MemoryError"] and "still here" in text, f"expected MemoryError then life, got {errors} {text!r}"
    assert report.ending == "ok", f"expected the run to end normally, got {report}"


def test_the_memory_limit_is_left_to_student_data_not_reserved_address_space(kernel):
    """768 MB of address space: the kernel with numpy and matplotlib loaded must leave most of it usable."""
    report, text, errors = _run(kernel, "import numpy, matplotlib.pyplot\nblock = bytearray(400 * 1024**2)\n"
                                        "print('allocated', len(block) >> 20)")
    assert not errors and text.strip() == "allocated 400", f"expected 400 MB to fit, got {text!r} {errors}"


def test_an_endless_cell_is_interrupted_and_the_next_cell_runs(kernel):
    report, text, errors = _run(kernel, "while True:\n    pass", "print('after')", cell_timeout_s=2)
    assert report.ending == "timed_out" and "after" in text, f"expected interrupt then 'after', got {report} {text!r}"
    assert errors == ["KeyboardInterrupt"], f"expected a KeyboardInterrupt in the endless cell, got {errors}"


def test_output_beyond_the_cap_is_dropped_while_streaming(kernel):
    report, text, _ = _run(kernel, "print('x' * 300_000)\nprint('tail')", output_bytes=100_000)
    assert report.truncated and len(text) < 101_000, f"expected <= 100 kB kept, got {len(text)} bytes, {report}"
    assert "output beyond 100000 bytes was dropped" in text, "expected a marker saying output was dropped"


@pytest.mark.parametrize("forked", [False, True], ids=["fresh", "forked"])
def test_a_killed_kernel_is_reported_and_its_folder_removed(forked):
    z = zygote.Zygote() if forked else None
    try:
        with Kernel(memory_mb=768, zygote=z) as k:
            report, _, _ = _run(k, "import os\nos._exit(7)", "print('never')")
            work = k.work
    finally:
        if z is not None:
            z.close()
    assert report.ending == "kernel_died" and "exit code 7" in " ".join(report.notes), f"got {report}"
    assert not work.exists(), f"expected {work} removed after kill()"


def test_without_bubblewrap_the_status_says_so_loudly(monkeypatch):
    monkeypatch.setenv("COURSE_DISABLE_SANDBOX", "1")
    sandbox_status.cache_clear()
    try:
        status = sandbox_status()
    finally:
        monkeypatch.delenv("COURSE_DISABLE_SANDBOX")
        sandbox_status.cache_clear()
    assert not status.sandboxed and "UNSANDBOXED" in status.warning, f"expected a loud warning, got {status}"
    assert sandbox.UNSANDBOXED_WARNING == status.warning


def test_packages_installed_under_tmp_stay_visible_in_the_sandbox(tmp_path, monkeypatch):
    """CI clones the repository (and its venv) under /tmp; the sandbox's own empty /tmp must not hide it."""
    package = tmp_path / "venv-under-tmp"
    package.mkdir()
    (package / "marker.txt").write_text("still here")
    monkeypatch.setattr(sandbox, "_package_dirs", lambda: [str(package)])
    work, conn, home = (tmp_path / name for name in ("work", "conn", "home"))
    for d in (work, conn, home):
        d.mkdir()
    cmd = sandbox.bwrap_command(sandbox_status().tool, [work, conn], work, home)
    result = subprocess.run([*cmd, "/usr/bin/cat", str(package / "marker.txt")], capture_output=True, text=True)
    assert result.stdout == "still here", f"expected the marker inside the sandbox, got {result!r}"


FORBIDDEN_PROBE = """\
import importlib
attempts = {
    "import": lambda: __import__("course_lib.activations"),
    "importlib": lambda: importlib.import_module("course_lib." + "".join(["activ", "ations"])),
    "__import__ computed": lambda: __import__("course_lib." + "snoitavitca"[::-1], fromlist=["get_activation"]),
    "via layers": lambda: importlib.import_module("course_lib.layers"),
    "attribute": lambda: __import__("course_lib").activations,
}
for how, attempt in attempts.items():
    try:
        attempt()
        print(how, "IMPORTED")
    except ImportError as exc:
        print(how, "refused:", exc)
from course_lib.losses import MSELoss
import numpy as np
print("allowed", MSELoss().forward(np.zeros(2), np.ones(2)))
"""


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("forked", [False, True], ids=["fresh", "forked"])
def test_a_forbidden_module_is_not_in_the_sandbox_however_it_is_imported(forked, language):
    """...and the refusal is in the assignment's language, whether the kernel is forked or fresh."""
    forbidden = ("course_lib.activations",)
    z = zygote.Zygote(forbidden=forbidden, language=language) if forked else None
    try:
        with Kernel(memory_mb=768, zygote=z, forbidden=forbidden, language=language) as k:
            _, text, errors = _run(k, FORBIDDEN_PROBE)
    finally:
        if z is not None:
            z.close()
    lines = text.strip().splitlines()
    assert not errors and len(lines) == 6, f"the probe failed: {text!r} {errors}"
    for line in lines[:5]:
        assert "refused" in line and "course_lib.activations" in line and STUB_MARKERS[language] in line \
            and "IMPORTED" not in line, f"expected the import refused with the module named, got {line!r}"
    assert lines[5] == "allowed 1.0", f"expected an allowed module to stay usable, got {lines[5]!r}"


def test_the_only_writable_places_are_the_ones_emptied_between_students(kernel):
    places = ["/", "/var/tmp", "/var", "/dev", "/etc", "/home", "/root", "/run", "/opt", "/tmp", "/dev/shm"]
    _, text, errors = _run(kernel, f"import os\nfor top in {places!r}:\n    try:\n"
                                   "        os.makedirs(top, exist_ok=True)\n"
                                   "        open(os.path.join(top, 'left-for-the-next'), 'w').close()\n"
                                   "        print(top)\n    except OSError:\n        pass")
    assert not errors and set(text.split()) <= {"/tmp", "/dev/shm"}, \
        f"expected only /tmp and /dev/shm writable (the zygote empties both), got {text.split()} {errors}"


def test_a_forbidden_class_is_cut_out_of_a_module_that_stays_importable():
    """Assignment 5 forbids Dropout and BatchNorm1d, which live in a module its digits model needs."""
    forbidden = ("course_lib.regularisation.Dropout",)
    z = zygote.Zygote(forbidden=forbidden)
    try:
        with Kernel(memory_mb=768, zygote=z) as k:
            _, text, errors = _run(k, """
import gc
from course_lib.layers import Dropout, Linear, Sequential
from course_lib.module import Module
print("linear", Sequential(Linear(2, 2)).forward(__import__("numpy").ones((1, 2))).shape)
try:
    Dropout(0.5)
except ImportError as exc:
    print("refused:", exc)
real = [c for c in Module.__subclasses__() if c.__name__ == "Dropout"]
real += [o for o in gc.get_objects() if isinstance(o, type) and o.__name__ == "Dropout" and hasattr(o, "MODES")]
print("originals", real)
""")
    finally:
        z.close()
    assert not errors and "linear (1, 2)" in text, f"expected the rest of the module usable, got {text!r} {errors}"
    assert "refused: course_lib.regularisation.Dropout is forbidden in this assignment" in text, text
    assert "originals []" in text, f"the original class is still reachable in the kernel: {text!r}"
