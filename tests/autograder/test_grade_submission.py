"""Does grade_submission keep nbgrader's gradebook and graded notebooks right across re-grading?"""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder import kernels, sandbox
from autograder.course import Course
from autograder.grade_submission import Limits, grade_submission
from autograder.status import STATUSES

FIXTURES = Path(__file__).parent / "fixtures"
LIMITS = Limits(timeout_s=60, memory_mb=1024, output_bytes=1_000_000, cell_timeout_s=30)


@pytest.fixture
def course(tmp_path):
    root = tmp_path / "course"
    shutil.copytree(FIXTURES / "course", root)
    return Course(root)


def submit(course: Course, student: str, case: str) -> None:
    target = course.path("submitted", student)
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(FIXTURES / "submissions" / case, target)


def stored_score(course: Course, student: str) -> float:
    with Gradebook(course.gradebook_url) as gb:
        return gb.find_submission("ps1", student).score


def test_regrading_replaces_the_score_and_keeps_a_manual_grade(course):
    submit(course, "ada", "correct")
    first = grade_submission(course, "ps1", "ada", seed=1, limits=LIMITS)
    assert (first.status, first.score, stored_score(course, "ada")) == ("graded", 4, 4), f"first run: {first}"
    with Gradebook(course.gradebook_url) as gb:
        gb.find_grade("written", "ps1", "ps1", "ada").manual_score = 1.0
        gb.db.commit()
    again = grade_submission(course, "ps1", "ada", seed=2, limits=LIMITS)
    assert (again.score, stored_score(course, "ada")) == (5, 5), \
        f"expected 4 automatic + 1 manual = 5 after re-grading, not more; got {again.score}, " \
        f"{stored_score(course, 'ada')}"
    written = next(c for c in again.cells if c["grade_id"] == "written")
    assert written["points"] == 1.0 and written["passed"] is None, f"manual grade lost: {written}"
    submit(course, "ada", "patched_numpy")
    worse = grade_submission(course, "ps1", "ada", seed=3, limits=LIMITS)
    assert (worse.score, stored_score(course, "ada")) == (1, 1), \
        f"expected the new automatic 0 plus the kept manual 1, got {worse.score}, {stored_score(course, 'ada')}"


def test_the_graded_notebook_keeps_nbgrader_metadata_and_reads_in_get_grades(course):
    from nbgrader.preprocessors import GetGrades

    submit(course, "bo", "correct")
    out = grade_submission(course, "ps1", "bo", seed=5, limits=LIMITS)
    assert (out.status, out.score) == ("graded", 4), f"expected full automatic marks, got {out}"
    path = course.path("autograded", "bo", "ps1", "ps1.ipynb")
    nb = nbformat.read(path, as_version=4)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    assert {"test_sigmoid", "test_mse", "written"} <= set(ids), f"nbgrader metadata lost, grade ids {ids}"
    test_cell = nb.cells[ids.index("test_sigmoid")]
    assert "BEGIN HIDDEN TESTS" in test_cell.source, "the graded copy must run the source's hidden tests"
    resources = {"nbgrader": {"db_url": course.gradebook_url, "assignment": "ps1", "notebook": "ps1",
                              "student": "bo"}}
    _, resources = GetGrades().preprocess(nb, resources)
    assert (resources["nbgrader"]["score"], resources["nbgrader"]["max_score"]) == (4, 5), \
        f"nbgrader's GetGrades read {resources['nbgrader']}"
    assert nb.metadata["nn_course_grading"]["seed"] == 5, "the grading seed is recorded in the graded notebook"


def test_a_symlinked_notebook_is_unreadable_not_followed(course):
    folder = course.path("submitted", "cy", "ps1")
    folder.mkdir(parents=True)
    (folder / "ps1.ipynb").symlink_to(course.path("source", "ps1", "ps1.ipynb"))
    out = grade_submission(course, "ps1", "cy", seed=1, limits=LIMITS)
    assert (out.status, out.score) == ("unreadable", 0) and "symbolic link" in out.reason, f"got {out}"


def test_without_a_sandbox_every_outcome_carries_the_warning(course, monkeypatch):
    submit(course, "di", "released_unchanged")
    monkeypatch.setenv("COURSE_DISABLE_SANDBOX", "1")
    sandbox.sandbox_status.cache_clear()
    try:
        out = grade_submission(course, "ps1", "di", seed=1, limits=LIMITS)
    finally:
        sandbox.sandbox_status.cache_clear()
        kernels.shutdown()  # the unsandboxed zygote must not serve later tests
    assert out.warnings == [sandbox.UNSANDBOXED_WARNING] and "UNSANDBOXED" in out.reason, f"got {out}"
    assert out.status in STATUSES and out.score == 0, f"got {out}"


@pytest.mark.parametrize("kwargs, message", [
    ({"timeout_s": 0}, "Limits.timeout_s must be a positive number, got 0"),
    ({"memory_mb": -5}, "Limits.memory_mb must be a positive number, got -5"),
])
def test_limits_refuse_non_positive_values(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Limits(**kwargs)


def test_a_broken_course_call_raises_a_clear_error(course):
    with pytest.raises(ValueError, match="has no source notebooks"):
        grade_submission(course, "ps9", "ada")
    with pytest.raises(ValueError, match="invalid student id"):
        grade_submission(course, "ps1", "../solutions")
