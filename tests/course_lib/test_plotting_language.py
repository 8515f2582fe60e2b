"""Every plotting helper speaks the language asked for: no English word in a Russian figure, English in an
English one, and the process-wide default (``course_lib.set_language``) used when ``lang`` is not given."""
import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402
from no_english import figure_texts, latin_runs  # noqa: E402

from course_lib import activations, landscapes, language, plotting  # noqa: E402
from course_lib.autograd import Value  # noqa: E402
from course_lib.layers import BatchNorm1d, Linear, ReLU, Sequential  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _model():
    rng = np.random.default_rng(0)
    model = Sequential(Linear(2, 4, rng=rng), BatchNorm1d(4), ReLU(), Linear(4, 1, rng=rng))
    for p in model.parameters():
        p.grad = rng.normal(size=p.data.shape)
    return model


def _graph():
    x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    f = (x + y) * z
    f.label = "f"
    f.backward()
    return f


def _runs(surface):
    return [landscapes.run_optimizer(surface, name, steps=15, lr=lr)
            for name, lr in [("sgd", 1e-3), ("momentum", 1e-3), ("nesterov", 1e-3), ("adagrad", 0.3),
                             ("rmsprop", 1e-2), ("adam", 0.05)]]


HISTORY = {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7], "accuracy": [0.5, 0.8], "val_accuracy": [0.4, 0.7],
           "lr": [0.1, 0.05]}
X2 = np.random.default_rng(1).normal(size=(30, 2))
Y2 = (X2[:, 0] > 0).astype(int)

# name -> draw(lang): every plotting helper, each on inputs that make it show all of its words
FIGURES = {
    "activation_gallery": lambda lang: plotting.plot_activation_gallery(lang=lang, ncols=6),
    "activation_single": lambda lang: plotting.plot_activation("sigmoid", lang=lang),
    "training_curves": lambda lang: plotting.plot_training_curves(HISTORY, lang=lang),
    "weight_histograms": lambda lang: plotting.plot_weight_histograms(_model(), lang=lang),
    "weight_histograms_bare": lambda lang: plotting.plot_weight_histograms(Linear(2, 3), lang=lang),
    "decision_boundary": lambda lang: plotting.plot_decision_boundary(lambda g: g[:, 0], X2, Y2, lang=lang,
                                                                      resolution=20),
    "image_grid": lambda lang: plotting.plot_image_grid(np.zeros((3, 4, 4)), labels=[0, 1, 2], lang=lang),
    "graph": lambda lang: plotting.draw_graph(_graph(), lang=lang),
    **{f"trajectories_{name}": (lambda lang, name=name: plotting.plot_trajectories(
        landscapes.get_surface(name), _runs(landscapes.get_surface(name)), lang=lang))
       for name in landscapes.SURFACES},
}

# words an English figure must show, and their Russian counterparts
EXPECTED = {
    "activation_single": (["derivative", "saturated"], ["производная", "насыщение"]),
    "training_curves": (["loss", "accuracy", "lr", "epoch", "train", "validation"],
                        ["функция потерь", "точность", "скорость обучения", "эпоха", "обучающая выборка",
                         "валидационная выборка"]),
    "weight_histograms_bare": (["weight  (std", "grad bias"], ["веса W  (σ =", "∇ смещения b"]),
    "trajectories_rosenbrock": (["Rosenbrock", "momentum"], ["функция Розенброка", "SGD с моментом"]),
    "trajectories_saddle": (["saddle", "nesterov"], ["седловая точка", "Нестеров"]),
    "trajectories_local_minima": (["local minima"], ["локальные минимумы"]),
    "trajectories_quadratic": (["quadratic (κ=10)"], ["квадратичная (κ=10)"]),
}


def _has(texts, word):
    return any(word in t for t in texts)


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_a_russian_figure_has_no_english_word(name):
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)      # "Glyph ... missing from font": Cyrillic not drawn
        texts = figure_texts(FIGURES[name]("ru"))
    assert texts, f"{name}: the figure shows no text at all"
    bad = {t: latin_runs(t) for t in texts if latin_runs(t)}
    assert not bad, f"{name}: English in a Russian figure: {bad}"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_lang_option_switches_the_words(name):
    en_words, ru_words = EXPECTED[name]
    en, ru = figure_texts(FIGURES[name]("en")), figure_texts(FIGURES[name]("ru"))
    for w in en_words:
        assert _has(en, w) and not _has(ru, w), f"{name}: {w!r} in English only; en={en}, ru={ru}"
    for w in ru_words:
        assert _has(ru, w) and not _has(en, w), f"{name}: {w!r} in Russian only; en={en}, ru={ru}"


def test_every_activation_is_titled_without_english_in_russian():
    names = [n for n in activations.names() if n != "softmax"]
    fig = plotting.plot_activation_gallery(names, lang="ru", ncols=6)
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert len(titles) == len(names)
    assert "ступенька" in titles and "step" not in titles, titles
    assert "relu" in titles, "names such as relu stay as they are"


def test_the_process_wide_language_is_used_and_an_explicit_lang_wins():
    language.set_language("ru")
    assert _has(figure_texts(plotting.plot_training_curves(HISTORY)), "эпоха")
    assert _has(figure_texts(plotting.plot_training_curves(HISTORY, lang="en")), "epoch")
    language.set_language("en")
    assert _has(figure_texts(plotting.plot_training_curves(HISTORY)), "epoch")


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_an_unknown_language_is_refused_by_every_helper(name):
    with pytest.raises(ValueError, match="unknown language 'de'; available: 'en', 'ru'"):
        FIGURES[name]("de")


def test_english_figures_are_what_they_were():
    """The English edition keeps its labels: the detector finds English there (so it would in Russian)."""
    texts = figure_texts(plotting.plot_training_curves(HISTORY, lang="en"))
    assert any(latin_runs(t) for t in texts), texts


def test_the_architecture_table_is_headed_in_the_chosen_language():
    from course_lib import architectures as A

    summary = A.count([A.Conv2d(1, 8, 3, stride=2), A.ReLU(), A.Flatten(), A.Linear(8 * 7 * 7, 10)], (1, 15, 15))
    en, ru = summary.table(lang="en"), summary.table(lang="ru")
    assert en.split()[:4] == ["layer", "output", "params", "MACs"] and "total" in en
    assert ru.split()[:4] == ["слой", "выход", "параметров", "MACs"] and "итого" in ru
    headers = [ru.splitlines()[0], ru.splitlines()[-1].split()[0]]
    assert not any(latin_runs(h) for h in headers), headers
    assert en.splitlines()[1:-1] == ru.splitlines()[1:-1], "the rows (layer names, numbers) are the same"
    language.set_language("ru")
    assert summary.table().startswith("слой")
