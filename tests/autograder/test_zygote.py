"""Does a kernel forked from the zygote behave like a fresh one, and does nothing of one student reach the next?

The sandbox properties every kernel must have (no network, no course tree, limits) are checked for forked and
fresh kernels alike in test_sandbox.py; this module checks what sharing one sandbox between students adds.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from autograder import kernels, sandbox, zygote
from autograder.execute import run_notebook


def _run(kernel, *sources):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    report = run_notebook(kernel, nb, timeout_s=60, cell_timeout_s=30, output_bytes=1_000_000)
    text = "".join(o.get("text", "") for c in nb.cells for o in c.outputs if o.output_type == "stream")
    errors = [f"{o.ename}: {o.evalue}" for c in nb.cells for o in c.outputs if o.output_type == "error"]
    return report, nb, text, errors


@pytest.fixture(scope="module")
def zyg():
    z = zygote.Zygote()
    yield z
    z.close()


def _kernel(z):
    kernel = z.kernel(768)
    kernel.prepare({})
    return kernel


def test_a_forked_kernel_runs_the_course_libraries_and_shows_plots_inline(zyg):
    kernel = _kernel(zyg)
    try:
        report, nb, text, errors = _run(kernel, "import numpy as np, matplotlib.pyplot as plt\n"
                                                "from course_lib.layers import Linear\n"
                                                "print(Linear(3, 2).weight.data.shape)\n"
                                                "plt.plot([1, 2, 3]); plt.show()")
    finally:
        kernel.kill()
    kinds = [k for o in nb.cells[0].outputs for k in o.get("data", {})]
    assert report.ending == "ok" and not errors and text.strip() == "(2, 3)", f"got {report} {text!r} {errors}"
    assert "image/png" in kinds, f"expected the figure inline as image/png, as in a fresh kernel; got {kinds}"


def test_each_forked_kernel_draws_its_own_random_numbers(zyg):
    seen = []
    for _ in range(2):
        kernel = _kernel(zyg)
        try:
            _, _, text, errors = _run(kernel, "import random, numpy as np\nprint(random.random(), np.random.rand())")
        finally:
            kernel.kill()
        assert not errors, errors
        seen.append(text.split())
    assert seen[0][0] != seen[1][0] and seen[0][1] != seen[1][1], \
        f"expected new seeds per kernel (random, numpy), both kernels printed {seen}"


LEAVE_BEHIND = """
import os, subprocess, time
for _ in range(20):
    subprocess.Popen(['sleep', '1000'], start_new_session=True)
if os.fork() == 0:          # a daemon: double fork and setsid, so its parent is not the kernel
    os.setsid()
    if os.fork() == 0:
        time.sleep(1000)
    os._exit(0)
os.makedirs('/dev/shm', exist_ok=True)
for path in ('/tmp/result.npy', '/dev/shm/planted'):
    open(path, 'w').write('from an earlier student')
os.mkfifo('/tmp/answers')
os.makedirs(os.path.join(os.environ['HOME'], '..', '..', 'planted'), exist_ok=True)
print('left', len(os.listdir('/proc')))
"""

LOOK_AROUND = """
import os
import shutil
others = []
for pid in os.listdir('/proc'):
    if pid.isdigit() and int(pid) not in (1, os.getpid(), os.getppid()):
        others.append(open(f'/proc/{pid}/cmdline').read().replace(chr(0), ' '))
print('others', others)
print('tmp', [n for n in ('result.npy', 'answers') if os.path.lexists('/tmp/' + n)], 'shm', os.listdir('/dev/shm'))
"""


LEAVE = """\
import os
left = []
for top, dirs, files in os.walk('/'):
    dirs[:] = [d for d in dirs if os.path.join(top, d) not in ('/proc', '/sys')]
    if top.count('/') > 4:
        dirs[:] = []
    try:
        with open(os.path.join(top, 'left-for-the-next.txt'), 'w') as fh:
            fh.write('answers')
        left.append(top)
    except OSError:
        pass
print(len(left), 'folders written')
"""
FIND = """\
import os
found = []
for top, dirs, files in os.walk('/'):
    dirs[:] = [d for d in dirs if os.path.join(top, d) not in ('/proc', '/sys')]
    if 'left-for-the-next.txt' in files:
        found.append(top)
