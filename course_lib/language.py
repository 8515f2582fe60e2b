"""The language of figures, widgets and printouts: English (``"en"``, the default) or Russian (``"ru"``).

Every word a plot, a widget or a text printout (``Sequential.summary``, a gradient-check report,
``fit``'s progress bar) shows comes from ``LABELS``, one table holding both languages side by side and
keyed by a stable id (``"plot.epoch"``, ``"playground.status"``...). A Russian lecture says once, in its first
cell::

    import course_lib
    course_lib.set_language("ru")

and every figure, widget and printout made afterwards speaks Russian; a ``lang=`` argument of a plotting
function, widget app or report wins over that default. Numbers keep their format (``4,810``) in both languages,
as the lectures' own code prints them. Names (ReLU, Adam, Rosenbrock), formula symbols and API values (the
``"relu"`` a dropdown returns) stay as they are in both languages.
"""
from __future__ import annotations

import string

LANGUAGES = ("en", "ru")

# id -> (English, Russian). Placeholders in braces are filled by ``label(id, **fields)`` and must be the same in
# both languages (a test checks it). Russian follows the source lectures' terms.
LABELS = {
    # ---- plots
    "plot.function": ("{name}(x)", "{name}(x)"),
    "plot.derivative": ("derivative", "производная"),
    "plot.saturated": ("saturated", "насыщение"),
    "plot.epoch": ("epoch", "эпоха"),
    "plot.train": ("train", "обучающая выборка"),
    "plot.validation": ("validation", "валидационная выборка"),
    "plot.test": ("test", "тестовая выборка"),
    "plot.weights_title": ("{name}  (std {std:.3g})", "{name}  (σ = {std:.3g})"),
    "plot.grads_title": ("grad {name}  (std {std:.3g})", "∇ {name}  (σ = {std:.3g})"),
    "tensor.weight": ("weight", "веса W"),
    "tensor.bias": ("bias", "смещения b"),
    "tensor.gamma": ("gamma", "γ"),
    "tensor.beta": ("beta", "β"),
    "metric.loss": ("loss", "функция потерь"),
    "metric.accuracy": ("accuracy", "точность"),
    "metric.lr": ("lr", "скорость обучения"),
    # ---- architectures.Summary.table
    "table.layer": ("layer", "слой"),
    "table.output": ("output", "выход"),
    "table.params": ("params", "параметров"),
    "table.macs": ("MACs", "MACs"),
    "table.total": ("total", "итого"),
    # ---- activations whose registry name is an everyday word (the others are names: relu, tanh, gelu...)
    "activation.identity": ("identity", "тождественная"),
    "activation.step": ("step", "ступенька"),
    "activation.sign": ("sign", "знак"),
    # ---- test surfaces (landscapes)
    "surface.quadratic": ("quadratic (κ={kappa:g})", "квадратичная (κ={kappa:g})"),
    "surface.rosenbrock": ("Rosenbrock", "функция Розенброка"),
    "surface.saddle": ("saddle", "седловая точка"),
    "surface.local_minima": ("local minima", "локальные минимумы"),
    "surface_choice.quadratic": ("quadratic", "квадратичная"),
    "surface_choice.rosenbrock": ("rosenbrock", "Розенброка"),
    "surface_choice.saddle": ("saddle", "седло"),
    "surface_choice.local_minima": ("local_minima", "локальные минимумы"),
    # ---- optimisers as shown in legends and check boxes (en: the API names, unchanged)
    "optimizer.sgd": ("sgd", "SGD"),
    "optimizer.momentum": ("momentum", "SGD с моментом"),
    "optimizer.nesterov": ("nesterov", "Нестеров"),
    "optimizer.adagrad": ("adagrad", "AdaGrad"),
    "optimizer.rmsprop": ("rmsprop", "RMSProp"),
    "optimizer.adam": ("adam", "Adam"),
    # ---- hyper-parameters on sliders (en: the keyword names)
    "param.lr": ("lr", "η"),
    "param.momentum": ("momentum", "момент"),
    "param.alpha": ("alpha", "α"),
    "param.beta": ("beta", "β"),
    "param.beta1": ("beta1", "β₁"),
    "param.lambd": ("lambd", "λ"),
    "param.negative_slope": ("negative_slope", "наклон при x<0"),
    "param.min_val": ("min_val", "минимум"),
    "param.max_val": ("max_val", "максимум"),
    "param.lower": ("lower", "нижний наклон"),
    "param.upper": ("upper", "верхний наклон"),
    # ---- activation explorer
    "explorer.activation": ("activation", "активация"),
    "explorer.threshold": ("saturation |f'| <", "насыщение |f'| <"),
    "explorer.status": ("saturated where |f'| &lt; {threshold:.2f}: {spans}",
                        "насыщение там, где |f'| &lt; {threshold:.2f}: {spans}"),
    "explorer.none": ("none", "нигде"),
    # ---- optimiser race
    "race.surface": ("surface", "поверхность"),
    "race.condition": ("condition number", "число обусловленности"),
    "race.steps": ("steps", "шагов"),
    "race.step": ("step", "шаг"),
    "race.value": ("{name}: {value:.3g}", "{name}: {value:.3g}"),
    "race.diverged": ("{name}: diverged", "{name}: расходится"),
    "race.status": ("step {step}: {values}", "шаг {step}: {values}"),
    "race.none_enabled": ("enable at least one optimiser", "включите хотя бы один оптимизатор"),
    "race.gap_title": ("f - f_min (log)", "f − f_min (лог. шкала)"),
    # ---- playground
    "playground.dataset": ("data", "данные"),
    "playground.noise": ("noise %", "шум, %"),
    "playground.train_ratio": ("train %", "обучающая, %"),
    "playground.batch_size": ("batch size", "размер батча"),
    "playground.hidden_layers": ("hidden layers", "скрытых слоёв"),
    "playground.activation": ("activation", "активация"),
    "playground.learning_rate": ("learning rate", "скорость обучения"),
    "playground.regularization": ("regularisation", "регуляризация"),
    "playground.reg_rate": ("reg. rate", "коэф. регуляризации"),
    "playground.optimizer": ("optimiser", "оптимизатор"),
    "playground.dropout": ("dropout", "прореживание"),
    "playground.batch_norm": ("batch norm", "пакетная нормализация"),
    "playground.no_regularization": ("none", "нет"),
    "playground.neurons": ("neurons:", "нейроны:"),
    "playground.features": ("features:", "признаки:"),
    "playground.play": ("start/pause", "пуск/пауза"),
    "playground.one_step": ("one step", "один шаг"),
    "playground.reset": ("reset", "сначала"),
    "playground.layer": ("L{i}", "С{i}"),
    "playground.status": ("epoch {epoch} &nbsp; train loss {train:.4g} &nbsp; test loss {test:.4g}",
                          "эпоха {epoch} &nbsp; потери на обучающей {train:.4g} &nbsp; на тестовой {test:.4g}"),
    "playground.diverged": ("diverged: lower the learning rate and reset",
                            "обучение разошлось: уменьшите скорость обучения и начните сначала"),
    "playground.no_features": ("select at least one input feature", "выберите хотя бы один входной признак"),
    "playground.batch_norm_batch": ("batch norm needs a batch size of at least 2: raise the batch size or untick "
                                    "batch norm",
                                    "пакетной нормализации нужен батч хотя бы из двух примеров: увеличьте размер "
                                    "батча или выключите нормализацию"),
    "playground.probability": ("{dataset}: P(class 1)", "{dataset}: P(класс 1)"),
    "playground.output": ("{dataset}: output", "{dataset}: выход сети"),
    "playground.loss": ("loss", "функция потерь"),
    "dataset.circle": ("circle", "круг"),
    "dataset.xor": ("xor", "XOR"),
    "dataset.gaussian": ("gaussian", "два облака"),
    "dataset.spiral": ("spiral", "спираль"),
    "dataset.plane": ("plane", "плоскость"),
    "dataset.multi-gaussian": ("multi-gaussian", "сумма гауссиан"),
    # ---- backprop stepper
    "stepper.graph": ("graph", "граф"),
    "stepper.back": ("◀ back", "◀ назад"),
    "stepper.next": ("next ▶", "далее ▶"),
    "stepper.reset": ("reset", "сначала"),
    "stepper.auto": ("auto", "авто"),
    "stepper.inputs": ("inputs: {values}", "входы: {values}"),
    "stepper.forward": ("forward: {text}", "прямой проход: {text}"),
    "stepper.backward": ("backward: {text}", "обратный проход: {text}"),
    "stepper.status": ("step {position} / {total} ({phase})", "шаг {position} из {total} ({phase})"),
    "phase.start": ("start", "начало"),
    "phase.forward": ("forward", "прямой проход"),
    "phase.backward": ("backward", "обратный проход"),
    "phase.done": ("done", "готово"),
    # ---- text printouts: Sequential.summary, the gradient-check reports, fit's progress bar. The English texts
    # are the library's original printouts, byte for byte (the English lectures quote them).
    "summary.layer": ("Layer", "Слой"),
    "summary.output_shape": ("Output shape", "Форма выхода"),
    "summary.params": ("Params", "Параметры"),
    "summary.total": ("Total parameters: {count}", "Всего параметров: {count}"),
    "gradcheck.title": ("gradient check of {owner}:", "проверка градиента {owner}:"),
    "gradcheck.input": ("input", "вход x"),
    "gradcheck.row": ("relative error {error}; {worst}", "относительная ошибка {error}; {worst}"),
    "gradcheck.worst": ("worst element {index}: analytic {analytic}, numerical {numeric}",
                        "наибольшее расхождение в элементе {index}: аналитически {analytic}, численно {numeric}"),
    "gradcheck.empty": ("(empty)", "(пусто)"),
    "progress.fit": ("fit", "обучение"),
    "progress.epoch": ("epoch", "эпох"),
    "progress.validation": ("val_{name}", "{name} на валидации"),
}

