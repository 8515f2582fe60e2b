"""Does a Binder launch give a student the course: the package installed, no instructor tools, the start page?

Binder builds ``environment.yml`` (conda, then pip), runs ``postBuild`` once, and opens the ``urlpath`` of
the README's badge. The start page, ``notebooks/START_HERE.ipynb``, must list every lecture and assignment in
order, each with a working link and a line on what it teaches.
"""
from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from packaging.specifiers import SpecifierSet

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:          # tools/ lives outside the installed packages
    sys.path.insert(0, str(REPO_ROOT))

from tools import repoint  # noqa: E402

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
START_PAGE = REPO_ROOT / "notebooks" / "START_HERE.ipynb"
BINDER_LINK = re.compile(r"\]\((?P<url>https://mybinder\.org/v2/gh/(?P<repo>[^/]+/[^/]+)/(?P<branch>[^?]+)\?[^)]+)\)")
MD_LINK = re.compile(r"\[(?P<text>[^\]]*)\]\((?P<target>[^)\s]+)\)")
# the editable/plain install of the repository itself, with extras: "-e .[course]", ".[course,dev]", "."
SELF_INSTALL = re.compile(r"^(?:-e\s+|--editable\s+)?\.(?:\[(?P<extras>[\w,\s-]+)\])?$")


