"""The label table and the process-wide language, and the Latin-run detector the Russian checks rely on."""
import re
import subprocess
import sys

import pytest
from no_english import ALLOWED, latin_runs, printed_runs, prose

import course_lib
from course_lib import language


# --------------------------------------------------------------------------- the table
def test_both_language_tables_have_the_same_keys():
    en, ru = language.table("en"), language.table("ru")
    assert set(en) == set(ru), f"only English: {sorted(set(en) - set(ru))}; only Russian: {sorted(set(ru) - set(en))}"
    assert set(en) == set(language.LABELS), "every id must have a text in every language"


def test_every_entry_has_one_non_empty_text_per_language_with_the_same_placeholders():
    for key, texts in language.LABELS.items():
        assert len(texts) == len(language.LANGUAGES), f"{key}: {len(texts)} texts for {language.LANGUAGES}"
        assert all(t.strip() for t in texts), f"{key}: an empty text"
        fields = [language.placeholders(t) for t in texts]
        assert all(f == fields[0] for f in fields), f"{key}: placeholders differ between languages: {fields}"


def test_russian_labels_have_no_english_words():
    for key, ru in language.table("ru").items():
        bare = re.sub(r"\{[^{}]*\}", " ", ru)          # the placeholders are filled with numbers and names
        assert latin_runs(bare) == [], f"{key}: {ru!r} has English in it: {latin_runs(bare)}"


def test_english_labels_are_not_the_russian_ones():
    en, ru = language.table("en"), language.table("ru")
    words = [k for k in en if re.search(r"[A-Za-z]{3,}", en[k]) and latin_runs(re.sub(r"\{[^{}]*\}", " ", en[k]))]
    assert len(words) > 50, "the English table should be mostly words"
    assert all(en[k] != ru[k] for k in words), [k for k in words if en[k] == ru[k]]


def test_label_fills_placeholders_in_the_chosen_language():
    assert language.label("playground.status", "en", epoch=3, train=0.5, test=0.25) == \
        "epoch 3 &nbsp; train loss 0.5 &nbsp; test loss 0.25"
    assert language.label("stepper.status", "ru", position=1, total=7, phase="начало") == "шаг 1 из 7 (начало)"
    with pytest.raises(KeyError, match="no text with id 'plot.nope'"):
        language.label("plot.nope", "en")
    assert language.label_or("optimizer.my_own", "my_own", "ru") == "my_own"


# --------------------------------------------------------------------------- the process-wide language
def test_set_language_changes_the_default_and_an_explicit_lang_wins():
    assert course_lib.set_language is language.set_language
    assert language.get_language() == "en"
    previous = course_lib.set_language("ru")
    assert previous == "en" and course_lib.get_language() == "ru"
    assert language.label("plot.epoch") == "эпоха"
    assert language.label("plot.epoch", "en") == "epoch"
    course_lib.set_language(previous)
    assert language.label("plot.epoch") == "epoch"


@pytest.mark.parametrize("bad", ["de", "RU", "", None, "english"])
def test_unknown_language_is_refused_with_the_available_ones(bad):
    with pytest.raises(ValueError, match=r"unknown language .*; available: 'en', 'ru'"):
        language.set_language(bad)
    assert language.get_language() == "en", "a refused language must leave the default unchanged"


def test_lang_argument_is_checked_too():
    with pytest.raises(ValueError, match="available: 'en', 'ru'"):
        language.label("plot.epoch", "fr")


