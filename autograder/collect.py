"""Collect: copy students' notebooks into ``submitted/<student>/<assignment>/<notebook>.ipynb``.

Two inputs are understood:

* a folder with one folder per student (``incoming/alice/whatever.ipynb``), or loose files in it;
* an LMS download — a zip (or folder) of one file per student, named by the LMS, e.g. Canvas
  ``smithj_12345_67890_ps1.ipynb`` or Moodle ``John Smith_12345_assignsubmission_file_ps1.ipynb``.

Each file is matched to a roster student (from nbgrader's gradebook) by id, email name, ``lastfirst``,
``lastf`` (last name and first initial) or ``firstlast`` appearing in its name. Files that match nobody or several
students, students with more than one file, and files that are not notebooks are reported and *not* collected.
The originals are only read. Next to each copy, ``timestamp.txt`` records the submission time as nbgrader does
(the zip entry's time, or the file's modification time). Collecting again is idempotent: identical files are
left alone, changed ones replaced (and so regraded).
"""
from __future__ import annotations

import os
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from autograder.course import Course, check_name
from autograder.roster import Student, gradebook_students

_SKIP = re.compile(r"(^|/)(__MACOSX|\.ipynb_checkpoints|\.DS_Store)(/|$)|(^|/)\._")


@dataclass
class Item:
    origin: str          # how the instructor finds it: a path, or "archive.zip:entry"
    name: str            # the part of the name used for matching (file or folder name)
    read: callable
    mtime: datetime


@dataclass
class CollectReport:
    assignment: str
    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"collected {self.assignment}: {len(self.new)} new, {len(self.updated)} updated, "
                 f"{len(self.unchanged)} unchanged, {len(self.problems)} problem(s), "
                 f"{len(self.missing)} student(s) without a submission"]
        lines += [f"  ! {p}" for p in self.problems]
        if self.missing:
            lines.append(f"  missing: {', '.join(self.missing)}")
        return "\n".join(lines)


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def student_keys(s: Student) -> set[str]:
    """The spellings an LMS may use for a student in a file name."""
    first, last = _norm(s.first), _norm(s.last)
    keys = {_norm(s.id), _norm(s.email.split("@")[0]) if s.email else ""}
    if first and last:
        keys |= {last + first, first + last, last + first[0]}
    return {k for k in keys if len(k) >= 2}


def match_student(name: str, roster: list[Student]) -> list[Student]:
    """Roster students whose id or name appears in ``name``: an exact id first, then name tokens."""
    exact = [s for s in roster if s.id == name]
    if exact:
        return exact
    stem = name.rsplit(".", 1)[0]
    parts = re.split(r"[_\s]+", stem)
    # tokens: each part, and the LMS's leading name field ("John Smith_…" -> "johnsmith")
    tokens = {_norm(p) for p in parts} | {_norm(stem.split("_")[0])}
    return [s for s in roster if student_keys(s) & tokens]


def _items(source: Path) -> list[Item]:
    """Every file of a zip or folder, with the name that identifies its student."""
    source = Path(source)
    items = []
    if source.is_file() and zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as zf:
            for info in zf.infolist():
                if info.is_dir() or _SKIP.search(info.filename):
                    continue
                parts = info.filename.split("/")
                name = parts[0] if len(parts) > 1 else parts[-1]  # a folder per student, or one file each
                items.append(Item(f"{source}:{info.filename}", name,
                                  lambda n=info.filename: zipfile.ZipFile(source).read(n),
                                  datetime(*info.date_time, tzinfo=timezone.utc)))
    elif source.is_dir():
        for path in sorted(source.rglob("*")):
            rel = path.relative_to(source).as_posix()
            if path.is_dir() or _SKIP.search(rel):
                continue
            items.append(Item(str(path), rel.split("/")[0], path.read_bytes,
                              datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)))
    else:
        raise FileNotFoundError(f"cannot collect from {source}: give a folder of submissions or an LMS zip")
    return items


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def release_notebooks(course: Course, assignment: str) -> list[str]:
    release = course.path("release", check_name("assignment", assignment))
    names = sorted(p.name for p in release.glob("*.ipynb"))
    if not names:
        raise FileNotFoundError(f"assignment {assignment!r} has no release notebooks in {release}: "
                                f"run `course release {assignment}` first")
    return names


def collect(course: Course, assignment: str, source: Path) -> CollectReport:
    """Copy the notebooks found in ``source`` (folder or zip) into the course's submitted folder."""
    notebooks = release_notebooks(course, assignment)
    roster = gradebook_students(course)
    report = CollectReport(assignment)
    by_student: dict[str, list[tuple[Item, str]]] = {}
    for item in _items(source):
        if not item.origin.endswith(".ipynb"):
            report.problems.append(f"{item.origin}: not a notebook (.ipynb); skipped — remove it or export the "
                                   "notebook from Jupyter as .ipynb")
            continue
        target = notebooks[0] if len(notebooks) == 1 else next(
            (n for n in notebooks if item.origin.endswith(n)), None)
        if target is None:
            report.problems.append(f"{item.origin}: cannot tell which of {notebooks} it is; rename it to end "
                                   "with the notebook's name")
            continue
        found = match_student(item.name, roster)
        if len(found) != 1:
            who = "no roster student" if not found else f"several students ({', '.join(s.id for s in found)})"
            report.problems.append(f"{item.origin}: matches {who}; rename it to start with the student id "
                                   "(or fix the roster) and collect again")
            continue
        by_student.setdefault(found[0].id, []).append((item, target))
    for student, found in sorted(by_student.items()):
        targets = [t for _, t in found]
        dupes = [it.origin for it, t in found if targets.count(t) > 1]
        if dupes:
            report.problems.append(f"student {student!r} has {len(dupes)} files for one notebook: "
                                   f"{', '.join(dupes)}; not collected — keep the one to grade and collect again")
            continue
        for item, target in found:
            dest = course.path("submitted", student, assignment, target)
            data = item.read()
            if dest.exists() and dest.read_bytes() == data:
                report.unchanged.append(student)
                continue
            (report.updated if dest.exists() else report.new).append(student)
            _write_atomic(dest, data)
            stamp = item.mtime.strftime("%Y-%m-%d %H:%M:%S.%f %Z")
            _write_atomic(dest.parent / "timestamp.txt", stamp.encode())
    report.missing = [s.id for s in roster if not course.path("submitted", s.id, assignment).is_dir()]
    return report
