"""A real PostgreSQL gradebook: does the whole pipeline keep every grade there, as it does in SQLite?

CI installs Debian's ``postgresql`` and ``psycopg2-binary``; each test module starts its own server on loopback
(``postgres_server.py``). Locally, without them, these tests skip with the reason; in CI they fail instead.
"""
import csv
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from optional_tools import require
from postgres_server import start_server

from autograder.course import Course
from autograder.demo import SOLUTIONS, fill_answers, run_demo
from autograder.export import grade_rows

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
ASSIGNMENT, SECOND = "01_neurons", "02_backprop"
SEED = 7


@pytest.fixture(scope="module")
def server():
    folder = Path(tempfile.mkdtemp(prefix="course-pg-"))  # not under pytest's 0700 tmp: postgres must reach it
    srv = start_server(folder)
    yield srv
    srv.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def demos(server, tmp_path_factory):
    """The bundled sample class graded twice with one seed: gradebook in SQLite, then in PostgreSQL."""
    quiet = lambda _line: None  # noqa: E731
    lite_root, pg_root = tmp_path_factory.mktemp("demo-sqlite"), tmp_path_factory.mktemp("demo-postgres")
    lite = run_demo(lite_root, workers=2, seed=SEED, out=quiet)
    url = server.url("nn_course")
    pg = run_demo(pg_root, workers=2, seed=SEED, out=quiet, db_url=url)
    return {"lite": (lite_root, lite), "pg": (pg_root, pg, url)}


def strip(rows):
    return [{k: r[k] for k in ("student", "assignment", "score", "max_score", "status", "reason")} for r in rows]


def test_the_class_graded_on_postgresql_exports_exactly_what_sqlite_exports(demos):
    (lite_root, lite), (pg_root, pg, url) = demos["lite"], demos["pg"]
    assert strip(pg) == strip(lite)
    assert (pg_root / "grades.csv").read_text() == (lite_root / "grades.csv").read_text()
    assert not (pg_root / "gradebook.db").exists(), "the PostgreSQL course wrote a SQLite gradebook beside it"
    from nbgrader.api import Gradebook

    with Gradebook(url) as gb:
        in_db = {s.student_id: s.score for s in gb.assignment_submissions(ASSIGNMENT)}
    assert in_db == {r["student"]: r["score"] for r in pg if r["status"] != "missing"}, in_db
    assert {r["status"] for r in pg} >= {"graded", "missing"}, pg


def test_formgrader_reads_the_same_grades_from_the_database(demos):
    """The formgrader's pages are built by nbgrader's API on the course's db_url: it must see what we wrote."""
    from autograder.release import nbgrader_api

    pg_root, pg, url = demos["pg"]
    api = nbgrader_api(Course(pg_root, db_url=url))
    seen = {s["student"]: s["score"] for s in api.get_submissions(ASSIGNMENT) if s.get("autograded")}
    exported = {r["student"]: r["score"] for r in pg if r["status"] != "missing"}
    assert seen and seen == pytest.approx(exported), (seen, exported)


def test_the_class_graded_on_a_dask_cluster_into_postgresql_exports_the_same(demos, tmp_path):
    """Local SQLite, local PostgreSQL and the cluster writing PostgreSQL: one class and seed, one export."""

    from autograder.export import export
    from autograder.pipeline import grade_class
    from bench.loopback_cluster import LoopbackCluster

    require("distributed", "grading on a Dask cluster into PostgreSQL")

    lite_root, (pg_root, _, url) = demos["lite"][0], demos["pg"]
    cluster = LoopbackCluster(tmp_path)
    try:
        cluster.add_worker("w1")
        cluster.add_worker("w2")
        course = Course(pg_root, db_url=url)
        summary = grade_class(course, ASSIGNMENT, force=True, seed=SEED, cluster=cluster.address,
                              progress=lambda _: None)
    finally:
        cluster.close()
    assert not summary.errors and {r["action"] for r in summary.records.values()} == {"graded"}, summary.records
    export(course, tmp_path / "cluster.csv", [ASSIGNMENT])
    assert (tmp_path / "cluster.csv").read_text() == (lite_root / "grades.csv").read_text()


