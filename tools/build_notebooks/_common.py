"""Helpers of the notebook builders that remain (the assignments'): cells and the two convention cells.

The lectures are edited as MyST text in ``notebooks/`` (see ``tools/lectures.py``), not built here.
"""
from __future__ import annotations

import hashlib
import re
import textwrap
from pathlib import Path

import nbformat

from tools.repoint import header_sources

REPO_ROOT = Path(__file__).resolve().parents[2]


def _clean(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def md(text: str, tags: tuple[str, ...] = ()) -> nbformat.NotebookNode:
    """A markdown cell from an indented triple-quoted string."""
    # A line that starts with "<!--" opens an HTML block in Markdown and breaks the paragraph in two: keep a
    # claim marker on the line before it (a single newline renders as a space anyway).
    cell = nbformat.v4.new_markdown_cell(re.sub(r"(?<=\S)\n(?=<!--claim:)", " ", _clean(text)))
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def code(text: str, tags: tuple[str, ...] = ()) -> nbformat.NotebookNode:
    """A code cell from an indented triple-quoted string (outputs empty: notebooks are stored stripped)."""
    cell = nbformat.v4.new_code_cell(_clean(text))
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell








def header_cells(relpath: str, title: str) -> list[nbformat.NotebookNode]:
    """The two convention cells (docs/architecture.md, "Notebook conventions"): Colab badge, then setup.

    ``tools.repoint`` owns their form and keeps the repository a fork has repointed them at."""
    badge, setup = header_sources(REPO_ROOT / relpath, title, REPO_ROOT)
    return [md(badge, tags=("colab-badge",)), code(setup, tags=("colab-setup",))]


def assemble(relpath: str, title: str, cells: list, id_prefix: str) -> nbformat.NotebookNode:
    """Convention cells, then ``cells`` (cells or lists of cells), with stable cell ids; lectures and
    assignments are both assembled here."""
    flat: list[nbformat.NotebookNode] = []
    for item in header_cells(relpath, title) + list(cells):
        flat.extend(item if isinstance(item, list) else [item])
    for i, cell in enumerate(flat):
        # Ids derived from the file and the position: regenerating gives byte-identical notebooks.
        cell["id"] = hashlib.sha1(f"{id_prefix}:{i}".encode()).hexdigest()[:12]
    nb = nbformat.v4.new_notebook(cells=flat)
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    nbformat.validate(nb)
    return nb
