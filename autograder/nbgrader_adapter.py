"""Everything the course knows about nbgrader, in one place: cell kinds, the metadata writer, the configuration
shared by ``nbgrader_config.py`` and the ``course`` command, and the one patch applied to nbgrader.

Cell kinds (nbgrader metadata ``{"grade", "solution", "locked", "grade_id", "points"}``): an autograded *test*
cell is graded code that is not a solution; a *solution* cell holds the student's answer (code, or markdown
graded by hand when it is also graded); a *locked* cell is restored from the source.

The patch: nbgrader asks a fresh ``alembic heads`` subprocess for the schema version each time it creates a
gradebook (seconds, tens of seconds on a busy machine); :func:`patch_gradebook_creation` answers from the
migration scripts in-process, with the same version stamp.
"""
from __future__ import annotations

import functools
import os
import re
from pathlib import Path

COURSE_ID = "nn-course"  # the gradebook keys assignments by it
CODE_STUB = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
# What a release puts in place of a solution, by the notebook's language (metadata nn_course.language): a code
# stub keeps ``raise NotImplementedError()`` (the grader recognises it), only the comment and the text change.
STUBS = {
    "en": (CODE_STUB, "YOUR ANSWER HERE"),
    "ru": ({"python": "# ВАШ КОД ЗДЕСЬ\nraise NotImplementedError()"}, "ВАШ ОТВЕТ ЗДЕСЬ"),
}
# Feedback goes back to students: hidden tests are cleared, and a failed test's traceback (which quotes its own
# source line) is cut to "ename: evalue" (autograder/feedback.py).
FEEDBACK_PREPROCESSORS = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "autograder.feedback.ShortenTestTracebacks",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]


def configure(c, root: str, *, source: str = "solutions", release: str = "assignments") -> None:
    """The settings every nbgrader run of the course shares, written into the traitlets config ``c``."""
    c.CourseDirectory.root = root
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.source_directory = source
    c.CourseDirectory.release_directory = release
    c.ClearSolutions.code_stub = dict(CODE_STUB)
    c.GenerateFeedback.preprocessors = list(FEEDBACK_PREPROCESSORS)


def mark(cell, grade_id: str, *, grade: bool, solution: bool, locked: bool, points=None):
    """Write nbgrader's metadata on ``cell`` (schema 3) and return it."""
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    cell.metadata["nbgrader"] = meta
    return cell


def nbgrader_meta(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def is_test_cell(cell) -> bool:
    """nbgrader's autograded test cell: graded, not a solution, code."""
    m = nbgrader_meta(cell)
    return cell.get("cell_type") == "code" and bool(m.get("grade")) and not m.get("solution")


def is_solution_cell(cell) -> bool:
    return bool(nbgrader_meta(cell).get("solution"))


def is_locked_cell(cell) -> bool:
    m = nbgrader_meta(cell)
    return bool(m.get("locked")) and not m.get("solution")


def grade_id(cell) -> str | None:
    gid = nbgrader_meta(cell).get("grade_id")
    return gid if isinstance(gid, str) else None


@functools.lru_cache(maxsize=1)
def _alembic_head() -> str:
    """The schema version nbgrader stamps on a new gradebook: the migration nobody points down to."""
    import nbgrader.api

    revisions, downs = set(), set()
    for script in (Path(nbgrader.api.__file__).parent / "alembic" / "versions").glob("*.py"):
        text = script.read_text(encoding="utf-8")
        rev = re.search(r"^revision\s*=\s*['\"](\w+)['\"]", text, re.M)
        down = re.search(r"^down_revision\s*=\s*['\"](\w+)['\"]", text, re.M)
        revisions |= {rev.group(1)} if rev else set()
        downs |= {down.group(1)} if down else set()
    heads = revisions - downs
    return heads.pop() if len(heads) == 1 else nbgrader.api._original_get_alembic_version()


_ENGINES: dict = {}


def _engine_of_this_process(url, **kwargs):
    """One SQLAlchemy engine per process and database: nbgrader makes a new one for every ``Gradebook``, which
    throws away SQLAlchemy's cache of compiled statements (about 50 ms of compiling per graded student).
    ``Gradebook.close()`` still disposes of the engine's connections; the engine and its cache stay. Keyed by
    process id, so a forked worker never uses its parent's connections."""
    from sqlalchemy import create_engine

    key = (os.getpid(), str(url), tuple(sorted(kwargs.items())))
    if key not in _ENGINES:
        _ENGINES[key] = create_engine(url, **kwargs)
    return _ENGINES[key]


def patch_gradebook_creation() -> None:
    """Make nbgrader create new gradebooks without its ``alembic`` subprocess, and reuse one database engine per
    process (idempotent). These are the only changes this project makes to nbgrader."""
    import nbgrader.api

    if not hasattr(nbgrader.api, "_original_get_alembic_version"):
        nbgrader.api._original_get_alembic_version = nbgrader.api.get_alembic_version
        nbgrader.api.get_alembic_version = _alembic_head
        nbgrader.api.create_engine = _engine_of_this_process
