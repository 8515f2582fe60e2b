"""Recording verdicts in nbgrader's gradebook, as ``nbgrader autograde`` would, without its start-up cost.

The assignment's structure (notebooks, grade/solution/source cells) is saved from the source notebook the way
``nbgrader generate_assignment`` does (ClearSolutions, ComputeChecksums, SaveCells) when the gradebook does not
have it yet. A student's scores are then written into the existing grade rows: re-grading overwrites
``auto_score``, so nothing is counted twice, and a grader's manual score is kept (and flags the cell for review,
as nbgrader does). SQLite allows one writer at a time, so a locked database is retried.
"""
from __future__ import annotations

import copy
import time
import warnings
from datetime import datetime
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from sqlalchemy.exc import OperationalError, SAWarning

from autograder.nbgrader_adapter import nbgrader_meta, patch_gradebook_creation

LOCK_RETRIES = 40


patch_gradebook_creation()  # new gradebooks without nbgrader's alembic subprocess


def _with_retries(action):
    for attempt in range(LOCK_RETRIES):
        try:
            return action()
        except OperationalError as exc:  # "database is locked": another worker is writing
            if "locked" not in str(exc) or attempt == LOCK_RETRIES - 1:
                raise
            time.sleep(0.05 * (1 + attempt % 8))


def notebook_id(file_name: str) -> str:
    """nbgrader names a notebook by its file name without ``.ipynb``."""
    return Path(file_name).stem


def ensure_structure(db_url: str, assignment: str, source_notebooks: dict) -> None:
    """Save the assignment's cells from the source notebooks (file name -> nb) unless the gradebook has them."""
    from nbgrader.preprocessors import ClearSolutions, ComputeChecksums, SaveCells

    from autograder.messages import notebook_language
    from autograder.nbgrader_adapter import STUBS

    def act():
        with Gradebook(db_url) as gb:
            gb.update_or_create_assignment(assignment)
            todo = []
            for name, nb in source_notebooks.items():
                wanted = {nbgrader_meta(c).get("grade_id") for c in nb.cells if nbgrader_meta(c).get("grade")}
                try:
                    have = {c.name for c in gb.find_notebook(notebook_id(name), assignment).grade_cells}
                except MissingEntry:
                    have = None
                if have != wanted:
                    todo.append((name, nb))
        for name, nb in todo:
            resources = {"nbgrader": {"db_url": db_url, "assignment": assignment, "notebook": notebook_id(name)}}
            released = copy.deepcopy(nb)
            code_stub, text_stub = STUBS[notebook_language(nb)]  # the release's stubs, so its checksums
            for step in (ClearSolutions(code_stub=code_stub, text_stub=text_stub), ComputeChecksums(), SaveCells()):
                released, resources = step.preprocess(released, resources)
    _with_retries(act)


def record_scores(db_url: str, assignment: str, student: str, notebooks: dict, *,
                  timestamp: datetime | None, flagged: bool) -> dict[tuple[str, str], float | None]:
    """Write auto scores: ``notebooks`` maps notebook file name -> {grade_id: points or None (hand-graded)}.

    Returns the manual scores already in the gradebook, keyed by (notebook, grade_id).
    """
    def act():
        manual = {}
        with Gradebook(db_url) as gb, warnings.catch_warnings():
            # nbgrader's update_or_create_submission trips SQLAlchemy's autoflush warnings; they are harmless
            warnings.simplefilter("ignore", SAWarning)
            gb.update_or_create_student(student)
            kwargs = {"timestamp": timestamp} if timestamp is not None else {}
            gb.update_or_create_submission(assignment, student, **kwargs)
            for name, scores in notebooks.items():
                for grade_id, points in scores.items():
                    grade = gb.find_grade(grade_id, notebook_id(name), assignment, student)
                    grade.auto_score = points
                    grade.needs_manual_grade = grade.manual_score is not None or points is None
                    manual[(name, grade_id)] = grade.manual_score
                gb.find_submission_notebook(notebook_id(name), assignment, student).flagged = flagged
            gb.db.commit()
        return manual
    return _with_retries(act)

