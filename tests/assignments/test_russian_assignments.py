"""The Russian edition of the assignments: each ``<id>_ru`` is its English ``<id>`` in Russian words.

An edition is built from the English builder and a translation file (tools/build_assignments/translation.py),
and test_assignments.py grades it like any assignment (full marks, zero for the release, the English wrong answers
and every attack). Here: parity with the English twin cell by cell, in the source and in the release (the same
kinds, tags and nbgrader metadata and points; code identical up to comments and strings — the lectures' rule,
tests/parity.py); no English left in Russian prose, test messages, docstrings and comments (tests/no_english.py);
the messages the harness and the self-check compose, in Russian; the translation mechanism failing loudly on a
stale file; and a Russian class graded end to end by ``course demo --language ru`` with Russian feedback.
"""
from __future__ import annotations

import re
import types
from pathlib import Path

import nbformat
import pytest
from no_english import ALLOWED, latin_runs
from parity import cell_kinds, code_skeleton, first_difference, russian_prose

from autograder import messages
from course_lib.language import placeholders
from tools.build_assignments import load_builders
from tools.build_assignments.translation import Edition, TranslationError, fingerprint, texts, translate_code

ROOT = Path(__file__).resolve().parents[2]
EDITIONS = [m for m in load_builders() if getattr(m, "LANGUAGE", "en") == "ru"]
PAIRS = [(e.ID, e.BASE_ID) for e in EDITIONS]


def notebook(kind: str, a: str):
    return nbformat.read(ROOT / kind / a / f"{a}.ipynb", as_version=4)


