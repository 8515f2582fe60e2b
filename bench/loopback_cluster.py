"""A real Dask cluster on loopback for the distributed grading tests and benchmark: a scheduler and workers.

Each is a separate ``dask`` command-line process, as on a real cluster (no nanny, so a killed worker stays dead
and its tasks must be regraded elsewhere). Needs Dask's ``distributed`` (the ``cluster`` extra).
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LoopbackCluster:
    def __init__(self, log_dir: Path):
        self.dask = shutil.which("dask", path=str(Path(sys.executable).parent)) or "dask"
        self.log_dir, self.workers = Path(log_dir), {}
        self.address = f"tcp://127.0.0.1:{_free_port()}"
        port = self.address.rsplit(":", 1)[1]
        self.scheduler = self._spawn("scheduler", [self.dask, "scheduler", "--host", "127.0.0.1", "--port", port,
                                                   "--no-dashboard"])

    def _spawn(self, name, argv):
        log = open(self.log_dir / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
        return subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)

    def add_worker(self, name: str) -> None:
        self.workers[name] = self._spawn(name, [self.dask, "worker", self.address, "--name", name, "--nthreads",
                                                "1", "--no-nanny", "--no-dashboard", "--host", "127.0.0.1"])
        self.wait_for({n for n, p in self.workers.items() if p.poll() is None})

    def wait_for(self, names: set[str], timeout: float = 120) -> None:
        from distributed import Client

        deadline = time.monotonic() + timeout
        with Client(self.address, timeout=timeout) as client:
            while time.monotonic() < deadline:
                have = {w["name"] for w in client.scheduler_info()["workers"].values()}
                if names <= have:
                    return
                time.sleep(0.2)
        raise TimeoutError(f"workers {names} did not join {self.address}; see {self.log_dir}")

    def kill(self, name: str) -> None:
        """SIGKILL: the worker vanishes mid-task, as a node that loses power."""
        proc = self.workers.pop(name)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    def close(self) -> None:
        for proc in [*self.workers.values(), self.scheduler]:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in [*self.workers.values(), self.scheduler]:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
