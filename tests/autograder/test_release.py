"""Release: deterministic generation, the committed-copy check, and the leak check."""
import json

import pytest
from tiny_course import ASSIGNMENT, HIDDEN, NOTEBOOK, make_course

from autograder.release import LeakError, check_release, nbgrader_api, release, secret_lines


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("release"))
    release(course)
    return course


@pytest.fixture(scope="module")
def api(course):
    return nbgrader_api(course)


def test_generating_twice_gives_byte_identical_notebooks(course, api):
    path = course.path("release", ASSIGNMENT, NOTEBOOK)
    first = path.read_bytes()
    summary = release(course, api=api)[0]
    assert path.read_bytes() == first, "a second release changed the notebook bytes"
    assert summary.changed == [], f"a second release reported changes: {summary.changed}"


def test_release_shows_neither_solution_nor_hidden_test(course):
    text = course.path("release", ASSIGNMENT, NOTEBOOK).read_text()
    for secret in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "doubled_value_of_x", "double(21) == 42"):
        assert secret not in text, f"release notebook contains {secret!r}"
    assert "double(1) == 2" in text, "the visible test is missing from the release"


def test_check_mode_names_a_hand_edited_release(course, api):
    path = course.path("release", ASSIGNMENT, NOTEBOOK)
    original = path.read_bytes()
    try:
        path.write_bytes(original.replace(b"Problem set 1", b"Problem set one"))
        with pytest.raises(RuntimeError, match=rf"differs.*{NOTEBOOK}.*course release {ASSIGNMENT}"):
            release(course, check_only=True, api=api)
        assert b"Problem set one" in path.read_bytes(), "check mode must not rewrite the committed copy"
    finally:
        path.write_bytes(original)
    assert release(course, check_only=True, api=api)[0].changed == []


def test_leak_check_names_notebook_cell_and_hidden_line(course, tmp_path):
    nb = json.loads(course.path("release", ASSIGNMENT, NOTEBOOK).read_text())
    nb["cells"][2]["source"] = HIDDEN  # a release that kept the hidden region
    (tmp_path / NOTEBOOK).write_text(json.dumps(nb))
    with pytest.raises(LeakError) as err:
        check_release(course, ASSIGNMENT, tmp_path)
    message = str(err.value)
    assert "cell 2" in message and "BEGIN HIDDEN TESTS" in message and "double(21) == 42" in message, message


def test_secret_lines_ignore_lines_that_are_also_visible(course):
    secrets = secret_lines(course.path("source", ASSIGNMENT, NOTEBOOK))
    assert "assert double(21) == 42, 'the hidden check of double(21)'" in secrets["hidden test"]
    assert "doubled_value_of_x = 2 * x" in secrets["solution"]
    visible = "assert double(1) == 2, f'double(1) should be 2, got {double(1)}'"
    assert visible not in secrets["hidden test"], "a visible line was treated as secret"


def test_unknown_assignment_is_named_with_the_known_ones(course, api):
    with pytest.raises(ValueError, match=r"unknown assignment 'ps9'.*\['ps1'\]"):
        release(course, ["ps9"], api=api)


def test_colab_badge_of_a_release_opens_the_release_not_the_source(course, tmp_path):
    from autograder.release import point_badge_at_release

    link = "https://colab.research.google.com/github/o/r/blob/main/{}/ps1/ps1.ipynb"
    nb = {"cells": [{"cell_type": "markdown", "metadata": {"tags": ["colab-badge"]},
                     "source": [f"[![Open In Colab](b.svg)]({link.format('solutions')})\n", "# PS1"]}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "ps1.ipynb"
    path.write_text(json.dumps(nb))
    assert point_badge_at_release(path, course, ASSIGNMENT)
    text = path.read_text()
    assert link.format("assignments") in text and "/solutions/" not in text, text
    assert not point_badge_at_release(path, course, ASSIGNMENT), "a second pass must change nothing"
