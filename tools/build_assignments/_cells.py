"""nbgrader cells for the assignment builders: answer cells, locked test cells, written answers.

The assignment notebooks in ``solutions/`` are nbgrader *source* notebooks. Each builder module lists its
cells with the helpers below, so every cell's nbgrader metadata (grade id, points, locks) is written by one
function and is exact. Test cells follow docs/architecture.md, "Grading protocol": every use of student code
goes through ``observe``; the checks sit in ``### BEGIN CHECKS`` regions that only the verifier runs, so no
reference ever reaches the student's kernel.
"""
from __future__ import annotations

import nbformat

from autograder.cell_parts import BEGIN_CHECKS, END_CHECKS, kernel_problems
from autograder.forbidden import METADATA_KEY, declared
from autograder.held_out import declared as held_out_declared
from autograder.nbgrader_adapter import mark
from course_lib.language import check_language
from tools.build_notebooks._common import _clean, assemble, code, md

HARNESS_IMPORT = (
    "import numpy as np\n"
    "from autograder.harness import observe, grading_rng, assert_array, assert_scalar, assert_equal, assert_true, "
    "own_code"
)


def answer(grade_id: str, text: str):
    """An autograded answer cell; ``### BEGIN/END SOLUTION`` mark what the release replaces by a stub."""
    src = _clean(text)
    if "### BEGIN SOLUTION" not in src or "### END SOLUTION" not in src:
        raise ValueError(f"answer cell {grade_id!r} has no ### BEGIN SOLUTION / ### END SOLUTION region")
    return mark(code(src), grade_id, grade=False, solution=True, locked=False)


def tests(grade_id: str, points: int, visible: str, checks: str, hidden: str = "", hidden_checks: str = ""):
    """A locked, graded test cell in the regions of :mod:`autograder.cell_parts`: the visible inputs and
    observations, their checks, then the hidden ones between nbgrader's markers. At grading the student's kernel
    runs only the inputs and observations; every check (and every reference it builds) runs in the verifier."""
    parts = [HARNESS_IMPORT, _clean(visible), _region(checks)]
    if hidden:
        parts += ["### BEGIN HIDDEN TESTS\n" + _clean(hidden) + "\n" + _region(hidden_checks)
                  + "\n### END HIDDEN TESTS"]
    cell = code("\n".join(parts))
    problems = kernel_problems(cell.source)
    if problems:
        raise ValueError(f"test cell {grade_id!r}: " + "; ".join(problems))
    return mark(cell, grade_id, grade=True, solution=False, locked=True, points=points)


def _region(checks: str) -> str:
    return f"{BEGIN_CHECKS}\n{_clean(checks)}\n{END_CHECKS}"


def written(grade_id: str, points: int, question: str, model_answer: str):
    """A question (read-only markdown) and a manually graded markdown answer holding the model answer."""
    ask = mark(md(question), grade_id + "_question", grade=False, solution=False, locked=True)
    reply = md("### BEGIN SOLUTION\n" + _clean(model_answer) + "\n### END SOLUTION")
    return [ask, mark(reply, grade_id, grade=True, solution=True, locked=False, points=points)]


def rules(assignment: str, allowed: str, forbidden: str) -> nbformat.NotebookNode:
    """The 'how this works' cell every assignment opens with."""
    return md(f"""
        **How this assignment works.** Fill in every cell marked `# YOUR CODE HERE` (replace the
        `raise NotImplementedError()`), and every markdown cell that says `YOUR ANSWER HERE`.
        The locked cell after each task is a *visible test*: run it and it tells you what was expected and
        what came out. Passing it is a good sign, not a guarantee: at grading, hidden tests call your
        functions on fresh random inputs and check values, shapes, dtypes and types strictly.

        * **You may use** {_clean(allowed)}
        * **You may not use** {_clean(forbidden)} The graded functions must be defined in this notebook
          with `def`/`class`: a function imported from `course_lib` scores zero.

        **Self-check before you submit.** Restart the kernel and run all cells, then, in a terminal,
        `course check assignments/{assignment}/{assignment}.ipynb` runs the visible tests the way the grader
        does.
    """)


