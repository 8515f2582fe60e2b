"""Feedback never shows a hidden test or a solution; a leaking page is deleted and reported.

Grading here is plain nbgrader autograde (``tiny_course.nbgrader_grade``, a test double of the real grader that
writes the same autograded notebook and gradebook); the real grader's feedback runs in test_demo.py.
"""
import nbformat
import pytest
from tiny_course import ASSIGNMENT, NOTEBOOK, answer, make_course

from autograder.feedback import check_feedback, generate_feedback, html_text
from autograder.grade_class import grade_class
from autograder.release import LeakError, nbgrader_api, release, secret_lines
from autograder.roster import import_roster

SHARED = "assert double(21) == 42, 'the hidden check of double(21)'"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("feedback"), roster=("stub", "wrong", "sharer"))
    api = nbgrader_api(course)
    release(course, api=api)
    import_roster(course, course.root / "roster.csv")
    release_nb = course.path("release", ASSIGNMENT, NOTEBOOK)
    for student, nb in (("stub", nbformat.read(release_nb, as_version=4)),
                        ("wrong", answer(release_nb, "return 2")),
                        # the student's own answer holds a line of the hidden test, word for word
                        ("sharer", answer(release_nb, "return 2 * x\n\n\n" + SHARED))):
        dest = course.path("submitted", student, ASSIGNMENT)
        dest.mkdir(parents=True)
        nbformat.write(nb, dest / NOTEBOOK)
    grade_class(course, ASSIGNMENT, grader="tiny_course:nbgrader_grade", progress=lambda _: None)
    print(generate_feedback(course, ASSIGNMENT, api=api))
    return course


@pytest.mark.parametrize("student", ["stub", "wrong"])
def test_feedback_contains_no_hidden_test_and_no_solution_line(course, student):
    page = course.path("feedback", student, ASSIGNMENT, "ps1.html")
    text = " ".join(html_text(page.read_text()).split())
    secrets = secret_lines(course.path("source", ASSIGNMENT, NOTEBOOK))
    assert secrets["hidden test"] and secrets["solution"], "the tiny course should have secrets to look for"
    for kind, lines in secrets.items():
        for line in lines:
            assert " ".join(line.split()) not in text, f"{student}'s feedback shows the {kind} line {line!r}"
    assert "Score" in text and "double(1) == 2" in text, "feedback lost its scores or the visible test"


def test_failed_hidden_test_shows_its_message_not_its_traceback(course):
    text = html_text(course.path("feedback", "wrong", ASSIGNMENT, "ps1.html").read_text())
    assert "AssertionError: the hidden check of double(21)" in text, text[-600:]


def test_a_page_showing_a_hidden_line_is_deleted_and_reported(course):
    page = course.path("feedback", "stub", ASSIGNMENT, "ps1.html")
    original = page.read_text()
    try:
        page.write_text(original + "<pre>assert double(21) == 42, &#x27;the hidden check of double(21)&#x27;</pre>")
        with pytest.raises(LeakError, match="hidden test line .*double\\(21\\) == 42.*deleted it"):
            check_feedback(course, ASSIGNMENT, "stub")
        assert not page.exists(), "the leaking page must not stay where students get it"
    finally:
        page.write_text(original)


def test_a_hidden_line_the_student_wrote_themselves_is_not_a_leak(course):
    page = course.path("feedback", "sharer", ASSIGNMENT, "ps1.html")
    assert page.exists(), "the page of a student whose own answer repeats a hidden line must be kept"
    assert SHARED.strip() in " ".join(html_text(page.read_text()).split()), "expected the student's own line shown"
    assert check_feedback(course, ASSIGNMENT, "sharer") == [page]


def test_one_leaking_page_does_not_stop_the_class(course, monkeypatch):
    import autograder.feedback as feedback

    real = feedback.check_feedback

    def leaks_for_stub(course_, assignment, student):
        if student == "stub":
            raise LeakError("feedback stub.html showed hidden test line 'x' — deleted it")
        return real(course_, assignment, student)

    monkeypatch.setattr(feedback, "check_feedback", leaks_for_stub)
    with pytest.raises(LeakError) as info:
        generate_feedback(course, ASSIGNMENT, ["stub", "wrong", "sharer"])
    message = str(info.value)
    assert "2 page(s) for 2 of 3 student(s)" in message and "! stub:" in message, message
    for student in ("wrong", "sharer"):
        assert course.path("feedback", student, ASSIGNMENT, "ps1.html").exists(), f"{student} lost their page"


def test_feedback_for_an_ungraded_student_says_to_grade_first(course):
    with pytest.raises(ValueError, match="no autograded 'ps1'.*course grade ps1 --student nobody"):
        generate_feedback(course, ASSIGNMENT, ["nobody"])