_default = "en"


def check_language(lang) -> str:
    """``lang`` itself if it is one of ``LANGUAGES``; otherwise a ``ValueError`` listing them."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; available: {', '.join(map(repr, LANGUAGES))}")
    return lang


def set_language(lang: str) -> str:
    """Make ``lang`` the language of every figure, widget and printout made from now on (those given ``lang=`` aside);
    returns the previous one, so that ``set_language(old)`` restores it."""
    global _default
    previous, _default = _default, check_language(lang)
    return previous


def get_language() -> str:
    """The process-wide language (``"en"`` unless ``set_language`` changed it)."""
    return _default


def resolve_language(lang: str | None = None) -> str:
    """``lang`` if given (checked), else the process-wide language: what every ``lang=None`` parameter uses."""
    return _default if lang is None else check_language(lang)


def table(lang: str) -> dict:
    """``{id: text}`` for one language (an id whose text is missing in that language is left out)."""
    i = LANGUAGES.index(check_language(lang))
    return {key: texts[i] for key, texts in LABELS.items() if i < len(texts) and texts[i]}


def label(key: str, lang: str | None = None, **fields) -> str:
    """The text ``key`` in ``lang`` (default: the process-wide language), placeholders filled from ``fields``."""
    if key not in LABELS:
        raise KeyError(f"label: no text with id {key!r} in course_lib.language.LABELS")
    return LABELS[key][LANGUAGES.index(resolve_language(lang))].format(**fields)


def label_or(key: str, fallback: str, lang: str | None = None, **fields) -> str:
    """``label(key)`` if the table has it, else ``fallback`` unchanged (a name such as ``relu`` or a user's own
    metric, which has no translation)."""
    return label(key, lang, **fields) if key in LABELS else fallback


def placeholders(text: str) -> set:
    """The field names a format string uses: ``{"epoch", "train"}`` for ``"epoch {epoch} {train:.4g}"``."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