def lectures() -> list[str]:
    found = (REPO_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")
    return sorted(p.relative_to(REPO_ROOT).as_posix() for p in found)


def assignments() -> list[str]:
    """The English assignments (the start page lists them; a Russian edition ``<id>_ru`` is its twin's)."""
    return sorted(p.relative_to(REPO_ROOT).as_posix() for p in (REPO_ROOT / "assignments").glob("*/*.ipynb")
                  if not p.parent.name.endswith("_ru"))


@pytest.fixture(scope="module")
def environment() -> dict:
    return yaml.safe_load((REPO_ROOT / "environment.yml").read_text())


@pytest.fixture(scope="module")
def start_page() -> list[dict]:
    cells = json.loads(START_PAGE.read_text(encoding="utf-8"))["cells"]
    return [{**c, "source": "".join(c["source"]) if isinstance(c["source"], list) else c["source"]}
            for c in cells]


def pip_requirements(environment: dict) -> list[str]:
    deps = environment.get("dependencies") or []
    return [req for dep in deps if isinstance(dep, dict) for req in dep.get("pip", [])]


def test_environment_installs_the_repository_itself_with_the_course_tools(environment):
    installs = [m for req in pip_requirements(environment) if (m := SELF_INSTALL.match(req.strip()))]
    assert len(installs) == 1, (
        f"environment.yml should pip-install the repository once (e.g. `-e .[course]`); its pip list is "
        f"{pip_requirements(environment)}")
    extras = {e.strip() for e in (installs[0]["extras"] or "").split(",") if e.strip()}
    known = set(PYPROJECT.get("optional-dependencies", {}))
    assert extras <= known, f"environment.yml asks for extras {extras - known} that pyproject.toml lacks"
    installed = " ".join([*PYPROJECT["dependencies"],
                          *(req for extra in extras for req in PYPROJECT["optional-dependencies"][extra])])
    # JupyterLab to open, nbgrader for the student set-up, ipywidgets for the lectures' widgets.
    for needed in ("jupyterlab", "nbgrader", "ipywidgets", "jupytext"):
        assert re.search(rf"\b{needed}\b", installed), (
            f"a Binder launch needs {needed}, but the repository installed with extras {sorted(extras)} "
            f"brings only: {installed}")


def test_environment_python_satisfies_requires_python(environment):
    pins = [d for d in environment["dependencies"] if isinstance(d, str) and re.match(r"python\b", d)]
    assert len(pins) == 1, f"environment.yml should pin python once, found {pins}"
    version = re.fullmatch(r"python\s*=*\s*(?P<v>[\d.]+)\*?", pins[0].replace(" ", ""))
    assert version, f"expected a pin like `python=3.11`, got {pins[0]!r}"
    required = SpecifierSet(PYPROJECT["requires-python"])
    assert version["v"] in required, (
        f"environment.yml's python {version['v']} does not satisfy pyproject's requires-python {required}")
    assert "pip" in environment["dependencies"], "environment.yml needs `pip` among its conda dependencies"


def test_postbuild_applies_the_student_setup_and_stops_on_failure():
    path = REPO_ROOT / "postBuild"
    text = path.read_text()
    assert path.stat().st_mode & 0o111, "postBuild must be executable, or Binder runs nothing"
    assert text.startswith("#!"), f"postBuild should start with a shebang, starts with {text[:20]!r}"
    syntax = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
    assert syntax.returncode == 0, f"postBuild is not valid bash: {syntax.stderr}"
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    commands = [shlex.split(line) for line in lines]
    assert ["set", "-euo", "pipefail"] in commands or any(c[:2] == ["set", "-e"] for c in commands), (
        f"postBuild should stop at the first failing command (`set -e`); its commands are {commands}")
    student = [c for c in commands if c[-3:] == ["-m", "autograder.jupyter_mode", "student"]]
    assert student, f"postBuild should run `python -m autograder.jupyter_mode student`; it runs {commands}"


# The README's launch links, one per language: (start page Binder opens, prefix of the notebooks Colab opens).
EDITIONS = {"English": ("notebooks/START_HERE.ipynb", "notebooks/"),
            "Русский": ("notebooks/ru/START_HERE.ipynb", "notebooks/ru/")}
COLAB_LINK = re.compile(r"\]\(https://colab\.research\.google\.com/github/(?P<repo>[^/]+/[^/]+)/blob/"
                        r"(?P<branch>[^/]+)/(?P<path>[^)\s]+)\)")


def test_readme_binder_badges_open_the_start_page_of_each_language_in_the_same_repository():
    """One Binder badge per edition, each opening its own start page. The Russian start page's existence is
    tests/notebooks/test_russian_edition.py's (it names every Russian notebook still missing)."""
    links = list(BINDER_LINK.finditer((REPO_ROOT / "README.md").read_text()))
    urlpaths = []
    for link in links:
        query = dict(part.split("=", 1) for part in urlsplit(link["url"]).query.split("&"))
        urlpaths.append(unquote(query.get("urlpath", "")))
    expected = [f"lab/tree/{start}" for start, _ in EDITIONS.values()]
    assert urlpaths == expected, (
        f"the README should carry one Binder badge per language opening JupyterLab on its start page, in the "
        f"order {expected}; got {urlpaths}")
    assert (REPO_ROOT / EDITIONS["English"][0]).is_file(), f"{EDITIONS['English'][0]} does not exist"
    target = repoint.check(REPO_ROOT)
    for link in links:
        assert (link["repo"], link["branch"]) == target, (
            f"the Binder badge points at {link['repo']}@{link['branch']}, the notebooks at "
            f"{target[0]}@{target[1]}; run `python -m tools.repoint REPO BRANCH`")


def test_readme_has_a_colab_badge_per_language_on_the_same_lecture():
    links = list(COLAB_LINK.finditer((REPO_ROOT / "README.md").read_text()))
    paths = [m["path"] for m in links]
    assert len(links) == len(EDITIONS), f"expected one Colab badge per language, found {paths}"
    english, russian = paths
    assert english.startswith("notebooks/") and russian == english.replace("notebooks/", "notebooks/ru/", 1), (
        f"the Russian Colab badge should open the Russian edition of {english}, got {russian}")
    assert (REPO_ROOT / english).is_file(), f"the README's Colab badge opens {english}, which does not exist"
    target = repoint.check(REPO_ROOT)
    assert all((m["repo"], m["branch"]) == target for m in links), "a Colab badge points at another repository"


def test_readme_lets_a_student_pick_a_language_in_one_click():
    head = (REPO_ROOT / "README.md").read_text().split("\n## ", 1)[0]
    links = {m["text"]: m["target"] for m in MD_LINK.finditer(head) if m["text"] in EDITIONS}
    assert links == {lang: start for lang, (start, _) in EDITIONS.items()}, (
        f"the README's first lines should link 'English' and 'Русский' to each start page; got {links}")
    assert head.index("[English]") < head.index("[Русский]") < head.index("mybinder"), (
        "the language choice should come first, before the badges")


def test_start_page_is_prose_after_the_two_colab_cells(start_page):
    tags = [c.get("metadata", {}).get("tags", []) for c in start_page[:2]]
    assert tags == [["colab-badge"], ["colab-setup"]], (
        f"the start page should open with the two Colab cells, got tags {tags}")
    code = [i for i, c in enumerate(start_page[2:], start=2) if c["cell_type"] != "markdown"]
    assert not code, f"the start page should be markdown after its setup cell; cells {code} are code"


def test_start_page_links_every_lecture_and_assignment_in_order(start_page):
    links = [(m["text"], (START_PAGE.parent / m["target"]).resolve())
             for c in start_page[2:] for m in MD_LINK.finditer(c["source"])]
    linked = [p.relative_to(REPO_ROOT).as_posix() for _, p in links if p.suffix == ".ipynb"]
    for kind, expected in (("lectures", lectures()), ("assignments", assignments())):
        in_page = [p for p in linked if p in expected]
        assert in_page == expected, (
            f"the start page should link the {kind} once each, in order: expected {expected}, got {in_page}")


def test_every_link_on_the_start_page_resolves(start_page):
    targets = [m["target"] for c in start_page[2:] for m in MD_LINK.finditer(c["source"])]
    local = [t for t in targets if not urlsplit(t).scheme]
    missing = [t for t in local if not (START_PAGE.parent / t.split("#")[0]).exists()]
    assert local and not missing, f"start page links {missing} do not exist (relative to notebooks/)"


def test_start_page_says_what_each_notebook_teaches(start_page):
    rows = [line for c in start_page[2:] for line in c["source"].splitlines()
            if line.startswith("|") and ".ipynb)" in line]
    assert len(rows) == len(lectures()) + len(assignments()), (
        f"expected one table row per lecture and assignment, got {len(rows)}: {rows}")
    for row in rows:
        what = row.strip("|").split("|")[-1].strip()
        assert len(what.split()) >= 5, (
            f"the row {row!r} should end with a line on what the notebook teaches, got {what!r}")


def _points(relpath: str) -> tuple[int, int]:
    """(automatically graded, written) points of a source notebook, from its nbgrader metadata."""
    auto = written = 0
    for cell in json.loads((REPO_ROOT / relpath).read_text(encoding="utf-8"))["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade"):
            if meta.get("solution"):
                written += meta.get("points", 0)
            else:
                auto += meta.get("points", 0)
    return auto, written


def test_start_page_states_prerequisites_time_budget_and_origin(start_page):
    text = "\n".join(c["source"] for c in start_page)
    for heading in ("What you need to know first.", "How long it takes.", "Where the course comes from.",
                    "Grading scheme."):
        assert f"**{heading}**" in text, f"the start page should have a paragraph starting **{heading}**"


def test_start_page_grading_table_matches_the_points_of_the_assignments(start_page):
    """The points table is prose: recompute it from the nbgrader metadata of solutions/."""
    rows = [line for c in start_page for line in c["source"].splitlines()
            if re.match(r"\|\s*(\d|course)\b.*\|\s*\d+\s*\|\s*\d+\s*\|\s*\d+\s*\|$", line)]
    table = {r.strip("|").split("|")[0].strip().split()[0]: tuple(int(x) for x in r.strip("|").split("|")[1:])
             for r in rows}
    sources = sorted((REPO_ROOT / "solutions").glob("[0-9][0-9]_*/*.ipynb"))
    expected = {}
    for path in sources:
        auto, written = _points(path.relative_to(REPO_ROOT).as_posix())
        expected[str(int(path.parent.name[:2]))] = (auto, written, auto + written)
    expected["course"] = tuple(sum(v[i] for v in expected.values()) for i in range(3))
    assert table == expected, (
        f"the start page's grading table {table} differs from the points in solutions/ {expected}; "
        "update the table in notebooks/START_HERE.md and run `jupytext --sync notebooks/START_HERE.md`")
