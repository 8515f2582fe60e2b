"""The verifier: the second run of the grading protocol, in the grader's own clean process.

For each graded test cell of the *source* notebook (solutions/, never the student's copy) it runs the whole
cell — inputs, observations and the ``### BEGIN CHECKS`` regions the kernel never saw (:mod:`autograder.cell_parts`)
— with :func:`autograder.harness.observe` replaying the plain-data records found in the outputs of the same cell
of the graded notebook. The asserts, the references and the type checks run with the grader's numpy and
``course_lib``; their verdict is the cell's score (all of its points or none, as nbgrader scores test cells).

A test cell runs in a namespace seeded with the import statements of the source's setup cells (non-solution,
non-test code). A name that the source defines in a solution cell is not there: using it outside ``observe``
raises :class:`~autograder.harness.AuthoringError`, as do a syntax error and a cell that observes nothing.
"""
from __future__ import annotations

import ast
import builtins
import contextlib
import io
import json
import traceback
import warnings
from dataclasses import dataclass

from autograder import harness
from autograder.cell_parts import kernel_problems
from autograder.messages import notebook_language, say, speaking
from autograder.nbgrader_adapter import is_solution_cell, is_test_cell, nbgrader_meta
from autograder.source_reading import cell_text, defined_names, parse

_PRELUDE = "import numpy as np\n"


@dataclass
class CellVerdict:
    grade_id: str
    points: float
    max_points: float
    passed: bool
    message: str
    authoring_error: bool = False


class _VerifierNamespace(dict):
    """Globals of a verified test cell: a student-defined name is an authoring error, not a lookup."""

    def __init__(self, student_names: set[str]):
        super().__init__()
        self.student_names = student_names

    def __missing__(self, key):
        if key in self.student_names:
            raise harness.AuthoringError(
                f"the test cell uses the student-defined name {key!r} outside observe(); wrap every use of "
                f"student code in observe(label, lambda: ...)")
        if hasattr(builtins, key):
            return getattr(builtins, key)
        raise KeyError(key)


def setup_code(source_cells: list) -> str:
    """The import statements of the source's setup cells (code that is neither a solution nor a test)."""
    lines = [_PRELUDE]
    for cell in source_cells:
        if cell.get("cell_type") != "code" or is_solution_cell(cell) or is_test_cell(cell):
            continue
        tree = parse(cell_text(cell))
        for node in tree.body if tree is not None else ():
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                lines.append(ast.unparse(node) + "\n")
    return "".join(lines)


def records_of(cell) -> list[dict]:
    """Observation records among a graded cell's outputs, in order (only this cell's own outputs count)."""
    records = []
    for out in cell.get("outputs", []) or []:
        data = out.get("data") if isinstance(out, dict) else None
        record = data.get(harness.MIME) if isinstance(data, dict) else None
        if isinstance(record, dict) and record.get("version") == harness.RECORD_VERSION:
            try:  # plain dicts and lists again (outputs are NotebookNodes), and nothing but JSON
                records.append(json.loads(json.dumps(record, allow_nan=False)))
            except (TypeError, ValueError, RecursionError):
                continue
    return records


def verify_notebook(source_nb, graded_nb, seed: int, own_sources: list[str]) -> list[CellVerdict]:
    """Verdicts for every test cell of ``source_nb``, from the records in ``graded_nb`` (matched by grade_id)."""
    graded = {}
    for cell in graded_nb.cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if is_test_cell(cell) and gid not in graded:
            graded[gid] = cell
    student_names = defined_names([cell_text(c) for c in source_nb.cells
                                   if is_solution_cell(c) and c.get("cell_type") == "code"])
    namespace = _VerifierNamespace(student_names)
    setup_error = _run(setup_code(source_nb.cells), namespace, "<verifier setup>")
    with speaking(notebook_language(source_nb)):  # the checks' messages speak the student's language
        return [_verdict(cell, graded, namespace, setup_error, seed, own_sources) for cell in source_nb.cells
                if is_test_cell(cell)]


def _verdict(cell, graded: dict, namespace: dict, setup_error, seed: int, own_sources: list[str]) -> CellVerdict:
    """The verdict on one test cell of the source, from the records of the same cell of the graded notebook."""
    meta = nbgrader_meta(cell)
    gid = meta.get("grade_id", "?")
    max_points = float(meta.get("points", 0) or 0)
    replay = harness.Replay(records=records_of(graded.get(gid, {})), seed=seed, own_sources=own_sources)
    problems = kernel_problems(cell_text(cell))
    if problems:  # the kernel ran this cell's inputs: had they held a reference, a student could read it
        error = harness.AuthoringError("the part of the test cell that runs in the student's kernel may hold "
                                       "only inputs and observations: " + "; ".join(problems))
    else:
        with harness.replaying(replay):
            error = setup_error or _run(cell_text(cell), namespace, f"<test cell {gid}>")
    if error is None and replay.observed == 0:
        error = harness.AuthoringError("the test cell makes no observe() call, so its verdict would not "
                                       "depend on the submission")
    passed = error is None
    return CellVerdict(
        grade_id=gid, points=max_points if passed else 0.0, max_points=max_points, passed=passed,
        message="" if passed else _message(error),
        authoring_error=isinstance(error, (harness.AuthoringError, SyntaxError, NameError)))


def _run(code: str, namespace: dict, filename: str) -> BaseException | None:
    sink = io.StringIO()  # what test cells print belongs in the kernel's outputs, not in the grader's log
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(compile(code, filename, "exec"), namespace)
    except Exception as exc:  # the verdict: any failure of the instructor's test code fails the cell
        return exc
    return None


def _message(error: BaseException) -> str:
    if isinstance(error, AssertionError):
        return f"{type(error).__name__}: {error}"
    where = "".join(traceback.format_exception(type(error), error, error.__traceback__, limit=-3))
    kind = "authoring error in the test cell" if isinstance(error, (harness.AuthoringError, NameError)) else \
        say("verify.unfit")
    return f"{kind}: {type(error).__name__}: {error}\n{where}"
