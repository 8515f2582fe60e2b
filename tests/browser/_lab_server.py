"""A private JupyterLab server for the browser test: loopback, a fresh token, a throw-away copy of the course.

The server runs from a temporary directory holding copies of ``notebooks/``, ``solutions/``, ``assignments/``
and ``nbgrader_config.py``, so running and saving notebooks never touches the repository, and nbgrader (which
reads ``nbgrader_config.py`` from the working directory) finds its course there. Jupyter's runtime, config,
settings and workspace directories are temporary too; only the environment-level configuration (the student or
instructor set-up of ``autograder.jupyter_mode``) is read, never written. The formgrader's server extension is
switched on for this one process from the command line, which wins over the environment's files.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
COURSE_PARTS = ("notebooks", "solutions", "assignments", "nbgrader_config.py")
# JupyterLab settings of the test's user: every cell in the DOM (the default windowing leaves off-screen cells
# out, and the test reads every output), no news or update checks (no internet; no pop-up over the page).
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False},
}


class LabServerError(RuntimeError):
    """JupyterLab did not start (its log is in the message) or answered an API call with an error."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (the server is started with no retries)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def copy_course(dest: Path, root: Path = REPO_ROOT) -> Path:
    """Copy the parts of the course the server needs into ``dest``; returns ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in COURSE_PARTS:
        src = root / part
        if src.is_dir():
            skip = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
            shutil.copytree(src, dest / part, ignore=skip)
        elif src.is_file():
            shutil.copy2(src, dest / part)
        else:
            raise FileNotFoundError(f"the browser test needs {src}, which does not exist")
    return dest


class LabServer:
    """``with LabServer(tmp) as lab:`` — JupyterLab on ``lab.url`` with ``lab.token``; stopped on exit."""

    def __init__(self, workdir: Path, start_timeout: float = 180.0):
        self.workdir = Path(workdir)
        self.root_dir = copy_course(self.workdir / "course")
        self.token = secrets.token_hex(24)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.start_timeout = start_timeout
        self.startup_seconds: float | None = None
        self.log_path = self.workdir / "jupyterlab.log"
        self._proc: subprocess.Popen | None = None

    def _environment(self) -> dict:
        env = dict(os.environ)
        dirs = {name: self.workdir / sub for name, sub in (
            ("JUPYTER_RUNTIME_DIR", "runtime"), ("JUPYTER_CONFIG_DIR", "config"),
            ("JUPYTERLAB_SETTINGS_DIR", "lab-settings"), ("JUPYTERLAB_WORKSPACES_DIR", "lab-workspaces"),
            ("IPYTHONDIR", "ipython"), ("MPLCONFIGDIR", "matplotlib"))}
        for name, path in dirs.items():
            path.mkdir(parents=True, exist_ok=True)
            env[name] = str(path)
        for rel, settings in LAB_SETTINGS.items():
            target = dirs["JUPYTERLAB_SETTINGS_DIR"] / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(settings))
        # nbgrader's assignment list wants a world-writable exchange; the system-wide default is not writable.
        exchange = self.workdir / "exchange"
        exchange.mkdir(exist_ok=True)
        exchange.chmod(0o777)
        nbgrader_config = dirs["JUPYTER_CONFIG_DIR"] / "nbgrader_config.py"
        nbgrader_config.write_text(f"c.Exchange.root = {str(exchange)!r}\n")
        # A notebook kernel with several BLAS threads only fights the browser and the server on 2 cores.
        env.setdefault("OPENBLAS_NUM_THREADS", "1")
        env.pop("JUPYTER_TOKEN", None)
        # As an activated environment has it: nbgrader runs the `alembic` command to create a gradebook.
        env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
        return env

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "jupyterlab", "--no-browser",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root_dir}",
            "--ServerApp.jpserver_extensions=nbgrader.server_extensions.formgrader=True",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.news_url=", "--LabApp.extension_manager=readonly", "--ServerApp.log_level=WARN",
            # CI containers run as root; Jupyter refuses that unless told.
            *(["--allow-root"] if os.geteuid() == 0 else []),
        ]

    def start(self) -> LabServer:
        start = time.monotonic()
        log = self.log_path.open("wb")
        # Its own process group, so that stop() can end the server and whatever it spawned, and nothing else.
        self._proc = subprocess.Popen(self.command(), cwd=self.root_dir, env=self._environment(), stdout=log,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        while time.monotonic() - start < self.start_timeout:
            if self._proc.poll() is not None:
                code = self._proc.returncode
                raise LabServerError(f"jupyter lab exited with code {code} before answering:\n{self.log()}")
            try:
                self.api("GET", "/api/status")
                self.startup_seconds = time.monotonic() - start
                return self
            except (OSError, LabServerError):
                time.sleep(0.5)
        self.stop()
        raise LabServerError(f"jupyter lab did not answer on {self.url} within {self.start_timeout:.0f} s:\n"
                             + self.log())

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:] if self.log_path.exists() else ""

    def api(self, method: str, path: str, timeout: float = 30.0):
        """Call the server's REST API with the token; returns the decoded JSON (None for an empty body)."""
        req = urllib.request.Request(self.url + path, method=method,
                                     headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                body = resp.read()
        except urllib.error.HTTPError as exc:
            raise LabServerError(f"{method} {path} answered {exc.code}: {exc.read()[:500]!r}") from exc
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """End every kernel (one per opened notebook), so that they do not pile up in memory."""
        for session in self.api("GET", "/api/sessions"):
            self.api("DELETE", f"/api/sessions/{session['id']}")

    def stop(self) -> None:
        """End the kernels, then the server (SIGTERM: it shuts down cleanly; SIGKILL after 20 s)."""
        if self._proc is None or self._proc.poll() is not None:
            return
        try:
            self.shutdown_kernels()
        except (OSError, LabServerError):
            pass  # the server still ends below; its kernels watch it (JPY_PARENT_PID) and exit with it
        pgid = self._proc.pid  # start_new_session: the server leads its own process group
        os.killpg(pgid, signal.SIGTERM)
        try:
            self._proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(pgid, signal.SIGKILL)
            self._proc.wait(timeout=20)

    def __enter__(self) -> LabServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
