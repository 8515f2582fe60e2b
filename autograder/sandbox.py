"""A sandboxed IPython kernel for one submission: bubblewrap, resource limits, IPC transport.

The kernel sees only what grading needs, read-only: the system's ``/usr`` and libraries, the Python
installation and the virtual environment, and the two packages ``course_lib`` and ``autograder``. Writable are
its own work folder (an isolated copy of the submission, outside the course tree) and a private ``/tmp``. It
never sees ``solutions/``, the gradebook or other students' work. There is no network: the kernel talks to the
grader over IPC sockets in a folder bound into the sandbox. It runs in its own PID namespace (with
``JPY_PARENT_PID`` unset, so ipykernel does not mistake the namespace's PID 1 for a dead parent), without
capabilities, and with ``RLIMIT_AS`` (memory), ``RLIMIT_FSIZE`` (file size) and ``RLIMIT_CORE`` set.

A kernel is either its own sandbox (a new Python process, ~1.1 s of CPU with the notebook's imports) or a fork
of a worker's zygote, which already lives in such a sandbox (:mod:`autograder.zygote`, ~0.15 s); the
properties above hold for both, and :func:`autograder.kernels.acquire` uses the zygote unless it is off or
cannot start. The assignment's forbidden ``course_lib`` modules are not in the sandbox (:mod:`autograder.forbidden`);
their stubs refuse in the assignment's language.

Where bubblewrap is missing or broken the kernel runs unsandboxed and :func:`sandbox_status` says so loudly;
the caller puts that warning into every outcome (and the pipeline into its summary and export).
"""
from __future__ import annotations

import contextlib
import functools
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from jupyter_client import BlockingKernelClient
from jupyter_client.connect import write_connection_file

UNSANDBOXED_WARNING = ("WARNING: bubblewrap (bwrap) is not available, so student code ran UNSANDBOXED with the "
                       "grader's permissions: it could read solutions/ and the gradebook, and import the course_lib "
                       "modules the assignment forbids; an assignment scored on held-out data could read their "
                       "labels from scikit-learn's copy of the data. Install bubblewrap.")
_ETC = ("alternatives", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "fonts", "localtime", "passwd", "group",
        "nsswitch.conf", "mime.types", "matplotlibrc")
FILE_SIZE_MB = 64
SANDBOX_HOME = "/tmp/home"


class SandboxError(RuntimeError):
    """The kernel could not be started (the reason names the command and its output)."""


@dataclass(frozen=True)
class SandboxStatus:
    sandboxed: bool
    tool: str | None
    warning: str | None


@functools.lru_cache(maxsize=1)
def sandbox_status() -> SandboxStatus:
    """Is bubblewrap usable here? Probed once per process by running ``true`` inside it."""
    if os.environ.get("COURSE_DISABLE_SANDBOX") == "1":
        return SandboxStatus(False, None, UNSANDBOXED_WARNING)
    bwrap = shutil.which("bwrap")
    if bwrap:
        probe = subprocess.run([bwrap, *_system_binds(), "--unshare-all", "--die-with-parent", "--", "true"],
                               capture_output=True, timeout=30)
        if probe.returncode == 0:
            return SandboxStatus(True, bwrap, None)
    return SandboxStatus(False, None, UNSANDBOXED_WARNING)


def _system_binds() -> list[str]:
    args = []
    for top in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64"):
        p = Path(top)
        if p.is_symlink():
            args += ["--symlink", os.readlink(p), top]
        elif p.is_dir():
            args += ["--ro-bind", top, top]
    for name in _ETC:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    return args


def _package_dirs() -> list[str]:
    """The Python installation, the venv and the two packages the kernel imports (not their repository)."""
    import autograder
    import course_lib

    dirs = {sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable))}
    for pkg in (autograder, course_lib):
        dirs.update(str(Path(p).resolve()) for p in pkg.__path__)
    keep = []
    for d in sorted(dirs):  # a folder inside one already bound needs no bind of its own
        if not any(d != k and d.startswith(k.rstrip("/") + "/") for k in dirs) and not d.startswith("/usr/"):
            keep.append(d)
    return keep


