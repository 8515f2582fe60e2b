"""Grading on a Dask cluster: same grades as local grading, nothing lost when a worker dies, only the client writes.

A scheduler and two worker processes run on loopback (``dask_cluster.py``), each a separate ``dask`` command.
"""
import json
import shutil
import threading
from pathlib import Path

import pytest
from optional_tools import require
from test_threat_model import FIXTURES, SEED, TABLE

from autograder.cluster import (
    assignment_payload,
    grade_on_cluster,
    grade_task,
    make_task,
    remove_stale_worker_folders,
)
from autograder.course import Course
from autograder.demo import run_demo
from autograder.export import grade_rows
from autograder.pipeline import Journal, grade_class

pytestmark = [pytest.mark.cluster, pytest.mark.slow]
ASSIGNMENT = "01_neurons"
DEMO_SEED = 11


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    require("distributed", "the distributed grading tests")
    from bench.loopback_cluster import LoopbackCluster

    c = LoopbackCluster(tmp_path_factory.mktemp("dask-logs"))
    try:
        c.add_worker("w1")
        c.add_worker("w2")
        yield c
    finally:
        c.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The sample class graded locally (the reference), kept for regrading on the cluster."""
    root = tmp_path_factory.mktemp("demo")
    rows = run_demo(root, workers=2, seed=DEMO_SEED, out=lambda _: None)
    return Course(root), rows


def strip(rows):
    return [{k: r[k] for k in ("student", "assignment", "score", "max_score", "status", "reason")} for r in rows]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_class_graded_on_the_cluster_gets_exactly_the_local_grades(cluster, demo):
    course, local = demo
    submitted = _snapshot(course.path("submitted"))
    for graded in course.path("autograded").glob("*/01_neurons/*.ipynb"):
        graded.unlink()  # the client must write them again from what the workers return
    lines = []
    summary = grade_class(course, ASSIGNMENT, force=True, seed=DEMO_SEED, cluster=cluster.address,
                          progress=lines.append)
    assert not summary.errors, summary.errors
    assert strip(grade_rows(course, [ASSIGNMENT])) == strip(local)
    assert _snapshot(course.path("submitted")) == submitted, "grading on the cluster changed a submission"
    graded = {r["student"] for r in local if r["status"] not in ("missing",)}
    written = {p.parts[-3] for p in course.path("autograded").glob("*/01_neurons/*.ipynb")}
    assert written == graded, (written, graded)
    workers = {r.get("worker", "").split(":")[0] for r in summary.records.values() if r["action"] == "graded"}
    assert workers and "" not in workers, summary.records
    assert lines[-1].startswith(f"[{len(local)}/{len(local)}]") and "failure" in lines[-1], lines


def test_a_rerun_on_the_cluster_skips_what_the_journal_holds(cluster, demo):
    course, local = demo
    summary = grade_class(course, ASSIGNMENT, seed=DEMO_SEED, cluster=cluster.address, progress=lambda _: None)
    assert {r["action"] for r in summary.records.values()} == {"skipped"}, summary.records


def _big_class(course: Course, copies: int) -> list[str]:
    """Copies of the demo's full and partial answers under new student ids."""
    made = []
    for i in range(copies):
        for original in ("lovelacea", "turinga"):
            student = f"{original}{i:02d}"
            shutil.copytree(course.path("submitted", original, ASSIGNMENT),
                            course.path("submitted", student, ASSIGNMENT))
            made.append(student)
    return made


def test_a_worker_killed_mid_class_loses_no_student_and_grades_none_twice(cluster, demo, tmp_path):
    course, local = demo
    root = tmp_path / "course"
    shutil.copytree(course.root, root, ignore=shutil.ignore_patterns("autograded", "feedback"))
    big = Course(root)
    students = _big_class(big, 6)
    expected = {r["student"]: r["score"] for r in local}
    seen, killed = [], threading.Event()

    def progress(line):
        seen.append(line)
        if len(seen) == 2 and not killed.is_set():
            cluster.kill("w2")  # w2 has a student in hand: the scheduler must give it to w1
            killed.set()

    summary = grade_class(big, ASSIGNMENT, students, seed=DEMO_SEED, cluster=cluster.address, progress=progress)
    cluster.add_worker("w3")  # the module's later tests keep two workers
    assert killed.is_set()
    assert not summary.errors, summary.errors
    assert sorted(summary.records) == sorted(students)
    journal = Journal(big, ASSIGNMENT).records()
    assert sorted(journal) == sorted(students)
    for s in students:
        assert journal[s]["score"] == expected[s[:-2]], (s, journal[s])
    assert len(seen) == len(students), "a student was reported twice or not at all"
    assert [json.loads(p.read_text())["student"] for p in sorted((root / "autograded/.journal/01_neurons")
                                                                    .glob("*.json"))] == sorted(students)


@pytest.fixture(scope="module")
def threat_outcomes(cluster, tmp_path_factory):
    """Every threat-model case graded on the cluster, with its own limits, as the local table is."""
    from distributed import Client

    root = tmp_path_factory.mktemp("threat-cluster") / "course"
    shutil.copytree(FIXTURES / "course", root)
    for case in TABLE:
        if (FIXTURES / "submissions" / case).is_dir():
            shutil.copytree(FIXTURES / "submissions" / case, root / "submitted" / case)
    course = Course(root)
    with Client(cluster.address) as client:
        shared = client.scatter(assignment_payload(course, "ps1"), broadcast=True)
        futures = {case: client.submit(grade_task, shared, make_task(course, "ps1", case, SEED, limits), pure=False)
                   for case, (*_, limits) in TABLE.items()}
        return {case: f.result() for case, f in futures.items()}


@pytest.mark.parametrize("case", list(TABLE))
def test_threat_case_gets_its_expected_outcome_on_the_cluster(threat_outcomes, case):
    score, status, phrase, _ = TABLE[case]
    out = threat_outcomes[case].outcome
    assert (out["score"], out["status"]) == (score, status), f"{case}: {out['status']} {out['score']} {out['reason']}"
    assert phrase in out["reason"], f"{case}: expected {phrase!r} in {out['reason']!r}"


def test_no_scheduler_is_a_clear_error(demo):
    course, _ = demo
    with pytest.raises(RuntimeError, match="no Dask scheduler answered at 'tcp://127.0.0.1:9'.*dask scheduler"):
        grade_on_cluster(course, ASSIGNMENT, ["lovelacea"], "tcp://127.0.0.1:9", force=True, timeout_s=2,
                         progress=lambda _: None)


def test_folders_of_workers_that_are_gone_are_removed(tmp_path):
    import os

    gone, alive = tmp_path / "course-worker-999999999-ps1-abc", tmp_path / f"course-worker-{os.getpid()}-ps1-abc"
    for folder in (gone, alive):
        (folder / "submitted").mkdir(parents=True)
    remove_stale_worker_folders(tmp_path)
    assert not gone.exists() and alive.exists()
