"""Does one command repoint every Colab badge and install cell, and do all notebooks agree?"""
import json
import shutil
from pathlib import Path

import nbformat
import pytest

from tools import repoint

ROOT = Path(__file__).resolve().parents[2]
RU_COMMENT = "# Настройка для Colab: ставит библиотеку курса только в Colab."   # a translator's wording


def make_notebook(path: Path, root: Path, repo="course-org/nn-course", branch="main"):
    rel = path.relative_to(root).as_posix()
    nb = nbformat.v4.new_notebook()
    badge = nbformat.v4.new_markdown_cell(repoint.COLAB_BADGE.format(repo=repo, branch=branch, path=rel)
                                          + "\n\n# A lecture")
    badge.metadata["tags"] = ["colab-badge"]
    setup = nbformat.v4.new_code_cell(repoint.setup_source(rel, repo, branch, RU_COMMENT))
    setup.metadata["tags"] = ["colab-setup"]
    nb.cells = [badge, setup, nbformat.v4.new_code_cell("x = 1  # untouched")]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


@pytest.fixture
def course(tmp_path):
    for rel in ("notebooks/01_a.ipynb", "notebooks/ru/01_a.ipynb", "solutions/01_a/01_a.ipynb",
                "assignments/01_a/01_a.ipynb"):
        make_notebook(tmp_path / rel, tmp_path)
    here = {"repo": "course-org/nn-course", "branch": "main"}
    (tmp_path / "README.md").write_text(
        repoint.BINDER_BADGE.format(**here, start=repoint.START_PAGE) + "\n"
        + repoint.BINDER_BADGE.format(**here, start=repoint.START_PAGE_RU) + "\n"
        + repoint.COLAB_BADGE.format(**here, path="notebooks/01_a.ipynb") + "\n"
        + repoint.COLAB_BADGE.format(**here, path="notebooks/ru/01_a.ipynb"))
    return tmp_path


def test_every_notebook_in_the_repository_points_at_the_same_place():
    paths = repoint.notebooks(ROOT)
    assert len(paths) >= 6, f"expected the lecture and assignment notebooks, found {len(paths)}"
    repo, branch = repoint.check(ROOT)
    assert (repo, branch) == (repoint.DEFAULT_REPO, repoint.DEFAULT_BRANCH)


def test_repoint_rewrites_badges_and_install_cells_and_nothing_else(course):
    for path in repoint.notebooks(course):
        before = nbformat.read(path, as_version=4)
        assert repoint.repoint_notebook(path, "my-org/fork", "spring-2027", course)
        after = nbformat.read(path, as_version=4)
        rel = path.relative_to(course).as_posix()
        assert f"github/my-org/fork/blob/spring-2027/{rel}" in after.cells[0].source
        assert "git+https://github.com/my-org/fork@spring-2027" in after.cells[1].source
        assert after.cells[2] == before.cells[2], "an untagged cell changed"
    assert repoint.check(course) == ("my-org/fork", "spring-2027")
    assert repoint.repoint_readme(course / "README.md", "my-org/fork", "spring-2027")
    readme = (course / "README.md").read_text()
    assert "mybinder.org/v2/gh/my-org/fork/spring-2027?urlpath=lab/tree/notebooks/START_HERE.ipynb" in readme
    assert "mybinder.org/v2/gh/my-org/fork/spring-2027?urlpath=lab/tree/notebooks/ru/START_HERE.ipynb" in readme
    assert "github/my-org/fork/blob/spring-2027/notebooks/ru/01_a.ipynb" in readme
    assert "course-org" not in readme


def test_repointed_notebook_is_written_exactly_as_nbformat_writes_it(course):
    path = course / "notebooks/01_a.ipynb"
    repoint.repoint_notebook(path, "my-org/fork", "dev", course)
    text = path.read_text()
    assert text == nbformat.writes(nbformat.read(path, as_version=4)) + "\n"
    assert not repoint.repoint_notebook(path, "my-org/fork", "dev", course), "a second run must change nothing"


def test_check_names_the_notebook_that_disagrees(course):
    make_notebook(course / "notebooks/02_b.ipynb", course, repo="someone/else")
    with pytest.raises(repoint.RepointError, match="disagree"):
        repoint.check(course)


