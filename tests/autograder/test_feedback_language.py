"""A Russian assignment's feedback page is Russian around the cells; an English one is nbgrader's own, unchanged.

The words around the cells come from nbgrader's template, translated from its installed source
(autograder/feedback_template.py). Here: the translation leaves no English word in the template and fails loudly
when the template changes; on the tiny course handed in twice, as ``ps1`` and as ``ps1_ru`` (its notebook says
``"language": "ru"``), the Russian page's frame (everything but the cells' content) holds no English word
(tests/no_english.py) while the English page is byte for byte what nbgrader writes by itself; and a Russian demo
class graded by the real grader gets pages without English outside its code.
"""
from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from no_english import latin_runs
from tiny_course import ASSIGNMENT, NOTEBOOK, answer, make_course

from autograder.feedback import generate_feedback, html_text
from autograder.feedback_template import (
    PHRASES,
    PROMPTS,
    TemplateChanged,
    classic_base,
    english_words,
    feedback_template,
    nbgrader_templates,
    prompt_blocks,
    translate,
    translated_template,
)
from autograder.grade_class import grade_class
from autograder.release import nbgrader_api, release
from autograder.roster import import_roster

RU = ASSIGNMENT + "_ru"
# what the frame of a Russian page must say (a few of the template's words, translated)
RUSSIAN_FRAME = ("Баллы:", "Тестовая ячейка", "Ответ студента", "Оцениваемая ячейка:", "(наверх)", "Ввод")


