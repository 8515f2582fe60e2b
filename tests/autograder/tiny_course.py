"""Test support for the pipeline tests: a tiny nbgrader course and a stand-in grader.

``make_course`` writes a one-notebook assignment ``ps1`` (one solution cell, one visible and one hidden test)
into a temporary folder. ``double_grade`` is a TEST DOUBLE of ``autograder.grade_submission.grade_submission``: it
scores a submission by plain nbgrader autograde when ``real=True``, otherwise by reading the notebook's
answer without a kernel (fast), and logs every call so tests can count them.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import nbformat

from autograder.grade_submission import Outcome  # the stand-in grader returns the real grader's type

ASSIGNMENT = "ps1"
NOTEBOOK = "ps1.ipynb"
SOLUTION = "def double(x):\n    ### BEGIN SOLUTION\n    doubled_value_of_x = 2 * x\n    return doubled_value_of_x\n" \
           "    ### END SOLUTION\n"
VISIBLE = "assert double(1) == 2, f'double(1) should be 2, got {double(1)}'\n"
HIDDEN = VISIBLE + "### BEGIN HIDDEN TESTS\nassert double(21) == 42, 'the hidden check of double(21)'\n" \
                   "### END HIDDEN TESTS\n"


def _meta(grade_id, *, solution=False, grade=False, points=0):
    meta = {"grade_id": grade_id, "solution": solution, "grade": grade, "locked": not solution,
            "schema_version": 3}
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def source_notebook():
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Problem set 1", metadata=_meta("intro")),
        nbformat.v4.new_code_cell(SOLUTION, metadata=_meta("double", solution=True)),
        nbformat.v4.new_code_cell(VISIBLE, metadata=_meta("test_visible", grade=True, points=1)),
        nbformat.v4.new_code_cell(HIDDEN, metadata=_meta("test_hidden", grade=True, points=2)),
    ]
    return nb


def answer(release_nb: Path, body: str):
    """The release notebook with the solution cell's body replaced by ``body`` (a student's answer)."""
    nb = nbformat.read(release_nb, as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = f"def double(x):\n    {body}\n"
    return nb


def make_course(root: Path, roster=("alice", "bob", "carol")):
    from autograder.course import Course

    src = root / "solutions" / ASSIGNMENT
    src.mkdir(parents=True)
    nbformat.write(source_notebook(), src / NOTEBOOK)
    (root / "roster.csv").write_text(
        "id,first,last,email\n" + "".join(f"{s},{s.title()},Tester,{s}@example.org\n" for s in roster))
    return Course(root)



def double_grade(course, assignment, student, *, seed=None, limits=None):
    """TEST DOUBLE of grade_submission: score = how many of double(1), double(21) the answer gets right."""
    log = os.environ.get("DOUBLE_GRADER_LOG")
    nb_path = course.path("submitted", student, assignment, NOTEBOOK)
    delay = float(os.environ.get("DOUBLE_GRADER_DELAY", "0"))
    time.sleep(delay)
    if not nb_path.exists():
        outcome = Outcome(student, assignment, "missing", "no submission", 0.0, 3.0)
    else:
        try:
            nb = json.loads(nb_path.read_text())
            code = "".join(c["source"] if isinstance(c["source"], str) else "".join(c["source"])
                           for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("solution"))
            scope = {}
            exec(code, scope)  # the double runs trusted test inputs only
            score = 1.0 * (scope["double"](1) == 2) + 2.0 * (scope["double"](21) == 42)
            outcome = Outcome(student, assignment, "graded", "", score, 3.0)
        except (ValueError, KeyError, SyntaxError, NotImplementedError) as exc:
            outcome = Outcome(student, assignment, "unreadable", f"{type(exc).__name__}: {exc}", 0.0, 3.0)
    out = course.path("autograded", student, assignment)
    out.mkdir(parents=True, exist_ok=True)
    (out / "double.json").write_text(json.dumps({"score": outcome.score}))
    if log:
        with open(log, "a") as fh:
            fh.write(json.dumps({"student": student, "pid": os.getpid(), "t": time.time()}) + "\n")
    return outcome


def nbgrader_grade(course, assignment, student, *, seed=None, limits=None):
    """TEST DOUBLE of grade_submission built on plain nbgrader autograde (in-process, real kernel): it writes
    autograded/ and the gradebook as the real grader does, so feedback and export can be tested on it."""
    from autograder.release import nbgrader_api, open_gradebook, run_nbgrader

    if not course.path("submitted", student, assignment).is_dir():
        return Outcome(student, assignment, "missing", "no submission", 0.0, 3.0)
    run_nbgrader("autograde", nbgrader_api(course).autograde(assignment, student, force=True, create=True))
    with open_gradebook(course) as gb:
        sub = gb.find_submission(assignment, student)
        return Outcome(student, assignment, "graded", "", sub.score, sub.max_score)
