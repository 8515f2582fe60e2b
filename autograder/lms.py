"""Grades back to the LMS: the rows of ``course export`` written as the CSV that Canvas or Moodle imports.

Both files are built from :func:`autograder.export.grade_rows` — the same rows, scores and statuses as the
course's own ``grades.csv`` — reshaped to one line per student and one column per assignment.

Canvas (Grades → Import) reads a gradebook CSV whose first columns identify the student::

    Student, ID, SIS User ID, SIS Login ID, Section, <assignment> ...
    Points Possible, , , , , <max points> ...

It matches a row to a student by the Canvas ``ID`` or, where that is empty, by ``SIS User ID`` / ``SIS Login
ID``; a column whose header ends in ``(<number>)`` updates that existing Canvas assignment, a header without one
creates a new assignment. We leave ``ID`` empty (the course never sees Canvas's internal numbers), put the
roster id in ``SIS User ID`` and the roster's email, or the id, in ``SIS Login ID``.

Moodle (Grade administration → Import → CSV file) reads any header; on its mapping page the instructor picks
the column that identifies users ("Map from" → "Map to": email address or ID number) and the grade item each
assignment column goes to. A row whose user cannot be found aborts Moodle's whole import, so every row must
carry the chosen identifier: we refuse to write a file where one is missing, naming the students. Each
assignment also gets a ``<assignment> feedback`` column (the export's reason) that can be mapped to the grade
item's feedback.

A cell is left empty — "no grade" for both systems, never a zero — when the grade is not final: the submission
is not graded yet, changed since grading, or waits for manual grading. The summary counts those cells, so
nothing is changed silently.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

FORMATS = ("canvas", "moodle")
# Statuses whose score is final and may leave the course; the rest are written as "no grade".
FINAL = {"graded", "missing", "timed_out", "kernel_died", "unreadable", "tampered"}
MOODLE_MATCH = {"email": "Email address", "idnumber": "ID number"}


class LmsExportError(ValueError):
    """The rows cannot be written for this LMS as they are; the message says which students and how to fix it."""


@dataclass
class LmsFile:
    text: str
    students: int
    assignments: list[str]
    blank: dict[str, int]  # status -> number of cells left without a grade

    def summary(self, fmt: str, out) -> str:
        head = f"wrote {fmt} grades for {self.students} student(s) and {len(self.assignments)} assignment(s) to {out}"
        if not self.blank:
            return head
        parts = ", ".join(f"{n} {status.replace('_', ' ')}" for status, n in sorted(self.blank.items()))
        return f"{head}; left without a grade (not final): {parts} — see `course export --table`"


def _number(x) -> str:
    """A score as the LMS parses it: '7', '7.5' (a dot, no thousands separator)."""
    return "" if x is None else f"{float(x):.10g}"


def _by_student(rows: list[dict]):
    """Students in first-seen order, assignments in first-seen order, and the row of each pair."""
    students, assignments, cell = {}, [], {}
    for r in rows:
        students.setdefault(r["student"], r)
        if r["assignment"] not in assignments:
            assignments.append(r["assignment"])
        cell[r["student"], r["assignment"]] = r
    return students, assignments, cell


def _grade(row: dict | None, blank: dict[str, int]) -> str:
    if row is None:
        blank["not exported"] = blank.get("not exported", 0) + 1
        return ""
    if row["status"] not in FINAL or row["score"] is None:
        blank[row["status"]] = blank.get(row["status"], 0) + 1
        return ""
    return _number(row["score"])


def _points_possible(rows: list[dict], assignment: str) -> str:
    known = {float(r["max_score"]) for r in rows if r["assignment"] == assignment and r["max_score"]}
    return _number(max(known)) if known else ""


def _write(header: list[str], lines: list[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(lines)
    return buf.getvalue()


def _check_ids(students: dict, key: str, label: str, fix: str) -> None:
    missing = [s for s, r in students.items() if not (r.get(key) or "").strip()]
    if missing:
        raise LmsExportError(f"{len(missing)} student(s) have no {label}: {', '.join(missing[:10])}"
                             f"{' …' if len(missing) > 10 else ''}; {fix}")
    seen: dict[str, str] = {}
    for s, r in students.items():
        value = r[key].strip().lower()
        if value in seen:
            raise LmsExportError(f"students {seen[value]!r} and {s!r} share the {label} {r[key]!r}: the LMS "
                                 "would give both grades to one person; fix the roster and re-import it")
        seen[value] = s


def canvas_csv(rows: list[dict], assignment_ids: dict[str, str] | None = None, login: str = "id") -> LmsFile:
    """Canvas's gradebook import CSV. ``assignment_ids`` maps a course assignment to its Canvas assignment id
    (its column then updates that assignment); ``login`` fills SIS Login ID from the roster's ``id`` or ``email``."""
    if login not in ("id", "email"):
        raise LmsExportError(f"--canvas-login must be 'id' or 'email', not {login!r}")
    students, assignments, cell = _by_student(rows)
    assignment_ids = assignment_ids or {}
    unknown = sorted(set(assignment_ids) - set(assignments))
    if unknown:
        raise LmsExportError(f"Canvas ids given for {unknown}, which are not in the export ({assignments})")
    if login == "email":
        _check_ids(students, "email", "email",
                   "add the emails to the roster (`course roster import`) or use --canvas-login id")
    columns = [f"{a} ({assignment_ids[a]})" if a in assignment_ids else a for a in assignments]
    header = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *columns]
    lines = [["Points Possible", "", "", "", "", *(_points_possible(rows, a) for a in assignments)]]
    blank: dict[str, int] = {}
    for s, r in students.items():
        name = ", ".join(x for x in (r.get("last", ""), r.get("first", "")) if x) or s
        lines.append([name, "", s, r["email"] if login == "email" else s, "",
                      *(_grade(cell.get((s, a)), blank) for a in assignments)])
    return LmsFile(_write(header, lines), len(students), assignments, blank)


