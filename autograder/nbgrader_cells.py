"""Everything the grader knows about nbgrader's cell metadata: which cells are tests, solutions, locked.

Cell kinds (nbgrader metadata ``{"grade", "solution", "locked", "grade_id", "points"}``):
an autograded *test* cell is graded code that is not a solution; a *solution* cell holds the student's answer
(code, or markdown graded by hand when it is also graded); a *locked* cell is restored from the source.
"""
from __future__ import annotations


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