def without_checksums(nb):
    """A copy of ``nb`` without nbgrader's checksums (of each cell's text, so they differ between languages)."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        cell.metadata.get("nbgrader", {}).pop("checksum", None)
    return nb


def show(source: str, limit: int = 800) -> str:
    return source if len(source) <= limit else source[:limit] + " [...]"


def english_in(text: str) -> list[str]:
    return latin_runs(text, ALLOWED, min_words=3)


def test_every_assignment_has_a_russian_edition_graded_on_the_same_held_out_data():
    english = [m.ID for m in load_builders() if getattr(m, "LANGUAGE", "en") == "en"]
    assert sorted(PAIRS) == sorted((f"{a}_ru", a) for a in english), f"editions found: {PAIRS}"
    for edition in EDITIONS:  # the capstone's held-out split carries over (build() writes it to the metadata)
        assert edition.HELD_OUT == getattr(edition.base, "HELD_OUT", None), edition.ID
    assert next(e for e in EDITIONS if e.ID == "06_capstone_ru").HELD_OUT == "digits"
    assert notebook("solutions", "06_capstone_ru").metadata["nn_course"]["held_out"] == {"dataset": "digits"}


def test_the_russian_start_page_links_the_russian_edition_of_every_assignment():
    page = (ROOT / "notebooks" / "ru" / "START_HERE.md").read_text(encoding="utf-8")
    for ru, en in PAIRS:
        assert f"(../../assignments/{ru}/{ru}.ipynb)" in page, f"notebooks/ru/START_HERE.md does not link {ru}"
        assert f"(../../assignments/{en}/{en}.ipynb)" not in page, f"it links the English {en} instead of {ru}"


@pytest.mark.parametrize("kind", ["solutions", "assignments"])
@pytest.mark.parametrize("ru, en", PAIRS)
def test_cells_match_the_english_twin_in_kind_tags_nbgrader_metadata_and_points(ru, en, kind):
    a, b = notebook(kind, en), notebook(kind, ru)
    assert len(a.cells) == len(b.cells), f"{kind}/{ru}: {len(b.cells)} cells, the English {len(a.cells)}"
    for i, (x, y) in enumerate(zip(cell_kinds(without_checksums(a)), cell_kinds(without_checksums(b)))):
        assert x == y, (f"{kind}/{ru}: cell {i} is {y}, its English twin {x}\n--- English:\n"
                        f"{show(a.cells[i].source)}\n--- Russian:\n{show(b.cells[i].source)}")
    assert b.metadata["nn_course"] == {**a.metadata["nn_course"], "language": "ru"}, \
        f"{kind}/{ru}: notebook metadata {b.metadata['nn_course']} vs English {a.metadata['nn_course']}"


@pytest.mark.parametrize("kind", ["solutions", "assignments"])
@pytest.mark.parametrize("ru, en", PAIRS)
def test_code_is_the_english_code_up_to_comments_and_strings(ru, en, kind):
    a, b = notebook(kind, en), notebook(kind, ru)
    for i, (x, y) in enumerate(zip(a.cells, b.cells)):
        if x.cell_type == "code":
            assert code_skeleton(x.source) == code_skeleton(y.source), (
                f"{kind}/{ru}: code cell {i} differs beyond comments and strings "
                f"({first_difference(x.source, y.source)})\n--- English:\n{show(x.source)}\n--- Russian:\n"
                f"{show(y.source)}")


@pytest.mark.parametrize("ru, en", PAIRS)
def test_the_release_stubs_are_russian(ru, en):
    """``course release`` writes the stubs in the notebook's language (nbgrader's are English)."""
    cells = [c for c in notebook("assignments", ru).cells if c.metadata.get("nbgrader", {}).get("solution")]
    code = [c.source for c in cells if c.cell_type == "code"]
    text = [c.source for c in cells if c.cell_type == "markdown"]
    assert code and all("# ВАШ КОД ЗДЕСЬ" in s and "raise NotImplementedError()" in s and "YOUR" not in s
                    for s in code), code
    assert text and all(s == "ВАШ ОТВЕТ ЗДЕСЬ" for s in text), text


@pytest.mark.parametrize("ru, en", PAIRS)
def test_the_russian_notebook_sets_russian_for_its_messages(ru, en):
    setup = [c.source for c in notebook("solutions", ru).cells if c.cell_type == "code"
             and not c.metadata.get("nbgrader") and "colab-setup" not in c.metadata.get("tags", [])][0]
    assert re.search(r'^course_lib\.set_language\("ru"\)', setup, re.MULTILINE), setup


@pytest.mark.parametrize("kind", ["solutions", "assignments"])
@pytest.mark.parametrize("ru, en", PAIRS)
def test_no_english_is_left_in_the_russian_markdown(ru, en, kind):
    found = []
    for i, cell in enumerate(notebook(kind, ru).cells):
        if cell.cell_type == "markdown":
            found += [f"cell {i}: {run!r}" for run in english_in(russian_prose(cell.source))]
    assert not found, f"{kind}/{ru}: English left in the Russian markdown:\n" + "\n".join(found)


@pytest.mark.parametrize("ru, en", PAIRS)
def test_no_english_is_left_in_test_messages_docstrings_and_comments(ru, en):
    """Every string literal and comment of every code cell: what= texts, assert_true messages, prints,
    observation labels (they name a failing call), docstrings, comments."""
    found, translated, english = [], 0, notebook("solutions", en)
    for i, cell in enumerate(notebook("solutions", ru).cells):
        if cell.cell_type != "code" or "colab-setup" in cell.metadata.get("tags", []):
            continue
        bodies = texts(cell.source)
        translated += len(set(bodies) - set(texts(english.cells[i].source)))
        found += [f"cell {i}: {run!r} (in {body!r})" for body in bodies for run in english_in(body)]
    assert not found, f"{ru}: English left in the code cells' strings or comments:\n" + "\n".join(found)
    assert translated >= 20, f"{ru}: only {translated} strings differ from the English: is the catalogue applied?"


# ---- the messages the grader composes -----------------------------------------------------------------------

def test_every_message_has_both_languages_with_the_same_placeholders_and_russian_words():
    for key, texts_ in messages.MESSAGES.items():
        assert len(texts_) == len(messages.LANGUAGES), f"{key}: {texts_}"
        en, ru = texts_
        assert placeholders(en) == placeholders(ru), f"{key}: placeholders {placeholders(en)} vs {placeholders(ru)}"
        without_fields = re.sub(r"\{[^}]*\}", " ", ru)
        assert not english_in(without_fields) and re.search("[а-яё]", without_fields + "а") , f"{key}: {ru!r}"


def test_the_harness_speaks_the_verifiers_language_over_the_kernels():
    import numpy as np

    from autograder.harness import HarnessError, assert_array, assert_true

    with pytest.raises(HarnessError, match=r"^выход: ожидалась форма \(3,\), получена форма \(2,\)$"):
        with messages.speaking("ru"):
            assert_array(np.zeros(2), np.zeros(3), what="выход")
    with pytest.raises(HarnessError, match=r"expected shape \(3,\), got shape \(2,\)"):
        assert_array(np.zeros(2), np.zeros(3))
    import course_lib

    previous = course_lib.set_language("ru")  # the kernel: the notebook's setup cell says it
    try:
        with pytest.raises(HarnessError, match="различаются 1 из 2 элементов"):
            assert_array(np.array([0.0, 1.0]), np.zeros(2))
        with messages.speaking("en"), pytest.raises(HarnessError, match=r"^ok \(got bool False\)$"):
            assert_true(False, "ok")
    finally:
        course_lib.set_language(previous)


def test_the_held_out_data_speaks_the_kernels_language(monkeypatch, tmp_path):
    """What autograder.held_out tells a grading kernel (its labels are refused; a data set it does not know)
    follows the notebook's ``course_lib.set_language``, as the harness does: the capstone's refusal in Russian."""
    import course_lib
    from autograder import held_out
    from autograder.harness import HarnessError

    monkeypatch.setenv(held_out.ENV, str(tmp_path))  # a grading kernel: the folder is there, the labels are not
    previous = course_lib.set_language("ru")
    try:
        with pytest.raises(HarnessError, match="^отложенные метки есть только у проверяющей системы: в ядро "
                                               "студента они не попадают$"):
            held_out.held_out_labels("digits")
        with pytest.raises(ValueError, match=r"^набор данных с отложенной частью должен быть одним из \['digits'\], "
                                             r"получено 'mnist'$"):
            held_out.training_data("mnist")
    finally:
        course_lib.set_language(previous)
    with pytest.raises(HarnessError, match="^the held-out labels exist only in the grader"):
        held_out.held_out_labels("digits")


def test_an_unknown_notebook_language_is_an_error_naming_the_known_ones():
    assert messages.notebook_language({"metadata": {}}) == "en"
    with pytest.raises(ValueError, match="unknown language 'de'.*'en', 'ru'"):
        messages.notebook_language({"metadata": {"nn_course": {"language": "de"}}})


@pytest.mark.slow
def test_the_self_check_reports_in_russian(tmp_path):
    """``course check`` on a Russian notebook with a wrong hflip: the summary and the harness's failure speak
    Russian (the kernel learns the language from the notebook's setup cell)."""
    from autograder.selfcheck import check

    source = notebook("solutions", "05_regularisation_ru")
    nb = notebook("assignments", "05_regularisation_ru")
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
               if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"}
    answers["hflip"] = answers["hflip"].replace("return images[:, :, ::-1].copy()", "return images[:, :, :2]")
    answers.pop("digits")  # its training is the slow part; the check reports the unfinished cell in Russian too
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
    path = tmp_path / "05_regularisation_ru.ipynb"
    nbformat.write(nb, path)
    report = str(check(path, quiet=True))
    assert "пройдено открытых тестов: 4 из 6" in report, report
    assert "ОШИБКА в тестовой ячейке" in report and "Исправьте первую ошибку" in report, report
    assert "hflip сохраняет форму: ожидалась форма (2, 4, 5), получена форма (2, 4, 2)" in report, report


# ---- the translation mechanism ------------------------------------------------------------------------------

def fake_base(tmp_path, toml: str, cells):
    """The Russian edition of a made-up English builder, from a translation file in a scratch folder."""
    (tmp_path / "fake.toml").write_text(toml, encoding="utf-8")
    base = types.SimpleNamespace(ID="fake", TITLE="Fake", FORBIDDEN=(), cells=lambda: cells)
    return Edition(base, "ru", tmp_path / "fake.toml")


def test_a_translation_replaces_strings_and_comments_and_keeps_the_code(tmp_path):
    from tools.build_notebooks._common import code, md

    english = [md("## 1. Title (1 point)\n\nSome text."),
               code('x = f"value {v:.3f}"  # a comment\nkey = "dx"\nprint("done", key == "dx")')]
    toml = (f"title = 'Фейк'\n[[markdown]]\nsha = '{fingerprint(english[0].source)}'\nru = '''\n"
            "## 1. Заголовок (1 балл)\n\nТекст.\n'''\n[code]\n'value {v:.3f}' = 'значение {v:.3f}'\n"
            "'a comment' = 'комментарий'\n'done' = 'готово'\n")
    cells = fake_base(tmp_path, toml, english).cells()
    assert cells[0].source == "## 1. Заголовок (1 балл)\n\nТекст."
    assert cells[1].source == ('x = f"значение {v:.3f}"  # комментарий\nkey = "dx"\nprint("готово", key == "dx")')
    assert english[1].source.startswith('x = f"value'), "the English builder's cells must stay English"


@pytest.mark.parametrize("change, error", [
    ("sha", r"entry 0 .* translates an older text: the English cell 0 now reads \(sha = '[0-9a-f]{10}'\)"),
    ("stale_code", r"\[code\] entries that no code cell uses any more .*'gone'"),
    ("missing_markdown", r"markdown cell 1 \(starts 'More\.'\) has no \[\[markdown\]\] entry"),
])
def test_a_stale_translation_fails_naming_the_cell(tmp_path, change, error):
    from tools.build_notebooks._common import code, md

    english = [md("Text."), code('print("hi")'), md("More.")]
    entries = [f"[[markdown]]\nsha = '{fingerprint('Text.') if change != 'sha' else '0000000000'}'\nru = 'Текст.'\n"]
    if change != "missing_markdown":
        entries.append(f"[[markdown]]\nsha = '{fingerprint('More.')}'\nru = 'Ещё.'\n")
    toml = "title = 'Т'\n" + "".join(entries) + "[code]\n'hi' = 'привет'\n" + (
        "'gone' = 'нет'\n" if change == "stale_code" else "")
    with pytest.raises(TranslationError, match=error):
        fake_base(tmp_path, toml, english).cells()


def test_the_skeleton_is_valid_toml_for_repeated_literals_and_triple_quotes():
    """A literal repeated within one cell gets one key; a markdown cell quoting ``'''`` (and LaTeX) survives."""
    import tomllib

    from tools.build_assignments.translation import skeleton
    from tools.build_notebooks._common import code, md

    text = "Write `f = '''doc'''` and $\\frac{1}{2}$ with \"quotes\"."
    base = types.SimpleNamespace(ID="fake", TITLE="Fake", cells=lambda: [
        md(text), code('a = {"dx": 1, "dW": 2}\nprint(a["dx"], a["dW"], "dx")')])
    parsed = tomllib.loads(skeleton(base, "ru"))
    assert parsed["markdown"][0]["ru"].strip("\n") == text and parsed["markdown"][0]["sha"] == fingerprint(text)
    assert parsed["code"] == {"dx": "dx", "dW": "dW"}


def test_only_whole_literal_bodies_are_replaced():
    used = set()
    assert translate_code('a = "dx"\nb = "dx and more"', {"dx": "дх"}, used) == 'a = "дх"\nb = "dx and more"'
    assert used == {"dx"}


# ---- a Russian class, end to end ----------------------------------------------------------------------------

@pytest.mark.slow
def test_a_russian_class_is_released_collected_graded_and_gets_russian_feedback(tmp_path):
    """``course demo --language ru``: release, collect, grade, feedback and export on 05_regularisation_ru."""
    from autograder.demo import run_demo
    from autograder.feedback import html_text

    lines = []
    rows = run_demo(tmp_path, workers=2, out=lines.append, language="ru")
    got = {r["student"]: r["status"] for r in rows}
    assert got == {"lovelacea": "graded", "turinga": "graded", "hopperg": "kernel_died",
                   "babbagec": "unreadable", "noethere": "missing"}, "\n".join(lines)
    a = "05_regularisation_ru"
    full = html_text((tmp_path / f"feedback/lovelacea/{a}/{a}.html").read_text(encoding="utf-8"))
    assert full.count("[проверка] тест пройден") == 6 and "[grader]" not in full, full[:2000]
    partial = html_text((tmp_path / f"feedback/turinga/{a}/{a}.html").read_text(encoding="utf-8"))
    assert "[проверка] тест пройден" in partial and "выбросила NotImplementedError" in partial, partial[-3000:]
    for english in ("raised NotImplementedError", "expected shape", "verified: passed", "did not fit the test"):
        assert english not in partial, f"English grader text {english!r} in the Russian feedback"
    assert (tmp_path / "grades.csv").read_text().count("\n") == len(rows) + 1
