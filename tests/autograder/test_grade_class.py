"""Grading a class: parallel equals serial, re-runs resume from the journal, a killed run loses nothing.

The grader here is ``tiny_course.double_grade``, a TEST DOUBLE of ``grade_submission`` (no kernel, fast);
the real grader runs end to end in test_demo.py.
"""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from tiny_course import ASSIGNMENT, NOTEBOOK, answer, make_course

from autograder.grade_class import grade_class
from autograder.journal import Journal, submission_checksum
from autograder.release import release
from autograder.roster import import_roster

HERE = Path(__file__).parent
GRADER = "tiny_course:double_grade"
ANSWERS = ["return 2 * x", "return x + x", "return 2", "return 42 if x == 21 else 0", "raise NotImplementedError()"]
EXPECTED = [3.0, 3.0, 1.0, 2.0, 0.0]  # double(1) == 2 is worth 1, double(21) == 42 is worth 2


def make_class(root: Path, n: int):
    students = [f"s{i:02d}" for i in range(n)]
    course = make_course(root, roster=students)
    release(course)
    import_roster(course, course.root / "roster.csv")
    release_nb = course.path("release", ASSIGNMENT, NOTEBOOK)
    for i, s in enumerate(students[:-1]):  # the last student submits nothing
        dest = course.path("submitted", s, ASSIGNMENT)
        dest.mkdir(parents=True)
        nbformat.write(answer(release_nb, ANSWERS[i % len(ANSWERS)]), dest / NOTEBOOK)
    expected = {s: EXPECTED[i % len(EXPECTED)] for i, s in enumerate(students[:-1])}
    return course, students, {**expected, students[-1]: 0.0}


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    return make_class(tmp_path_factory.mktemp("pipeline"), 8)


def scores(summary):
    return {s: r["score"] for s, r in summary.records.items()}


def test_parallel_grading_gives_exactly_the_serial_scores(klass):
    course, students, expected = klass
    serial = grade_class(course, ASSIGNMENT, workers=1, force=True, grader=GRADER, progress=lambda _: None)
    parallel = grade_class(course, ASSIGNMENT, workers=2, force=True, grader=GRADER, progress=lambda _: None)
    assert scores(serial) == expected, f"serial scores {scores(serial)} != expected {expected}"
    assert scores(parallel) == scores(serial), f"parallel {scores(parallel)} != serial {scores(serial)}"
    assert parallel.records[students[-1]]["status"] == "missing"


def test_rerun_skips_unchanged_and_regrades_changed_submissions(klass):
    course, students, _ = klass
    grade_class(course, ASSIGNMENT, workers=2, grader=GRADER, progress=lambda _: None)
    path = course.path("submitted", students[2], ASSIGNMENT, NOTEBOOK)
    original = path.read_bytes()
    try:
        nbformat.write(answer(course.path("release", ASSIGNMENT, NOTEBOOK), "return 2 * x"), path)
        again = grade_class(course, ASSIGNMENT, workers=2, grader=GRADER, progress=lambda _: None)
        actions = {s: r["action"] for s, r in again.records.items()}
        assert actions == {s: "graded" if s == students[2] else "skipped" for s in students}, actions
        assert again.records[students[2]]["score"] == 3.0
        forced = grade_class(course, ASSIGNMENT, students[:2], workers=1, force=True, grader=GRADER,
                             progress=lambda _: None)
        assert {r["action"] for r in forced.records.values()} == {"graded"}, "--force must regrade"
    finally:
        path.write_bytes(original)


def test_journal_records_the_submission_checksum(klass):
    course, students, _ = klass
    grade_class(course, ASSIGNMENT, [students[0]], grader=GRADER, progress=lambda _: None)
    record = Journal(course, ASSIGNMENT).get(students[0])
    assert record["checksum"] == submission_checksum(course, ASSIGNMENT, students[0])
    assert record["status"] == "graded" and record["score"] == 3.0, record


