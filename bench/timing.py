"""What every benchmark shares: single-threaded BLAS, alternating timed repeats, medians, the machine.

Why alternate: the machine may be busy with other work, and its load drifts. Timing A five times and then B
five times would put the drift into the ratio; timing A, B, A, B, … (rotating who goes first) exposes both to
the same conditions, so the *ratio of the medians* stays meaningful even when the absolute times do not.

Each sample is taken twice: wall-clock (``time.perf_counter``) and the process's CPU time
(``time.process_time``). With single-threaded BLAS and a busy machine the CPU time is the steadier of the two
(it does not count the time the process waited for a core); grading, which runs in parallel processes, is
timed by the wall clock only.
"""
from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

#: environment that pins every BLAS / OpenMP pool to one thread; set before numpy or torch is imported
SINGLE_THREAD_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def single_threaded() -> None:
    """Pin numpy's BLAS and PyTorch to one thread, whether or not they are imported already.

    The environment variables work for a fresh process; ``threadpoolctl`` (a scikit-learn dependency) limits
    pools that are already running; ``torch.set_num_threads(1)`` covers PyTorch's intra-op pool.
    """
    os.environ.update(SINGLE_THREAD_ENV)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        pass
    else:
        threadpool_limits(1)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)


@dataclass
class Samples:
    """Repeated timings of one contender, in seconds: ``wall`` and ``cpu`` lists of equal length."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def median(self, clock: str = "wall") -> float:
        values = getattr(self, clock)
        if not values:
            raise ValueError(f"Samples.median({clock!r}): no samples were taken; run at least one repeat")
        return statistics.median(values)


def time_once(fn: Callable[[], object]) -> tuple[float, float]:
    """Run ``fn()`` once; return its (wall, cpu) duration in seconds."""
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


def alternate(contenders: dict[str, Callable[[], object]], repeats: int) -> dict[str, Samples]:
    """Time every contender ``repeats`` times, interleaved: round r runs them starting from the r-th one.

    ``contenders``: name -> a zero-argument callable doing one unit of work (an epoch, a step). Warm-ups are
    the caller's business (run each callable once before). Returns name -> :class:`Samples`.
    """
    if repeats < 1:
        raise ValueError(f"alternate: repeats must be >= 1, got {repeats!r}")
    if not contenders:
        raise ValueError("alternate: got no contenders to time")
    names = list(contenders)
    out = {name: Samples() for name in names}
    for r in range(repeats):
        for name in names[r % len(names):] + names[:r % len(names)]:
            wall, cpu = time_once(contenders[name])
            out[name].wall.append(wall)
            out[name].cpu.append(cpu)
    return out


def ratio(samples: dict[str, Samples], mine: str, theirs: str, clock: str = "wall") -> float:
    """``median(mine) / median(theirs)``: below 1 means ``mine`` is faster."""
    return samples[mine].median(clock) / samples[theirs].median(clock)


def load_average() -> tuple[float, float, float] | None:
    try:
        return tuple(round(v, 2) for v in os.getloadavg())
    except OSError:  # pragma: no cover - not on every platform
        return None


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:  # pragma: no cover - not Linux
        pass
    return platform.processor() or platform.machine()


def machine_info() -> dict:
    """The machine and the library versions the results belong to (for docs/benchmarks.md)."""
    import numpy as np

    info = {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "load_average": load_average(),
    }
    try:
        from threadpoolctl import threadpool_info

        blas = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        if blas:
            info["numpy_blas"] = f"{blas[0].get('internal_api')} {blas[0].get('version')} " \
                                 f"({blas[0].get('architecture')})"
    except ImportError:  # pragma: no cover
        pass
    for name in ("torch", "micrograd", "nbgrader"):
        try:
            from importlib.metadata import version

            info[name] = version(name)
        except Exception:  # noqa: BLE001 - a missing peer is reported as missing
            info[name] = "not installed"
    return info


def run_isolated(target: str, kwargs: dict | None = None, timeout: float | None = None,
                 env: dict | None = None):
    """Call ``module:function(**kwargs)`` in a fresh Python process with single-threaded BLAS; return its
    JSON-serialisable result.

    A fresh process is what the user gets (nothing warmed up, nothing imported), and the only place where the
    thread environment variables reliably take effect.
    """
    module, _, func = target.partition(":")
    if not func:
        raise ValueError(f"run_isolated: target must be 'module:function', got {target!r}")
    code = ("import json, sys, importlib\n"
            f"fn = getattr(importlib.import_module({module!r}), {func!r})\n"
            "result = fn(**json.loads(sys.argv[1]))\n"
            "sys.stdout.write('\\n@@RESULT@@' + json.dumps(result))\n")
    full_env = {**os.environ, **SINGLE_THREAD_ENV, **(env or {})}
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    full_env["PYTHONPATH"] = os.pathsep.join(p for p in (root, full_env.get("PYTHONPATH", "")) if p)
    proc = subprocess.run([sys.executable, "-c", code, json.dumps(kwargs or {})], capture_output=True,
                          text=True, timeout=timeout, env=full_env)
    if proc.returncode != 0 or "@@RESULT@@" not in proc.stdout:
        raise RuntimeError(f"benchmark {target} failed in its subprocess (exit {proc.returncode}):\n"
                           f"{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.rsplit("@@RESULT@@", 1)[1])
