"""The notebooks of ``notebooks/`` are edited as text: each ``NAME.ipynb`` is paired with ``NAME.md`` (MyST).

An instructor opens either file in JupyterLab (jupytext, in the ``course`` extra, reads ``notebooks/jupytext.toml``
and saves both), or edits ``NAME.md`` in any editor and runs::

    jupytext --sync notebooks/NAME.md                     # or: python -m tools.lectures --sync

The ``.md`` file is the source: prose, code and cell tags. The ``.ipynb`` beside it is what Colab, Binder and
a student open; it carries the same cells, stored without outputs, plus the cell ids jupytext keeps from one
sync to the next (a new cell gets a new id, the others keep theirs). ``python -m tools.lectures --check`` (and
``tests/notebooks/test_lectures.py``) fails when the two disagree and prints the command that fixes it.

Conventions the lectures keep (checked by ``tests/notebooks``): the first two cells are the Colab badge and
setup cells (``tools.repoint`` owns their form); then a "Learning goals" cell; exercises are a markdown cell
tagged ``exercise`` starting ``**Exercise.**`` followed by a cell tagged ``answer`` holding a collapsed
``<details><summary>Answer</summary>`` block; the last cell is ``## Summary``. A number in prose that the
library computes is wrapped in a claim marker ``<!--claim:NAME-->VALUE<!--/claim-->`` (never at the start of
a line) and recomputed in ``tests/notebooks/test_prose_numbers.py``. A slip of the source lectures gets a
visible note, a quoted line starting ``> ⚠️ **Errata.**``.

The Russian edition ``notebooks/ru/NAME.md`` + ``NAME.ipynb`` is paired, synced and checked the same way (the
same ``jupytext.toml`` applies); ``tests/notebooks/test_russian_edition.py`` holds it to its English twin.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
TEXT_FORMAT = "md:myst"


def text_source(notebook: Path) -> Path:
    """The text twin of ``notebooks/NAME.ipynb``: ``notebooks/NAME.md``."""
    return notebook.with_suffix(".md")


EDITIONS = ("", "ru")   # notebooks/NAME.ipynb (English) and notebooks/ru/NAME.ipynb (Russian, the same names)


def paired_notebooks(root: Path = ROOT) -> list[Path]:
    """Every ``.ipynb`` of ``notebooks/`` and of the Russian edition ``notebooks/ru/`` (each must have its text
    twin)."""
    return sorted(p for edition in EDITIONS for p in (root / "notebooks" / edition).glob("*.ipynb"))


def read_text(path: Path):
    """The notebook a text source describes (inputs and tags only)."""
    import jupytext

    return jupytext.read(path, fmt=TEXT_FORMAT)


def fix_command(notebook: Path, root: Path = ROOT) -> str:
    rel = text_source(notebook).relative_to(root).as_posix()
    return f"jupytext --sync {rel}   (or `python -m tools.lectures --sync`)"


def _cell_view(cell) -> tuple:
    tags = tuple(cell.get("metadata", {}).get("tags", []))
    other = {k: v for k, v in cell.get("metadata", {}).items() if k != "tags"}
    return cell["cell_type"], cell["source"], tags, sorted(other.items(), key=str)


def disagreements(notebook: Path, root: Path = ROOT) -> list[str]:
    """Where ``notebook`` and its text source differ (cells, order, sources, tags); empty when they agree."""
    import nbformat

    source = text_source(notebook)
    rel = notebook.relative_to(root).as_posix()
    if not source.exists():
        return [f"{rel} has no text source {source.name}: run `jupytext --set-formats ipynb,md:myst {rel}`"]
    if not notebook.exists():
        return [f"{source.relative_to(root).as_posix()} has no notebook beside it"]
    text_nb = read_text(source)
    ipynb = nbformat.read(notebook, as_version=4)
    found = []
    if len(text_nb.cells) != len(ipynb.cells):
        found.append(f"{rel}: {len(ipynb.cells)} cells, its text source {len(text_nb.cells)}")
    for i, (a, b) in enumerate(zip(ipynb.cells, text_nb.cells)):
        if _cell_view(a) != _cell_view(b):
            found.append(f"{rel}: cell {i} differs from the text source ({a.source[:60]!r} vs {b.source[:60]!r})")
            break
    return found


def sync(notebook: Path) -> bool:
    """Rewrite ``notebook`` from its text source, keeping the ids of unchanged cells; outputs are dropped."""
    import jupytext
    import nbformat
    from jupytext.combine import combine_inputs_with_outputs

    text_nb = read_text(text_source(notebook))
    before = notebook.read_text(encoding="utf-8") if notebook.exists() else ""
    if before:
        old = nbformat.reads(before, as_version=4)
        text_nb = combine_inputs_with_outputs(text_nb, old, fmt=TEXT_FORMAT)
        text_nb.metadata = old.metadata
    for cell in text_nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    after = jupytext.writes(text_nb, fmt="ipynb")
    if after.strip() != before.strip():
        notebook.write_text(after, encoding="utf-8")
        return True
    return False


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.lectures", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sync", action="store_true", help="rewrite every .ipynb from its .md source")
    ap.add_argument("--check", action="store_true", help="exit 1 when a .ipynb and its .md source disagree")
    args = ap.parse_args(argv)
    if args.sync:
        changed = [nb for nb in paired_notebooks(ROOT) if sync(nb)]
        print(f"updated {len(changed)} notebook(s) from their text sources")
    problems = [(nb, p) for nb in paired_notebooks(ROOT) for p in disagreements(nb, ROOT)]
    for nb, problem in problems:
        print(f"{problem}\n  fix: {fix_command(nb, ROOT)}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
