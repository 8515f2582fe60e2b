"""Grade a class: parallel, long-lived workers and a crash-safe journal.

Scheduling. The students of an assignment (the roster, plus anyone with a submission) are dealt to N worker
processes, each started once — it imports nbgrader and the grader once — and then calls
``grade_submission`` for one student after another. A student is a single task, so no two workers of a run
grade the same student; a per-student file lock (``flock``, released by the kernel if a process dies) keeps a
second ``course grade`` running at the same time from grading them too.

Journal (:mod:`autograder.journal`). A re-run skips a student whose record exists and whose submission is
unchanged, and regrades otherwise; ``force`` regrades everyone.

Ordering rules (nbgrader style, the data the CLI uses): grading needs the release (for the notebook names) and
the collected submissions; feedback and export read the journal written here.
"""
from __future__ import annotations

import contextlib
import importlib
import io
import multiprocessing
import signal
import traceback
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field

from autograder.course import Course, check_name
from autograder.journal import OUTCOME_FIELDS, Journal, journal_record, submission_checksum

GRADER = "autograder.grade_submission:grade_submission"
STEPS = {  # step -> the steps whose output it reads
    "release": (),
    "roster": (),
    "collect": ("release", "roster"),
    "grade": ("release", "collect"),
    "feedback": ("grade",),
    "export": ("roster", "grade"),
}


def load_grader(spec: str = GRADER):
    """``"module:function"`` -> the function (workers import it by name, so any importable grader works)."""
    module, _, name = spec.partition(":")
    if not name:
        raise ValueError(f"grader {spec!r} must be written 'module:function', e.g. {GRADER!r}")
    return getattr(importlib.import_module(module), name)


def grade_student(course: Course, assignment: str, student: str, grader, *, force=False, seed=None,
                  limits=None) -> dict:
    """Grade one student unless the journal already holds their unchanged submission; return the record
    (with ``"action"``: ``"graded"`` or ``"skipped"``)."""
    journal = Journal(course, assignment)
    with journal.lock(student):
        before = submission_checksum(course, assignment, student)
        old = journal.get(student)
        if old is not None and not force and old.get("checksum") == before:
            return {**old, "action": "skipped"}
        with contextlib.redirect_stdout(io.StringIO()):  # the verifier's prints would garble the progress
            outcome = grader(course, assignment, student, seed=seed, limits=limits)
        after = submission_checksum(course, assignment, student)
        if after != before:
            raise RuntimeError(f"the submission of {student!r} for {assignment!r} changed while it was graded "
                               f"(checksum {before} -> {after}); submissions must never be modified")
        record = journal_record({k: getattr(outcome, k) for k in OUTCOME_FIELDS}, before, seed)
        journal.put(student, record)
        return {**record, "action": "graded"}


# --- worker processes -------------------------------------------------------------------------------------

_WORKER: dict = {}


