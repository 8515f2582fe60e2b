"""What the grader says to a student, in the student's language: English (``"en"``) or Russian (``"ru"``).

Every sentence the harness, the verifier, the grader's annotations and the self-check compose for a student
comes from ``MESSAGES``, one table keyed by a stable id with both languages side by side (placeholders in
braces, the same in both; a test checks it). The test cells' own words (``what=`` strings, ``assert_true``
messages, prints) are not here: they are string literals of the notebook, translated with it
(``tools/build_assignments/ru/``). Two more things a student reads speak the notebook's language from their own
modules, since they are written into files rather than composed: a forbidden module's refusal
(:mod:`autograder.forbidden`, in the stubs of the sandbox's ``course_lib``) and the feedback page's words
around the cells (:mod:`autograder.feedback_template`).

Which language:

* **in the student's kernel** (at home, and the visible tests of ``course check``) the notebook's setup cell
  says it, ``course_lib.set_language("ru")``, as in the lectures; :func:`language` reads it from there;
* **in the verifier** the source notebook's metadata ``nn_course.language`` decides (``"en"`` when absent):
  :func:`autograder.verify.verify_notebook` runs the checks inside :func:`speaking`, which wins over the
  process-wide language, so one grader process can grade English and Russian notebooks in turn.
"""
from __future__ import annotations

import contextlib
import contextvars

from autograder.forbidden import METADATA_KEY  # the notebook metadata that holds "language" too
from course_lib.language import check_language, get_language

MESSAGES = {
    # ---- autograder.harness: the asserts
    "harness.not_array": ("expected a numpy array of shape {shape}, got {got}",
                          "ожидался массив numpy формы {shape}, получено {got}"),
    "harness.shape": ("expected shape {expected}, got shape {got}",
                      "ожидалась форма {expected}, получена форма {got}"),
    "harness.dtype": ("expected dtype {expected}, got dtype {got}",
                      "ожидался тип элементов {expected}, получен {got}"),
    "harness.not_numeric": ("expected a numeric array, got dtype {got}",
                            "ожидался числовой массив, получен тип элементов {got}"),
    "harness.entries_differ": (
        "{bad} of {size} entries differ (rtol={rtol}, atol={atol}); first at index {index}: expected {expected}, "
        "got {got}; max |difference| {diff}\nexpected:\n{expected_preview}\ngot:\n{got_preview}",
        "различаются {bad} из {size} элементов (rtol={rtol}, atol={atol}); первый с индексом {index}: ожидалось "
        "{expected}, получено {got}; наибольшее |расхождение| {diff}\nожидалось:\n{expected_preview}\n"
        "получено:\n{got_preview}"),
    "harness.foreign": ("an object of type {type}: {repr}", "объект типа {type}: {repr}"),
    "harness.no_truth_value": ("a {type} object has no truth value in a graded check: {repr}",
                               "у объекта типа {type} нет логического значения в проверке: {repr}"),
    "harness.expected_got": ("expected {expected}, got {got}", "ожидалось {expected}, получено {got}"),
    "harness.not_a_number": ("expected a number close to {expected}, got {got}",
                             "ожидалось число, близкое к {expected}, получено {got}"),
    "harness.scalar_differs": ("expected {expected}, got {got} (difference {diff}, rtol={rtol}, atol={atol})",
                               "ожидалось {expected}, получено {got} (расхождение {diff}, rtol={rtol}, atol={atol})"),
    "harness.condition": ("{message} (got {got})", "{message} (получено {got})"),
    "harness.missing_observation": (
        "no observation of {label} in this cell's graded output: the cell did not run to this point in the "
        "student's kernel (it timed out, the kernel died, or the harness was changed)",
        "в выводе этой ячейки нет наблюдения {label}: в ядре студента ячейка не дошла до этого места (истекло "
        "время, ядро упало или тестовый модуль был подменён)"),
    "harness.student_raised": ("{label} raised {type}: {message}", "{label} выбросила {type}: {message}"),
    "harness.not_own": ("own_code({name}): {reason}", "own_code({name}): {reason}"),
    "harness.not_defined": ("{name} is not defined; run the cell that defines it",
                            "{name} не определена: выполните ячейку, в которой она определяется"),
    "harness.imported": ("{name} comes from {origin}; write it yourself with def/class in this notebook",
                         "{name} взята из {origin}: напишите её сами в этом блокноте, через def или class"),
    # ---- autograder.verify and grade_submission: the verdict on a test cell
    "verify.unfit": ("the observed value did not fit the test", "наблюдаемое значение не подошло тесту"),
    "grade.passed": ("[grader] verified: passed ({points:g} points)",
                     "[проверка] тест пройден ({points:g} из {points:g} баллов)"),
    # ---- autograder.selfcheck (course check)
    "check.summary": ("{notebook}: {passed}/{total} visible test(s) pass",
                      "{notebook}: пройдено открытых тестов: {passed} из {total}"),
    "check.failed_test": ("  FAILED test cell {index} ({name}): {error}",
                          "  ОШИБКА в тестовой ячейке {index} ({name}): {error}"),
    "check.failed_code": ("  FAILED code cell {index} ({name}): {error}",
                          "  ОШИБКА в ячейке кода {index} ({name}): {error}"),
    "check.all_pass": ("All visible tests pass — hidden tests will check more when it is graded.",
                       "Все открытые тесты пройдены; при оценивании скрытые тесты проверят больше."),
    "check.fix_first": ("Fix the first failure above and run the check again.",
                        "Исправьте первую ошибку из списка выше и запустите проверку снова."),
    # ---- autograder.held_out: what the student's kernel is told about the held-out data
    "held_out.labels_refused": ("the held-out labels exist only in the grader: the student's kernel never has them",
                                "отложенные метки есть только у проверяющей системы: в ядро студента они не "
                                "попадают"),
    "held_out.unknown_dataset": ("held-out data set must be one of {known}, got {got}",
                                 "набор данных с отложенной частью должен быть одним из {known}, получено {got}"),
}

LANGUAGES = ("en", "ru")
_SPOKEN: contextvars.ContextVar[str | None] = contextvars.ContextVar("nn_course_message_language", default=None)


def language() -> str:
    """The language messages are composed in now: the verifier's (:func:`speaking`), else the kernel's
    ``course_lib`` language."""
    return _SPOKEN.get() or get_language()


@contextlib.contextmanager
def speaking(lang: str):
    """Compose every message in ``lang`` inside the block (whatever ``course_lib.set_language`` says)."""
    token = _SPOKEN.set(check_language(lang))
    try:
        yield lang
    finally:
        _SPOKEN.reset(token)


def say(key: str, **fields) -> str:
    """The message ``key`` in the current :func:`language`, placeholders filled from ``fields``."""
    if key not in MESSAGES:
        raise KeyError(f"say: no message with id {key!r} in autograder.messages.MESSAGES")
    return MESSAGES[key][LANGUAGES.index(language())].format(**fields)


def notebook_language(nb) -> str:
    """The language a notebook (nbformat node or plain dict) declares in its metadata; ``"en"`` if none.

    An unknown language is an error naming the ones there are, not a silent fallback."""
    meta = (nb.get("metadata", {}) or {}).get(METADATA_KEY, {}) or {}
    return check_language(meta.get("language", "en"))
