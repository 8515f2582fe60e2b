"""Grading speed: plain ``nbgrader autograde`` (serial) against the project's grader (``course grade``).

One assignment (``solutions/01_neurons`` by default), ``students`` generated submissions — two in three carry
the full solution, the rest the first half of the answers (built from the release notebook by
``autograder.demo.fill_answers``, as the demo class is) — in a temporary course folder, released once with
the project's ``release``. The folder is then copied, so both graders start from identical course folders:

* ``nbgrader autograde <assignment>``: nbgrader's own command, one student after another, reading an
  ``nbgrader_config.py`` with the course's folders;
* ``course grade <assignment> --workers 2``: the project's pipeline (sandboxed kernels, verifier, journal).

Both run as their command-line programs, timed end to end by the wall clock, with the same
``COURSE_GRADING_SEED`` so the hidden tests draw the same inputs. The scores are read back from each course's
gradebook and compared student by student; the benchmark reports any difference.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.timing import SINGLE_THREAD_ENV

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "01_neurons"

_NBGRADER_CONFIG = """\
c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"
c.CourseDirectory.db_url = {db_url!r}
"""


def build_class(root: Path, students: int, assignment: str = ASSIGNMENT,
                solutions: Path = ROOT / "solutions") -> list[str]:
    """A course folder at ``root``: the assignment's source, its release, ``students`` submissions.

    Returns the list of student ids (``s01``, ``s02``, …).
    """
    from autograder.course import Course
    from autograder.demo import fill_answers
    from autograder.release import release

    if students < 1:
        raise ValueError(f"build_class: students must be >= 1, got {students}")
    if not (solutions / assignment).is_dir():
        raise FileNotFoundError(f"the grading benchmark needs the source of {assignment!r} in {solutions}")
    shutil.copytree(solutions / assignment, root / "solutions" / assignment)
    course = Course(root)
    release(course, [assignment])
    ids = [f"s{i:02d}" for i in range(1, students + 1)]
    for i, student in enumerate(ids):
        answer = "partial" if i % 3 == 2 else "solution"
        folder = course.path("submitted", student, assignment)
        folder.mkdir(parents=True)
        for source in course.source_notebooks(assignment):
            data = fill_answers(source, course.path("release", assignment, source.name), answer)
            (folder / source.name).write_bytes(data)
    return ids


def write_nbgrader_config(root: Path) -> None:
    """The ``nbgrader_config.py`` that plain ``nbgrader`` reads: the same folders and gradebook."""
    from autograder.course import Course
    from autograder.release import COURSE_ID

    course = Course(root)
    (root / "nbgrader_config.py").write_text(_NBGRADER_CONFIG.format(
        root=str(course.root), course_id=COURSE_ID, db_url=course.gradebook_url))


def gradebook_scores(root: Path, assignment: str, students: list[str]) -> dict[str, float | None]:
    """Each student's total autograded score in the course's gradebook (None: no submission recorded)."""
    from autograder.course import Course
    from autograder.release import open_gradebook

    out = {}
    with open_gradebook(Course(root)) as gb:
        for s in students:
            try:
                out[s] = round(float(gb.find_submission(assignment, s).score), 6)
            except Exception:  # noqa: BLE001 - nbgrader raises MissingEntry; a missing grade is reported
                out[s] = None
    return out


def _run(cmd: list[str], cwd: Path, env: dict, timeout: float) -> tuple[float, subprocess.CompletedProcess]:
    """Run ``cmd``; return (wall seconds, the finished process). Only wall time is compared: the CPU time of
    sandboxed kernels is not reliably charged to the command that started them."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    return time.perf_counter() - start, proc


def grading_run(students: int = 30, workers: int = 2, seed: int = 2026, assignment: str = ASSIGNMENT,
                timeout: float = 3600.0) -> dict:
    """Grade ``students`` generated submissions with plain nbgrader, then with ``course grade`` on one worker
    and on ``workers``; compare.

    Returns wall seconds for each (``nbgrader``, ``course_grade_1``, ``course_grade``), ``speedup`` =
    nbgrader / course_grade with ``workers``, ``speedup_1`` the same on one worker (what a cheaper student
    costs, apart from parallelism), the scores of all three, ``identical`` (every student scored the same by
    all) and ``differences``.
    """
    bindir = Path(sys.executable).parent
    env = {**os.environ, **SINGLE_THREAD_ENV, "COURSE_GRADING_SEED": str(seed)}
    runs = {"nbgrader": None, "course_grade_1": 1, "course_grade": workers}
    seconds, scores = {}, {}
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        template = Path(tmp) / "template"
        template.mkdir()
        ids = build_class(template, students, assignment)
        for name, n in runs.items():
            root = Path(tmp) / name
            shutil.copytree(template, root)
            if n is None:
                write_nbgrader_config(root)
                cmd = [str(bindir / "nbgrader"), "autograde", assignment]
            else:
                cmd = [str(bindir / "course"), "--course", str(root), "grade", assignment, "--workers", str(n),
                       "--seed", str(seed)]
            seconds[name], done = _run(cmd, root, env, timeout)
            if done.returncode != 0:
                raise RuntimeError(f"{' '.join(cmd[:2])} failed (exit {done.returncode}):\n{done.stdout[-2000:]}\n"
                                   f"{done.stderr[-3000:]}")
            scores[name] = gradebook_scores(root, assignment, ids)
    diffs = {s: [scores[name][s] for name in runs] for s in ids if len({scores[name][s] for name in runs}) > 1}
    return {"assignment": assignment, "students": students, "workers": workers, "seed": seed,
            "seconds": seconds, "speedup": seconds["nbgrader"] / seconds["course_grade"],
            "speedup_1": seconds["nbgrader"] / seconds["course_grade_1"], "scores": scores,
            "identical": not diffs and None not in scores["nbgrader"].values(),
            "differences": diffs, "goal": 3.0}