def bwrap_command(bwrap: str, writable: list[Path], chdir: Path, home: Path | None = None,
                  course_lib: Path | None = None, ro_binds: tuple[tuple[str, str], ...] = ()) -> list[str]:
    """bubblewrap's arguments: the read-only system and packages, the ``writable`` folders bound at their own
    paths, ``home`` (if given) at ``SANDBOX_HOME``, no network, no capabilities, own namespaces.

    ``course_lib`` (if given) is bound over the real package: a copy without the assignment's forbidden modules
    (:mod:`autograder.forbidden`); ``ro_binds`` are ``(source, target)`` pairs bound read-only after the
    packages, e.g. a data file overlaid by its training rows (:mod:`autograder.held_out`). The root and
    ``/dev`` are read-only at the end, so the only writable places are the private ``/tmp`` and ``/dev/shm``
    (emptied between students) and the folders bound writable."""
    # The empty /tmp comes first: bwrap mounts in order, and a checkout or venv under /tmp (CI clones there)
    # bound before it would vanish under the tmpfs.
    args = [bwrap, *_system_binds(), "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    for d in _package_dirs():
        args += ["--ro-bind", d, d]
    if course_lib is not None:
        import course_lib as real

        args += ["--ro-bind", str(course_lib), str(Path(next(iter(real.__path__))).resolve())]
    for source, target in ro_binds:
        args += ["--ro-bind", str(source), str(target)]
    if home is not None:
        args += ["--bind", str(home), SANDBOX_HOME]
    for folder in writable:
        args += ["--bind", str(folder), str(folder)]
    # bwrap's root is a writable tmpfs: a file left in /var/tmp would reach the next student of the zygote
    args += ["--tmpfs", "/dev/shm", "--remount-ro", "/dev", "--remount-ro", "/"]
    args += ["--chdir", str(chdir), "--unshare-all", "--die-with-parent", "--new-session",
             "--cap-drop", "ALL", "--hostname", "grading", "--"]
    return args


def kernel_env(home: str) -> dict[str, str]:
    """A clean environment: nothing of the grader's own (tokens, paths) leaks into the kernel."""
    return {
        "PATH": f"{os.path.dirname(sys.executable)}:/usr/local/bin:/usr/bin:/bin",
        "HOME": home, "LANG": "C.UTF-8", "PYTHONNOUSERSITE": "1", "MPLCONFIGDIR": f"{home}/.mpl",
        "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        # glibc reserves 64 MB of address space per malloc arena, one per thread up to 8 per core: the kernel's
        # threads made RLIMIT_AS count ~450 MB no student used (VmSize 655 MB on start, 197 MB with 2 arenas)
        "MALLOC_ARENA_MAX": "2",
    }


@functools.lru_cache(maxsize=1)
def font_cache() -> Path | None:
    """matplotlib's font list, built once per machine and version: without it every kernel that imports
    matplotlib spends seconds scanning fonts. Each kernel gets its own copy (students never share a file)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        cache = Path(tempfile.gettempdir()) / f"nn-course-mpl-{version('matplotlib')}-{os.getuid()}"
    except PackageNotFoundError:
        return None
    if not any(cache.glob("fontlist-*.json")):
        build = Path(tempfile.mkdtemp(prefix="nn-course-mpl-build-"))
        subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], capture_output=True,
                       env={**kernel_env(str(build)), "MPLCONFIGDIR": str(build)}, timeout=300)
        for made in build.glob("fontlist-*.json"):
            cache.mkdir(exist_ok=True)
            os.replace(made, cache / made.name)  # atomic: two workers building at once both end well
        shutil.rmtree(build, ignore_errors=True)
    found = sorted(cache.glob("fontlist-*.json"))
    return found[-1] if found else None


# Sets the limits, then runs the kernel in the same process (no preexec_fn). ``-I`` keeps the work folder off
# sys.path while the kernel starts, so a submitted ``zmq.py`` cannot replace the kernel's own modules; the
# debugger is left out (it only costs start-up here).
_LAUNCH = ("import resource, sys\n"
           "mem, fsize = int(sys.argv[1]), int(sys.argv[2])\n"
           "resource.setrlimit(resource.RLIMIT_AS, (mem, mem))\n"
           "resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))\n"
           "resource.setrlimit(resource.RLIMIT_CORE, (0, 0))\n"
           "sys.modules['debugpy'] = None\n"
           "sys.argv = ['ipykernel_launcher', *sys.argv[3:]]\n"
           "from ipykernel import kernelapp\n"
           "kernelapp.launch_new_instance()\n")


class _OwnProcess:
    """A kernel started as its own (sandboxed) process: ``pid``, ``poll()``, ``returncode``, ``kill_all()``."""

    def __init__(self, popen: subprocess.Popen):
        self.popen, self.pid = popen, popen.pid

    @property
    def returncode(self) -> int | None:
        return self.popen.returncode

    def poll(self) -> int | None:
        return self.popen.poll()

    def kill_all(self) -> None:
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)  # bwrap's namespace ends with its first process
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=10)


class Kernel:
    """One sandboxed ipykernel with its own empty work folder, its blocking client and its process.

    With a ``zygote`` (:mod:`autograder.zygote`) the kernel is forked from it, inside the zygote's sandbox;
    without, it is a new sandboxed process. The work folder (``kernel.work``) is created empty and is visible
    inside the sandbox; fill it before running student code. ``kill()`` ends the kernel, with everything it
    started, and removes the folder.
    """

    def __init__(self, *, memory_mb: int = 2048, start_timeout: float = 60.0, zygote=None,
                 forbidden: tuple[str, ...] = (), ro_binds: tuple[tuple[str, str], ...] = (),
                 language: str = "en"):
        self.memory_mb = memory_mb
        self.ro_binds = tuple(ro_binds)
        # a fork lives in its zygote's sandbox: that copy of course_lib, those stubs' language
        self.forbidden = tuple(forbidden) if zygote is None else zygote.forbidden
        self.language = language if zygote is None else zygote.language
        self.start_timeout = start_timeout
        self.status = sandbox_status()
        self.zygote = zygote
        self.proc = None  # _OwnProcess or zygote.ForkedKernel
        self.client: BlockingKernelClient | None = None
        self._stderr = None
        self._conn_file, self._how = "", ""
        self._root = Path(tempfile.mkdtemp(prefix="nn-course-grade-", dir=zygote.root if zygote else None))
        self.work = self._root / "work"
        self._conn_dir = self._root / "conn"
        self.work.mkdir()
        self._conn_dir.mkdir()
        self._home = self._root / "home"
        (self._home / ".mpl").mkdir(parents=True)
        fonts = font_cache() if zygote is None else None  # a forked kernel has matplotlib loaded already
        if fonts is not None:
            shutil.copyfile(fonts, self._home / ".mpl" / fonts.name)

    def __enter__(self) -> Kernel:
        if self.proc is None:
            self.start()
        return self

    def __exit__(self, *exc):
        self.kill()

    def start(self) -> None:
        """Launch the kernel and wait until it answers."""
        self.launch()
        self.connect()

    def launch(self) -> None:
        """Start the kernel's process without waiting for it (:meth:`connect` waits)."""
        self._conn_file = conn_file = str(self._conn_dir / "kernel.json")
        write_connection_file(conn_file, transport="ipc", ip=str(self._conn_dir / "k"))
        argv = ["-f", conn_file, "--HistoryManager.enabled=False"]
        if self.zygote is not None:
            self._how = f"fork of the kernel zygote in {self.zygote.root}"
            stderr = self._root / "kernel.stderr"
            stderr.touch()  # opened here before the kernel runs any code, so it is this file, not a student's
            try:
                self.proc = self.zygote.spawn(
                    work=str(self.work), stderr=str(stderr), env=kernel_env(str(self._home)), argv=argv,
                    memory=self.memory_mb << 20, fsize=FILE_SIZE_MB << 20)
            except RuntimeError as exc:  # ZygoteError
                self.kill()
                raise SandboxError(f"the grading kernel did not start: {exc}") from exc
            self._stderr = open(stderr, "rb")  # noqa: SIM115 - closed in kill()
        else:
            cmd = [sys.executable, "-I", "-c", _LAUNCH, str(self.memory_mb << 20), str(FILE_SIZE_MB << 20), *argv]
            if self.status.sandboxed:
                from autograder.forbidden import restricted_copy

                cmd = bwrap_command(self.status.tool, [self.work, self._conn_dir], self.work, self._home,
                                    course_lib=restricted_copy(self.forbidden, self.language),
                                    ro_binds=self.ro_binds) + cmd
            self._how = f"command {' '.join(cmd)!r}"
            # stderr goes to an unbound temporary file: a pipe nobody reads would block a chatty kernel
            self._stderr = tempfile.TemporaryFile()
            env = kernel_env(SANDBOX_HOME if self.status.sandboxed else str(self._home))
            if not self.status.sandboxed:  # no --die-with-parent: let ipykernel watch its parent instead
                env["JPY_PARENT_PID"] = str(os.getpid())
            self.proc = _OwnProcess(subprocess.Popen(
                cmd, cwd=self.work, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=self._stderr, start_new_session=True))

    def connect(self) -> None:
        """Connect the client and wait until the launched kernel answers."""
        self.client = BlockingKernelClient()
        self.client.load_connection_file(self._conn_file)
        self.client.start_channels(hb=False)
        problem = self._wait_ready()
        if problem:
            err = self._stderr_tail()
            self.kill()
            raise SandboxError(f"the grading kernel did not start: {problem}; {self._how}; its stderr ends: {err}")


    def _wait_ready(self) -> str | None:
        """Ask for kernel_info until the kernel reports itself idle after one on iopub; None when ready.

        That status message proves both that the kernel answers and that our iopub subscription is live (a
        kernel publishes to no one until it is). Nothing here reads the shell channel, and every later reader
        filters iopub by its own request's id, so the replies to repeated requests need no draining."""
        deadline = time.monotonic() + self.start_timeout
        asked: set[str] = set()
        while time.monotonic() < deadline:
            if not self.alive():
                return f"it exited with code {self.proc.returncode}"
            asked.add(self.client.kernel_info())
            attempt_ends = min(deadline, time.monotonic() + 0.5)
            while (left := attempt_ends - time.monotonic()) > 0:
                try:
                    msg = self.client.get_iopub_msg(timeout=left)
                except queue.Empty:
                    break
                if msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle" \
                        and msg["parent_header"].get("msg_id") in asked:
                    return None
        return f"no reply within {self.start_timeout:.0f} s"

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0, os.SEEK_END)
        self._stderr.seek(max(0, self._stderr.tell() - 2000))
        return self._stderr.read().decode("utf-8", "replace")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def interrupt(self) -> None:
        """Ask the kernel to interrupt the running cell (over the control channel: no PID needed)."""
        if self.client is not None and self.alive():
            msg = self.client.session.msg("interrupt_request", content={})
            self.client.control_channel.send(msg)

    def kill(self) -> None:
        if self.client is not None:
            self.client.stop_channels()
            self.client = None
        if self.proc is not None:
            self.proc.kill_all()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        shutil.rmtree(self._root, ignore_errors=True)

    def prepare(self, env: dict[str, str]) -> None:
        """Before any student code (silently): set environment variables, and put the work folder on sys.path
        as a notebook's own kernel has it (the launcher kept it off while the kernel started)."""
        code = ("import os as _os, sys as _sys\n_sys.path.insert(0, '')\n"
                + "".join(f"_os.environ[{k!r}] = {v!r}\n" for k, v in env.items()) + "del _os, _sys\n")
        msg_id = self.client.execute(code, silent=True, store_history=False)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.alive():
            try:
                msg = self.client.get_iopub_msg(timeout=0.25)
            except queue.Empty:
                continue
            if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status" \
                    and msg["content"].get("execution_state") == "idle":
                return
        raise SandboxError(f"the grading kernel did not accept its environment within 30 s: {self._stderr_tail()}")