def test_badge_pointing_at_another_notebook_is_reported(course):
    src = course / "notebooks/01_a.ipynb"
    shutil.copy(src, course / "notebooks/02_copy.ipynb")
    with pytest.raises(repoint.RepointError, match="02_copy.ipynb.*expected"):
        repoint.check(course)


def test_missing_setup_cell_is_a_clear_error(course):
    path = course / "notebooks/01_a.ipynb"
    nb = json.loads(path.read_text())
    nb["cells"].pop(1)
    path.write_text(json.dumps(nb))
    with pytest.raises(repoint.RepointError, match="exactly one cell tagged 'colab-setup'"):
        repoint.check(course)


def test_edited_setup_cell_is_reported(course):
    path = course / "notebooks/01_a.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].source += "\nprint('extra')"
    nbformat.write(nb, path)
    with pytest.raises(repoint.RepointError, match="differs from the course's template"):
        repoint.check(course)


@pytest.fixture
def paired(course):
    """The course with notebooks/01_a.ipynb edited as text (notebooks/01_a.md), as tools/lectures.py pairs them."""
    import jupytext

    path = course / "notebooks/01_a.ipynb"
    jupytext.write(nbformat.read(path, as_version=4), path.with_suffix(".md"), fmt="md:myst")
    return path


def test_repoint_rewrites_the_text_source_too_and_only_its_links(paired, course):
    from tools import lectures

    text = paired.with_suffix(".md")
    before = text.read_text()
    assert repoint.repoint_notebook(paired, "my-org/fork", "spring-2027", course)
    after = text.read_text()
    assert "github/my-org/fork/blob/spring-2027/notebooks/01_a.ipynb" in after
    assert "git+https://github.com/my-org/fork@spring-2027" in after
    assert "course-org" not in after
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines()) if a != b]
    assert len(changed) == 2 and len(before.splitlines()) == len(after.splitlines()), changed
    assert lectures.disagreements(paired, course) == [], "the notebook and its text source disagree after repoint"
    assert not repoint.repoint_notebook(paired, "my-org/fork", "spring-2027", course), "a second run changes nothing"


def test_check_names_a_text_source_left_pointing_elsewhere(paired, course):
    for path in repoint.notebooks(course):
        repoint.repoint_notebook(path, "my-org/fork", "main", course)
    text = paired.with_suffix(".md")
    text.write_text(text.read_text().replace("my-org/fork", "someone/else"))
    with pytest.raises(repoint.RepointError, match=r"01_a\.md.*someone/else@main"):
        repoint.check(course)


def test_the_russian_edition_is_repointed_and_keeps_its_russian_setup_comment(course):
    ru = course / "notebooks/ru/01_a.ipynb"
    assert ru in repoint.notebooks(course)
    for path in repoint.notebooks(course):
        repoint.repoint_notebook(path, "my-org/fork", "dev", course)
    setup = nbformat.read(ru, as_version=4).cells[1].source
    assert setup.startswith(RU_COMMENT + "\n") and "git+https://github.com/my-org/fork@dev" in setup
    assert "github/my-org/fork/blob/dev/notebooks/ru/01_a.ipynb" in nbformat.read(ru, as_version=4).cells[0].source
    assert repoint.check(course) == ("my-org/fork", "dev")
    assert repoint.header_sources(course / "notebooks/ru/02_b.ipynb", "Лекция", course)[1].startswith(
        repoint.SETUP_COMMENT_RU), "a new Russian notebook gets the Russian comment"


def test_a_russian_setup_cell_with_changed_code_or_an_english_one_with_a_changed_comment_is_reported(course):
    for rel, old, new in (("notebooks/ru/01_a.ipynb", "--quiet", "--quiet --upgrade"),
                          ("notebooks/01_a.ipynb", "# Colab setup:", "# Настройка Colab:")):
        path = course / rel
        nb = nbformat.read(path, as_version=4)
        original = nb.cells[1].source
        nb.cells[1].source = original.replace(old, new)
        nbformat.write(nb, path)
        with pytest.raises(repoint.RepointError, match="differs from the course's template"):
            repoint.check(course)
        nb.cells[1].source = original
        nbformat.write(nb, path)
    assert repoint.check(course)