print('found', found)
"""


def test_nothing_a_student_leaves_behind_reaches_the_next_student(zyg):
    first = _kernel(zyg)
    try:
        report, _, text, errors = _run(first, LEAVE_BEHIND, LEAVE)
    finally:
        first.kill()
    assert report.ending == "ok" and not errors and text.startswith("left"), f"probe failed: {text!r} {errors}"
    assert int(text.split("folders written")[0].split()[-1]) >= 2, f"the probe wrote nowhere: {text!r}"
    second = _kernel(zyg)
    try:
        _, _, text, errors = _run(second, LOOK_AROUND, FIND)
        leftovers = sorted(p.name for p in zyg.root.iterdir())
    finally:
        second.kill()
    assert not errors, errors
    assert "others []" in text, f"expected no process of the earlier student alive, the next kernel saw {text!r}"
    # (/tmp may still hold the read-only folders bound into the sandbox, e.g. a checkout under /tmp in CI)
    assert "tmp [] shm []" in text, f"expected the earlier student's /tmp and /dev/shm files gone, got {text!r}"
    assert "planted" not in leftovers, f"expected the zygote's folder cleaned between students, got {leftovers}"
    # a file written anywhere (/var/tmp was a channel: bwrap's root is a writable tmpfs) is gone too
    assert "found []" in text, f"the next student of the zygote found the earlier one's files: {text!r}"


def test_a_kernel_cannot_trace_or_read_the_zygote(zyg):
    kernel = _kernel(zyg)
    try:
        _, _, text, errors = _run(kernel, """
import ctypes, os
parent = os.getppid()
for name in ('mem', 'environ', 'fd/0'):
    try:
        open(f'/proc/{parent}/{name}', 'rb').read(1)
        print(name, 'readable')
    except OSError as exc:
        print(name, 'denied', type(exc).__name__)
libc = ctypes.CDLL(None, use_errno=True)
print('ptrace', libc.ptrace(16, parent, 0, 0), ctypes.get_errno())  # PTRACE_ATTACH
""")
    finally:
        kernel.kill()
    assert not errors, errors
    lines = dict(line.split(" ", 1) for line in text.strip().splitlines())
    assert all(lines[n].startswith("denied") for n in ("mem", "environ", "fd/0")), \
        f"expected the zygote's memory, environment and pipes out of reach, got {lines}"
    assert lines["ptrace"] == "-1 1", f"expected PTRACE_ATTACH to fail with EPERM (1), got {lines['ptrace']!r}"


def test_a_kernel_holds_none_of_the_zygotes_pipes(zyg):
    zygote_pipes = {os.fstat(f.fileno()).st_ino for f in (zyg.proc.stdin, zyg.proc.stdout)}
    kernel = _kernel(zyg)
    try:
        _, _, text, errors = _run(kernel, "import os\nfor fd in os.listdir('/proc/self/fd'):\n"
                                          "    try:\n        print(os.readlink(f'/proc/self/fd/{fd}'))\n"
                                          "    except OSError:\n        pass")
    finally:
        kernel.kill()
    held = {int(line[6:-1]) for line in text.split() if line.startswith("pipe:[")}
    assert not errors and not held & zygote_pipes, f"the kernel holds the zygote's pipes {held & zygote_pipes}"


def test_a_kernel_forked_in_advance_that_died_is_replaced_not_handed_out(zyg, monkeypatch):
    _kernel(zyg).kill()
    zyg.prefork(768)  # what kernels.acquire does once a kernel has ended
    spare = zyg._spare
    assert spare is not None, "expected a kernel forked in advance after prefork()"

    def died():
        spare.kill()
        raise sandbox.SandboxError("the grading kernel did not start: it exited with code 1")

    monkeypatch.setattr(spare, "connect", died)
    kernel = zyg.kernel(768)
    try:
        kernel.prepare({})
        _, _, text, errors = _run(kernel, "print(6 * 7)")
    finally:
        kernel.kill()
    assert kernel is not spare and text.strip() == "42" and not errors, \
        f"expected a new working kernel in place of the dead one, got {text!r} {errors}"


def test_a_memory_limit_too_small_to_start_a_kernel_says_what_to_raise(zyg):
    with pytest.raises(sandbox.SandboxError, match=r"memory limit of 64 MB is below what a kernel needs .* "
                                                    r"raise --memory-mb"):
        zyg.kernel(64)
    kernel = _kernel(zyg)  # and the zygote still serves a sensible limit
    kernel.kill()


def test_a_student_who_kills_the_zygote_loses_only_their_own_run():
    z = zygote.Zygote()
    kernel = z.kernel(768)
    kernel.prepare({})
    try:
        report, _, _, _ = _run(kernel, "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)", "print('never')")
    finally:
        kernel.kill()
    assert report.ending == "kernel_died", f"expected the run to end as kernel_died, got {report}"
    assert z.broken and not z.root.exists(), "expected the dead zygote stopped and its folder removed"
    z.close()
    fresh = zygote.Zygote()  # what zygote.shared() does next
    try:
        kernel = _kernel(fresh)
        _, _, text, errors = _run(kernel, "print(6 * 7)")
        kernel.kill()
    finally:
        fresh.close()
    assert text.strip() == "42" and not errors, f"expected a new zygote to grade the next student, got {text!r}"


def test_the_shared_zygote_is_never_used_by_a_forked_process():
    parent = zygote.shared()
    assert parent is not None, "expected zygotes to be on in the tests"
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # a pool worker inherits the parent's zygote object; it must start its own and not stop this one
        try:
            own = zygote.shared()
            ok = own is not None and own is not parent and own.owner == os.getpid()
            zygote.shutdown()
            os.write(write, b"ok" if ok else b"shared")
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    answer = os.read(read, 10)
    assert answer == b"ok", f"expected the child to start its own zygote, got {answer!r}"
    assert parent.proc.poll() is None and not parent.broken, "the child stopped the parent's zygote"
    kernel = zygote.shared().kernel(768)
    kernel.kill()


def test_without_bubblewrap_only_the_zygotes_own_descendants_are_killed(monkeypatch):
    monkeypatch.setenv("COURSE_DISABLE_SANDBOX", "1")
    sandbox.sandbox_status.cache_clear()
    bystander = subprocess.Popen(["sleep", "1000"])
    try:
        z = zygote.Zygote()
        try:
            kernel = _kernel(z)
            _, _, text, errors = _run(kernel, "import os, time\nif os.fork() == 0:\n    os.setsid()\n"
                                              "    if os.fork() == 0:\n        time.sleep(1000)\n    os._exit(0)\n"
                                              "time.sleep(0.3)\nimport subprocess\n"
                                              "print(subprocess.run(['pgrep', '-f', 'sleep 1000|time.sleep'], "
                                              "capture_output=True, text=True).stdout.split())")
            killed = z.request("end")["killed"]
            kernel.kill()
        finally:
            z.close()
        assert not errors, errors
        assert killed >= 2, f"expected the kernel and its daemon killed, the zygote killed {killed}"
        assert bystander.poll() is None, "a process that is not the zygote's descendant was killed"
    finally:
        bystander.kill()
        bystander.wait()
        sandbox.sandbox_status.cache_clear()


def test_when_no_zygote_can_start_kernels_start_fresh_and_say_so(monkeypatch, capfd):
    def broken(**_):
        raise zygote.ZygoteError("preloading failed: ImportError")

    zygote.shutdown()
    monkeypatch.setattr(zygote, "Zygote", broken)
    monkeypatch.setattr(zygote, "_failed", None)
    with kernels.acquire(768) as kernel:
        assert kernel.zygote is None and kernel.alive(), "expected a fresh sandboxed kernel"
    err = capfd.readouterr().err
    assert "zygote unavailable" in err and "preloading failed" in err, f"expected a warning on stderr, got {err!r}"


@pytest.mark.parametrize("sandboxed", [True, False], ids=["sandboxed", "plain"])
def test_the_zygote_and_its_kernel_end_when_the_grader_goes_away(sandboxed):
    """Every process of a zygote carries its folder in its command line (a fork keeps its parent's argv)."""
    code = ("import time\nfrom autograder import zygote\nz = zygote.Zygote()\nk = z.kernel(768)\n"
            "print(z.root, flush=True)\ntime.sleep(60)")
    env = {**os.environ, **({} if sandboxed else {"COURSE_DISABLE_SANDBOX": "1"})}
    grader = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env)
    try:
        root = grader.stdout.readline().strip()
        assert root and len(_processes_of(root)) >= 2, f"expected a zygote and a kernel running for {root!r}"
        grader.send_signal(signal.SIGKILL)
        grader.wait()
        deadline = time.monotonic() + 10
        while _processes_of(root) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        grader.kill()
    left = _processes_of(root)
    assert not left, f"expected nothing of the zygote left once its grader died, found {left}"


