"""Export: one row per rostered student, with the status and reason of each grade."""
import csv
import io

import nbformat
import pytest
from tiny_course import ASSIGNMENT, NOTEBOOK, answer, make_course

from autograder.export import COLUMNS, export, grade_rows, grade_table
from autograder.grade_class import grade_class
from autograder.release import release
from autograder.roster import import_roster


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("export"), roster=("alice", "bob", "carol"))
    release(course)
    import_roster(course, course.root / "roster.csv")
    for student, body in (("alice", "return 2 * x"), ("bob", "return 2")):
        dest = course.path("submitted", student, ASSIGNMENT)
        dest.mkdir(parents=True)
        nbformat.write(answer(course.path("release", ASSIGNMENT, NOTEBOOK), body), dest / NOTEBOOK)
    grade_class(course, ASSIGNMENT, ["alice", "bob"], grader="tiny_course:double_grade", progress=lambda _: None)
    return course


def test_every_rostered_student_gets_a_row_with_status_and_reason(course, tmp_path):
    out = tmp_path / "grades.csv"
    summary = export(course, out)
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert tuple(rows[0]) == COLUMNS
    got = {r["student"]: (r["score"], r["max_score"], r["status"]) for r in rows}
    assert got == {"alice": ("3.0", "3.0", "graded"), "bob": ("1.0", "3.0", "graded"),
                   "carol": ("0.0", "", "missing")}, got
    assert "3 row(s)" in summary and "1 missing" in summary, summary


def test_changed_or_ungraded_submission_is_not_exported_as_graded(course):
    path = course.path("submitted", "bob", ASSIGNMENT, NOTEBOOK)
    original = path.read_bytes()
    try:
        path.write_bytes(original.replace(b"return 2", b"return 2 * x"))
        row = next(r for r in grade_rows(course) if r["student"] == "bob")
        assert (row["status"], row["score"]) == ("ungraded", None), row
        assert "changed since it was graded" in row["reason"] and "course grade ps1" in row["reason"], row
    finally:
        path.write_bytes(original)


def test_grade_table_lists_readable_statuses(course):
    table = grade_table(grade_rows(course))
    assert table.splitlines()[0].split() == ["student", "assignment", "score", "status", "reason"]
    assert "bob      ps1         1/3    graded" in table, table
    assert "missing" in table.splitlines()[3], table


def test_unknown_assignment_is_named(course):
    with pytest.raises(ValueError, match=r"unknown assignment 'ps4'.*\['ps1'\]"):
        grade_rows(course, ["ps4"])
