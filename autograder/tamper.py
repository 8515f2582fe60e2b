"""Reading a submitted notebook and rebuilding its graded copy from the source: tampering is repaired and named.

The graded copy keeps the student's own cells (answers, added cells, pasted duplicates) and takes every test
cell and every locked cell from the *source* notebook, matched by nbgrader ``grade_id``: deleted ones are put
back where the source has them, edited ones are overwritten, duplicates keep only the first as the graded cell
(the copies lose their nbgrader metadata). A restored test cell holds only its kernel part
(:func:`autograder.cell_parts.kernel_source`). A test cell differing from its released (hidden tests cleared) text
is reported as tampering; the verdict never depends on it, because the verifier runs the source's code.
"""
from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path

import nbformat

from autograder.cell_parts import kernel_source
from autograder.nbgrader_adapter import is_solution_cell, is_test_cell, nbgrader_meta
from autograder.source_reading import cell_text

MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024


class Unreadable(Exception):
    """The submitted file is not a notebook we can grade; the message says why."""


def read_notebook(path: Path):
    """Parse a submitted notebook without modifying it; old formats (v3) are converted to v4."""
    path = Path(path)
    if path.is_symlink():
        raise Unreadable(f"{path.name} is a symbolic link, not a submitted file")
    if not path.is_file():
        raise Unreadable(f"{path.name} is not a regular file")
    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        raise Unreadable(f"{path.name} is {size} bytes, more than the {MAX_NOTEBOOK_BYTES} a notebook may have")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise Unreadable(f"{path.name} could not be read: {exc.strerror}") from exc
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Unreadable(f"{path.name} is not valid JSON ({exc}); was it saved completely?") from exc
    if not isinstance(data, dict) or not isinstance(data.get("nbformat"), int):
        raise Unreadable(f"{path.name} is JSON but not a notebook (no nbformat version)")
    notes = []
    try:
        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
    except Exception as exc:  # nbformat raises many kinds for broken structures
        raise Unreadable(f"{path.name} could not be read as a notebook: {type(exc).__name__}: {exc}") from exc
    if data["nbformat"] != 4:
        notes.append(f"{path.name} was converted from nbformat {data['nbformat']} to 4")
    if not isinstance(nb.get("cells"), list):
        raise Unreadable(f"{path.name} has no list of cells")
    for cell in nb.cells:
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            raise Unreadable(f"{path.name} has a cell of unknown type")
        cell.setdefault("metadata", nbformat.NotebookNode())
        if isinstance(cell.get("source"), list):
            cell["source"] = "".join(cell["source"])
    return nb, notes


def match_notebooks(source_names: list[str], submitted: list[Path]) -> tuple[dict[str, Path], list[str]]:
    """Source notebook name -> submitted file. A lone renamed notebook stands in for a lone missing one."""
    by_name = {p.name: p for p in submitted}  # a symlink is matched, then refused by read_notebook
    found = {n: by_name[n] for n in source_names if n in by_name}
    missing = [n for n in source_names if n not in found]
    spare = sorted(p for name, p in by_name.items() if name not in source_names)
    notes = []
    if len(missing) == 1 and len(spare) == 1:
        found[missing[0]] = spare[0]
        notes.append(f"graded {spare[0].name} in place of the missing {missing[0]}")
    return found, notes


def released_text(cell) -> str:
    """A test cell's text as students receive it: nbgrader's hidden-test region removed."""
    from nbgrader.preprocessors import ClearHiddenTests

    clone = copy.deepcopy(cell)
    ClearHiddenTests().preprocess_cell(clone, {}, 0)
    return _norm(cell_text(clone))


