"""Grading one submission safely: ``grade_submission(course, assignment, student)`` -> :class:`Outcome`.

For each source notebook of the assignment:

1. read the submitted notebook without modifying it (corrupt JSON, a symlink or a non-notebook is
   ``unreadable``; a lone renamed notebook stands in for a missing one; nbformat 3 is converted);
2. rebuild the graded copy: test and locked cells from the source, the student's own cells kept
   (:mod:`autograder.tamper`); edited, deleted or duplicated test cells make the status ``tampered``;
3. execute it in a sandboxed kernel (:mod:`autograder.sandbox`) in a fresh folder outside the course tree,
   bounded in time, memory and output (:mod:`autograder.execute`), with ``COURSE_GRADING_SEED`` set;
4. verify: the source's test cells run again in this process against the recorded observations
   (:mod:`autograder.verify`); their verdict is the score;
5. write the graded notebook to ``autograded/<student>/<assignment>/`` and the scores to the gradebook.

Whatever the submission does, an :class:`Outcome` comes back; only a broken *course* (no source notebooks,
invalid ids) raises ``ValueError``.
"""
from __future__ import annotations

import os
import secrets
import shutil
import traceback
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import nbformat

from autograder import held_out
from autograder.course import Course, check_name
from autograder.execute import RunReport, run_notebook
from autograder.forbidden import declared, is_refusal
from autograder.gradebook_io import ensure_structure, record_scores
from autograder.harness import SEED_ENV
from autograder.kernels import acquire
from autograder.messages import notebook_language, say, speaking
from autograder.nbgrader_adapter import is_test_cell, nbgrader_meta
from autograder.sandbox import SandboxError, sandbox_status
from autograder.status import first_to_see
from autograder.tamper import Unreadable, match_notebooks, read_notebook, rebuild, solution_sources
from autograder.verify import CellVerdict, verify_notebook

MAX_COPY_BYTES = 200 * 1024 * 1024


