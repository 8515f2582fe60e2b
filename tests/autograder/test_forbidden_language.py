"""The sandbox refuses a forbidden module in the assignment's language, and the grader recognises either refusal.

The stub's ImportError is the one sentence of the sandbox a student reads (as the reason a task scored zero), so a
``_ru`` assignment's stubs refuse in Russian. Here: the English messages are exactly the old ones (other tests and
the gradebooks of past terms quote them); the Russian ones hold no English sentence; and the delegating attacks of
the threat model (tests/autograder/fixtures), handed in on a Russian copy of the fixture course ``ps1_ru``, keep
their English scores while their reasons name the module in Russian.
"""
from __future__ import annotations

import concurrent.futures
import json
import multiprocessing
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from no_english import latin_runs
from test_threat_model import FIXTURES, LIMITS, SEED

from autograder.course import Course
from autograder.forbidden import STUB_MARKERS, is_refusal, refusal, restricted_copy
from autograder.grade_submission import grade_submission
from autograder.gradebook_io import ensure_structure
from autograder.messages import LANGUAGES

ENGLISH_REFUSAL = ("course_lib.layers (it imports course_lib.activations) is forbidden in this assignment: the graded "
                   "functions must not use it; write the code yourself")
RU = "course_lib.activations запрещён в этом задании"


def refused(copy: Path, code: str) -> str:
    """What ``code`` raises (``ExcType: message``) in a Python whose ``course_lib`` is ``copy`` (no sandbox:
    the copy alone is under test here; test_sandbox.py binds it into one)."""
    probe = f"import sys\nsys.path.insert(0, {str(copy.parent)!r})\ntry:\n    {code}\n" \
            "except ImportError as exc:\n    print(type(exc).__name__ + ': ' + str(exc))\n"
    return subprocess.run([sys.executable, "-I", "-c", probe], capture_output=True, text=True, timeout=120,
                          check=True).stdout.strip()


def test_every_language_has_a_marker_its_messages_contain():
    assert set(STUB_MARKERS) == set(LANGUAGES), f"markers for {sorted(STUB_MARKERS)}, languages {LANGUAGES}"
    for lang, marker in STUB_MARKERS.items():
        for text in (refusal("course_lib.a", lang), refusal("course_lib.b", lang, "course_lib.a")):
            assert marker in text and is_refusal(text), f"{lang}: {text!r} lacks its marker {marker!r}"
    assert not is_refusal("No module named 'course_lib.nothing'"), "an ordinary ImportError is not a refusal"


def test_english_refusals_are_the_old_ones_word_for_word():
    assert refusal("course_lib.layers", "en", "course_lib.activations") == ENGLISH_REFUSAL
    stub = (restricted_copy(("course_lib.activations",)) / "activations.py").read_text(encoding="utf-8")
    message = ("course_lib.activations is forbidden in this assignment: the graded functions must not use it; "
               "write the code yourself")
    assert stub == ('"""Not available: course_lib.activations is forbidden in this assignment."""\n'
                    f"raise ImportError({message!r}, name='course_lib.activations')\n"), stub


@pytest.mark.parametrize("code, expected", [
    ("import course_lib.activations", f"ImportError: {RU}: "),
    ("import course_lib.layers", "ImportError: course_lib.layers (он импортирует course_lib.activations) "
                                 "запрещён в этом задании: "),
])
def test_a_russian_copy_refuses_in_russian(code, expected):
    got = refused(restricted_copy(("course_lib.activations",), "ru"), code)
    assert got.startswith(expected) and got.endswith("напишите код сами"), got
    assert not latin_runs(got.replace("ImportError", "")), f"English left in the Russian refusal: {got!r}"


def test_a_forbidden_class_refuses_in_russian_too():
    copy = restricted_copy(("course_lib.regularisation.Dropout",), "ru")
    got = refused(copy, "from course_lib.regularisation import Dropout; Dropout(0.5)")
    assert got.startswith("ImportError: course_lib.regularisation.Dropout запрещён в этом задании: "), got
    assert copy != restricted_copy(("course_lib.regularisation.Dropout",)), "one copy served both languages"


# ---- the threat model's delegating attacks on a Russian assignment ------------------------------------------

CASES = {  # case: (expected score, whether the reason names the answer cell that stopped on the import)
    "delegate_import": (2, False),
    "delegate_importlib": (2, False),
    "delegate_dunder_import": (2, False),
    "delegate_top_level": (2, True),
    "allowed_module": (4, False),  # the control: an allowed module still works
}


def _grade(root: str, case: str):
    return grade_submission(Course(Path(root)), "ps1_ru", case, seed=SEED, limits=LIMITS)


@pytest.fixture(scope="module")
def russian(tmp_path_factory):
    """The fixture course as ``ps1_ru`` (its notebooks declare ``"language": "ru"``), every case graded."""
    root = tmp_path_factory.mktemp("threat-ru") / "course"
    for kind in ("solutions", "assignments"):
        nb_path = root / kind / "ps1_ru" / "ps1.ipynb"
        nb_path.parent.mkdir(parents=True)
        nb = json.loads((FIXTURES / "course" / kind / "ps1" / "ps1.ipynb").read_text(encoding="utf-8"))
        nb["metadata"]["nn_course"]["language"] = "ru"
        nb_path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    for case in CASES:
        shutil.copytree(FIXTURES / "submissions" / case / "ps1", root / "submitted" / case / "ps1_ru")
    course = Course(root)
    ensure_structure(course.gradebook_url, "ps1_ru",
                     {p.name: nbformat.read(p, as_version=4) for p in course.source_notebooks("ps1_ru")})
    ctx = multiprocessing.get_context("spawn")  # as the pipeline grades: the zygote lives in a worker
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=ctx) as pool:
        futures = {case: pool.submit(_grade, str(root), case) for case in CASES}
        return {case: f.result() for case, f in futures.items()}


@pytest.mark.parametrize("case", list(CASES))
def test_a_russian_assignment_refuses_in_russian_and_scores_as_the_english_one(russian, case):
    score, names_cell = CASES[case]
    out = russian[case]
    got = f"score {out.score}, status {out.status!r}, reason {out.reason!r}"
    assert (out.score, out.status) == (score, "graded"), f"{case}: expected {score} points, graded; got {got}"
    assert STUB_MARKERS["en"] not in out.reason, f"{case}: an English refusal on a Russian assignment: {got}"
    if score == 2:
        assert "test_sigmoid 0/2" in out.reason and RU in out.reason, f"{case}: expected {RU!r}: {got}"
    # a refusal inside the graded function is the test's message; one that stopped the answer cell (which then
    # defines nothing) is named by the grader, which must recognise the Russian refusal for that
    cells = {c["grade_id"]: c["message"] for c in out.cells}
    assert (RU in cells["test_sigmoid"]) == (score == 2 and not names_cell), f"{case}: {cells}"
    assert (f"{RU}; what it defines is missing" in out.reason) == names_cell, f"{case}: {got}"
