"""Point every Colab badge, Colab install cell and Binder badge at one repository and branch.

An instructor who forks the course runs, from the repository root::

    python -m tools.repoint my-org/my-course main        # rewrite notebooks (both editions), solutions,
                                                          # releases, README
    python -m tools.repoint --check                       # exit 1 unless every notebook agrees

Every lecture and assignment notebook starts with a markdown cell tagged ``colab-badge`` and a code cell
tagged ``colab-setup`` (docs/architecture.md, "Notebook conventions"). This tool is the one place that knows
their form: the badge links to the notebook's own path, the setup cell installs the package from the same
repository and branch. Only those cells and the README's badges are touched; every other byte stays as it was.
A notebook edited as text (``notebooks/NAME.md`` beside ``NAME.ipynb``, see tools/lectures.py) has the same two
cells in its text source: those are rewritten too, in place, and must point where the notebook points. The
Russian edition ``notebooks/ru/`` is covered the same way (its badges link to ``notebooks/ru/NAME.ipynb``; its
setup cell's comment line is Russian and kept), and each README Binder badge keeps the start page it opens.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_GLOBS = ("notebooks/*.ipynb", "notebooks/ru/*.ipynb", "solutions/*/*.ipynb", "assignments/*/*.ipynb")
DEFAULT_REPO, DEFAULT_BRANCH = "course-org/nn-course", "main"
_REPO = r"(?P<repo>[\w.-]+/[\w.-]+)"
_BRANCH = r"(?P<branch>[\w./-]+?)"

COLAB_BADGE = ("[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
               "(https://colab.research.google.com/github/{repo}/blob/{branch}/{path})")
BINDER_BADGE = ("[![Binder](https://mybinder.org/badge_logo.svg)]"
                "(https://mybinder.org/v2/gh/{repo}/{branch}?urlpath=lab/tree/{start})")
START_PAGE, START_PAGE_RU = "notebooks/START_HERE.ipynb", "notebooks/ru/START_HERE.ipynb"
SETUP_COMMENT = ("# Colab setup: installs the course library when this notebook runs on Google Colab;"
                 " does nothing elsewhere.")
# The Russian edition (notebooks/ru/) translates the comment line: any one comment line is accepted there and
# kept by a repoint; this one is what a new Russian notebook gets.
SETUP_COMMENT_RU = ("# Настройка Colab: ставит библиотеку курса, когда блокнот запущен в Google Colab;"
                    " иначе ничего не делает.")
SETUP_CELL = (
    SETUP_COMMENT + "\n"
    "import sys\n"
    'if "google.colab" in sys.modules:\n'
    '    %pip install --quiet "nn-course @ git+https://github.com/{repo}@{branch}"'
)
_BADGE_RE = re.compile(r"\(https://colab\.research\.google\.com/github/" + _REPO + "/blob/" + _BRANCH
                       + r"/(?P<path>[^)\s]+\.ipynb)\)")
_BINDER_RE = re.compile(r"\(https://mybinder\.org/v2/gh/" + _REPO + "/" + _BRANCH + r"\?(?P<query>urlpath=[^)\s]*)\)")
_SETUP_RE = re.compile(r"git\+https://github\.com/" + _REPO + "@" + _BRANCH + '"')


class RepointError(ValueError):
    """A notebook lacks the tagged cells, or they do not have the course's form."""


