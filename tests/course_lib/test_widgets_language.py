"""The widget apps in Russian: no English word in any description, option, label, status line, explanation or
figure, in every state the tests can reach; English in the English apps; the same values behind both.

``test_widgets_ipywidgets7.py`` reruns this file under ipywidgets 7.7 as well.
"""
import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from no_english import figure_texts, latin_runs, widget_texts  # noqa: E402

from course_lib import activations, landscapes, language  # noqa: E402
from course_lib.widgets import ActivationExplorer, BackpropStepper, OptimizerRace, Playground  # noqa: E402
from course_lib.widgets.playground import DATASETS  # noqa: E402
from course_lib.widgets.stepper import PRESETS  # noqa: E402


class Seen:
    """Everything an app has shown so far: widget strings and its figure's texts, snapshot after each state."""

    def __init__(self, app):
        self.app, self.texts = app, []
        self.snap()

    def snap(self, *extra):
        self.texts += widget_texts(self.app.widget) + figure_texts(self.app.figure) + list(extra)

    def english(self) -> dict:
        return {t: latin_runs(t) for t in set(self.texts) if latin_runs(t)}

    def has(self, word) -> bool:
        return any(word in t for t in self.texts)


def _explorer(lang):
    app = ActivationExplorer("sigmoid", lang=lang)
    seen = Seen(app)
    for name in app.names:                               # every activation: its sliders, title and status
        app.select(name)
        seen.snap()
    app.select("tanh")
    app.set_view(x_range=(-1.0, 1.0), threshold=0.3)     # no saturation: the "none" status
    seen.snap()
    return seen


def _playground(lang):
    app = Playground(seed=0, n_points=60, lang=lang)
    seen = Seen(app)
    for dataset in DATASETS:                              # classification and regression titles
        app.configure(dataset=dataset)
        seen.snap()
    app.configure(dataset="plane", learning_rate=10.0, hidden_layers=2, neurons=8, activation="relu")
    app.step(5)                                           # the diverged message
    assert app.diverged, "lr = 10 on the plane must diverge, or this test does not see that message"
    seen.snap()
    app.configure(dataset="circle", learning_rate=0.03, batch_norm=True, batch_size=1)
    app.step(1)                                           # batch norm's batch-size message
    seen.snap()
    for box in app.feature_boxes.values():                # no feature: its message
        box.value = False
    seen.snap()
    return seen


def _race(lang):
    race = OptimizerRace("rosenbrock", steps=20, enabled=("sgd", "momentum", "nesterov", "adagrad", "rmsprop",
                                                          "adam"), lang=lang)
    seen = Seen(race)
    for surface in landscapes.SURFACES:
        race.configure(surface=surface)
        seen.snap()
    race.configure(surface="quadratic", condition_number=100.0)
    race.set_optimizer("sgd", lr=0.05)                    # diverges on kappa = 100
    seen.snap()
    for name in list(race.rows):                          # nothing enabled: its message
        race.set_optimizer(name, enabled=False)
    seen.snap()
    return seen


def _stepper(lang):
    app = BackpropStepper("(x+y)*z", lang=lang)
    seen = Seen(app)
    for preset in PRESETS:
        app.preset.value = preset
        for position in range(app.n_steps + 1):           # every step's explanation and status
            app.goto(position)
            seen.snap(app.explanation())
    return seen


APPS = {"explorer": _explorer, "playground": _playground, "race": _race, "stepper": _stepper}


@pytest.fixture(scope="module")
def shown():
    """{(app, lang): Seen}, built once: the playground trains, so each app runs once per language."""
    return {(name, lang): make(lang) for name, make in APPS.items() for lang in ("en", "ru")}


@pytest.mark.parametrize("app", sorted(APPS))
def test_a_russian_app_shows_no_english(shown, app):
    seen = shown[(app, "ru")]
    assert len(seen.texts) > 10
    assert not seen.english(), f"{app}: English in the Russian app: {seen.english()}"


