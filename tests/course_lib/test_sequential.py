"""``Sequential.summary``: the table speaks the chosen language; the English table is the one the lectures quote."""
import pytest
from no_english import printed_runs

import course_lib
from course_lib.layers import Dropout, Linear, ReLU, Sequential

# The English table as lecture 6 shows it (its prose and the English output depend on it, character for character).
ENGLISH = """\
--------------------------------------------
Layer               Output shape      Params
--------------------------------------------
(0) Linear(4→8)     (None, 8)             40
(1) ReLU()          (None, 8)              0
(2) Dropout(p=0.5)  (None, 8)              0
(3) Linear(8→3)     (None, 3)             27
--------------------------------------------
Total parameters: 67
--------------------------------------------"""


@pytest.fixture
def net():
    return Sequential(Linear(4, 8, rng=0), ReLU(), Dropout(0.5), Linear(8, 3, rng=0))


def test_summary_is_english_by_default_and_unchanged(net):
    assert net.summary() == ENGLISH
    assert net.summary(lang="en") == ENGLISH


def test_summary_follows_set_language_and_keeps_layers_and_numbers(net):
    course_lib.set_language("ru")
    text = net.summary()
    lines = text.splitlines()
    assert lines[1].split() == ["Слой", "Форма", "выхода", "Параметры"], text
    assert "Всего параметров: 67" in text, text
    for row in ENGLISH.splitlines()[3:7]:            # the layer rows are the same in both languages
        assert row.split() == next(ln for ln in lines if ln.startswith(row[:4])).split(), text
    assert printed_runs(text) == [], f"English left in the Russian summary: {printed_runs(text)}"
    assert net.summary(lang="en") == ENGLISH, "lang= must win over the process-wide language"


def test_summary_columns_line_up_in_russian(net):
    lines = net.summary(lang="ru").splitlines()
    header, rows = lines[1], lines[3:7]
    assert all(len(r) == len(header) == len(lines[0]) for r in rows), "\n".join(lines)
    assert header.index("Форма") == rows[0].index("(None"), "\n".join(lines)


def test_summary_thousands_are_grouped_as_in_english():
    big = Sequential(Linear(64, 64, rng=0), ReLU(), Linear(64, 10, rng=0))
    assert "Total parameters: 4,810" in big.summary(lang="en")
    assert "Всего параметров: 4,810" in big.summary(lang="ru"), "the lecture's claim check reads 4,810"


def test_summary_refuses_an_unknown_language(net):
    with pytest.raises(ValueError, match="available: 'en', 'ru'"):
        net.summary(lang="de")
