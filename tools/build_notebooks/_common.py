"""Helpers shared by the lecture-notebook builders: cells, the two convention cells, collapsible answers.

Each ``nbXX_*.py`` module in this package lists its cells (markdown and code, in lecture order) and calls
:func:`write_notebook`. The generated ``.ipynb`` is what is committed; the builders are what is reviewed.

Numbers stated in prose that ``course_lib`` computes are wrapped in a *claim* marker,
``<!--claim:NAME-->VALUE<!--/claim-->`` (use :func:`claim`): the comment is invisible when the markdown
renders, and ``tests/notebooks/test_prose_numbers.py`` parses it and recomputes ``NAME`` with course_lib.
"""
from __future__ import annotations

import hashlib
import re
import textwrap
from pathlib import Path

import nbformat

from tools.repoint import header_sources

REPO_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = REPO_ROOT / "notebooks"


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


def exercise(question: str, answer: str) -> list[nbformat.NotebookNode]:
    """An exercise: the question in a markdown cell, the answer hidden in a collapsible ``<details>`` cell."""
    hidden = (
        "<details><summary>Answer</summary>\n\n"
        + _clean(answer)
        + "\n\n</details>"
    )
    return [md("**Exercise.** " + _clean(question), tags=("exercise",)),
            md(hidden, tags=("answer",))]


def claim(name: str, value: str) -> str:
    """Mark a number in prose so the prose-number test can recompute it (invisible when rendered)."""
    return f"<!--claim:{name}-->{value}<!--/claim-->"


def errata(text: str) -> str:
    """A visible errata note for a slip in the lecture material."""
    return f"> ⚠️ **Errata.** {_clean(text)}"


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


def build(filename: str, title: str, cells: list) -> nbformat.NotebookNode:
    """The lecture notebook ``notebooks/<filename>``."""
    return assemble(f"notebooks/{filename}", title, cells, filename)


def write_notebook(filename: str, title: str, cells: list) -> Path:
    """Build and write ``notebooks/<filename>``; returns the path."""
    nb = build(filename, title, cells)
    path = NOTEBOOK_DIR / filename
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path
