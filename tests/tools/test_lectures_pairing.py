"""Editing a lecture as text: the check names a stale notebook and its fix; a sync keeps ids and strips outputs."""
import nbformat
import pytest

from tools import lectures


@pytest.fixture
def lecture(tmp_path):
    """A notebooks/NAME.ipynb with its text source, as committed: three cells with fixed ids, no outputs."""
    import jupytext

    (tmp_path / "notebooks").mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Title", id="aaaa0001"),
                nbformat.v4.new_code_cell("x = 1\nprint(x)", id="aaaa0002"),
                nbformat.v4.new_markdown_cell("**Exercise.** Why?", id="aaaa0003",
                                              metadata={"tags": ["exercise"]})]
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    path = tmp_path / "notebooks" / "01_a.ipynb"
    nbformat.write(nb, path)
    jupytext.write(nb, path.with_suffix(".md"), fmt="md:myst")
    return path


def edit_text(path, old, new):
    text = path.with_suffix(".md").read_text()
    assert old in text
    path.with_suffix(".md").write_text(text.replace(old, new, 1))


def test_a_fresh_pair_agrees(lecture, tmp_path):
    assert lectures.disagreements(lecture, tmp_path) == []


def test_an_edit_of_the_text_alone_is_reported_with_the_command_that_fixes_it(lecture, tmp_path, capsys,
                                                                              monkeypatch):
    edit_text(lecture, "x = 1", "x = 2")
    problems = lectures.disagreements(lecture, tmp_path)
    assert problems and "cell 1 differs" in problems[0]
    monkeypatch.setattr(lectures, "ROOT", tmp_path)
    assert lectures.main(["--check"]) == 1
    err = capsys.readouterr().err
    assert "jupytext --sync notebooks/01_a.md" in err


def test_a_changed_tag_is_a_disagreement(lecture, tmp_path):
    edit_text(lecture, '"tags": ["exercise"]', '"tags": ["answer"]')
    assert lectures.disagreements(lecture, tmp_path)


def test_a_missing_text_source_is_named(lecture, tmp_path):
    lecture.with_suffix(".md").unlink()
    (problem,) = lectures.disagreements(lecture, tmp_path)
    assert "no text source 01_a.md" in problem and "--set-formats" in problem


def test_sync_keeps_the_ids_of_unchanged_cells_gives_new_cells_new_ids_and_stores_no_outputs(lecture, tmp_path):
    stored = nbformat.read(lecture, as_version=4)
    stored.cells[1].outputs = [nbformat.v4.new_output("stream", text="1\n")]
    stored.cells[1].execution_count = 3
    nbformat.write(stored, lecture)
    edit_text(lecture, "# Title", "# Title\n\nA new paragraph.\n\n+++\n\nAnother cell.")
    assert lectures.sync(lecture)
    synced = nbformat.read(lecture, as_version=4)
    ids = [c.id for c in synced.cells]
    assert ids[0] == "aaaa0001" and ids[-2:] == ["aaaa0002", "aaaa0003"], ids
    assert len(set(ids)) == len(ids) == 4
    assert synced.cells[1].source == "Another cell."
    assert synced.cells[2].outputs == [] and synced.cells[2].execution_count is None
    assert lectures.disagreements(lecture, tmp_path) == []
    assert not lectures.sync(lecture), "a second sync must change nothing"


def test_an_edit_saved_from_jupyterlab_updates_both_files_and_keeps_the_ids(tmp_path):
    """What JupyterLab does: jupytext's contents manager (the server extension the course extra installs)
    reads the pair per notebooks/jupytext.toml, and a save writes both files. Copied from the real lecture,
    with the .ipynb made newer than its text, as a checkout or a sync may leave them."""
    import os
    import shutil
    import time

    from jupyter_server.services.contents.largefilemanager import LargeFileManager
    from jupytext.sync_contentsmanager import build_sync_jupytext_contents_manager_class

    shutil.copytree(lectures.NOTEBOOK_DIR, tmp_path / "notebooks")
    ipynb = tmp_path / "notebooks" / "02_backpropagation.ipynb"
    now = time.time()
    os.utime(ipynb.with_suffix(".md"), (now - 100, now - 100))
    os.utime(ipynb, (now, now))
    manager = build_sync_jupytext_contents_manager_class(LargeFileManager)(root_dir=str(tmp_path))
    model = manager.get("notebooks/02_backpropagation.ipynb")
    ids = [c.id for c in model["content"].cells]
    cell = next(c for c in model["content"].cells if c.cell_type == "markdown" and c.source.startswith("## 2.1"))
    cell.source = cell.source.replace("Any formula is", "Every formula is", 1)
    manager.save(model, "notebooks/02_backpropagation.ipynb")
    assert "Every formula is a composition" in ipynb.with_suffix(".md").read_text()
    assert lectures.disagreements(ipynb, tmp_path) == []
    assert [c.id for c in nbformat.read(ipynb, as_version=4).cells] == ids


def test_the_russian_edition_is_paired_checked_and_synced_too(lecture, tmp_path, capsys, monkeypatch):
    """notebooks/ru/NAME.ipynb is in the pairing: a stale Russian notebook fails --check, --sync fixes it."""
    import shutil

    (tmp_path / "notebooks" / "ru").mkdir()
    ru = tmp_path / "notebooks" / "ru" / lecture.name
    for suffix in (".ipynb", ".md"):
        shutil.copy(lecture.with_suffix(suffix), ru.with_suffix(suffix))
    assert ru in lectures.paired_notebooks(tmp_path) and lecture in lectures.paired_notebooks(tmp_path)
    edit_text(ru, "**Exercise.** Why?", "**Упражнение.** Почему?")
    assert "cell 2 differs" in lectures.disagreements(ru, tmp_path)[0]
    monkeypatch.setattr(lectures, "ROOT", tmp_path)
    assert lectures.main(["--check"]) == 1
    assert "jupytext --sync notebooks/ru/01_a.md" in capsys.readouterr().err
    assert lectures.main(["--sync"]) == 0
    assert nbformat.read(ru, as_version=4).cells[2].source == "**Упражнение.** Почему?"
    assert nbformat.read(lecture, as_version=4).cells[2].source == "**Exercise.** Why?", "English edition changed"
