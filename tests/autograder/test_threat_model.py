"""Does every case of the threat model get its expected score and status?

The fixture corpus (tests/autograder/fixtures/, built by make_fixtures.py) holds a tiny course — ``ps1`` with a
sigmoid (2 points), a mean squared error (2 points, reference from the grader's course_lib) and a written answer
(1 point, graded by hand) — and one submission per case. All cases are graded once, two at a time, with short
limits; each test then checks one row of the table. Auto-graded points total 4; the written answer is never
scored automatically.
"""
from __future__ import annotations

import concurrent.futures
import dataclasses
import hashlib
import multiprocessing
import shutil
from pathlib import Path

import pytest

from autograder.course import Course
from autograder.grade_submission import Limits, grade_submission
from autograder.gradebook_io import ensure_structure

FIXTURES = Path(__file__).parent / "fixtures"
SEED = 20261122
LIMITS = Limits(timeout_s=60, memory_mb=1024, output_bytes=1_000_000, cell_timeout_s=30)
SHORT = Limits(timeout_s=30, memory_mb=1024, output_bytes=1_000_000, cell_timeout_s=8)

# case: (expected score, expected status, a phrase the reason must contain, limits)
TABLE = {
    # honest answers never lose points
    "correct": (4, "graded", "", LIMITS),
    "source_notebook": (4, "graded", "", LIMITS),
    "prints": (4, "graded", "", LIMITS),
    "stderr_warning": (4, "graded", "", LIMITS),
    "added_cells": (4, "graded", "", LIMITS),
    "pasted_twice": (4, "graded", "", LIMITS),
    "different_method": (4, "graded", "", LIMITS),
    "nbformat_v3": (4, "graded", "converted from nbformat 3", LIMITS),
    "renamed": (4, "graded", "ps1-Copy1.ipynb in place of the missing ps1.ipynb", LIMITS),
    "released_unchanged": (0, "graded", "", LIMITS),
    # verdicts do not depend on what student code changes in its kernel
    "input_transformer": (0, "graded", "", LIMITS),
    "exception_handler": (0, "graded", "", LIMITS),
    "patched_numpy": (0, "graded", "", LIMITS),
    "patched_harness": (0, "graded", "", LIMITS),
    "patched_course_lib": (2, "graded", "", LIMITS),
    "harness_disabled": (0, "graded", "", LIMITS),
    "always_equal": (0, "graded", "", LIMITS),
    "rigged_type": (0, "graded", "", LIMITS),
    "imported_solution": (2, "graded", "", LIMITS),
    # faults are graded, never fatal
    "os_exit": (2, "kernel_died", "kernel died while running cell", LIMITS),
    "killed_kernel": (0, "kernel_died", "kernel died while running cell", LIMITS),
    "infinite_loop": (2, "timed_out", "ran longer than 8 s and was interrupted", SHORT),
    "memory_bomb": (2, "graded", "hit the memory limit", LIMITS),
    "big_output": (4, "graded", "output beyond 1000000 bytes was dropped", LIMITS),
    "corrupt_json": (0, "unreadable", "not valid JSON", LIMITS),
    "missing_notebook": (0, "missing", "ps1.ipynb was not submitted", LIMITS),
    "nobody": (0, "missing", "no submission folder", LIMITS),
    "deleted_test": (4, "tampered", "test cell test_sigmoid was deleted", LIMITS),
    "duplicated_test": (4, "tampered", "test cell test_mse is duplicated", LIMITS),
    "edited_test": (2, "tampered", "test cell test_mse was edited", LIMITS),
    # issue 12. No reference is in the kernel: peeking finds nothing, a forged record is compared with what
    # only the verifier computes; "wrong" is the control (the same wrong answers without the trick)
    "wrong": (0, "graded", "test_sigmoid 0/2", LIMITS),
    "peek_globals": (0, "graded", "test_sigmoid 0/2", LIMITS),
    "peek_frames": (0, "graded", "test_sigmoid 0/2", LIMITS),
    "peek_gc": (0, "graded", "test_sigmoid 0/2", LIMITS),
    "peek_history": (0, "graded", "test_sigmoid 0/2", LIMITS),
    "forged_records": (0, "graded", "test_mse 0/2", LIMITS),
    "seed_reader": (2, "graded", "test_sigmoid 0/2", LIMITS),
    # forbidden modules are not in the sandbox; "allowed_module" is the control (an allowed module works)
    "delegate_import": (2, "graded", "course_lib.activations is forbidden in this assignment", LIMITS),
    "delegate_importlib": (2, "graded", "course_lib.activations is forbidden in this assignment", LIMITS),
    "delegate_dunder_import": (2, "graded", "course_lib.activations is forbidden in this assignment", LIMITS),
    "delegate_top_level": (2, "graded", "course_lib.activations is forbidden in this assignment", LIMITS),
    "allowed_module": (4, "graded", "", LIMITS),
    # own_code follows the student's wrappers back to a def; "wrapped_library" is the control
    "wrapped_honest": (4, "graded", "", LIMITS),
    "wrapped_library": (2, "graded", "test_sigmoid 0/2: HarnessError: own_code('sigmoid'): sigmoid is bound to "
                                     "a call logged(expit) that wraps no function of the notebook's own", LIMITS),
    "rebound_by_globals": (2, "graded", "sigmoid cannot be traced to its def: the notebook binds names "
                                        "dynamically", LIMITS),
    "shared_line": (4, "graded", "", LIMITS),
    "extra_graded_cell": (4, "tampered", "cell 'bonus' is marked as graded but the assignment has no such cell",
                          LIMITS),
    "altered_points": (4, "tampered", "answer cell 'written' had its grading metadata changed (points)", LIMITS),
    "deep_output": (4, "graded", "1 output(s) nested deeper than 100 levels were dropped", LIMITS),
}


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _grade(root: str, case: str, limits: Limits):
    return grade_submission(Course(Path(root)), "ps1", case, seed=SEED, limits=limits)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade every case (two worker processes, as the pipeline does); return outcomes and before/after hashes."""
    root = tmp_path_factory.mktemp("threat") / "course"
    shutil.copytree(FIXTURES / "course", root)
    for case in TABLE:
        if (FIXTURES / "submissions" / case).is_dir():
            shutil.copytree(FIXTURES / "submissions" / case, root / "submitted" / case)
    course = Course(root)
    before = _digest(root / "submitted")
    # the gradebook and the assignment's structure first: two workers must not both create them
    ensure_structure(course.gradebook_url, "ps1", {
        p.name: __import__("nbformat").read(p, as_version=4) for p in course.source_notebooks("ps1")})
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=ctx) as pool:
        futures = {case: pool.submit(_grade, str(root), case, limits) for case, (*_, limits) in TABLE.items()}
        outcomes = {case: f.result() for case, f in futures.items()}
    return {"course": course, "outcomes": outcomes, "before": before, "after": _digest(root / "submitted")}


@pytest.mark.parametrize("case", list(TABLE))
def test_threat_case_gets_its_expected_score_and_status(graded, case):
    score, status, phrase, _ = TABLE[case]
    out = graded["outcomes"][case]
    got = f"got score {out.score}, status {out.status!r}, reason {out.reason!r}; cells: " + "; ".join(
        f"{c['grade_id']}={c['points']}/{c['max_points']} {c['message'][:160]!r}" for c in out.cells)
    assert (out.score, out.status) == (score, status), f"{case}: expected score {score}, status {status!r}; {got}"
    assert phrase in out.reason, f"{case}: expected the reason to mention {phrase!r}; {got}"
    assert out.max_score == 5, f"{case}: expected max score 5 (4 automatic + 1 by hand), {got}"
    written = [c for c in out.cells if c["grade_id"] == "written"]
    assert written and written[0]["passed"] is None, f"{case}: the written answer must await hand grading; {got}"


def test_no_submission_was_modified_by_grading(graded):
    changed = [k for k in graded["before"] if graded["before"][k] != graded["after"].get(k)]
    assert graded["before"] and not changed, f"expected every submitted file unchanged, these changed: {changed}"


def test_gradebook_holds_each_graded_case_once_with_its_score(graded):
    from nbgrader.api import Gradebook

    outcomes = graded["outcomes"]
    with Gradebook(graded["course"].gradebook_url) as gb:
        stored = {s.student.id: s.score for s in gb.assignment_submissions("ps1")}
    expected = {c: o.score for c, o in outcomes.items() if o.status not in ("missing",)}
    assert stored == pytest.approx(expected), f"expected gradebook scores {expected}, got {stored}"


def _hidden_input_record(course: Course, student: str):
    import nbformat

    from autograder.verify import records_of

    nb = nbformat.read(course.path("autograded", student, "ps1", "ps1.ipynb"), as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_sigmoid")
    return next(r["value"] for r in records_of(cell) if r["label"] == "sigmoid(x)")


def test_hidden_inputs_change_with_the_seed_but_full_marks_stay(graded, tmp_path):
    root = tmp_path / "course"
    shutil.copytree(FIXTURES / "course", root)
    shutil.copytree(FIXTURES / "submissions" / "correct", root / "submitted" / "correct")
    out = grade_submission(Course(root), "ps1", "correct", seed=SEED + 1, limits=LIMITS)
    assert (out.score, out.status, out.seed) == (4, "graded", SEED + 1), \
        f"expected full marks under another seed, got {dataclasses.asdict(out)}"
    old, new = _hidden_input_record(graded["course"], "correct"), _hidden_input_record(Course(root), "correct")
    assert old["data"] != new["data"], "expected the hidden test's observed output to differ between two seeds"


def test_every_automatic_zero_names_its_task_and_cause(graded):
    for case, out in graded["outcomes"].items():
        if out.status in ("missing", "unreadable"):
            continue  # one reason for the whole notebook
        for cell in out.cells:
            if cell["passed"] is False and cell["max_points"] > 0:
                assert f"{cell['grade_id']} 0/{cell['max_points']:g}: " in out.reason, \
                    f"{case}: {cell['grade_id']} scored zero but the reason does not say why: {out.reason!r}"


def test_the_kernel_never_held_a_reference(graded):
    """The graded notebooks hold the cells as the kernel ran them: no check region, no reference import."""
    import nbformat

    for case in ("correct", "peek_frames", "forged_records"):
        nb = nbformat.read(graded["course"].path("autograded", case, "ps1", "ps1.ipynb"), as_version=4)
        tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id", "").startswith("test_")]
        for cell in tests:
            for secret in ("BEGIN CHECKS", "expected", "MSELoss", "assert_array(y,", "own_code(\""):
                assert secret not in cell.source, f"{case}: {secret!r} ran in the kernel: {cell.source}"


def test_feedback_is_written_for_odd_submissions_and_shows_no_hidden_test(graded):
    """An extra graded cell once made nbgrader's feedback fail with an empty message; a student's own line that
    a hidden check shares once stopped the class's feedback. Both now get their page."""
    from autograder.feedback import generate_feedback, html_text
    from autograder.release import secret_lines

    course = graded["course"]
    students = ["extra_graded_cell", "altered_points", "deep_output", "shared_line", "peek_frames"]
    summary = generate_feedback(course, "ps1", students)
    assert "5 page(s) for 5 of 5 student(s)" in summary, summary
    hidden = secret_lines(course.path("source", "ps1", "ps1.ipynb"))["hidden test"]
    for student in students:
        text = " ".join(html_text(course.path("feedback", student, "ps1", "ps1.html").read_text()).split())
        shown = [line for line in hidden if " ".join(line.split()) in text and not (
            student == "shared_line" and line == "d = p - t")]
        assert not shown, f"{student}'s feedback shows hidden lines {shown}"
    shared = html_text(course.path("feedback", "shared_line", "ps1", "ps1.html").read_text())
    assert "d = p - t" in shared, "the student's own line must stay in their feedback"