def _norm(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def _restored(source_cell):
    """A fresh copy of a source cell, outputs cleared, with its own id. A test cell keeps only the part the
    kernel runs (inputs and observations): its checks and references stay with the verifier."""
    cell = copy.deepcopy(source_cell)
    if cell.cell_type == "code":
        cell.outputs, cell.execution_count = [], None
    if is_test_cell(cell):
        cell.source = kernel_source(cell_text(cell))
    cell["id"] = uuid.uuid4().hex[:12]
    return cell


def rebuild(source_nb, submitted_nb) -> tuple:
    """The notebook to execute: the student's cells, with test and locked cells from the source.

    Returns ``(graded_nb, tampering)``; ``tampering`` lists readable reasons (empty for an honest submission).
    """
    restore = {nbgrader_meta(c).get("grade_id"): c for c in source_nb.cells
               if is_test_cell(c) or (nbgrader_meta(c).get("locked") and not is_solution_cell(c))}
    restore.pop(None, None)
    tests = {gid for gid, c in restore.items() if is_test_cell(c)}
    answers = {nbgrader_meta(c).get("grade_id"): c for c in source_nb.cells if is_solution_cell(c)}
    tampering: list[str] = []
    seen: set[str] = set()
    cells = []
    for cell in submitted_nb.cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if gid in seen:  # a pasted copy of a graded cell: it runs as the student's code, ungraded
            if gid in tests:
                tampering.append(f"test cell {gid} is duplicated")
            cell = copy.deepcopy(cell)
            cell.metadata.pop("nbgrader", None)
            cells.append(cell)
            continue
        if gid is not None:
            seen.add(gid)
        if gid in restore:
            if gid in tests and (cell.cell_type != "code" or _norm(cell_text(cell)) not in (
                    released_text(restore[gid]), _norm(cell_text(restore[gid])))):
                tampering.append(f"test cell {gid} was edited")
            cells.append(_restored(restore[gid]))
        elif gid is not None and gid in answers:
            cells.append(_with_source_metadata(cell, answers[gid], tampering))
        elif nbgrader_meta(cell):
            # a cell marked for nbgrader that the assignment does not have: graded as ordinary code
            cell = copy.deepcopy(cell)
            cell.metadata.pop("nbgrader", None)
            if gid is not None:
                tampering.append(f"cell {gid!r} is marked as graded but the assignment has no such cell "
                                 "(ignored: it ran as ordinary code)")
            cells.append(cell)
        else:
            cells.append(copy.deepcopy(cell))
    cells = _insert_missing(source_nb, cells, restore, seen, tests, tampering)
    graded = nbformat.v4.new_notebook(metadata=copy.deepcopy(source_nb.metadata))
    graded.cells = cells
    _unique_ids(graded)
    return graded, tampering


def _with_source_metadata(cell, source_cell, tampering: list[str]):
    """The student's answer with the source's nbgrader metadata and cell type (points or flags edited by the
    student are put back and named)."""
    cell = copy.deepcopy(cell)
    want, got = nbgrader_meta(source_cell), nbgrader_meta(cell)
    changed = sorted(k for k in ("grade", "solution", "points", "locked") if want.get(k) != got.get(k))
    if changed or cell.cell_type != source_cell.cell_type:
        tampering.append(f"answer cell {want.get('grade_id')!r} had its grading metadata changed "
                         f"({', '.join(changed) or 'cell type'}); restored from the source")
    if cell.cell_type != source_cell.cell_type:
        new = (nbformat.v4.new_code_cell if source_cell.cell_type == "code" else nbformat.v4.new_markdown_cell)(
            cell_text(cell))
        new["id"] = cell.get("id")
        cell = new
    cell.metadata["nbgrader"] = copy.deepcopy(source_cell.metadata["nbgrader"])
    return cell


def _insert_missing(source_nb, cells, restore, seen, tests, tampering):
    """Put back deleted test/locked cells after the graded cell that precedes them in the source."""
    position = {nbgrader_meta(c).get("grade_id"): i for i, c in enumerate(cells) if nbgrader_meta(c)}
    anchor = -1
    inserts: list[tuple[int, object]] = []
    for cell in source_nb.cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if gid in position:
            anchor = position[gid]
        elif gid in restore and gid not in seen:
            if gid in tests:
                tampering.append(f"test cell {gid} was deleted (restored from the source)")
            inserts.append((anchor, _restored(cell)))
    # from the back, so earlier anchors stay valid; a stable sort keeps source order within one anchor
    for after, cell in reversed(sorted(inserts, key=lambda item: item[0])):
        cells.insert(after + 1, cell)
    return cells


def _unique_ids(nb) -> None:
    seen = set()
    for cell in nb.cells:
        cid = cell.get("id")
        if not isinstance(cid, str) or cid in seen:
            cell["id"] = cid = uuid.uuid4().hex[:12]
        seen.add(cid)


def solution_sources(graded_nb) -> list[str]:
    """The student's own code: every code cell of the graded copy that is not a restored test or locked cell."""
    return [cell_text(c) for c in graded_nb.cells
            if c.cell_type == "code" and not is_test_cell(c) and not nbgrader_meta(c).get("locked")]