def notebooks(root: Path = ROOT) -> list[Path]:
    return sorted(p for pattern in NOTEBOOK_GLOBS for p in root.glob(pattern))


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _tagged(nb: dict, tag: str, path: Path) -> dict:
    cells = [c for c in nb.get("cells", []) if tag in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise RepointError(f"{path}: expected exactly one cell tagged {tag!r}, found {len(cells)}; "
                           "see docs/architecture.md, 'Notebook conventions'")
    return cells[0]


def is_russian(rel: str) -> bool:
    """Whether the notebook at ``rel`` (relative to the repository) belongs to the Russian edition: a lecture
    in ``notebooks/ru/`` or an assignment ``<id>_ru`` in ``solutions/`` or ``assignments/``."""
    return rel.startswith("notebooks/ru/") or bool(re.match(r"(solutions|assignments)/[^/]+_ru/", rel))


def setup_source(rel: str, repo: str, branch: str, current: str = "") -> str:
    """The colab-setup cell the notebook at ``rel`` should hold: the template, whose comment line a Russian
    notebook writes in Russian (its ``current`` comment line is kept)."""
    template = SETUP_CELL.format(repo=repo, branch=branch)
    if not is_russian(rel):
        return template
    first = current.split("\n", 1)[0]
    comment = first if first.startswith("# ") else SETUP_COMMENT_RU
    return comment + template[len(SETUP_COMMENT):]


def read_target(path: Path, root: Path = ROOT) -> tuple[str, str]:
    """The (repo, branch) a notebook points at; RepointError when its two cells disagree or are malformed."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    badge = _BADGE_RE.search(_source(_tagged(nb, "colab-badge", path)))
    setup_src = _source(_tagged(nb, "colab-setup", path))
    setup = _SETUP_RE.search(setup_src)
    if not badge or not setup:
        raise RepointError(f"{path}: the colab-badge or colab-setup cell does not have the course's form")
    rel = path.resolve().relative_to(root.resolve()).as_posix()
    if badge["path"] != rel:
        raise RepointError(f"{path}: the Colab badge links to {badge['path']!r}, expected {rel!r}")
    target = (badge["repo"], badge["branch"])
    if (setup["repo"], setup["branch"]) != target:
        other = (setup["repo"], setup["branch"])
        raise RepointError(f"{path}: badge points at {target}, install cell at {other}")
    if setup_src != setup_source(rel, target[0], target[1], setup_src):
        raise RepointError(f"{path}: the colab-setup cell differs from the course's template; "
                           "run `python -m tools.repoint REPO BRANCH` to rewrite it")
    return target


def current_target(path: Path, root: Path = ROOT) -> tuple[str, str]:
    """Where a notebook that is about to be (re)generated should point: where it points now, so that a
    regeneration keeps a fork's repointing; the course's default for a new notebook."""
    try:
        return read_target(path, root) if path.exists() else (DEFAULT_REPO, DEFAULT_BRANCH)
    except RepointError:
        return DEFAULT_REPO, DEFAULT_BRANCH


def header_sources(path: Path, title: str, root: Path = ROOT) -> tuple[str, str]:
    """The sources of the two convention cells of the notebook at ``path``: badge + title, and setup."""
    repo, branch = current_target(path, root)
    rel = path.resolve().relative_to(root.resolve()).as_posix()
    badge = COLAB_BADGE.format(repo=repo, branch=branch, path=rel) + f"\n\n# {title}"
    return badge, setup_source(rel, repo, branch)


def _set_source(cell: dict, text: str) -> None:
    cell["source"] = text.splitlines(keepends=True) if isinstance(cell.get("source"), list) else text


def repoint_notebook(path: Path, repo: str, branch: str, root: Path = ROOT) -> bool:
    """Rewrite the two tagged cells of one notebook (and of its text source); True when a file changed."""
    raw = path.read_text(encoding="utf-8")
    nb = json.loads(raw)
    rel = path.resolve().relative_to(root.resolve()).as_posix()
    badge = _tagged(nb, "colab-badge", path)
    src = _source(badge)
    if not _BADGE_RE.search(src):
        raise RepointError(f"{path}: the colab-badge cell holds no Colab badge link")
    new_badge = COLAB_BADGE.format(repo=repo, branch=branch, path=rel)
    _set_source(badge, re.sub(r"\[!\[Open In Colab\]\([^)]*\)\]\([^)]*\)", lambda _: new_badge, src, count=1))
    setup = _tagged(nb, "colab-setup", path)
    _set_source(setup, setup_source(rel, repo, branch, _source(setup)))
    # nbformat's own serialisation (sorted keys, indent 1), so a repointed notebook equals a regenerated one.
    new = json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False, separators=(",", ": ")) + "\n"
    twin = text_twin(path)
    text_changed = twin is not None and repoint_text(twin, rel, repo, branch)
    if new != raw:
        path.write_text(new, encoding="utf-8")
        return True
    return text_changed


def repoint_readme(path: Path, repo: str, branch: str) -> bool:
    text = path.read_text(encoding="utf-8")
    # each Binder badge keeps the page it opens (the English or the Russian start page)
    new = _BINDER_RE.sub(lambda m: f"(https://mybinder.org/v2/gh/{repo}/{branch}?{m['query']})", text)
    new = _BADGE_RE.sub(lambda m: f"(https://colab.research.google.com/github/{repo}/blob/{branch}/{m['path']})",
                        new)
    if new != text:
        path.write_text(new, encoding="utf-8")
        return True
    return False


def text_twin(path: Path) -> Path | None:
    """The text source a notebook is edited as (``NAME.md`` beside ``NAME.ipynb``), when it has one."""
    twin = path.with_suffix(".md")
    return twin if twin.exists() else None


def repoint_text(path: Path, notebook_rel: str, repo: str, branch: str) -> bool:
    """Rewrite the badge link and install URL in a text source; every other byte stays. True when changed."""
    text = path.read_text(encoding="utf-8")
    if not _BADGE_RE.search(text) or not _SETUP_RE.search(text):
        raise RepointError(f"{path}: the text source holds no Colab badge link or install cell")
    new = _BADGE_RE.sub(lambda m: f"(https://colab.research.google.com/github/{repo}/blob/{branch}/{notebook_rel})",
                        text, count=1)
    new = _SETUP_RE.sub(lambda m: f'git+https://github.com/{repo}@{branch}"', new, count=1)
    if new != text:
        path.write_text(new, encoding="utf-8")
        return True
    return False


def read_text_target(path: Path) -> tuple[str, str]:
    """The (repo, branch) the badge and install cell of a text source point at."""
    text = path.read_text(encoding="utf-8")
    badge, setup = _BADGE_RE.search(text), _SETUP_RE.search(text)
    if not badge or not setup:
        raise RepointError(f"{path}: the text source holds no Colab badge link or install cell")
    if (badge["repo"], badge["branch"]) != (setup["repo"], setup["branch"]):
        raise RepointError(f"{path}: badge points at {badge['repo']}@{badge['branch']}, "
                           f"install cell at {setup['repo']}@{setup['branch']}")
    return badge["repo"], badge["branch"]


def check(root: Path = ROOT) -> tuple[str, str]:
    """Every notebook (and text source) points at the same (repo, branch) with the template setup cell;
    returns that target."""
    found = {}
    for path in notebooks(root):
        target = read_target(path, root)
        twin = text_twin(path)
        if twin is not None and read_text_target(twin) != target:
            other = read_text_target(twin)
            raise RepointError(f"{twin}: its text source points at {other[0]}@{other[1]}, the notebook at "
                               f"{target[0]}@{target[1]}; run `python -m tools.repoint REPO BRANCH`")
        found.setdefault(target, []).append(path.relative_to(root).as_posix())
    if len(found) != 1:
        detail = "; ".join(f"{t[0]}@{t[1]}: {', '.join(ps[:3])}" for t, ps in found.items())
        raise RepointError(f"notebooks disagree on the repository they point at ({detail}); "
                           "run `python -m tools.repoint REPO BRANCH`" if found else "no notebooks found")
    return next(iter(found))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.repoint", description=__doc__.split("\n\n")[0])
    ap.add_argument("repo", nargs="?", help="OWNER/REPO on GitHub, e.g. my-org/my-course")
    ap.add_argument("branch", nargs="?", default=DEFAULT_BRANCH)
    ap.add_argument("--check", action="store_true", help="only check that all notebooks agree")
    args = ap.parse_args(argv)
    try:
        if args.check or not args.repo:
            repo, branch = check()
            print(f"all {len(notebooks())} notebooks point at {repo}@{branch}")
            return 0
        if not re.fullmatch(_REPO, args.repo) or not re.fullmatch(_BRANCH, args.branch):
            ap.error(f"expected OWNER/REPO and a branch name, got {args.repo!r} {args.branch!r}")
        changed = [p for p in notebooks() if repoint_notebook(p, args.repo, args.branch)]
        readme = repoint_readme(ROOT / "README.md", args.repo, args.branch)
        print(f"repointed {len(changed)} notebook(s){' and README.md' if readme else ''} at "
              f"{args.repo}@{args.branch}")
        check()
        return 0
    except RepointError as exc:
        print(f"repoint: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
