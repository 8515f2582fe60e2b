"""``docs/glossary.md``: the bilingual glossary page both editions of the course link to.

It is rendered from ``course_lib.glossary`` (the one list of terms, English and Russian, with a definition in
each language), so the page and the library never disagree::

    python -m tools.glossary_page           # rewrite docs/glossary.md
    python -m tools.glossary_page --check   # exit 1 if the committed page is stale (a test does the same)
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

PAGE = Path(__file__).resolve().parent.parent / "docs" / "glossary.md"
TOPICS = {  # heading of each topic in both languages
    "neurons": ("Neurons and XOR", "Нейроны и XOR"),
    "networks": ("Networks", "Нейронные сети"),
    "activations": ("Activation functions", "Функции активации"),
    "backpropagation": ("Backpropagation", "Обратное распространение ошибки"),
    "training": ("Training", "Обучение"),
    "optimisation": ("Optimisation", "Оптимизация"),
    "regularisation": ("Regularisation", "Регуляризация"),
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render() -> str:
    from course_lib.glossary import glossary, topics

    lines = ["# Glossary · Словарь терминов", "",
             "Every term the lectures define, in English and in Russian, with a one-line definition in each "
             "language. Generated from `course_lib.glossary` by `python -m tools.glossary_page`; do not edit by "
             "hand.", "",
             "Все термины, которые вводят лекции, на английском и русском языках, с определением на каждом. "
             "Страница создаётся из `course_lib.glossary` командой `python -m tools.glossary_page`; не правьте "
             "её вручную.", ""]
    rows = glossary()
    for topic in topics():
        en, ru = TOPICS[topic]  # a new topic in the glossary needs its two headings here
        lines += [f"## {en} · {ru}", "", "| English | Русский | Definition | Определение |", "|---|---|---|---|"]
        lines += [f"| {_cell(t.en)} | {_cell(t.ru)} | {_cell(t.en_definition)} | {_cell(t.ru_definition)} |"
                  for t in rows if t.topic == topic]
        lines.append("")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check that docs/glossary.md is up to date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if not PAGE.is_file() or PAGE.read_text(encoding="utf-8") != text:
            print(f"{PAGE} is out of date with course_lib.glossary: run `python -m tools.glossary_page`")
            return 1
        return 0
    PAGE.write_text(text, encoding="utf-8")
    print(f"wrote {PAGE} ({len(render().splitlines())} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