def moodle_csv(rows: list[dict], match: str = "email") -> LmsFile:
    """Moodle's CSV grade import: user columns, then ``<assignment>`` and ``<assignment> feedback`` per
    assignment. ``match`` is the identifier Moodle maps users by: ``email`` or ``idnumber`` (the roster id)."""
    if match not in MOODLE_MATCH:
        raise LmsExportError(f"--moodle-match must be one of {sorted(MOODLE_MATCH)}, not {match!r}")
    students, assignments, cell = _by_student(rows)
    if match == "email":
        _check_ids(students, "email", "email address",
                   "add the emails to the roster (`course roster import`) or use --moodle-match idnumber")
    header = ["First name", "Last name", "ID number", "Email address"]
    for a in assignments:
        header += [a, f"{a} feedback"]
    blank: dict[str, int] = {}
    lines = []
    for s, r in students.items():
        line = [r.get("first", ""), r.get("last", ""), s, r.get("email", "")]
        for a in assignments:
            row = cell.get((s, a))
            line += [_grade(row, blank), (row or {}).get("reason", "") or ""]
        lines.append(line)
    return LmsFile(_write(header, lines), len(students), assignments, blank)


def lms_file(fmt: str, rows: list[dict], **options) -> LmsFile:
    if fmt == "canvas":
        return canvas_csv(rows, options.get("assignment_ids"), options.get("login") or "id")
    if fmt == "moodle":
        return moodle_csv(rows, options.get("match") or "email")
    raise LmsExportError(f"unknown LMS format {fmt!r}: choose one of {', '.join(FORMATS)}")


def parse_assignment_ids(pairs: list[str] | None) -> dict[str, str]:
    """``["01_neurons=4711", ...]`` → ``{"01_neurons": "4711"}``, refusing anything else with the reason."""
    out = {}
    for pair in pairs or []:
        name, sep, number = pair.partition("=")
        if not sep or not name.strip() or not number.strip().isdigit():
            raise LmsExportError(f"--canvas-assignment {pair!r}: write ASSIGNMENT=CANVAS_ID, e.g. 01_neurons=4711 "
                                 "(the number at the end of the assignment's Canvas address)")
        out[name.strip()] = number.strip()
    return out
