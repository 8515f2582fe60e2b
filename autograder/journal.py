"""The crash-safe journal of a class's grading: one small JSON file per graded student.

When a student is done, ``autograded/.journal/<assignment>/<student>.json`` is written atomically (temporary
file, then ``rename``): the outcome and the SHA-256 of the submission folder. Killing the grader at any moment
therefore loses at most the students in flight, which the next run grades; nothing is recorded twice because a
record is one file per student, replaced whole. Local grading (:mod:`autograder.grade_class`) and grading on a
cluster (:mod:`autograder.cluster`) write the same records; feedback and export read them.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import tempfile
import time

from autograder.course import Course, check_name


def submission_checksum(course: Course, assignment: str, student: str) -> str | None:
    """SHA-256 over the names and bytes of every file in the submission folder; None if there is none."""
    folder = course.path("submitted", student, assignment)
    if not folder.is_dir():
        return None
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


class Journal:
    """One small JSON file per graded student, each written atomically."""

    def __init__(self, course: Course, assignment: str):
        self.dir = course.path("autograded", ".journal", check_name("assignment", assignment))

    def get(self, student: str) -> dict | None:
        try:
            return json.loads((self.dir / f"{student}.json").read_text())
        except FileNotFoundError:
            return None

    def records(self) -> dict[str, dict]:
        if not self.dir.is_dir():
            return {}
        return {p.stem: json.loads(p.read_text()) for p in sorted(self.dir.glob("*.json"))}

    def put(self, student: str, record: dict) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=f".{student}.", suffix=".tmp")
        with os.fdopen(fd, "w") as fh:
            json.dump(record, fh, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.dir / f"{student}.json")

    @contextlib.contextmanager
    def lock(self, student: str):
        """Hold the student's lock; waits while another process grades them (it may finish them for us)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.dir / f".{student}.lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


OUTCOME_FIELDS = ("student", "assignment", "status", "reason", "score", "max_score", "cells")


def journal_record(outcome: dict, checksum: str | None, seed) -> dict:
    """The journal's record of one graded student: the outcome, the submission's checksum, when and with what seed."""
    record = {k: outcome[k] for k in OUTCOME_FIELDS}
    record.update(checksum=checksum, graded_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"), seed=seed)
    return record
