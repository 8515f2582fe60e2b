"""Grading a large class: throughput locally and on a loopback Dask cluster, and the overhead per student.

A synthetic class (``bench.grading.build_class``: two in three submissions complete, the rest half done) is
graded by ``course grade`` as a command, timed by the wall clock, in four set-ups with the same seed:

* locally with 1 and with 2 worker processes (``--workers``);
* on a Dask cluster on loopback (a ``dask scheduler`` and ``dask worker`` processes) with 1 and with 2 workers
  (``--cluster``).

Reported: students per minute, per minute and worker, and the *overhead per student*: the wall time one worker
spends on a student beyond the notebook's own cells. The cells' own time is measured separately, by running the
class's two kinds of submission with plain ``nbclient`` in an ordinary warm kernel and summing each cell's
execute-request-to-reply time; it is what any grader must spend.

    python -m bench.grading_scale --students 1000      # the figures in docs/benchmarks.md
    python -m bench.grading_scale --students 60 --assignment 06_capstone --setups local_1 local_2
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from bench.grading import ASSIGNMENT, build_class, gradebook_scores
from bench.timing import SINGLE_THREAD_ENV, load_average


def cells_own_seconds(root: Path, students: list[str], assignment: str = ASSIGNMENT, repeats: int = 3) -> float:
    """Mean seconds of a submission's own cells over the class's mix of answers, in a plain warm kernel."""
    import nbformat
    from nbclient import NotebookClient

    def own(path: Path) -> float:
        nb = nbformat.read(path, as_version=4)
        NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(root)}},
                       record_timing=True, allow_errors=True).execute()
        total = 0.0
        for cell in nb.cells:
            t = cell.get("metadata", {}).get("execution", {})
            if "iopub.execute_input" in t and "shell.execute_reply" in t:
                start = datetime.fromisoformat(t["iopub.execute_input"].replace("Z", "+00:00"))
                end = datetime.fromisoformat(t["shell.execute_reply"].replace("Z", "+00:00"))
                total += (end - start).total_seconds()
        return total

    kinds = {}  # one of each kind of answer, weighted by how often it occurs in the class
    for i, s in enumerate(students):
        kinds.setdefault("partial" if i % 3 == 2 else "solution", []).append(s)
    mean = 0.0
    for members in kinds.values():
        nb = next((root / "submitted" / members[0] / assignment).glob("*.ipynb"))
        samples = sorted(own(nb) for _ in range(repeats))
        mean += samples[len(samples) // 2] * len(members) / len(students)
    return mean


def _course(root: Path, assignment: str, *extra: str, env: dict, timeout: float) -> float:
    cmd = [str(Path(sys.executable).parent / "course"), "--course", str(root), "grade", assignment, *extra]
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=timeout)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed (exit {done.returncode}):\n{done.stdout[-2000:]}\n"
                           f"{done.stderr[-2000:]}")
    return seconds


def scale_run(students: int = 1000, seed: int = 2026, assignment: str = ASSIGNMENT, timeout: float = 7200.0,
              setups=("local_1", "local_2", "cluster_1", "cluster_2"), log=print) -> dict:
    from bench.loopback_cluster import LoopbackCluster

    env = {**os.environ, **SINGLE_THREAD_ENV}
    seconds, scores = {}, {}
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        template = Path(tmp) / "template"
        template.mkdir()
        ids = build_class(template, students, assignment)
        own = cells_own_seconds(template, ids, assignment)
        log(f"built {students} submissions; a submission's own cells take {own * 1000:.0f} ms")
        for setup in setups:
            kind, n = setup.split("_")
            root = Path(tmp) / setup
            shutil.copytree(template, root)
            if kind == "local":
                seconds[setup] = _course(root, assignment, "--workers", n, "--seed", str(seed), env=env,
                                         timeout=timeout)
            else:
                cluster = LoopbackCluster(Path(tmp))
                try:
                    for i in range(int(n)):
                        cluster.add_worker(f"w{i + 1}")
                    seconds[setup] = _course(root, assignment, "--cluster", cluster.address, "--seed", str(seed),
                                             env=env, timeout=timeout)
                finally:
                    cluster.close()
            scores[setup] = gradebook_scores(root, assignment, ids)
            log(f"{setup}: {seconds[setup]:.1f} s")
    per_minute = {k: students / s * 60 for k, s in seconds.items()}
    workers = {k: int(k.split("_")[1]) for k in seconds}
    overhead = {k: s * workers[k] / students - own for k, s in seconds.items()}
    diffs = [s for s in ids if len({scores[k][s] for k in scores}) > 1]
    return {"assignment": assignment, "students": students, "seed": seed, "seconds": seconds, "own_cells_s": own,
            "per_minute": per_minute, "per_minute_per_worker": {k: v / workers[k] for k, v in per_minute.items()},
            "overhead_s": overhead, "identical": not diffs, "differences": diffs[:20], "load_after": load_average(),
            "goal_overhead_s": 0.3}


def render(r: dict) -> list[str]:
    lines = ["## Grading a large class: locally and on a Dask cluster", ""]
    if "error" in r:
        return lines + [f"error: {r['error'].splitlines()[0]}", ""]
    lines += [
        f"{r['students']} generated submissions of `{r['assignment']}` (two in three complete, the rest half done), "
        "graded by `course grade` as a command with one seed, timed by the wall clock. The cluster is a `dask "
        "scheduler` and `dask worker --nthreads 1` processes on loopback, so it shares this machine's two cores "
        "with the command itself. Overhead per student = wall time × workers / students − the notebook's own "
        f"cells ({r['own_cells_s'] * 1000:.0f} ms, measured with plain nbclient in a warm kernel).", "",
        "| set-up | wall time | students per minute | per minute and worker | overhead per student | goal |",
        "|---|---|---|---|---|---|"]
    for k, s in r["seconds"].items():
        kind, n = k.split("_")
        label = f"`course grade --workers {n}`" if kind == "local" else f"`--cluster`, {n} worker(s)"
        ok = r["overhead_s"][k] <= r["goal_overhead_s"]
        lines.append(f"| {label} | {s:.1f} s | {r['per_minute'][k]:.0f} | {r['per_minute_per_worker'][k]:.0f} | "
                     f"{r['overhead_s'][k] * 1000:.0f} ms | ≤ {r['goal_overhead_s'] * 1000:.0f} ms: "
                     f"{'met' if ok else '**not met**'} |")
    same = "yes" if r["identical"] else f"**no**: {r['differences']}"
    return lines + ["", f"Scores identical in every set-up: {same}. Load average after: {r['load_after']}.", ""]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--setups", nargs="*", default=["local_1", "local_2", "cluster_1", "cluster_2"])
    parser.add_argument("--assignment", default=ASSIGNMENT, help=f"the assignment to grade (default {ASSIGNMENT})")
    parser.add_argument("--json", help="also write the raw result here")
    args = parser.parse_args(argv)
    result = scale_run(args.students, assignment=args.assignment, setups=args.setups,
                       log=lambda m: print(m, file=sys.stderr))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
    print("\n".join(render(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
