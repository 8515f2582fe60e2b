"""The bilingual glossary: complete rows, no duplicates, the lectures' Russian terms, no English in Russian."""
import pytest
from no_english import ALLOWED, latin_runs

from course_lib import glossary

ROWS = glossary.glossary()
# the one term the Russian lectures write in Latin letters beside its Russian name
RU_TERM_ALIASES = ALLOWED | {"dropout"}


def test_every_row_has_both_languages_and_a_definition_in_each():
    assert len(ROWS) >= 60, f"the lectures define far more terms than {len(ROWS)}"
    for t in ROWS:
        for field in ("key", "topic", "en", "ru", "en_definition", "ru_definition"):
            assert getattr(t, field).strip(), f"{t.key}: {field} is empty"
        assert any("а" <= ch.lower() <= "я" or ch in "ёЁ" for ch in t.ru + t.ru_definition), \
            f"{t.key}: the Russian side has no Cyrillic"
        assert t.en_definition != t.ru_definition


@pytest.mark.parametrize("field", ["key", "en", "ru", "en_definition", "ru_definition"])
def test_no_duplicates(field):
    values = [getattr(t, field).lower() for t in ROWS]
    dups = sorted({v for v in values if values.count(v) > 1})
    assert not dups, f"duplicate {field}: {dups}"


def test_definitions_are_one_line_sentences():
    for t in ROWS:
        for d in (t.en_definition, t.ru_definition):
            assert "\n" not in d and d.endswith("."), f"{t.key}: {d!r}"
            assert len(d) <= 160, f"{t.key}: a one-line definition, got {len(d)} characters"


def test_russian_side_has_no_english():
    for t in ROWS:
        assert latin_runs(t.ru_definition) == [], f"{t.key}: {latin_runs(t.ru_definition)}"
        assert latin_runs(t.ru, allowed=RU_TERM_ALIASES) == [], f"{t.key}: {latin_runs(t.ru)}"


@pytest.mark.parametrize("ru", [
    "функция активации", "обратное распространение ошибки", "затухание градиента", "взрыв градиента",
    "полносвязный слой", "прореживание (dropout)", "пакетная нормализация", "скорость обучения",
    "функция потерь", "эпоха", "обучающая выборка", "валидационная выборка", "тестовая выборка",
    "градиентный спуск", "вычислительный граф", "многослойный персептрон",
])
def test_the_lectures_terms_are_there(ru):
    assert glossary.lookup(ru).ru == ru


def test_lookup_and_term():
    assert glossary.lookup("Backpropagation").ru == "обратное распространение ошибки"
    assert glossary.term("learning_rate").en == "learning rate"
    assert glossary.term("momentum").name("ru").startswith("момент")
    assert glossary.term("epoch").definition("en").startswith("One full pass")
    with pytest.raises(KeyError, match="no term with key 'nope'"):
        glossary.term("nope")
    with pytest.raises(KeyError, match="no term named 'nothing'"):
        glossary.lookup("nothing")


def test_topics_are_in_teaching_order_and_rows_are_grouped_by_topic():
    topics = glossary.topics()
    assert topics[0] == "neurons" and "backpropagation" in topics
    order = [topics.index(t.topic) for t in ROWS]
    assert order == sorted(order), "rows of one topic must be together, topics in teaching order"
