"""Feedback: the HTML report returned to each student, with hidden tests removed — and checked to be removed.

nbgrader's ``generate_feedback`` renders ``autograded/<student>/<assignment>/*.ipynb`` to
``feedback/<student>/<assignment>/*.html``. Its pipeline here (see ``release.nbgrader_config``) is
``GetGrades → ClearHiddenTests → ShortenTestTracebacks → CSS``: the hidden region of every test cell is cut out,
and the traceback of a failed test is cut down to its last line (``AssertionError: expected … got …``), because a
full traceback quotes the failing line of the hidden test.

Then every HTML file is read back as text and searched for every line of every hidden test of the source
notebook that the student's own submission does not contain (``z = X @ W + b`` may be both a hidden check's line
and the student's answer: showing the student their own line leaks nothing); a hit deletes that file. Solutions
are not searched for here: a student's own correct answer may equal the instructor's line for line. One bad page
never stops the class: :func:`generate_feedback` writes and checks every student's pages, then raises
:class:`~autograder.release.LeakError` naming every page it deleted.

The page speaks the assignment's language (metadata ``nn_course.language``): the messages in the cells are the
grader's and the notebook's own, and the template's words around them are translated
(:mod:`autograder.feedback_template`).
"""
from __future__ import annotations

import html
from html.parser import HTMLParser
from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from autograder.course import Course, check_name
from autograder.feedback_template import feedback_template
from autograder.release import assignment_language, find_leaks, nbgrader_api, run_nbgrader, secret_lines

HIDDEN_MARKERS = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


class ShortenTestTracebacks(Preprocessor):
    """In test cells, keep only ``ename: evalue`` of an error (the traceback would quote hidden code)."""

    enabled = Bool(True, help="on by default: nbconvert registers configured preprocessors disabled").tag(
        config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    out["traceback"] = [f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"]
        return cell, resources


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "script")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script") and self._skip > 0

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_text(page: str) -> str:
    """What a reader of the page sees (tags, styles and scripts removed, entities decoded)."""
    parser = _Text()
    parser.feed(page)
    return html.unescape("".join(parser.parts))


def own_lines(course: Course, assignment: str, student: str, notebook: str) -> set[str]:
    """The stripped lines of the student's own cells (answers and added cells) in their graded notebook."""
    import nbformat

    from autograder.tamper import solution_sources

    path = course.path("autograded", student, assignment, notebook)
    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError):
        return set()
    return {line.strip() for text in solution_sources(nb) for line in text.splitlines()}


def check_feedback(course: Course, assignment: str, student: str) -> list[Path]:
    """Raise LeakError (after deleting the file) if a feedback page shows a hidden test line the student did
    not write themselves; return the pages."""
    from autograder.release import LeakError

    pages = []
    for source in course.source_notebooks(assignment):
        page = course.path("feedback", student, assignment, source.stem + ".html")
        if not page.exists():
            continue
        hidden = secret_lines(source)["hidden test"] - own_lines(course, assignment, student, source.name)
        leaks = find_leaks(html_text(page.read_text(encoding="utf-8")), {"hidden test": hidden},
                           markers=HIDDEN_MARKERS)
        if leaks:
            page.unlink()
            raise LeakError(f"feedback {page} showed {'; '.join(leaks)} — deleted it. Hidden tests must sit "
                            "between '### BEGIN HIDDEN TESTS' and '### END HIDDEN TESTS' lines in the source")
        pages.append(page)
    return pages


def generate_feedback(course: Course, assignment: str, students: list[str] | None = None, api=None) -> str:
    """Write and check the feedback pages of ``students`` (default: everyone autograded); return a summary."""
    check_name("assignment", assignment)
    if assignment not in course.assignments():
        raise ValueError(f"unknown assignment {assignment!r}: {course.path('source')} has {course.assignments()}")
    graded = sorted(p.parent.name for p in course.path("autograded").glob(f"*/{assignment}")
                    if p.is_dir() and not p.parent.name.startswith("."))  # .journal is not a student
    students = graded if students is None else students
    for s in students:
        if s not in graded:
            raise ValueError(f"student {check_name('student', s)!r} has no autograded {assignment!r} in "
                             f"{course.path('autograded')}: run `course grade {assignment} --student {s}` first")
    from autograder.release import LeakError

    api = api or nbgrader_api(course)
    pages, failed, leaked = [], [], []
    # the template is translated once, before any page: a template that changed stops the run, not one student
    with feedback_template(api, assignment_language(course, assignment)):
        for s in students:
            try:
                run_nbgrader(f"generate_feedback {assignment} for {s}",
                             api.generate_feedback(assignment, s, force=True))
            except RuntimeError as exc:  # e.g. an unreadable notebook: that student gets no page, the rest do
                failed.append(f"  ! {s}: {str(exc).splitlines()[0]} — see `course export` for the reason")
                continue
            try:
                pages += check_feedback(course, assignment, s)
            except LeakError as exc:  # that page is deleted; the rest of the class still gets theirs
                leaked.append(f"  ! {s}: {exc}")
    summary = "\n".join([f"feedback {assignment}: {len(pages)} page(s) for "
                         f"{len(students) - len(failed) - len(leaked)} of {len(students)} student(s) in "
                         f"{course.path('feedback')}, no hidden test in any of them", *failed])
    if leaked:
        raise LeakError(summary + f"\n{len(leaked)} page(s) showed a hidden test and were deleted:\n"
                        + "\n".join(leaked))
    return summary