def _die_with_parent() -> None:
    """Linux: a worker is killed with its parent, so a killed run leaves no orphan grading behind."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _init_worker(grader_spec: str, seed, limits, child: bool = True) -> None:
    if child:
        _die_with_parent()
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _WORKER.update(grader=load_grader(grader_spec), seed=seed, limits=limits)


def _work(course: Course, assignment: str, student: str, force: bool) -> dict:
    try:
        return grade_student(course, assignment, student, _WORKER["grader"], force=force,
                             seed=_WORKER["seed"], limits=_WORKER["limits"])
    except Exception as exc:  # a grader bug: reported, never journaled as a grade
        return {"student": student, "action": "error",
                "error": f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}"}


@dataclass
class GradeSummary:
    assignment: str
    records: dict[str, dict] = field(default_factory=dict)

    @property
    def errors(self) -> dict[str, str]:
        return {s: r["error"] for s, r in self.records.items() if r["action"] == "error"}

    def __str__(self) -> str:
        actions = Counter(r["action"] for r in self.records.values())
        statuses = Counter(r["status"] for r in self.records.values() if r["action"] != "error")
        lines = [f"graded {self.assignment}: {len(self.records)} student(s) — {actions['graded']} graded now, "
                 f"{actions['skipped']} unchanged since the last run, {actions['error']} error(s); "
                 + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))]
        lines += [f"  ! {s}: {e.splitlines()[0]}" for s, e in self.errors.items()]
        return "\n".join(lines)


def class_students(course: Course, assignment: str) -> list[str]:
    """Everyone to grade: the roster in the gradebook plus anyone who submitted."""
    from autograder.roster import RosterError, gradebook_students

    try:
        roster = {s.id for s in gradebook_students(course)}
    except RosterError:
        roster = set()
    submitted = course.path("submitted")
    if submitted.is_dir():
        roster |= {p.parent.name for p in submitted.glob(f"*/{assignment}")
                   if p.is_dir() and not p.parent.name.startswith(".")}
    return sorted(roster)


def check_class(course: Course, assignment: str, students: list[str]) -> None:
    """Refuse an unknown assignment or student by name, before anything is graded."""
    check_name("assignment", assignment)
    if assignment not in course.assignments():
        raise ValueError(f"unknown assignment {assignment!r}: {course.path('source')} has "
                         f"{course.assignments() or 'no assignments'}")
    everyone = class_students(course, assignment)
    for s in students:
        check_name("student", s)
        if s not in everyone:
            raise ValueError(f"unknown student {s!r} for {assignment!r}: not in the roster and no submission in "
                             f"{course.path('submitted')}; import the roster or collect their work first")


def grade_class(course: Course, assignment: str, students: list[str] | None = None, *, workers: int = 1,
                force: bool = False, seed=None, limits=None, grader: str = GRADER, progress=print,
                cluster: str | None = None) -> GradeSummary:
    """Grade ``students`` (default: the whole class) of ``assignment`` with ``workers`` processes, or on the Dask
    cluster whose scheduler is at ``cluster`` (:mod:`autograder.cluster`). ``progress`` receives one line per
    student, or is ``"bar"`` for a bar redrawn in a terminal (:mod:`autograder.progress`)."""
    check_name("assignment", assignment)
    if students is None and assignment in course.assignments():
        students = class_students(course, assignment)
    check_class(course, assignment, students or [])
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    if cluster and grader != GRADER:
        raise ValueError("--cluster grades with the course's own grader only")
    summary = GradeSummary(assignment)
    load_grader(grader)  # fail fast on a bad spec; forked workers inherit the import
    import nbformat

    from autograder.gradebook_io import ensure_structure
    from autograder.nbgrader_adapter import patch_gradebook_creation
    from autograder.progress import Progress, ProgressBar

    report = ProgressBar(len(students)) if progress == "bar" else Progress(len(students), out=progress)
    patch_gradebook_creation()  # imports nbgrader once, here, for every forked worker
    # The assignment's cells go into the gradebook once, before any worker starts: two workers creating them
    # at the same time on a new gradebook lost a grade ("MissingEntry: No such grade").
    ensure_structure(course.gradebook_url, assignment,
                     {p.name: nbformat.read(p, as_version=4) for p in course.source_notebooks(assignment)})
    if cluster:
        from autograder.cluster import grade_on_cluster

        def record(rec):
            summary.records[rec["student"]] = rec
            report(rec)

        grade_on_cluster(course, assignment, students, cluster, force=force, seed=seed, limits=limits,
                         progress=record)
        return summary
    if workers == 1 or len(students) <= 1:
        _init_worker(grader, seed, limits, child=False)
        results = (_work(course, assignment, s, force) for s in students)
    else:
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        pool = ProcessPoolExecutor(max_workers=min(workers, len(students)), mp_context=ctx,
                                   initializer=_init_worker, initargs=(grader, seed, limits))
        futures = [pool.submit(_work, course, assignment, s, force) for s in students]
        results = (f.result() for f in as_completed(futures))
    try:
        for record in results:
            summary.records[record["student"]] = record
            report(record)
    finally:
        if workers > 1 and len(students) > 1:
            pool.shutdown(wait=True, cancel_futures=True)
    return summary
