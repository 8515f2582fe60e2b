"""Release: generate the student notebooks in ``assignments/`` from the instructor's ``solutions/``.

This is nbgrader's ``generate_assignment`` run in-process (nbgrader is imported once; each of its command-line
tools would spend seconds starting). Two promises are checked here rather than trusted:

* **determinism** — generating twice gives byte-identical notebooks, so CI can regenerate and compare with the
  committed copy (``course release --check``);
* **no leak** — no release notebook contains ``### BEGIN SOLUTION``, ``BEGIN HIDDEN TESTS`` or any line of a
  hidden test. A leak raises :class:`LeakError` naming the notebook, the cell and the line.

The nbgrader configuration of a :class:`~autograder.course.Course` is built here too (one place), so every step
talks to the same folders and the same gradebook.
"""
from __future__ import annotations

import filecmp
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder.course import Course, check_name
from autograder.nbgrader_adapter import COURSE_ID, STUBS, configure, patch_gradebook_creation

MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
_MIN_SECRET = 8  # shorter lines ("pass", "x = 1") say nothing secret and appear everywhere


class LeakError(RuntimeError):
    """A release or feedback file shows something only the instructor may see."""


def nbgrader_config(course: Course):
    """The traitlets ``Config`` that points nbgrader at ``course`` (folders, gradebook, feedback pipeline)."""
    from traitlets.config import Config

    c = Config()
    configure(c, str(course.root), source=course.source, release=course.release)
    c.CourseDirectory.submitted_directory = course.submitted
    c.CourseDirectory.autograded_directory = course.autograded
    c.CourseDirectory.feedback_directory = course.feedback
    c.CourseDirectory.db_url = course.gradebook_url
    c.NbGraderAPI.log_level = "WARN"
    return c


def open_gradebook(course: Course):
    """nbgrader's ``Gradebook`` of ``course`` (created on first use); use it as a context manager."""
    from nbgrader.api import Gradebook

    patch_gradebook_creation()
    return Gradebook(course.gradebook_url, COURSE_ID)


def nbgrader_api(course: Course):
    """An ``NbGraderAPI`` for ``course``; importing nbgrader costs seconds, so call this once per process."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    patch_gradebook_creation()
    config = nbgrader_config(course)
    return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)


def run_nbgrader(what: str, result: dict) -> None:
    """nbgrader's API returns ``{success, error, log}`` instead of raising: turn a failure into an error."""
    if not result.get("success"):
        detail = (result.get("error") or result.get("log") or "no log").strip()
        raise RuntimeError(f"nbgrader {what} failed:\n{detail}")


# --- what must never leave the instructor's hands ---------------------------------------------------------

def _regions(source: str, begin: str, end: str) -> tuple[list[str], list[str]]:
    """Split a cell's lines into (inside begin…end regions, outside), markers excluded."""
    inside, outside, depth = [], [], 0
    for line in source.splitlines():
        if begin in line:
            depth += 1
        elif end in line:
            depth = max(depth - 1, 0)
        elif depth:
            inside.append(line)
        else:
            outside.append(line)
    return inside, outside


