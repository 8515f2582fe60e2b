"""Grading beyond one machine: ``course grade A --cluster ADDRESS`` sends each student to a Dask cluster.

A Dask scheduler (``dask scheduler``) and its workers (``dask worker ADDRESS``, or Slurm / PBS jobs through
``dask-jobqueue``, or pods through ``dask-kubernetes``) need the course package installed, bubblewrap for the
sandbox, and nothing else: no shared filesystem, no gradebook access.

The protocol, one task per student:

* the client (the machine with the course folder) reads the submission's files into a :class:`Task` — bytes,
  with the checksum it was read at — and sends the assignment's source and release files once to every worker
  (``scatter(broadcast=True)``);
* a worker (:func:`grade_task`) lays them out as a private course folder of its own, grades the student there
  with the same :func:`autograder.grade_one.grade_submission` as local grading (sandbox, kernel zygote, limits,
  verifier), and returns a :class:`Result`: the outcome, the graded notebooks' bytes and the per-cell scores;
* only the client writes: the graded notebooks into ``autograded/``, the scores into the gradebook (SQLite or
  PostgreSQL), then the journal record — the same journal as local grading, so a result is recorded once and a
  crashed run resumes where it stopped.

A worker that dies mid-task (killed, out of memory, its machine gone) loses nothing: the scheduler gives its
tasks to another worker, and the client records whichever result arrives first for a student, once. Scores,
statuses and reasons are those of local grading (the worker's course folder has the same relative layout).
"""
from __future__ import annotations

import concurrent.futures
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder.course import Course
from autograder.pipeline import Journal, check_class, journal_record, submission_checksum

TASK_RETRIES = 3  # times a student's task may be lost with its worker before the client reports an error


@dataclass
class Assignment:
    """What every task of an assignment shares: its source notebooks and released files (relative path -> bytes)."""

    name: str
    sources: dict[str, bytes]
    release: dict[str, bytes]


@dataclass
class Task:
    student: str
    files: dict[str, bytes] | None  # the submission folder's files, None when there is no folder
    checksum: str | None
    seed: int | None
    limits: object = None


@dataclass
class Result:
    student: str
    outcome: dict
    graded: dict[str, bytes] = field(default_factory=dict)           # notebook name -> graded notebook
    scores: dict[str, dict[str, float | None]] = field(default_factory=dict)  # notebook -> grade_id -> points
    timestamp: str | None = None
    flagged: bool = False
    checksum: str | None = None
    worker: str = ""


def _read_tree(folder: Path, *, notebooks=True) -> dict[str, bytes]:
    """Regular files under ``folder`` by relative path; symlinks are never followed (as local grading)."""
    out = {}
    for base, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(base, d))]
        for name in files:
            path = Path(base, name)
            if path.is_symlink() or not path.is_file() or (not notebooks and name.endswith(".ipynb")):
                continue
            out[path.relative_to(folder).as_posix()] = path.read_bytes()
    return out


def assignment_payload(course: Course, assignment: str) -> Assignment:
    sources = {p.name: p.read_bytes() for p in course.source_notebooks(assignment)}
    release_dir = course.path("release", assignment)
    release = _read_tree(release_dir) if release_dir.is_dir() else {}
    return Assignment(assignment, sources, release)


def make_task(course: Course, assignment: str, student: str, seed=None, limits=None) -> Task:
    folder = course.path("submitted", student, assignment)
    present = folder.is_dir() and not folder.is_symlink()
    return Task(student, _read_tree(folder) if present else None, submission_checksum(course, assignment, student),
                seed, limits)


