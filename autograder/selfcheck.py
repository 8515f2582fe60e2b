"""Student self-check: run a notebook's visible tests locally and say what failed.

From a terminal::

    course check 01_neurons.ipynb            # or: python -m autograder.selfcheck 01_neurons.ipynb

or in a notebook cell (Google Colab included — no Jupyter extension is needed)::

    from autograder.selfcheck import check
    check("01_neurons.ipynb")

The notebook runs top to bottom in a fresh kernel, in its own folder, on an in-memory copy (the file is never
written). Every test cell (nbgrader ``grade`` cell) is reported as passed or failed with its error message; any
other cell that raises (an unfinished ``raise NotImplementedError()``) is reported too. The exit status is 1 when
anything failed, 0 when all visible tests pass. The hidden tests decide the grade, so passing here is necessary,
not sufficient.
"""
from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class CellResult:
    index: int          # 1-based position in the notebook, as the student counts cells
    name: str           # the nbgrader grade_id, or "cell <index>"
    is_test: bool
    error: str = ""     # "AssertionError: double(1) should be 2, got 3"; empty when the cell ran cleanly


@dataclass
class CheckResult:
    notebook: Path
    cells: list[CellResult] = field(default_factory=list)
    language: str = "en"  # the notebook's (metadata nn_course.language): the report speaks it

    @property
    def tests(self) -> list[CellResult]:
        return [c for c in self.cells if c.is_test]

    @property
    def failures(self) -> list[CellResult]:
        return [c for c in self.cells if c.error]

    @property
    def ok(self) -> bool:
        return not self.failures

    def __str__(self) -> str:
        from autograder.messages import say, speaking

        passed = sum(not c.error for c in self.tests)
        with speaking(self.language):
            lines = [say("check.summary", notebook=self.notebook.name, passed=passed, total=len(self.tests))]
            for c in self.failures:
                lines.append(say("check.failed_test" if c.is_test else "check.failed_code", index=c.index,
                                 name=c.name, error=c.error))
            lines.append(say("check.all_pass" if self.ok else "check.fix_first"))
        return "\n".join(lines)


def _error_message(cell) -> str:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            message = f"{out.get('ename', 'Error')}: {out.get('evalue', '')}".strip()
            return _ANSI.sub("", message).rstrip(": ")
    return ""


def check(notebook, *, timeout: int = 120, quiet: bool = False) -> CheckResult:
    """Run ``notebook`` (a path) in a fresh kernel and report its visible tests; prints unless ``quiet``."""
    import nbformat
    from nbclient import NotebookClient

    path = Path(notebook)
    if path.suffix != ".ipynb" or not path.is_file():
        raise FileNotFoundError(f"self-check needs an existing .ipynb notebook, got {str(path)!r}; in Colab, "
                                "save a copy to Drive and pass its path, e.g. check('/content/drive/…/01.ipynb')")
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # nbformat raises several types for a broken file
        raise ValueError(f"{path} is not a readable notebook ({type(exc).__name__}: {exc}); restore it from "
                         "the release copy and paste your answers back in") from exc
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(path.parent.resolve())}})
    from autograder.messages import notebook_language

    language = notebook_language(nb)  # before the run: an unknown language fails fast
    client.execute()
    result = CheckResult(path, language=language)
    for i, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        is_test = bool(meta.get("grade")) and not meta.get("solution")
        error = _error_message(cell)
        if is_test or error:
            result.cells.append(CellResult(i, meta.get("grade_id", f"cell {i}"), is_test, error))
    if not quiet:
        print(result)
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="course check", description=__doc__.split("\n\n")[0])
    parser.add_argument("notebook", help="the assignment notebook to check")
    parser.add_argument("--timeout", type=int, default=120, help="seconds allowed per cell (default 120)")
    args = parser.parse_args(argv)
    try:
        return 0 if check(args.notebook, timeout=args.timeout).ok else 1
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