def secret_lines(source_notebook: Path) -> dict[str, set[str]]:
    """The lines of a source notebook a student must never see: ``{"hidden test": …, "solution": …}``.

    A line counts only if it is long enough to be telling (≥ 8 characters, stripped) and does not also appear
    in the notebook's visible text (a visible test may legitimately repeat ``import numpy as np``).
    """
    nb = json.loads(Path(source_notebook).read_text(encoding="utf-8"))
    hidden, solution, visible = set(), set(), set()
    for cell in nb.get("cells", []):
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else src
        tests, rest = _regions(src, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
        sols, rest = _regions("\n".join(rest), "BEGIN SOLUTION", "END SOLUTION")
        hidden.update(line.strip() for line in tests)
        solution.update(line.strip() for line in sols)
        visible.update(line.strip() for line in rest)
    keep = lambda lines: {s for s in lines if len(s) >= _MIN_SECRET and s not in visible}  # noqa: E731
    return {"hidden test": keep(hidden), "solution": keep(solution)}


def find_leaks(text: str, secrets: dict[str, set[str]], markers=MARKERS) -> list[str]:
    """Every marker and secret line found in ``text`` (whitespace-insensitive), as readable findings."""
    squashed = " ".join(text.split())
    found = [f"marker {m!r}" for m in markers if m in text]
    for kind, lines in secrets.items():
        found += [f"{kind} line {line!r}" for line in sorted(lines) if " ".join(line.split()) in squashed]
    return found


def check_release(course: Course, assignment: str, release_dir: Path | None = None) -> None:
    """Raise :class:`LeakError` if a release notebook shows a marker, a hidden test or a solution line."""
    release_dir = Path(release_dir or course.path("release", assignment))
    problems = []
    for source in course.source_notebooks(assignment):
        released = release_dir / source.name
        if not released.exists():
            problems.append(f"{released}: missing (the source {source} was not released)")
            continue
        secrets = secret_lines(source)
        for i, cell in enumerate(json.loads(released.read_text(encoding="utf-8"))["cells"]):
            src = cell.get("source", "")
            src = "".join(src) if isinstance(src, list) else src
            problems += [f"{released} cell {i}: {leak}" for leak in find_leaks(src, secrets)]
    if problems:
        raise LeakError(
            f"release of {assignment!r} would show students what they must not see:\n  "
            + "\n  ".join(problems)
            + "\nFix the source notebook's BEGIN/END markers (nbgrader needs them on their own lines)."
        )


# --- generating -------------------------------------------------------------------------------------------

@dataclass
class ReleaseSummary:
    assignment: str
    notebooks: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        state = f"{len(self.changed)} changed" if self.changed else "unchanged"
        return f"released {self.assignment}: {len(self.notebooks)} notebook(s), {state}, no leaks"


def point_badge_at_release(notebook: Path, course: Course, assignment: str) -> bool:
    """The Colab badge (the cell tagged ``colab-badge``) must open the released notebook, not its source:
    nbgrader copies the source's link, so ``/solutions/<a>/`` becomes ``/assignments/<a>/`` in that cell."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    old, new = f"/{course.source}/{assignment}/", f"/{course.release}/{assignment}/"
    changed = False
    for cell in nb.get("cells", []):
        if "colab-badge" in cell.get("metadata", {}).get("tags", []):
            src = cell["source"]
            fixed = [line.replace(old, new) for line in src] if isinstance(src, list) else src.replace(old, new)
            changed |= fixed != src
            cell["source"] = fixed
    if changed:  # nbformat's own serialisation, so the file stays byte-identical to a plain generation
        notebook.write_text(json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False,
                                       separators=(",", ": ")) + "\n", encoding="utf-8")
    return changed


def _generate_into(course: Course, assignment: str, target: Path, api) -> None:
    """Generate ``assignment`` into ``target`` via a scratch release folder (the committed copy is only
    replaced once generation and the leak check succeed)."""
    with tempfile.TemporaryDirectory(prefix="release-", dir=course.root) as scratch:
        scratch_name = Path(scratch).name
        api.coursedir.release_directory = scratch_name
        stubs = api.config.ClearSolutions
        english = dict(stubs.code_stub), stubs.text_stub
        stubs.code_stub, stubs.text_stub = STUBS[assignment_language(course, assignment)]  # the stubs speak it too
        try:
            run_nbgrader(f"generate_assignment {assignment}", api.generate_assignment(assignment, force=True))
        finally:
            api.coursedir.release_directory = course.release
            stubs.code_stub, stubs.text_stub = english
        produced = Path(scratch) / assignment
        for notebook in produced.glob("*.ipynb"):
            point_badge_at_release(notebook, course, assignment)
        check_release(course, assignment, produced)
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(produced, target)


def assignment_language(course: Course, assignment: str) -> str:
    """The language of an assignment's source notebooks (metadata ``nn_course.language``), which must agree."""
    from autograder.messages import notebook_language

    found = {notebook_language(json.loads(p.read_text(encoding="utf-8"))) for p in course.source_notebooks(assignment)}
    if len(found) > 1:
        raise ValueError(f"the notebooks of {assignment!r} declare different languages {sorted(found)}: one "
                         "assignment is released in one language (give each edition its own assignment id)")
    return found.pop() if found else "en"


def release(course: Course, assignments: list[str] | None = None, *, check_only: bool = False,
            api=None) -> list[ReleaseSummary]:
    """Generate (or with ``check_only`` just compare) the release notebooks of ``assignments`` (default all).

    ``check_only`` regenerates into a temporary folder and raises ``RuntimeError`` if the committed release
    differs, naming the files — the CI check that ``assignments/`` is never edited by hand.
    """
    known = course.assignments()
    assignments = assignments or known
    for a in assignments:
        check_name("assignment", a)
        if a not in known:
            raise ValueError(f"unknown assignment {a!r}: the source folder {course.path('source')} has "
                             f"{known or 'no assignments'}")
    api = api or nbgrader_api(course)
    summaries = []
    for a in assignments:
        committed = course.path("release", a)
        with tempfile.TemporaryDirectory(prefix="release-check-", dir=course.root) as tmp:
            fresh = Path(tmp) / a
            _generate_into(course, a, fresh, api)
            names = sorted(p.name for p in fresh.rglob("*") if p.is_file())
            changed = [n for n in names if not (committed / n).exists()
                       or not filecmp.cmp(fresh / n, committed / n, shallow=False)]
            if committed.is_dir():
                changed += sorted(p.name for p in committed.rglob("*") if p.is_file() and p.name not in names)
            if check_only and changed:
                raise RuntimeError(f"the committed release {committed} differs from a fresh generation in "
                                   f"{changed}: run `course release {a}` and commit the result")
            if changed and not check_only:
                if committed.exists():
                    shutil.rmtree(committed)
                shutil.copytree(fresh, committed)
        summaries.append(ReleaseSummary(a, [n for n in names if n.endswith(".ipynb")], changed))
    return summaries