def test_unknown_student_and_assignment_are_refused_by_name(klass):
    course, _, _ = klass
    with pytest.raises(ValueError, match="unknown student 'zoe'.*import the roster or collect"):
        grade_class(course, ASSIGNMENT, ["zoe"], grader=GRADER)
    with pytest.raises(ValueError, match=r"unknown assignment 'ps7'.*\['ps1'\]"):
        grade_class(course, "ps7", grader=GRADER)


def broken_grader(course, assignment, student, *, seed=None, limits=None):
    raise RuntimeError("grader bug")


def test_a_grader_error_is_reported_and_not_journaled(klass, tmp_path):
    course, students, _ = klass
    summary = grade_class(course, ASSIGNMENT, [students[1]], force=True, grader="test_grade_class:broken_grader",
                          progress=lambda _: None)
    assert "grader bug" in summary.errors[students[1]], summary.errors
    assert Journal(course, ASSIGNMENT).get(students[1])["score"] == 3.0, "the previous record was lost"


def test_killed_run_resumes_with_nothing_lost_or_counted_twice(tmp_path):
    course, students, expected = make_class(tmp_path / "course", 10)
    before = {s: submission_checksum(course, ASSIGNMENT, s) for s in students}
    log = tmp_path / "calls.jsonl"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
           "DOUBLE_GRADER_LOG": str(log), "DOUBLE_GRADER_DELAY": "0.4"}
    cmd = [sys.executable, "-m", "autograder.cli", "--course", str(course.root), "grade", ASSIGNMENT,
           "--workers", "2", "--grader", GRADER]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    journal = Journal(course, ASSIGNMENT)
    deadline = time.monotonic() + 120
    while len(journal.records()) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_first = set(journal.records())
    assert 3 <= len(done_first) < len(students), f"the kill came too late or too early: {sorted(done_first)}"
    second = subprocess.run(cmd, env={**env, "DOUBLE_GRADER_DELAY": "0"}, capture_output=True, text=True,
                            timeout=300)
    assert second.returncode == 0, second.stderr
    records = journal.records()
    assert {s: r["score"] for s, r in records.items()} == expected, "the resumed class has wrong scores"
    calls = [json.loads(line)["student"] for line in log.read_text().splitlines()]
    regraded = [s for s in done_first if calls.count(s) != 1]
    assert not regraded, f"students finished before the kill were graded again: {regraded}"
    assert all(calls.count(s) in (1, 2) for s in students), f"grading calls per student: {calls}"
    assert {s: submission_checksum(course, ASSIGNMENT, s) for s in students} == before, "a submission changed"
    assert f"{len(done_first)} unchanged since the last run" in second.stdout, second.stdout


def structure_probe_grader(course, assignment, student, *, seed=None, limits=None):
    """A grader that only looks whether the gradebook already holds the assignment's grade cells."""
    from autograder.grade_submission import Outcome
    from autograder.release import open_gradebook

    with open_gradebook(course) as gb:
        cells = {c.name for c in gb.find_notebook(Path(NOTEBOOK).stem, assignment).grade_cells}
    status = "graded" if cells == {"test_visible", "test_hidden"} else "needs_manual"
    return Outcome(student, assignment, status, f"grade cells seen: {sorted(cells)}", 0.0, 3.0)


def test_workers_find_the_gradebook_prepared_before_they_start(tmp_path):
    course, students, _ = make_class(tmp_path, 4)
    (course.root / "gradebook.db").unlink(missing_ok=True)
    summary = grade_class(course, ASSIGNMENT, workers=2, force=True, grader="test_grade_class:structure_probe_grader",
                          progress=lambda _: None)
    statuses = {s: (r.get("status"), r.get("reason")) for s, r in summary.records.items()}
    submitted = students[:-1]  # make_class leaves the last student without a submission
    assert set(submitted) <= set(statuses), f"students not graded: {summary.errors}"
    assert all(st == "graded" for st, _ in statuses.values()), \
        f"expected every worker to find the grade cells already in the gradebook, got {statuses}"
