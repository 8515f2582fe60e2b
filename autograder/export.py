"""Export: one CSV row per rostered student and assignment — score, max score, status and reason.

Statuses (:mod:`autograder.status`) are read from the grading journal, plus ``ungraded`` for a submission the
grader has not seen yet (or that changed since). Scores come from nbgrader's gradebook when it holds the
submission, so marks given by hand in formgrader are exported; a ``needs_manual`` submission whose manual grading
is finished is exported as ``graded``.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from autograder.course import Course
from autograder.journal import Journal, submission_checksum
from autograder.release import open_gradebook
from autograder.roster import gradebook_students
from autograder.status import READABLE

COLUMNS = ("student", "first", "last", "email", "assignment", "score", "max_score", "status", "reason")



def _gradebook_scores(course: Course, assignment: str) -> dict[str, tuple[float, float, bool]]:
    from nbgrader.api import MissingEntry

    scores = {}
    with open_gradebook(course) as gb:
        try:
            gb.find_assignment(assignment)
        except MissingEntry:
            return scores
        for sub in gb.assignment_submissions(assignment):
            scores[sub.student_id] = (sub.score, sub.max_score, sub.needs_manual_grade)
    return scores


def grade_rows(course: Course, assignments: list[str] | None = None) -> list[dict]:
    """The rows of the grade table, sorted by assignment then student."""
    assignments = assignments or course.assignments()
    rows = []
    for a in assignments:
        if a not in course.assignments():
            raise ValueError(f"unknown assignment {a!r}: {course.path('source')} has {course.assignments()}")
        journal, book = Journal(course, a).records(), _gradebook_scores(course, a)
        for s in gradebook_students(course):
            rec, checksum = journal.get(s.id), submission_checksum(course, a, s.id)
            row = {"student": s.id, "first": s.first, "last": s.last, "email": s.email, "assignment": a}
            if rec is None or rec.get("checksum") != checksum:
                graded_before = rec is not None
                rec = ({"status": "missing", "reason": "no submission collected", "score": 0.0, "max_score": None}
                       if checksum is None else
                       {"status": "ungraded", "score": None, "max_score": None,
                        "reason": ("submission changed since it was graded" if graded_before else
                                   "submitted but not graded") + f": run `course grade {a}`"})
            score, max_score = rec["score"], rec["max_score"]
            status, reason = rec["status"], rec.get("reason", "")
            if s.id in book and rec["status"] != "ungraded":
                score, max_score, needs_manual = book[s.id]
                if status == "needs_manual" and not needs_manual:
                    status, reason = "graded", "manually graded in formgrader"
            rows.append({**row, "score": score, "max_score": max_score, "status": status, "reason": reason})
    return rows


def to_csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def export(course: Course, out: Path, assignments: list[str] | None = None) -> str:
    """Write the grade CSV to ``out`` (rewritten whole each time); return a summary line."""
    rows = grade_rows(course, assignments)
    Path(out).write_text(to_csv(rows), encoding="utf-8")
    by_status = {}
    for r in rows:
        by_status[r["status"]] = by_status.get(r["status"], 0) + 1
    parts = ", ".join(f"{n} {READABLE.get(s, s)}" for s, n in sorted(by_status.items()))
    return f"exported {len(rows)} row(s) to {out}: {parts}"


def grade_table(rows: list[dict]) -> str:
    """The rows as a plain-text table for the terminal."""
    head = ("student", "assignment", "score", "status", "reason")
    body = [(r["student"], r["assignment"],
             "-" if r["score"] is None else f"{r['score']:g}/{r['max_score']:g}" if r["max_score"] else
             f"{r['score']:g}", READABLE.get(r["status"], r["status"]), r["reason"] or "") for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(fmt.format(*line).rstrip() for line in [head, *body])
