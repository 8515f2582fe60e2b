"""Do the Colab cells of every notebook do what they say: install the course on Colab, and nothing elsewhere?

Every lecture, start-page and assignment notebook opens with a markdown cell tagged ``colab-badge`` and a code
cell tagged ``colab-setup`` (docs/architecture.md, "Notebook conventions"); ``tools.repoint.check`` makes sure
they all point at one repository. Here each setup cell is *run* in an IPython shell whose ``%pip`` magic only
records its arguments: outside Colab it must not call it nor import anything, and under a stand-in
``google.colab`` module it must ask for exactly one install, of this repository's package.
"""
from __future__ import annotations

import json
import shlex
import sys
import types
from pathlib import Path

import pytest
from packaging.requirements import Requirement

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:          # tools/ lives outside the installed packages
    sys.path.insert(0, str(REPO_ROOT))

from tools import repoint  # noqa: E402

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

NOTEBOOKS = [p.relative_to(REPO_ROOT).as_posix() for p in repoint.notebooks(REPO_ROOT)]
PACKAGE = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["name"]


def first_cells(relpath: str) -> list[dict]:
    """The first two cells, sources joined (plain JSON: the nbformat schema is checked elsewhere)."""
    cells = json.loads((REPO_ROOT / relpath).read_text(encoding="utf-8"))["cells"][:2]
    return [{**c, "source": "".join(c["source"]) if isinstance(c["source"], list) else c["source"]}
            for c in cells]


@pytest.fixture(scope="module")
def shell(tmp_path_factory):
    """One in-process IPython shell (no history file, a throw-away profile) for all the setup cells."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    ipython = InteractiveShell(config=config, ipython_dir=str(tmp_path_factory.mktemp("ipython")))
    ipython.run_cell("pass", store_history=False)  # IPython loads its own modules on the first cell
    return ipython


@pytest.fixture
def pip_calls(shell):
    """Replace ``%pip`` by a recorder; the list holds the argument line of every call."""
    calls: list[str] = []
    shell.register_magic_function(calls.append, magic_kind="line", magic_name="pip")
    return calls


def run_setup_cell(shell, source: str):
    result = shell.run_cell(source, store_history=False)
    assert result.success, f"the colab-setup cell raised {result.error_before_exec or result.error_in_exec!r}"


def test_every_lecture_and_assignment_notebook_is_covered():
    kinds = {p.split("/")[0] for p in NOTEBOOKS}
    assert {"notebooks", "solutions", "assignments"} <= kinds, (
        f"expected notebooks from all three folders, found {NOTEBOOKS}")
    assert "notebooks/START_HERE.ipynb" in NOTEBOOKS


@pytest.mark.parametrize("relpath", NOTEBOOKS)
def test_notebook_opens_with_the_badge_then_the_setup_cell(relpath):
    badge, setup = first_cells(relpath)
    badge_tags, setup_tags = (c.get("metadata", {}).get("tags", []) for c in (badge, setup))
    assert badge["cell_type"] == "markdown" and "colab-badge" in badge_tags, (
        f"{relpath}: cell 0 should be the markdown cell tagged colab-badge, got a {badge['cell_type']} cell "
        f"tagged {badge_tags}")
    assert setup["cell_type"] == "code" and "colab-setup" in setup_tags, (
        f"{relpath}: cell 1 should be the code cell tagged colab-setup, got a {setup['cell_type']} cell "
        f"tagged {setup_tags}")
    assert not setup.get("outputs"), f"{relpath}: the setup cell is stored with outputs {setup['outputs']!r}"


@pytest.mark.parametrize("relpath", NOTEBOOKS)
def test_setup_cell_does_nothing_outside_colab(relpath, shell, pip_calls, monkeypatch):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    names_before, modules_before = set(shell.user_ns), set(sys.modules)
    run_setup_cell(shell, first_cells(relpath)[1]["source"])
    assert pip_calls == [], f"{relpath}: outside Colab the setup cell should not run %pip; it ran {pip_calls}"
    imported = set(sys.modules) - modules_before
    assert not imported, f"{relpath}: outside Colab the setup cell should import nothing, got {imported}"
    defined = set(shell.user_ns) - names_before - {"sys"}
    assert not defined, f"{relpath}: the setup cell should define only `sys`, it also defined {defined}"


@pytest.mark.parametrize("relpath", NOTEBOOKS)
def test_setup_cell_installs_this_repository_once_on_colab(relpath, shell, pip_calls, monkeypatch):
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    run_setup_cell(shell, first_cells(relpath)[1]["source"])
    assert len(pip_calls) == 1, f"{relpath}: on Colab the setup cell should run %pip once, it ran {pip_calls}"
    args = shlex.split(pip_calls[0])
    assert args[0] == "install" and len(args) >= 2, (
        f"{relpath}: expected `%pip install … <package>`, got {pip_calls[0]!r}")
    requirement = Requirement(args[-1])
    repo, branch = repoint.read_target(REPO_ROOT / relpath)
    assert requirement.name == PACKAGE, (
        f"{relpath}: the install should be of {PACKAGE!r} (pyproject.toml), got {requirement.name!r}")
    assert requirement.url == f"git+https://github.com/{repo}@{branch}", (
        f"{relpath}: the install should come from the repository and branch of the Colab badge, "
        f"{repo}@{branch}; it comes from {requirement.url!r}")