def _processes_of(root: str) -> list[int]:
    """Running (not zombie) processes whose command line names ``root``."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as fh:
                    if root.encode() not in fh.read():
                        continue
                with open(f"/proc/{entry}/stat") as fh:
                    if fh.read().rsplit(")", 1)[1].split()[0] != "Z":
                        found.append(int(entry))
            except OSError:
                continue
    return found


def test_grading_ends_with_no_folder_of_the_zygote_or_of_course_lib_left(tmp_path):
    """A CI run left 16 zygote folders in /tmp: shutdown removes this process's, and a new zygote removes those
    of graders that died without cleaning up (their process id is in the name)."""
    import tempfile

    from autograder import forbidden

    dead = subprocess.Popen(["true"])
    dead.wait()
    left = Path(tempfile.gettempdir()) / f"{zygote.ROOT_PREFIX}{dead.pid}-left"
    alive = Path(tempfile.gettempdir()) / f"{zygote.ROOT_PREFIX}{os.getppid()}-alive"
    for folder in (left, alive):
        (folder / "work").mkdir(parents=True, exist_ok=True)
    try:
        kernels.shutdown()
        z = zygote.shared(("course_lib.neuron",))
        copy = forbidden.restricted_copy(("course_lib.neuron",))
        assert z is not None and z.root.is_dir() and copy.is_dir(), "expected a zygote and its course_lib copy"
        assert not left.exists(), f"expected the folder of a dead grader removed, {left} is still there"
        assert alive.exists(), "a folder of a grader that still runs must be left alone"
        with kernels.acquire(768, ("course_lib.neuron",)) as kernel:
            assert kernel.alive()
        kernels.shutdown()
        assert not z.root.exists() and not copy.parent.exists(), \
            f"expected {z.root} and {copy.parent} removed when grading ends"
    finally:
        shutil.rmtree(alive, ignore_errors=True)
        shutil.rmtree(left, ignore_errors=True)

