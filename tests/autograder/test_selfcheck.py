"""The student self-check runs the visible tests and names what failed, without touching the notebook."""
import nbformat
import pytest
from tiny_course import ASSIGNMENT, NOTEBOOK, answer, make_course

from autograder.cli import main as course_main
from autograder.release import release
from autograder.selfcheck import check


@pytest.fixture(scope="module")
def release_nb(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("selfcheck"))
    release(course)
    return course.path("release", ASSIGNMENT, NOTEBOOK)


def test_a_correct_notebook_passes_its_visible_test(release_nb, tmp_path):
    path = tmp_path / "mine.ipynb"
    nbformat.write(answer(release_nb, "return 2 * x"), path)
    before = path.read_bytes()
    result = check(path, quiet=True)
    assert result.ok and len(result.tests) == 2, str(result)
    assert path.read_bytes() == before, "the self-check wrote to the student's notebook"


def test_a_wrong_notebook_fails_with_cell_and_message_and_exit_status_1(release_nb, tmp_path, capsys):
    path = tmp_path / "mine.ipynb"
    nbformat.write(answer(release_nb, "return 3"), path)
    assert course_main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "FAILED test cell 3 (test_visible): AssertionError: double(1) should be 2, got 3" in out, out
    assert "0/2 visible test(s) pass" in out, out


def test_unfinished_and_crashing_cells_are_reported_where_they_fail(release_nb, tmp_path):
    unfinished = check(release_nb, quiet=True)
    assert [(c.index, c.error) for c in unfinished.failures] == [(3, "NotImplementedError"),
                                                                 (4, "NotImplementedError")], str(unfinished)
    nb = nbformat.read(release_nb, as_version=4)
    nb.cells[1].source = "1 / 0"
    nbformat.write(nb, tmp_path / "crash.ipynb")
    first = check(tmp_path / "crash.ipynb", quiet=True).failures[0]
    assert (first.index, first.is_test, first.error) == (2, False, "ZeroDivisionError: division by zero")


def test_a_missing_or_broken_notebook_is_refused_clearly(tmp_path):
    with pytest.raises(FileNotFoundError, match="needs an existing .ipynb notebook"):
        check(tmp_path / "nope.ipynb")
    (tmp_path / "bad.ipynb").write_text("{not json")
    with pytest.raises(ValueError, match="bad.ipynb is not a readable notebook"):
        check(tmp_path / "bad.ipynb")
