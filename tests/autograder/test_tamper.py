"""Is a submitted notebook read safely, and is its graded copy rebuilt from the source whatever was changed?"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import nbformat
import pytest

from autograder.cell_parts import kernel_source
from autograder.tamper import Unreadable, match_notebooks, read_notebook, rebuild, solution_sources

FIXTURES = Path(__file__).parent / "fixtures"
SOURCE = nbformat.read(FIXTURES / "course" / "solutions" / "ps1" / "ps1.ipynb", as_version=4)


def submission(case: str):
    nb, _ = read_notebook(FIXTURES / "submissions" / case / "ps1" / "ps1.ipynb")
    return nb


def grade_ids(nb):
    return [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]


def test_an_honest_submission_is_not_tampering_and_gets_the_hidden_tests():
    graded, tampering = rebuild(SOURCE, submission("added_cells"))
    assert tampering == [], f"expected no tampering for added cells, got {tampering}"
    test = graded.cells[grade_ids(graded).index("test_mse")]
    assert "BEGIN HIDDEN TESTS" in test.source, "the graded copy must carry the source's hidden tests"
    assert len(graded.cells) == len(SOURCE.cells) + 2, "the student's two added cells must be kept"


def test_a_deleted_test_cell_is_restored_after_the_cell_before_it_in_the_source():
    graded, tampering = rebuild(SOURCE, submission("deleted_test"))
    ids = grade_ids(graded)
    assert ids.index("test_sigmoid") == ids.index("sigmoid") + 1, f"restored in the wrong place: {ids}"
    assert tampering == ["test cell test_sigmoid was deleted (restored from the source)"], f"got {tampering}"


def test_a_duplicated_test_cell_keeps_one_graded_copy():
    graded, tampering = rebuild(SOURCE, submission("duplicated_test"))
    assert grade_ids(graded).count("test_mse") == 1, f"expected one graded test_mse, got {grade_ids(graded)}"
    assert tampering == ["test cell test_mse is duplicated"], f"got {tampering}"


def test_an_edited_test_cell_is_overwritten_by_the_source():
    graded, tampering = rebuild(SOURCE, submission("edited_test"))
    test = graded.cells[grade_ids(graded).index("test_mse")]
    expected = kernel_source(SOURCE.cells[grade_ids(SOURCE).index("test_mse")].source)
    assert test.source == expected, "expected the source's code, as the kernel runs it (checks removed)"
    assert "BEGIN CHECKS" not in test.source and "MSELoss" not in test.source, f"a check reached the kernel: {test}"
    assert tampering == ["test cell test_mse was edited"], f"got {tampering}"


def test_a_pasted_solution_cell_is_not_tampering_and_both_copies_count_as_own_code():
    graded, tampering = rebuild(SOURCE, submission("pasted_twice"))
    own = solution_sources(graded)
    assert tampering == [] and sum("def sigmoid" in s for s in own) == 2, f"got {tampering}, {own}"
    ids = [c.get("id") for c in graded.cells]
    assert len(ids) == len(set(ids)), f"cell ids must be unique in the graded copy, got {ids}"


def test_an_unchanged_source_submission_is_not_tampering():
    _, tampering = rebuild(SOURCE, copy.deepcopy(SOURCE))
    assert tampering == [], f"the source's own test cells are not an edit, got {tampering}"


@pytest.mark.parametrize("content, reason", [
    (b'{"cells": [', "is not valid JSON"),
    (b'["a list"]', "not a notebook"),
    (b"\xff\xfe", "is not valid JSON"),
    (json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "video"}]}).encode(),
     "could not be read as a notebook"),
])
def test_read_notebook_explains_why_a_file_is_unreadable(tmp_path, content, reason):
    path = tmp_path / "ps1.ipynb"
    path.write_bytes(content)
    with pytest.raises(Unreadable, match=reason):
        read_notebook(path)


def test_a_folder_named_like_a_notebook_is_unreadable(tmp_path):
    (tmp_path / "ps1.ipynb").mkdir()
    with pytest.raises(Unreadable, match="not a regular file"):
        read_notebook(tmp_path / "ps1.ipynb")


def test_read_notebook_converts_nbformat_3_and_says_so():
    nb, notes = read_notebook(FIXTURES / "submissions" / "nbformat_v3" / "ps1" / "ps1.ipynb")
    assert nb.nbformat == 4 and notes == ["ps1.ipynb was converted from nbformat 3 to 4"], f"got {notes}"
    assert "sigmoid" in grade_ids(nb), "nbgrader metadata must survive the conversion"


def test_a_lone_renamed_notebook_stands_in_for_the_missing_one_but_two_are_ambiguous(tmp_path):
    one = [tmp_path / "ps1-Copy1.ipynb"]
    found, notes = match_notebooks(["ps1.ipynb"], one)
    assert found == {"ps1.ipynb": one[0]} and "in place of the missing ps1.ipynb" in notes[0], f"got {found}"
    found, _ = match_notebooks(["ps1.ipynb"], one + [tmp_path / "ps1-Copy2.ipynb"])
    assert found == {}, f"two candidates must not be guessed between, got {found}"


def test_the_fixture_corpus_is_what_make_fixtures_builds():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    stale = [str(p.relative_to(FIXTURES)) for p, data in module.build().items()
             if not p.is_file() or p.read_bytes() != data]
    assert not stale, f"fixtures differ from make_fixtures.py; run it to rebuild: {stale}"