class _Frame(HTMLParser):
    """The text of a page outside the cells' content: code, outputs and rendered markdown are skipped."""

    CONTENT = {"input_area", "output_wrapper", "text_cell_render"}
    VOID = {"meta", "link", "img", "br", "hr", "input", "source", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.depth = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        classes = set((dict(attrs).get("class") or "").split())
        if self.depth or tag in ("style", "script", "pre", "code", "title") or classes & self.CONTENT:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


def frame(page: str) -> str:
    parser = _Frame()
    parser.feed(page)
    return " ".join("".join(parser.parts).split())


def without_code(page: str) -> str:
    """The visible text of a page without code (``<pre>``, ``<code>``: the cells' source and outputs)."""
    parser = _Frame()
    parser.CONTENT = set()
    parser.feed(page)
    return " ".join("".join(parser.parts).split())


# ---- the template ---------------------------------------------------------------------------------------

def test_the_translated_template_shows_no_english_word():
    source = translated_template("ru")
    assert english_words(source) == [], english_words(source)
    for _, russian in PHRASES["ru"] + PROMPTS["ru"]:
        assert russian in source, f"{russian!r} is missing from the translated template"


def test_the_word_finder_sees_the_english_of_the_original():
    original = (nbgrader_templates() / "feedback" / "index.html.j2").read_text(encoding="utf-8")
    words = set(english_words(original))
    assert {"Score", "Student's", "Comments", "Top"} <= words, sorted(words)
    assert not words & {"nbgrader", "metadata", "panel", "float"}, f"Jinja or markup read as words: {sorted(words)}"


def test_a_phrase_gone_from_the_template_fails_loudly():
    original = (nbgrader_templates() / "feedback" / "index.html.j2").read_text(encoding="utf-8")
    with pytest.raises(TemplateChanged, match="'<b>Comments:</b>' is no longer in the page"):
        translate(original.replace("<b>Comments:</b>", "<b>Remarks:</b>"), PHRASES["ru"], "the page")


def test_a_phrase_added_to_the_template_fails_loudly():
    original = (nbgrader_templates() / "feedback" / "index.html.j2").read_text(encoding="utf-8")
    added = original.replace("</ol>", "<li>Regrade requested</li></ol>", 1)
    with pytest.raises(TemplateChanged, match=r"English words .*\['Regrade', 'requested'\]"):
        translate(added, PHRASES["ru"], "the page")


def test_a_prompt_block_gone_from_classic_fails_loudly():
    base = classic_base().read_text(encoding="utf-8")
    assert "Ввод&nbsp;[" in translate(prompt_blocks(base), PROMPTS["ru"], "prompts")
    with pytest.raises(TemplateChanged, match="no block 'in_prompt'"):
        prompt_blocks(base.replace("block in_prompt", "block input_prompt"))


def test_english_leaves_the_configuration_alone_and_russian_restores_it(tmp_path):
    api = nbgrader_api(make_course(tmp_path))
    with feedback_template(api, "en"):
        assert "extra_template_basedirs" not in api.config.HTMLExporter
    with feedback_template(api, "ru"):
        first, nbgrader_own = api.config.HTMLExporter.extra_template_basedirs
        assert Path(first, "feedback", "index.html.j2").is_file() and nbgrader_own == str(nbgrader_templates())
    assert "extra_template_basedirs" not in api.config.HTMLExporter, "the Russian template outlived its block"


# ---- pages of the tiny course ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """One student hands in a wrong answer to ``ps1`` and to its Russian copy ``ps1_ru``; feedback for the
    Russian one first, then the English one through the same api (the translation must not stay behind)."""
    course = make_course(tmp_path_factory.mktemp("feedback-language"), roster=("wrong",))
    source = nbformat.read(course.path("source", ASSIGNMENT, NOTEBOOK), as_version=4)
    source.metadata["nn_course"] = {"language": "ru"}
    course.path("source", RU).mkdir()
    nbformat.write(source, course.path("source", RU, NOTEBOOK))
    api = nbgrader_api(course)
    release(course, api=api)
    import_roster(course, course.root / "roster.csv")
    for a in (RU, ASSIGNMENT):
        dest = course.path("submitted", "wrong", a)
        dest.mkdir(parents=True)
        nbformat.write(answer(course.path("release", a, NOTEBOOK), "return 2"), dest / NOTEBOOK)
        grade_class(course, a, grader="tiny_course:nbgrader_grade", progress=lambda _: None)
        generate_feedback(course, a, api=api)
    read = lambda a: course.path("feedback", "wrong", a, "ps1.html").read_text(encoding="utf-8")  # noqa: E731
    return {"course": course, "api": api, "ru": read(RU), "en": read(ASSIGNMENT)}


def test_the_russian_page_frame_has_no_english_word(pages):
    text = frame(pages["ru"])
    assert all(word in text for word in RUSSIAN_FRAME), f"expected the template's Russian words: {text}"
    assert latin_runs(text) == [], f"English around the cells of a Russian page: {latin_runs(text)}\n{text}"
    assert '<html lang="ru">' in pages["ru"]


def test_the_cells_of_the_russian_page_are_as_written(pages):
    """The translation touches the template only: the cells keep their (here English) words."""
    text = " ".join(html_text(pages["ru"]).split())
    assert "def double(x): return 2" in text and "AssertionError: the hidden check of double(21)" in text, text


def test_the_english_page_is_nbgraders_own_byte_for_byte(pages, tmp_path):
    english = frame(pages["en"])
    assert latin_runs(english) and "Student's answer" in english, f"the scanner should see English here: {english}"
    course, api = pages["course"], pages["api"]
    page = course.path("feedback", "wrong", ASSIGNMENT, "ps1.html")
    shutil.move(page, tmp_path / "ours.html")
    result = api.generate_feedback(ASSIGNMENT, "wrong", force=True)  # nbgrader alone, no step of ours
    assert result["success"], result
    assert page.read_bytes() == (tmp_path / "ours.html").read_bytes(), "the English page is not nbgrader's own"


# ---- a Russian demo class, graded by the real grader ------------------------------------------------------

def test_a_russian_demo_class_gets_feedback_without_english(tmp_path):
    """``course demo --language ru --assignment 01_neurons_ru``: the full and the partial answer's pages."""
    from autograder.demo import run_demo

    a = "01_neurons_ru"
    rows = run_demo(tmp_path, workers=2, out=lambda _: None, language="ru", assignment=a)
    assert {r["student"]: r["status"] for r in rows}["turinga"] == "graded", rows
    for student in ("lovelacea", "turinga"):
        page = (tmp_path / f"feedback/{student}/{a}/{a}.html").read_text(encoding="utf-8")
        text = frame(page)
        assert all(word in text for word in RUSSIAN_FRAME), f"{student}: {text[:1500]}"
        assert latin_runs(text) == [], f"{student}: English around the cells: {latin_runs(text)}"
        prose = without_code(page)  # the frame and the notebook's Russian text, the course's rule for prose
        assert latin_runs(prose, min_words=3) == [], f"{student}: English on the page: {latin_runs(prose, min_words=3)}"
        assert "[проверка] тест пройден" in html_text(page), f"{student}: no passed test in Russian"