@dataclass
class Limits:
    """Bounds per notebook: wall time, kernel address space, stored output bytes, and time per cell."""

    timeout_s: float = 600.0
    memory_mb: int = 2048
    output_bytes: int = 5_000_000
    cell_timeout_s: float = 120.0

    def __post_init__(self):
        for name in ("timeout_s", "memory_mb", "output_bytes", "cell_timeout_s"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or value <= 0:
                raise ValueError(f"Limits.{name} must be a positive number, got {value!r}")


@dataclass
class Outcome:
    """The result for one student and assignment. ``cells`` has one dict per graded cell:
    ``grade_id, points, max_points, passed, message``; ``passed`` is None for a hand-graded answer, whose
    ``points`` are the manual score so far (0 until graded). ``max_score`` includes hand-graded points.
    """

    student: str
    assignment: str
    status: str
    reason: str
    score: float
    max_score: float
    cells: list[dict] = field(default_factory=list)
    seed: int | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class _NotebookResult:
    status: str
    notes: list[str]
    verdicts: list[CellVerdict]
    manual: list[tuple[str, float]]      # (grade_id, max points) of hand-graded cells
    graded_nb: object = None


def grade_submission(course: Course, assignment: str, student: str, *, seed: int | None = None,
                     limits: Limits | None = None) -> Outcome:
    """Grade ``submitted/<student>/<assignment>``; never modifies it, never raises for what it contains."""
    check_name("assignment", assignment)
    check_name("student", student)
    limits = limits or Limits()
    seed = secrets.randbelow(2**31) if seed is None else int(seed)
    paths = course.source_notebooks(assignment)
    if not paths:
        raise ValueError(f"assignment {assignment!r} has no source notebooks in {course.path('source', assignment)}; "
                         "check the assignment id or put its notebook in solutions/")
    sources = {p.name: nbformat.read(p, as_version=4) for p in paths}
    warnings = [w for w in (sandbox_status().warning,) if w]
    sub_dir = course.path("submitted", student, assignment)
    if not sub_dir.is_dir() or sub_dir.is_symlink():
        results = {name: _missing(src, f"no submission folder {sub_dir.relative_to(course.root)}")
                   for name, src in sources.items()}
        return _outcome(student, assignment, results, [], seed, warnings, manual_scores={})
    found, notes = match_notebooks(list(sources), sorted(sub_dir.glob("*.ipynb")))
    results = {}
    for name, src in sources.items():
        if name not in found:
            results[name] = _missing(src, f"{name} was not submitted")
            continue
        try:
            results[name] = _grade_notebook(course, assignment, src, found[name], sub_dir, seed, limits)
        except Exception as exc:  # a grader bug must not stop a class's run; a person looks at it
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            results[name] = _NotebookResult("needs_manual", [f"grader error on {name}: {detail}"],
                                            _all_failed(src, "not graded: grader error"), _manual_cells(src))
    graded = {n: r for n, r in results.items() if r.graded_nb is not None}
    for name, result in graded.items():
        _write_atomic(course.path("autograded", student, assignment) / name, result.graded_nb)
    manual_scores = {}
    if graded:
        ensure_structure(course.gradebook_url, assignment, {n: sources[n] for n in graded})
        scores = {name: {**{v.grade_id: v.points for v in r.verdicts}, **{g: None for g, _ in r.manual}}
                  for name, r in graded.items()}
        manual_scores = record_scores(
            course.gradebook_url, assignment, student, scores, timestamp=_timestamp(sub_dir),
            flagged=any(r.status in ("tampered", "needs_manual") for r in graded.values()))
    return _outcome(student, assignment, results, notes, seed, warnings, manual_scores)


def _grade_notebook(course: Course, assignment: str, src, path: Path, sub_dir: Path, seed: int,
                    limits: Limits) -> _NotebookResult:
    try:
        submitted, notes = read_notebook(path)
    except Unreadable as exc:
        return _NotebookResult("unreadable", [str(exc)], _all_failed(src, "notebook unreadable"),
                               _manual_cells(src), graded_nb=_unreadable_copy(src, str(exc)))
    graded, tampering = rebuild(src, submitted)
    try:
        # held-out data (autograder.held_out): only the training rows and unlabelled inputs reach the kernel
        # (and no file handed in beside the notebook: it could hold the data set with its labels)
        dataset = held_out.declared(src)
        with held_out.prepared(dataset, seed) as data, \
                acquire(limits.memory_mb, declared(src), data.binds, notebook_language(src)) as kernel:
            if course.root == kernel.work or course.root in kernel.work.parents:
                raise SandboxError(f"the grading folder {kernel.work} lies inside the course {course.root}; "
                                   "point TMPDIR elsewhere")
            _copy_inputs(None if dataset else sub_dir, course.path("release", assignment), kernel.work)
            kernel.prepare({SEED_ENV: str(seed), **data.env})
            report = run_notebook(kernel, graded, timeout_s=limits.timeout_s,
                                  cell_timeout_s=limits.cell_timeout_s, output_bytes=limits.output_bytes)
    except SandboxError as exc:
        report = RunReport(ending="kernel_died", notes=[str(exc)])
    verdicts = verify_notebook(src, graded, seed, solution_sources(graded))
    _annotate(graded, verdicts, seed, notebook_language(src))
    status = "graded" if report.ending == "ok" else report.ending
    authoring = [v for v in verdicts if v.authoring_error]
    if tampering:
        status = "tampered"
    if authoring:
        status = "needs_manual"
        notes.append("authoring error in test cells " + ", ".join(v.grade_id for v in authoring))
    return _NotebookResult(status, notes + tampering + report.notes + _forbidden_imports(graded), verdicts,
                           _manual_cells(src), graded)


def _forbidden_imports(graded) -> list[str]:
    """Answer cells that stopped on a forbidden module (its stub's ImportError, in either language), named with
    the module."""
    found = []
    for index, cell in enumerate(graded.cells):
        if cell.get("cell_type") != "code" or is_test_cell(cell):
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error" and is_refusal(str(out.get("evalue", ""))):
                found.append(f"cell {index}: {str(out['evalue']).split(':')[0]}; what it defines is missing")
    return found


def _copy_inputs(sub_dir: Path | None, release_dir: Path, work: Path) -> None:
    """The submission's files (no symlinks: they could point at solutions/; none when ``sub_dir`` is None), then
    the released data files."""
    budget = MAX_COPY_BYTES
    for base, notebooks_too in ((sub_dir, True), (release_dir, False)):
        if base is None or not base.is_dir() or base.is_symlink():
            continue
        for folder, dirs, files in os.walk(base):  # os.walk does not descend into symlinked folders
            dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(folder, d))]
            for name in files:
                path = Path(folder, name)
                if path.is_symlink() or not path.is_file() or (name.endswith(".ipynb") and not notebooks_too):
                    continue
                size = path.stat().st_size
                if size > budget:
                    continue
                budget -= size
                target = work / path.relative_to(base)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)


