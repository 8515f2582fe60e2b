"""The class roster: a CSV of students read, checked and imported into nbgrader's gradebook.

The CSV has a header with the columns ``id, first, last, email`` (nbgrader's ``first_name``/``last_name`` are
accepted too); one row per student. Every bad row is reported at once — line number, the value and how to fix it
— so an instructor fixes the file in one pass. The gradebook (nbgrader's own database) then *is* the roster:
collect matches files against it, export lists every student in it.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from autograder.course import Course, check_name

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ALIASES = {"id": ("id", "student_id", "username"), "first": ("first", "first_name"),
            "last": ("last", "last_name"), "email": ("email", "e-mail", "mail")}


@dataclass(frozen=True)
class Student:
    id: str
    first: str = ""
    last: str = ""
    email: str = ""


class RosterError(ValueError):
    """The roster file cannot be used as it is; the message lists every problem."""


def read_roster(path: Path) -> list[Student]:
    """Parse and check a roster CSV; raise :class:`RosterError` listing every bad row."""
    path = Path(path)
    if not path.is_file():
        raise RosterError(f"roster {path} does not exist: give the CSV exported from your LMS "
                          "(columns id, first, last, email)")
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip().lower() for h in reader.fieldnames or []]
        columns = {}
        for key, names in _ALIASES.items():
            columns[key] = next((reader.fieldnames[i] for i, h in enumerate(header) if h in names), None)
        if columns["id"] is None:
            raise RosterError(f"roster {path} has no id column (header: {reader.fieldnames}); the first line "
                              "must name the columns, e.g. 'id,first,last,email'")
        students, problems, seen = [], [], {}
        for lineno, row in enumerate(reader, start=2):
            if None in row:
                problems.append(f"line {lineno}: {len(row) - 1 + len(row[None])} fields, the header has "
                                f"{len(reader.fieldnames)}; quote values that contain commas")
                continue
            value = {k: (row.get(col) or "").strip() if col else "" for k, col in columns.items()}
            if not any(value.values()):
                continue  # blank line
            try:
                check_name("student", value["id"])
            except ValueError as exc:
                problems.append(f"line {lineno}: {exc}")
                continue
            if value["id"] in seen:
                problems.append(f"line {lineno}: student id {value['id']!r} already on line {seen[value['id']]};"
                                " each student appears once")
                continue
            if value["email"] and not _EMAIL.match(value["email"]):
                problems.append(f"line {lineno}: email {value['email']!r} of {value['id']!r} is not an address "
                                "like name@example.org; fix it or leave it empty")
                continue
            seen[value["id"]] = lineno
            students.append(Student(**value))
    if problems:
        raise RosterError(f"roster {path} has {len(problems)} bad row(s):\n  " + "\n  ".join(problems))
    if not students:
        raise RosterError(f"roster {path} lists no students: add one row per student under the header")
    return students


def import_roster(course: Course, path: Path) -> str:
    """Add or update every student of the roster in the gradebook; idempotent. Returns a summary line."""
    from nbgrader.api import MissingEntry

    from autograder.release import open_gradebook

    students = read_roster(path)
    added = updated = unchanged = 0
    with open_gradebook(course) as gb:
        for s in students:
            fields = {"first_name": s.first or None, "last_name": s.last or None, "email": s.email or None}
            try:
                old = gb.find_student(s.id)
            except MissingEntry:
                added += 1
            else:
                same = all(getattr(old, k) == v for k, v in fields.items())
                unchanged, updated = unchanged + same, updated + (not same)
            gb.update_or_create_student(s.id, **fields)
    return (f"roster {path}: {len(students)} students — {added} added, {updated} updated, "
            f"{unchanged} unchanged (gradebook {course.gradebook_url})")


def gradebook_students(course: Course) -> list[Student]:
    """The students in the gradebook; an empty gradebook is an error that says how to import a roster."""
    from autograder.release import open_gradebook

    with open_gradebook(course) as gb:
        students = [Student(s.id, s.first_name or "", s.last_name or "", s.email or "") for s in gb.students]
    if not students:
        raise RosterError(f"no students in the gradebook {course.gradebook_url}: import the roster first with "
                          "`course roster import roster.csv`")
    return sorted(students, key=lambda s: s.id)