def setup(imports: str) -> nbformat.NotebookNode:
    """The imports cell; it also sets the language the test messages are written in (autograder.messages):
    ``"en"`` here, the edition's language in a translation (the string is translated, the code stays)."""
    return code(_clean(imports) + "\nimport course_lib\n\n"
                "course_lib.set_language(\"en\")  # the tests' messages speak the notebook's language")


def build(assignment: str, title: str, cells: list, forbidden: tuple[str, ...] = (),
          language: str = "en", held_out: str | None = None) -> nbformat.NotebookNode:
    """The source notebook ``solutions/<assignment>/<assignment>.ipynb``: convention cells, then ``cells``;
    ``forbidden`` course_lib modules go into its metadata, and the grader's sandbox leaves them out; a
    ``language`` other than English is written there too (the verifier speaks it); ``held_out`` names a data
    set whose held-out labels never enter the student's kernel (autograder.held_out)."""
    nb = assemble(f"solutions/{assignment}/{assignment}.ipynb", title, cells, assignment)
    ids = set()
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid is not None and gid in ids:
            raise ValueError(f"{assignment}: grade_id {gid!r} used twice")
        ids.add(gid)
    _state_points(nb, language)
    nb.metadata[METADATA_KEY] = {"forbidden_modules": sorted(forbidden)}
    if held_out is not None:
        nb.metadata[METADATA_KEY]["held_out"] = {"dataset": held_out}
        held_out_declared(nb)  # an unknown data set fails here, not at grading
    if language != "en":
        nb.metadata[METADATA_KEY]["language"] = check_language(language)
    declared(nb)  # a module name that is not in course_lib fails here, not at grading
    return nb


def points(nb) -> tuple[int, int]:
    """(automatically graded, graded by hand) points of a source notebook, read from nbgrader's metadata."""
    auto = manual = 0
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            if meta.get("solution") and cell.cell_type == "markdown":
                manual += meta.get("points", 0)
            else:
                auto += meta.get("points", 0)
    return auto, manual


# The opening cell of each language (what the Points paragraph is appended to) and the paragraph itself.
OPENING = {"en": "How this assignment works", "ru": "Как устроено задание"}
POINTS = {
    "en": ("**Points.** This assignment is worth **{total} points**: {auto} from the automatically graded tests "
           "(each test cell scores its points all or nothing) and {manual} from written answers graded by hand. "
           "Each task's heading states its points. Your course score is the sum over all the assignments; the "
           "grading scheme is in `notebooks/START_HERE.ipynb`."),
    "ru": ("**Баллы.** За это задание можно получить **{total} {total_word}**: {auto} за автоматически проверяемые "
           "тесты (каждая тестовая ячейка даёт свои баллы целиком или ноль) и {manual} за письменные ответы, "
           "которые проверяет преподаватель. Баллы каждой задачи указаны в её заголовке. Оценка за курс — сумма "
           "баллов за все задания; система оценивания описана в `notebooks/ru/START_HERE.ipynb`."),
}


def points_paragraph(nb, language: str = "en") -> str:
    """The notebook's Points paragraph in ``language``, from its metadata."""
    auto, manual = points(nb)
    return POINTS[check_language(language)].format(total=auto + manual, auto=auto, manual=manual,
                                                   total_word=ru_points_word(auto + manual))


def ru_points_word(n: int) -> str:
    """"балл", "балла" or "баллов": the Russian noun that follows the number ``n``."""
    if n % 10 == 1 and n % 100 != 11:
        return "балл"
    return "балла" if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14) else "баллов"


def _state_points(nb, language: str = "en") -> None:
    """Append the assignment's points, from its metadata, to the 'how this works' cell (so it cannot drift)."""
    opening = next((c for c in nb.cells if c.cell_type == "markdown" and OPENING[language] in c.source), None)
    if opening is None:
        raise ValueError(f"no markdown cell says {OPENING[language]!r}: the Points paragraph goes there")
    opening.source += "\n\n" + points_paragraph(nb, language)