def _write_tree(root: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        target = (root / rel).resolve()
        if root.resolve() not in target.parents:
            raise ValueError(f"refusing to write {rel!r} outside {root}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def remove_stale_worker_folders(tmp: Path) -> None:
    """Folders of worker processes that no longer run (killed, or stopped without cleaning up)."""
    import shutil

    for folder in tmp.glob("course-worker-*"):
        pid = folder.name.split("-")[2]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(folder, ignore_errors=True)


def _worker_course(assignment: Assignment) -> Course:
    """This worker process's private course folder for ``assignment`` (made once, reused by its tasks)."""
    import hashlib

    digest = hashlib.sha256(repr(sorted((k, hashlib.sha256(v).hexdigest()) for d in (assignment.sources,
                            assignment.release) for k, v in d.items())).encode()).hexdigest()[:16]
    root = Path(tempfile.gettempdir()) / f"course-worker-{os.getpid()}-{assignment.name}-{digest}"
    course = Course(root, db_url=f"sqlite:///{root / 'worker-gradebook.db'}")
    if not (root / ".ready").exists():
        import atexit
        import shutil

        remove_stale_worker_folders(root.parent)
        atexit.register(shutil.rmtree, root, True)  # a worker that stops cleanly leaves nothing behind
        _write_tree(course.path("source", assignment.name), assignment.sources)
        _write_tree(course.path("release", assignment.name), assignment.release)
        (root / ".ready").write_text("")
    return course


def _grade_here(assignment: Assignment, task: Task) -> Result:
    import shutil

    from nbgrader.api import Gradebook

    from autograder.grade_one import grade_submission

    course = _worker_course(assignment)
    sub_root = course.path("submitted")
    shutil.rmtree(sub_root, ignore_errors=True)
    out_root = course.path("autograded")
    shutil.rmtree(out_root, ignore_errors=True)
    folder = course.path("submitted", task.student, assignment.name)
    if task.files is not None:
        folder.mkdir(parents=True)
        _write_tree(folder, task.files)
    outcome = grade_submission(course, assignment.name, task.student, seed=task.seed, limits=task.limits)
    graded_dir = course.path("autograded", task.student, assignment.name)
    graded = {p.name: p.read_bytes() for p in sorted(graded_dir.glob("*.ipynb"))} if graded_dir.is_dir() else {}
    scores, timestamp, flagged = {}, None, False
    if graded:
        with Gradebook(course.gradebook_url) as gb:
            sub = gb.find_submission(assignment.name, task.student)
            timestamp = sub.timestamp.isoformat() if sub.timestamp else None
            for nb in sub.notebooks:
                name = f"{nb.name}.ipynb"
                if name in graded:
                    scores[name] = {g.name: g.auto_score for g in nb.grades}
                    flagged = flagged or bool(nb.flagged)
    shutil.rmtree(sub_root, ignore_errors=True)
    shutil.rmtree(out_root, ignore_errors=True)
    fields = ("student", "assignment", "status", "reason", "score", "max_score", "cells")
    return Result(task.student, {k: getattr(outcome, k) for k in fields}, graded, scores, timestamp, flagged,
                  task.checksum, worker=f"{os.uname().nodename}:{os.getpid()}")


# One long-lived thread per worker process grades: the kernel zygote it starts is tied to the thread that
# started it (PR_SET_PDEATHSIG), so it must not be a pool thread that Dask may retire.
_GRADING_THREAD = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="course-grading")


def grade_task(assignment: Assignment, task: Task) -> Result:
    """The function a Dask worker runs for one student."""
    return _GRADING_THREAD.submit(_grade_here, assignment, task).result()


def record_result(course: Course, assignment: str, result: Result) -> dict:
    """Client side: write what a worker returned into the course folder and the gradebook, then the journal.
    A submission that changed since it was sent is not recorded (the next run grades it again)."""
    from datetime import datetime

    import nbformat

    from autograder.gradebook_io import record_scores

    journal = Journal(course, assignment)
    with journal.lock(result.student):
        now = submission_checksum(course, assignment, result.student)
        if now != result.checksum:
            return {"student": result.student, "action": "error",
                    "error": f"RuntimeError: the submission of {result.student!r} changed while it was graded "
                             f"(checksum {result.checksum} -> {now}); run `course grade {assignment}` again"}
        outcome = dict(result.outcome)
        if result.graded:
            out = course.path("autograded", result.student, assignment)
            out.mkdir(parents=True, exist_ok=True)
            for name, data in result.graded.items():
                tmp = out / f".{name}.{os.getpid()}.tmp"
                nbformat.reads(data.decode("utf-8"), as_version=4)  # a worker never returns a broken notebook
                tmp.write_bytes(data)
                os.replace(tmp, out / name)
            stamp = datetime.fromisoformat(result.timestamp) if result.timestamp else None
            manual = record_scores(course.gradebook_url, assignment, result.student, result.scores,
                                   timestamp=stamp, flagged=result.flagged)
            # the worker's gradebook holds no hand-given marks: the course's own gradebook does
            by_id = {g: m for (_, g), m in manual.items()}
            cells = [dict(c, points=float(by_id.get(c["grade_id"]) or 0.0)) if c["passed"] is None else c
                     for c in outcome["cells"]]
            outcome["score"] = sum(c["points"] for c in cells)
            outcome["cells"] = cells
        record = journal_record(outcome, result.checksum, seed=outcome.get("seed"))
        journal.put(result.student, record)
        return {**record, "action": "graded", "worker": result.worker}


def grade_on_cluster(course: Course, assignment: str, students: list[str], address: str, *, force=False,
                     seed=None, limits=None, progress=print, timeout_s: float = 30.0) -> dict[str, dict]:
    """Grade ``students`` on the Dask cluster at ``address``; return their records by student."""
    try:
        from distributed import Client, as_completed
    except ImportError as exc:
        raise RuntimeError("grading on a cluster needs Dask's `distributed`: pip install 'nn-course[cluster]'") \
            from exc
    check_class(course, assignment, students)
    journal = Journal(course, assignment)
    records, todo = {}, []
    for s in students:
        old = journal.get(s)
        if old is not None and not force and old.get("checksum") == submission_checksum(course, assignment, s):
            records[s] = {**old, "action": "skipped"}
            progress(records[s])
        else:
            todo.append(s)
    if not todo:
        return records
    try:
        client = Client(address, timeout=timeout_s)
    except OSError as exc:
        raise RuntimeError(f"no Dask scheduler answered at {address!r} within {timeout_s:g} s ({exc}); start "
                           "one with `dask scheduler` and workers with `dask worker ADDRESS`") from exc
    with client:
        if not client.scheduler_info().get("workers"):
            client.wait_for_workers(1, timeout=timeout_s)
        shared = client.scatter(assignment_payload(course, assignment), broadcast=True)
        run = int(time.time() * 1000)
        futures = {client.submit(grade_task, shared, make_task(course, assignment, s, seed, limits),
                                 key=f"grade-{assignment}-{s}-{run}", pure=False, retries=TASK_RETRIES): s
                   for s in todo}
        for future in as_completed(futures):
            student = futures[future]
            try:
                record = record_result(course, assignment, future.result())
            except Exception as exc:  # the task failed on every try: reported, never journaled as a grade
                record = {"student": student, "action": "error", "error": f"{type(exc).__name__}: {exc}"}
            records[student] = record
            progress(record)
    return records