def _hand_graded(url, assignment, student):
    """The (grade id, max points) of each cell of the submission that only a person can grade."""
    from nbgrader.api import Gradebook

    with Gradebook(url) as gb:
        sub = gb.find_submission(assignment, student)
        return [(g.id, g.max_score) for nb in sub.notebooks for g in nb.grades if g.auto_score is None]


def _save_manual_grade(url, grade_id, score):
    """What formgrader's grade handler does on save: set the manual score and commit."""
    from nbgrader.api import Gradebook

    with Gradebook(url) as gb:
        grade = gb.find_grade_by_id(grade_id)
        grade.manual_score = score
        grade.needs_manual_grade = False
        gb.db.commit()


def _add_second_assignment(root: Path, url: str, students: list[str]) -> None:
    shutil.copytree(SOLUTIONS / SECOND, root / "solutions" / SECOND)
    subprocess.run([sys.executable, "-m", "autograder.cli", "--course", str(root), "--db", url, "release", SECOND],
                   check=True, capture_output=True, text=True, timeout=300)
    for nb in (root / "solutions" / SECOND).glob("*.ipynb"):
        for s in students:
            dest = root / "submitted" / s / SECOND
            dest.mkdir(parents=True, exist_ok=True)
            (dest / nb.name).write_bytes(fill_answers(nb, Course(root).path("release", SECOND, nb.name), "solution"))
            (dest / "timestamp.txt").write_text("2026-01-20 12:00:00.000000 UTC")


def test_two_grade_commands_and_a_manual_grade_at_once_lose_nothing(demos):
    pg_root, pg, url = demos["pg"]
    graded = [r["student"] for r in pg if r["status"] == "graded"]
    _add_second_assignment(pg_root, url, graded)
    hand_cells = _hand_graded(url, ASSIGNMENT, graded[0])
    assert hand_cells, f"{ASSIGNMENT} has no hand-graded cell: the test needs one"
    grade_id, max_score = hand_cells[0]
    cmd = [sys.executable, "-m", "autograder.cli", "--course", str(pg_root), "--db", url, "grade", "--seed",
           str(SEED), "--workers", "1"]
    runs = [subprocess.Popen([*cmd, ASSIGNMENT, "--force"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True),
            subprocess.Popen([*cmd, SECOND], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)]
    saved = []

    def grade_by_hand():  # the instructor saves a mark in formgrader while both commands write
        while any(p.poll() is None for p in runs) and len(saved) < 20:
            _save_manual_grade(url, grade_id, max_score)
            saved.append(time.monotonic())
            time.sleep(0.5)

    hand = threading.Thread(target=grade_by_hand)
    hand.start()
    outputs = [p.communicate(timeout=900)[0] for p in runs]
    hand.join()
    assert [p.returncode for p in runs] == [0, 0], outputs
    assert saved, "the manual grade was never saved while grading ran"
    rows = grade_rows(Course(pg_root, db_url=url), [ASSIGNMENT, SECOND])
    second = {r["student"]: r for r in rows if r["assignment"] == SECOND}
    for s in graded:  # full solutions: every automatic point, the hand-graded ones still open
        auto_max = second[s]["max_score"] - sum(points for _, points in _hand_graded(url, SECOND, s))
        assert (second[s]["status"], second[s]["score"]) == ("graded", auto_max), second[s]
    first = {r["student"]: r for r in rows if r["assignment"] == ASSIGNMENT}
    before = {r["student"]: r["score"] for r in pg}
    assert first[graded[0]]["score"] == pytest.approx(before[graded[0]] + max_score), (first, before)
    from nbgrader.api import Gradebook

    with Gradebook(url) as gb:
        assert gb.find_grade_by_id(grade_id).manual_score == max_score


def test_course_export_reads_postgresql_through_the_command_line(demos, tmp_path):
    pg_root, pg, url = demos["pg"]
    out = tmp_path / "grades.csv"
    subprocess.run([sys.executable, "-m", "autograder.cli", "--course", str(pg_root), "--db", url, "export",
                    "--assignment", ASSIGNMENT, "--out", str(out)], check=True, capture_output=True, timeout=300)
    rows = {r["student"]: r["status"] for r in csv.DictReader(out.open())}
    assert rows == {r["student"]: r["status"] for r in grade_rows(Course(pg_root, db_url=url), [ASSIGNMENT])}
