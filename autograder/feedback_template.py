"""The feedback page's own words in the student's language: nbgrader's template, translated when it is used.

nbgrader renders feedback with its template ``feedback`` (``…/nbgrader/server_extensions/formgrader/templates/
feedback/index.html.j2``, built on nbconvert's ``classic``). Its words around the cells — "Score:", "Test cell",
"Student's answer", "Comments:", "(Top)", and classic's prompts ``In [3]:`` / ``Out[3]:`` — are English. For an
assignment in another language, :func:`feedback_template` writes a template of the same name into a temporary
folder, placed before nbgrader's own in ``HTMLExporter.extra_template_basedirs`` so that nbconvert finds it
first. It is nbgrader's installed template with every fixed phrase of :data:`PHRASES` replaced, plus classic's
two prompt blocks, translated the same way. The replacing is done on the template's source, never on the
rendered page, so nothing a student wrote (their code, their outputs) can be touched by it.

It fails loudly if nbgrader's template changes: a phrase of :data:`PHRASES` that is no longer in the template,
or an English word left in the template's text once every phrase is replaced (a phrase nbgrader added), raises
:class:`TemplateChanged` naming it, and no page is written. An English assignment uses nbgrader's template as
it is: its pages are nbgrader's, byte for byte.
"""
from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
from pathlib import Path

from course_lib.language import check_language

TEMPLATE = "feedback"  # nbgrader's name for it (NbGraderAPI.generate_feedback sets it); ours has the same
PROMPT_BLOCKS = ("in_prompt", "output_area_prompt")  # classic's blocks that hold words

# language -> (English, translation) pairs, replaced in this order in the template's source. Each English side
# carries the markup around it, so that it names one phrase of the page and not a piece of Jinja or CSS.
PHRASES = {
    "ru": (
        ("<html>", '<html lang="ru">'),
        ("Score: ", "Баллы: "),
        (">Test cell</a>", ">Тестовая ячейка</a>"),
        (">Coding free-response</a>", ">Ответ кодом</a>"),
        (">Written response</a>", ">Письменный ответ</a>"),
        (">Task</a>", ">Задание</a>"),
        (">Comment</a>", ">Комментарий</a>"),
        (">Late submission penalty (", ">Штраф за сдачу после срока ("),
        (">(Top)</a>", ">(наверх)</a>"),
        (">Student's answer</span>", ">Ответ студента</span>"),
        (">Student's task</span>", ">Задание студента</span>"),
        (">Grade cell: <code>", ">Оцениваемая ячейка: <code>"),
        (">Task: <code>", ">Задание: <code>"),
        ("<b>Comments:</b>", "<b>Комментарии:</b>"),
    ),
}
PROMPTS = {
    "ru": (("In&nbsp;[", "Ввод&nbsp;["), ("Out[", "Вывод[")),
}

# What is not read as words: Jinja ({{ }}, {% %}, {# #}), HTML comments, style and script blocks, tags, entities.
_NOT_TEXT = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|<!--.*?-->|<style.*?</style>|<script.*?</script>"
                       r"|<[^<>]*>|&[a-zA-Z]+;|&#\d+;", re.DOTALL)


class TemplateChanged(RuntimeError):
    """nbgrader's (or nbconvert's) feedback template no longer fits the translation of its words."""


def english_words(template: str) -> list[str]:
    """The words of Latin letters (two or more) a template shows as text: what is left outside Jinja, tags,
    comments, styles and entities."""
    return re.findall(r"[A-Za-z][A-Za-z'’-]+", _NOT_TEXT.sub(" ", template))


def translate(template: str, pairs, where: str) -> str:
    """``template`` with every ``(english, translated)`` pair replaced; :class:`TemplateChanged` if a pair's
    English is missing or English words are left."""
    for english, translated in pairs:
        if english not in template:
            raise TemplateChanged(f"{english!r} is no longer in {where}: its template changed; update "
                                  "autograder/feedback_template.py (PHRASES, PROMPTS)")
        template = template.replace(english, translated)
    left = english_words(template)
    if left:
        raise TemplateChanged(f"{where} shows English words no entry of autograder/feedback_template.py "
                              f"translates: {sorted(set(left))}; add them to PHRASES or PROMPTS")
    return template


def nbgrader_templates() -> Path:
    """The folder holding nbgrader's template ``feedback`` (the folder nbgrader adds to the exporter's)."""
    import nbgrader

    return Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates"


def classic_base() -> Path:
    """nbconvert's ``classic/base.html.j2``, where the prompts are written (first on the Jupyter data path, as
    nbconvert looks for it)."""
    from jupyter_core.paths import jupyter_path

    for folder in jupyter_path("nbconvert", "templates"):
        path = Path(folder) / "classic" / "base.html.j2"
        if path.is_file():
            return path
    raise TemplateChanged(f"nbconvert's classic/base.html.j2 is not in {jupyter_path('nbconvert', 'templates')}")


def prompt_blocks(base: str) -> str:
    """The blocks of :data:`PROMPT_BLOCKS`, cut out of classic's ``base.html.j2`` source."""
    blocks = []
    for name in PROMPT_BLOCKS:
        found = re.search(r"\{%-?\s*block " + name + r"\b.*?\{%-?\s*endblock " + name + r"\s*-?%\}", base, re.DOTALL)
        if found is None:
            raise TemplateChanged(f"nbconvert's classic template has no block {name!r} any more: update "
                                  "autograder/feedback_template.py (PROMPT_BLOCKS)")
        blocks.append(found.group(0))
    return "\n".join(blocks)


def translated_template(language: str) -> str:
    """The source of the feedback template in ``language`` (not English): nbgrader's, translated, followed by
    classic's prompt blocks, translated."""
    language = check_language(language)
    if language not in PHRASES:
        raise ValueError(f"the feedback page has no {language!r} words: autograder/feedback_template.py has "
                         f"{sorted(PHRASES)}")
    page = nbgrader_templates() / TEMPLATE / "index.html.j2"
    base = classic_base()
    # the prompt blocks go after the rest: Jinja takes a child's block definitions from anywhere in the file
    return (translate(page.read_text(encoding="utf-8"), PHRASES[language], f"nbgrader's template {page}")
            + "\n" + translate(prompt_blocks(base.read_text(encoding="utf-8")), PROMPTS[language],
                               f"the prompt blocks of nbconvert's {base}") + "\n")


@contextlib.contextmanager
def feedback_template(api, language: str):
    """Inside the block, ``api.generate_feedback`` renders pages in ``language``; for English nothing changes.

    ``api`` is an ``NbGraderAPI``: its config's ``HTMLExporter.extra_template_basedirs`` gets a temporary
    folder with the translated template first, then nbgrader's own folder (nbgrader adds its own only when the
    setting is absent); the setting is taken out again when the block ends."""
    if check_language(language) == "en":
        yield
        return
    source = translated_template(language)
    exporter = api.config.HTMLExporter
    if "extra_template_basedirs" in exporter:
        raise RuntimeError("the course's nbgrader config sets HTMLExporter.extra_template_basedirs; the translated "
                           "feedback template would replace it")
    with tempfile.TemporaryDirectory(prefix=f"nn-course-feedback-{language}-") as tmp:
        folder = Path(tmp) / TEMPLATE
        folder.mkdir()
        shutil.copyfile(nbgrader_templates() / TEMPLATE / "conf.json", folder / "conf.json")
        (folder / "index.html.j2").write_text(source, encoding="utf-8")
        exporter.extra_template_basedirs = [tmp, str(nbgrader_templates())]
        try:
            yield
        finally:
            del exporter["extra_template_basedirs"]