def passed_text(points: float, language: str) -> str:
    with speaking(language):
        return say("grade.passed", points=points)


def _annotate(graded, verdicts: list[CellVerdict], seed: int, language: str = "en") -> None:
    """The verifier's verdict as the last output of each test cell (in the notebook's ``language``), and the
    run's facts in the metadata."""
    by_id = {v.grade_id: v for v in verdicts}
    for cell in graded.cells:
        verdict = by_id.get(nbgrader_meta(cell).get("grade_id")) if is_test_cell(cell) else None
        if verdict is None:
            continue
        if verdict.passed:
            cell.outputs.append(nbformat.v4.new_output(
                "stream", name="stdout", text=passed_text(verdict.points, language) + "\n"))
        else:
            cell.outputs.append(nbformat.v4.new_output(
                "error", ename="GradingFailure", evalue=verdict.message, traceback=[verdict.message]))
    graded.metadata["nn_course_grading"] = {
        "seed": seed, "verdicts": [{"grade_id": v.grade_id, "points": v.points, "passed": v.passed}
                                   for v in verdicts]}


def _unreadable_copy(src, why: str):
    """An unreadable submission is recorded as the source structure with no answers, for the gradebook."""
    graded, _ = rebuild(src, nbformat.v4.new_notebook())
    verdicts = [CellVerdict(gid, 0.0, 0.0, False, why) for gid in
                (nbgrader_meta(c).get("grade_id") for c in graded.cells if is_test_cell(c))]
    _annotate(graded, verdicts, seed=0, language=notebook_language(src))
    return graded


def _missing(src, why: str) -> _NotebookResult:
    return _NotebookResult("missing", [why], _all_failed(src, why), _manual_cells(src))


def _all_failed(src, why: str) -> list[CellVerdict]:
    return [CellVerdict(nbgrader_meta(c).get("grade_id", "?"), 0.0, float(nbgrader_meta(c).get("points", 0) or 0),
                        False, why) for c in src.cells if is_test_cell(c)]


def _manual_cells(src) -> list[tuple[str, float]]:
    return [(nbgrader_meta(c)["grade_id"], float(nbgrader_meta(c).get("points", 0) or 0)) for c in src.cells
            if nbgrader_meta(c).get("grade") and nbgrader_meta(c).get("solution") and "grade_id" in nbgrader_meta(c)]


def _outcome(student, assignment, results: dict[str, _NotebookResult], notes, seed, warnings,
             manual_scores) -> Outcome:
    cells, score, max_score = [], 0.0, 0.0
    for name, result in results.items():
        for v in result.verdicts:
            cells.append({"grade_id": v.grade_id, "points": v.points, "max_points": v.max_points,
                          "passed": v.passed, "message": v.message})
            score += v.points
            max_score += v.max_points
        for grade_id, max_points in result.manual:
            points = manual_scores.get((name, grade_id)) or 0.0
            cells.append({"grade_id": grade_id, "points": float(points), "max_points": max_points,
                          "passed": None, "message": "graded by hand"})
            score += points
            max_score += max_points
    statuses = {r.status for r in results.values()}
    status = first_to_see(statuses)
    reasons = list(notes) + [n for r in results.values() for n in r.notes] + warnings
    for result in results.values():  # every automatic zero says which task and why
        if result.graded_nb is None or result.status == "unreadable":
            continue  # missing or unreadable: the note above is the reason for all of its cells
        reasons += [f"{v.grade_id} 0/{v.max_points:g}: {_first_line(v.message)}" for v in result.verdicts
                    if not v.passed and v.max_points > 0]
    return Outcome(student, assignment, status, "; ".join(reasons) or "graded", score, max_score, cells, seed,
                   warnings)


def _first_line(message: str, limit: int = 240) -> str:
    line = next((x.strip() for x in message.splitlines() if x.strip()), "failed")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _timestamp(sub_dir: Path) -> datetime | None:
    stamp = sub_dir / "timestamp.txt"
    if not stamp.is_file() or stamp.is_symlink():
        return None
    try:
        from nbgrader.utils import parse_utc

        return parse_utc(stamp.read_text()[:100].strip())
    except Exception:  # an unparsable timestamp is ignored, as nbgrader does with a warning
        return None


def _write_atomic(path: Path, nb) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    nbformat.write(nb, tmp)
    os.replace(tmp, path)