# words the English app shows and the Russian one must not, and the other way round
EXPECTED = {
    "explorer": (["activation", "saturated where", "none", "derivative", "identity"],
                 ["активация", "насыщение там, где", "нигде", "производная", "тождественная", "α"]),
    "playground": (["learning rate", "batch norm needs", "diverged", "select at least one", "P(class 1)",
                    "output", "epoch", "circle", "multi-gaussian", "dropout"],
                   ["скорость обучения", "пакетной нормализации нужен", "разошлось", "выберите хотя бы один",
                    "P(класс 1)", "выход сети", "эпоха", "круг", "сумма гауссиан", "прореживание"]),
    "race": (["condition number", "diverged", "enable at least one", "f - f_min (log)", "momentum", "Rosenbrock"],
             ["число обусловленности", "расходится", "включите хотя бы один", "f − f_min (лог. шкала)",
              "SGD с моментом", "функция Розенброка"]),
    "stepper": (["forward: q = x + y = -2 + 5 = 3", "backward", "inputs: x = -2", "◀ back", "(done)"],
                ["прямой проход: q = x + y = -2 + 5 = 3", "обратный проход", "входы: x = -2", "◀ назад",
                 "(готово)"]),
}


@pytest.mark.parametrize("app", sorted(APPS))
def test_the_lang_option_switches_every_app(shown, app):
    en, ru = shown[(app, "en")], shown[(app, "ru")]
    en_words, ru_words = EXPECTED[app]
    for w in en_words:
        assert en.has(w) and not ru.has(w), f"{app}: {w!r} should be shown in English only"
    for w in ru_words:
        assert ru.has(w) and not en.has(w), f"{app}: {w!r} should be shown in Russian only"
    assert en.english(), f"{app}: the English app shows English (the detector sees it)"


def test_the_values_behind_the_controls_do_not_depend_on_the_language():
    en, ru = Playground(seed=0, n_points=60, lang="en"), Playground(seed=0, n_points=60, lang="ru")
    for app in (en, ru):
        app.configure(dataset="xor", optimizer="momentum", regularization="L2", reg_rate=0.01,
                      activation="relu")
        app.step(2)
    assert en.settings == ru.settings and en.settings["dataset"] == "xor"
    assert en.train_loss == ru.train_loss, "the language must not change what is computed"
    assert ru.controls["regularization"].value == "L2" and ru.controls["optimizer"].value == "momentum"
    explorer = ActivationExplorer("step", lang="ru")
    assert explorer.choice.value == "step" and explorer.choice.label == "ступенька"
    race = OptimizerRace("saddle", steps=10, lang="ru")
    assert race.surface_choice.value == "saddle" and race.ranking() == OptimizerRace("saddle", steps=10).ranking()


def test_apps_follow_the_process_wide_language_and_lang_wins():
    language.set_language("ru")
    assert BackpropStepper().next_button.description == "далее ▶"
    assert BackpropStepper(lang="en").next_button.description == "next ▶"
    app = ActivationExplorer("relu")
    language.set_language("en")                           # an app keeps the language it was made in
    app.select("elu")
    assert app.lang == "ru" and app.choice.description == "активация" and "насыщение" in app.status.value


@pytest.mark.parametrize("make", [lambda: Playground(lang="de"), lambda: ActivationExplorer(lang="de"),
                                  lambda: OptimizerRace(lang="de"), lambda: BackpropStepper(lang="de")])
def test_an_unknown_language_is_refused_by_every_app(make):
    with pytest.raises(ValueError, match="unknown language 'de'; available: 'en', 'ru'"):
        make()


def test_every_activation_has_a_russian_dropdown_label_without_english():
    app = ActivationExplorer(lang="ru")
    labels = {value: shown for shown, value in app.choice.options}
    assert set(labels) == {n for n in activations.names() if n != "softmax"}
    assert all(not latin_runs(lab) for lab in labels.values()), labels
    assert all(labels[n] == n for n in ("relu", "tanh", "gelu")), "names stay names"
