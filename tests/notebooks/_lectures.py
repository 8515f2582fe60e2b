"""Shared helpers of the lecture-notebook tests: where the notebooks are, their claims, executing them.

A lecture is edited as ``notebooks/NAME.md`` (MyST, see tools/lectures.py); ``read`` parses that text source,
``read_stored`` the ``NAME.ipynb`` committed beside it (the two are checked to agree in test_lectures.py).
"""
from __future__ import annotations

import functools
import os
import re
import sys
import time
from pathlib import Path

import nbformat

REPO_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = REPO_ROOT / "notebooks"
if str(REPO_ROOT) not in sys.path:          # tools/ lives outside the installed packages
    sys.path.insert(0, str(REPO_ROOT))

from tools.lectures import read_text  # noqa: E402

LECTURES = sorted(p.with_suffix(".ipynb").name for p in NOTEBOOK_DIR.glob("[0-9][0-9]_*.md"))
# The Russian edition, named relative to notebooks/ ("ru/01_x.ipynb") so that read/read_stored/execute take it.
RU_DIR = NOTEBOOK_DIR / "ru"
RU_NOTEBOOKS = sorted(f"ru/{p.with_suffix('.ipynb').name}" for p in RU_DIR.glob("*.md"))
RU_LECTURES = [name for name in RU_NOTEBOOKS if re.match(r"ru/\d\d_", name)]

# <!--claim:NAME-->VALUE<!--/claim--> (see tools/lectures.py)
CLAIM_RE = re.compile(r"<!--claim:(?P<name>\w+)-->(?P<value>.*?)<!--/claim-->")
NUMBER_RE = re.compile(r"[-−]?\d+(?:,\d{3})*(?:\.\d+)?(?:[eE][-+]?\d+)?")


def read(filename: str) -> nbformat.NotebookNode:
    """The lecture ``NAME.ipynb`` as its text source ``NAME.md`` describes it (what an instructor edits)."""
    return read_text((NOTEBOOK_DIR / filename).with_suffix(".md"))


def read_stored(filename: str) -> nbformat.NotebookNode:
    """The committed ``NAME.ipynb`` (what Colab, Binder and a student open)."""
    return nbformat.read(str(NOTEBOOK_DIR / filename), as_version=4)


def parse_number(text: str) -> tuple[float, float]:
    """``"−12"`` -> (value, half a unit in the last written digit): the precision the prose promises."""
    match = NUMBER_RE.search(text)
    if match is None:
        raise ValueError(f"claim value {text!r} holds no number")
    raw = match.group().replace("−", "-").replace(",", "")
    mantissa, _, exponent = raw.lower().partition("e")
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    half_ulp = 0.5 * 10.0 ** (-decimals) * 10.0 ** (int(exponent) if exponent else 0)
    return float(raw), half_ulp


# Russian typography: decimal comma, thousands grouped by a (narrow) no-break space or a space: "9 620", "0,5998"
_RU_GROUP = "[ \u00a0\u202f]"
RU_NUMBER_RE = re.compile(r"[-−]?(?:\d{1,3}(?:" + _RU_GROUP + r"\d{3})+|\d+)(?:,\d+)?(?:[eE][-+−]?\d+)?")


def parse_ru_number(text: str) -> tuple[float, float]:
    """``"0,5998"``, ``"9 620"``, ``"95,5%"`` -> (value, half a unit in the last written digit), as
    ``parse_number`` reads the English ``"0.5998"``, ``"9,620"``, ``"95.5%"``; a decimal point is an error."""
    if re.search(r"\d\.\d", text):
        raise ValueError(f"claim value {text!r} has a decimal point; Russian text writes a decimal comma (0,5998)")
    match = RU_NUMBER_RE.search(text)
    if match is None:
        raise ValueError(f"claim value {text!r} holds no number")
    raw = re.sub(_RU_GROUP, "", match.group()).replace("−", "-").replace(",", ".")
    mantissa, _, exponent = raw.lower().partition("e")
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    half_ulp = 0.5 * 10.0 ** (-decimals) * 10.0 ** (int(exponent) if exponent else 0)
    return float(raw), half_ulp


def claims(nb) -> list[tuple[str, str]]:
    """Every ``(name, written value)`` claim in the notebook's markdown cells."""
    found = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            found += [(m["name"], m["value"]) for m in CLAIM_RE.finditer(cell.source)]
    return found


def output_text(cell) -> str:
    """The text a code cell printed or displayed (streams and text/plain results)."""
    parts = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            parts.append(out.text)
        elif out.output_type in ("execute_result", "display_data"):
            parts.append(out.get("data", {}).get("text/plain", ""))
    return "".join(parts)


def run_problems(nb) -> list[str]:
    """What went wrong in an executed notebook: each error output and each stderr stream, with its cell."""
    problems = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                problems.append(f"cell {i}: {out.ename}: {out.evalue}")
            elif out.output_type == "stream" and out.name == "stderr":
                problems.append(f"cell {i} wrote to stderr: {out.text[:300]!r}")
    return problems


def unprinted_claims(nb, parse=parse_number) -> list[tuple[str, str]]:
    """The claims ``(name, written)`` of an executed notebook that none of its outputs prints (to the written
    precision); ``parse`` reads a written value (``parse_ru_number`` for the Russian edition)."""
    printed = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            printed += [float(m.replace("−", "-").replace(",", "")) for m in NUMBER_RE.findall(output_text(cell))]
    missing = []
    for name, written in claims(nb):
        value, tol = parse(written)
        if not any(abs(p - value) <= tol * (1 + 1e-9) for p in printed):
            missing.append((name, written))
    return missing


@functools.cache
def execute(filename: str):
    """Run the notebook top to bottom in a fresh ``python3`` kernel, cwd its folder (``notebooks/``, ``notebooks/ru/``).

    Returns ``(executed notebook, seconds, error)``; errors are returned, not raised, so that the caller can
    report the failing cell. Cached: the execution test and the output-claims test share one run.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = read_stored(filename)
    # The lectures multiply small matrices: BLAS threads only fight over the 2 cores (10x slower under load).
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    client = NotebookClient(nb, kernel_name="python3", timeout=300, allow_errors=True,
                            resources={"metadata": {"path": str((NOTEBOOK_DIR / filename).parent)}})
    start = time.perf_counter()
    error = None
    try:
        client.execute()
    except CellExecutionError as exc:  # pragma: no cover - only with allow_errors=False
        error = str(exc)
    return nb, time.perf_counter() - start, error