def test_the_language_module_imports_nothing_heavy():
    code = ("import sys, course_lib; course_lib.set_language('ru'); import course_lib.glossary; "
            "print(sorted(m for m in ('matplotlib', 'ipywidgets', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() in ("[]", "['numpy']"), f"set_language pulled in: {out.strip()}"


# --------------------------------------------------------------------------- the Latin-run detector
@pytest.mark.parametrize("text, runs", [
    ("эпоха 3: train loss 0.5", ["train loss"]),
    ("градиентный спуск, then momentum", ["then momentum"]),
    ("gradient спуск descent", ["gradient", "descent"]),                # Cyrillic breaks a run
    ("it is in the box", ["it is in the box"]),
    ("<b style='color:#d7191c'>разошлось</b> &nbsp; done", ["done"]),   # tags and entities are not text
])
def test_latin_runs_finds_english(text, runs):
    assert latin_runs(text) == runs


@pytest.mark.parametrize("text", [
    "функция активации ReLU, оптимизатор Adam, функция Розенброка",   # names
    "σ(x) = 1/(1 + exp(−x)), tanh, sin(x1), f − f_min, dz/dx, Wx + b",  # formulas and symbols
    "параметр `negative_slope`, модуль course_lib.plotting, 0.weight, leaky_relu",  # API
    "потери $\\mathcal{L}(w) = \\frac{1}{n}\\sum_i loss_i$ убывают",    # math
    "```python\nmodel = Sequential(Linear(2, 4))\nmodel.train()\n```\nкод выше",  # a code block
    "ссылка https://example.org/some/english/path в тексте",
    "Leaky ReLU и Leaky-ReLU",
])
def test_latin_runs_lets_names_symbols_code_and_math_through(text):
    assert latin_runs(text) == [], latin_runs(text)


def test_min_words_tolerates_a_quoted_term_but_not_a_sentence():
    text = "прореживание (dropout) выключает нейроны. Then we train the network for ten epochs."
    assert latin_runs(text) == ["dropout", "Then we train the network for ten epochs"]
    assert latin_runs(text, min_words=3) == ["Then we train the network for ten epochs"]
    assert latin_runs(text, allowed=ALLOWED | {"dropout"}) == ["Then we train the network for ten epochs"]
    with pytest.raises(ValueError, match="min_words must be at least 1"):
        latin_runs(text, min_words=0)


def test_prose_keeps_offsets():
    text = "a `code` b $x$ c"
    assert len(prose(text)) == len(text) and "code" not in prose(text)


def test_inline_math_broken_across_a_line_break_is_math():
    text = "потери $\\mathcal{L}(w) = \\frac{1}{n}\\sum_i\nloss_i + \\lambda\\,penalty$ убывают"
    assert latin_runs(text) == [], latin_runs(text)
    assert "loss" not in prose(text) and len(prose(text)) == len(text)
    # a blank line ends the paragraph: two lone dollars there are not one formula
    apart = "цена $5 за штуку\n\nи the rest of the text $ здесь"
    assert latin_runs(apart) == ["the rest of the text"]


@pytest.mark.parametrize("printed", [
    "(0) Linear(64→64)  (None, 64)  4,160\n(2) Dropout(p=0.5)  (None, 10)  650",       # reprs and literals
    "AND: [0 0 0 1]   (w, w0) = (array([1, 1]), 1.5)",                                  # a name in capitals
    "сошёлся: True; {'v11': True, 'w22': False}; правило «    step»: точность nan%",   # literals, quoted values
    "VBox(children=(HBox(children=(Dropdown(description='граф', options=('(x+y)*z', 'x**2*y…",  # a cut repr
    "GELU(2) = 2 * Phi(2) = 1.9545; hardshrink(lambda=0.5): [-1. 0.]",
    "BuggyTanh: относительная ошибка 3.3e-01; maxout (layers.Maxout), np.nan",           # CamelCase, dotted
])
def test_printed_runs_lets_reprs_literals_and_quoted_values_through(printed):
    assert printed_runs(printed) == [], printed_runs(printed)


def test_printed_runs_finds_english_words_between_the_code():
    assert printed_runs("Total parameters: 4,810") == ["Total parameters"]
    assert printed_runs("gradient check of Linear(4→3):\n  input  relative error 4e-11") == [
        "gradient check of : input relative error"]
    bar = printed_runs("fit:   0%|          | 0/30 [00:00<?, ?epoch/s]")
    assert len(bar) == 1 and bar[0].startswith("fit") and bar[0].endswith("epoch"), bar
    assert printed_runs("вручную 0.5998, Value 0.5998") == ["Value"]
    assert printed_runs("вручную 0.5998, Value 0.5998", names=["Value"]) == []
    assert printed_runs("value 0.5998", names=["Value"]) == ["value"], "names are matched case-sensitively"
    assert printed_runs("Layer Output shape", names=["Layer"]) == ["Output shape"]
    assert printed_runs("gradients of layers.Value", names=["Value"]) == ["gradients of"]
