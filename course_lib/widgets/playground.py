r"""A neural-network playground in the spirit of TensorFlow's, trained by ``course_lib``.

Choose a data set (circle, XOR, gaussian, spiral; two regression sets), the input features
(:math:`x_1, x_2, x_1^2, x_2^2, x_1 x_2, \sin x_1, \sin x_2`), 0–6 hidden layers of 1–8 neurons, the
activation, L1/L2 regularisation, learning rate, noise, batch size and train/test split — plus what
TensorFlow's playground lacks: the optimiser, dropout and batch normalisation. Start/pause (a ``Play``
widget: the browser ticks, each tick trains ``epochs_per_tick`` epochs, so the kernel is never blocked), one
step, reset; the decision surface, train and test loss and the loss curve update as it trains.

Programmatic use (tests, notebooks)::

    app = Playground(seed=0); app.configure(dataset="xor", hidden_layers=2, neurons=4, learning_rate=0.03)
    app.step(20); app.epoch, app.train_loss, app.test_loss, app.history

A classification net ends in one logit trained with binary cross-entropy (the surface shows
:math:`\sigma(z)`); a regression net ends in one linear output trained with mean squared error. The losses
reported are the data losses (without the penalty), the train loss in evaluation mode, as TensorFlow's.
"""

from __future__ import annotations

import ipywidgets as W
import numpy as np

from course_lib import datasets, layers, losses, optim
from course_lib.language import label_or
from course_lib.plotting import plot_decision_boundary
from course_lib.training import iterate_minibatches
from course_lib.validation import as_rng
from course_lib.widgets.common import WIDE, App, check_range, set_controls

FEATURES = {
    "x1": lambda X: X[:, 0],
    "x2": lambda X: X[:, 1],
    "x1^2": lambda X: X[:, 0] ** 2,
    "x2^2": lambda X: X[:, 1] ** 2,
    "x1*x2": lambda X: X[:, 0] * X[:, 1],
    "sin(x1)": lambda X: np.sin(X[:, 0]),
    "sin(x2)": lambda X: np.sin(X[:, 1]),
}
# name -> (task, generator(n, noise, rng), noise at 0 % and at 50 % of the slider)
DATASETS = {
    "circle": ("classification", datasets.make_circles, (0.02, 0.25)),
    "xor": ("classification", lambda n, noise, rng: _centred_xor(n, noise, rng), (0.05, 0.4)),
    "gaussian": ("classification", datasets.make_gaussians, (0.25, 1.0)),
    "spiral": ("classification", datasets.make_spiral, (0.0, 0.2)),
    "plane": (
        "regression",
        lambda n, noise, rng: datasets.make_regression_2d(n, noise, rng, "plane"),
        (0, 0.5),
    ),
    "multi-gaussian": (
        "regression",
        lambda n, noise, rng: datasets.make_regression_2d(n, noise, rng, "gaussians"),
        (0, 0.5),
    ),
}
RATES = (1e-5, 1e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REG_RATES = (0.0, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
ACTIVATIONS = ("tanh", "relu", "sigmoid", "identity", "leaky_relu", "elu", "gelu", "swish")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
N_POINTS, INPUT_RANGE, MAX_LAYERS = 300, 3.0, 6
DIVERGED_LOSS = 1e10  # a loss above this (or NaN) stops training: the weights have blown up


def _centred_xor(n, noise, rng):
    X, y = datasets.make_xor(n, noise, rng)
    return 2 * X - 1, y  # corners at (+-1, +-1): the sign of x1*x2 is the label


class Playground(App):
    """The playground app; ``.widget`` to show it, ``configure/step/reset`` and the state for programs."""

    def __init__(self, seed: int = 0, epochs_per_tick: int = 1, n_points: int = N_POINTS,
                 lang: str | None = None):
        super().__init__(figsize=(9, 4), lang=lang)
        self.seed, self.epochs_per_tick, self.n_points = seed, epochs_per_tick, n_points
        self._rng = as_rng(seed)
        t = self.text
        c = self.controls = {
            "dataset": W.Dropdown(
                options=self.choices("dataset", DATASETS), value="circle", description=t("playground.dataset")
            ),
            "noise": W.IntSlider(value=0, min=0, max=50, step=5, description=t("playground.noise")),
            "train_ratio": W.IntSlider(
                value=50, min=10, max=90, step=10, description=t("playground.train_ratio"), style=WIDE
            ),
            "batch_size": W.IntSlider(
                value=10, min=1, max=30, description=t("playground.batch_size"), style=WIDE
            ),
            "hidden_layers": W.IntSlider(
                value=2, min=0, max=6, description=t("playground.hidden_layers"), style=WIDE
            ),
            "activation": W.Dropdown(
                options=self.choices("activation", ACTIVATIONS), value="tanh",
                description=t("playground.activation"),
            ),
            "learning_rate": W.SelectionSlider(
                options=list(RATES), value=0.03, description=t("playground.learning_rate"), style=WIDE
            ),
            "regularization": W.Dropdown(
                options=[(t("playground.no_regularization"), "none"), ("L1", "L1"), ("L2", "L2")], value="none",
                description=t("playground.regularization"), style=WIDE,
            ),
            "reg_rate": W.SelectionSlider(
                options=list(REG_RATES), value=0.0, description=t("playground.reg_rate"), style=WIDE
            ),
            "optimizer": W.Dropdown(
                options=self.choices("optimizer", OPTIMIZERS), value="sgd", description=t("playground.optimizer"),
                style=WIDE,
            ),
            "dropout": W.FloatSlider(
                value=0.0, min=0.0, max=0.9, step=0.05, description=t("playground.dropout"), style=WIDE
            ),
            "batch_norm": W.Checkbox(value=False, description=t("playground.batch_norm")),
        }
        # one vertical slider per hidden layer, as the +/- buttons above each layer in TensorFlow's playground
        self.neuron_sliders = [
            W.IntSlider(
                value=4,
                min=1,
                max=8,
                orientation="vertical",
                description=t("playground.layer", i=i + 1),
                layout=W.Layout(width="60px"),
            )
            for i in range(MAX_LAYERS)
        ]
        self.feature_boxes = {
            f: W.Checkbox(value=f in ("x1", "x2"), description=f, indent=False, layout=W.Layout(width="90px"))
            for f in FEATURES
        }
        self.play = W.Play(value=0, min=0, max=10**6, interval=300, description=t("playground.play"))
        self.step_button = W.Button(description=t("playground.one_step"))
        self.reset_button = W.Button(description=t("playground.reset"))
        self.play.observe(self._on_tick, names="value")
        self.step_button.on_click(lambda _: self.step(1))
        self.reset_button.on_click(lambda _: self.reset())
        for name in ("learning_rate", "optimizer"):
            c[name].observe(lambda _: self._new_optimizer(), names="value")
        rebuild = [
            k
            for k in c
            if k not in ("learning_rate", "optimizer", "batch_size", "regularization", "reg_rate")
        ]
        for ctrl in [c[k] for k in rebuild] + list(self.feature_boxes.values()) + self.neuron_sliders:
            ctrl.observe(lambda _: self.reset() if not self._configuring else None, names="value")
        c["hidden_layers"].observe(lambda _: self._show_layer_sliders(), names="value")
        self._show_layer_sliders()
        self._configuring = False
        self.widget = W.VBox(
            [
                W.HBox([self.play, self.step_button, self.reset_button, self.status]),
                W.HBox(
                    [
                        W.VBox([c["dataset"], c["noise"], c["train_ratio"], c["batch_size"]]),
                        W.VBox(
                            [
                                c["hidden_layers"],
                                W.HBox([W.Label(t("playground.neurons"))] + self.neuron_sliders),
                                c["activation"],
                                c["dropout"],
                                c["batch_norm"],
                            ]
                        ),
                        W.VBox([c["optimizer"], c["learning_rate"], c["regularization"], c["reg_rate"]]),
                    ]
                ),
                W.HBox([W.Label(t("playground.features"))] + list(self.feature_boxes.values())),
                self.image,
            ]
        )
        self.reset()

    # ------------------------------------------------------------------ settings
    def _show_layer_sliders(self):
        for i, slider in enumerate(self.neuron_sliders):
            slider.layout.display = None if i < self.controls["hidden_layers"].value else "none"

    def _check_neurons(self, neurons, n_layers):
        """``neurons``: one width for every hidden layer, or a list with one width per hidden layer."""
        widths = [neurons] * n_layers if isinstance(neurons, (int, np.integer)) else list(neurons)
        if len(widths) != n_layers:
            raise ValueError(
                f"Playground: neurons must give one width per hidden layer ({n_layers}), got {list(widths)}"
            )
        for w in widths:
            check_range("Playground", "neurons", w, 1, 8, integer=True)
        return widths

    def configure(self, features=None, neurons=None, **settings):
        """Set controls by name (``dataset="xor", hidden_layers=3``...), ``features=[...]`` and ``neurons``
        (an int for every layer or a list per layer), then reset.

        Values outside a control's range raise ``ValueError`` (a slider would silently clamp them).
        """
        n_layers = settings.get("hidden_layers", self.controls["hidden_layers"].value)
        if neurons is not None:
            check_range("Playground", "hidden_layers", n_layers, 0, MAX_LAYERS, integer=True)
            widths = self._check_neurons(neurons, n_layers)
        if features is not None:
            unknown = [f for f in features if f not in FEATURES]
            if unknown or not features:
                raise ValueError(
                    f"Playground: features must be a non-empty subset of {list(FEATURES)}, "
                    f"got {list(features)}"
                )
        self._configuring = True
        try:
            set_controls("Playground", self.controls, settings)
            if neurons is not None:
                for slider, w in zip(self.neuron_sliders, widths):
                    slider.value = w
            if features is not None:
                for f, box in self.feature_boxes.items():
                    box.value = f in features
        finally:
            self._configuring = False
        self.reset()
        return self

    @property
    def settings(self) -> dict:
        widths = [s.value for s in self.neuron_sliders[: self.controls["hidden_layers"].value]]
        return {k: c.value for k, c in self.controls.items()} | {"features": self.features, "neurons": widths}

    @property
    def features(self) -> list:
        return [f for f, box in self.feature_boxes.items() if box.value]

    @property
    def task(self) -> str:
        return DATASETS[self.controls["dataset"].value][0]

    # ------------------------------------------------------------------ data and model
    def _inputs(self, X):
        """The selected features of the rescaled points: (n, n_features)."""
        Xs = X * self._scale
        return np.stack([FEATURES[f](Xs) for f in self.features], axis=1)

    def _make_data(self):
        s = self.settings
        task, make, (lo, hi) = DATASETS[s["dataset"]]
        noise = lo + (hi - lo) * s["noise"] / 50
        # the data depend only on the data settings, not on how often the net was reset
        X, y = make(
            self.n_points, noise, np.random.default_rng([self.seed, list(DATASETS).index(s["dataset"])])
        )
        self._scale = INPUT_RANGE / np.abs(X).max()
        n_train = int(round(len(X) * s["train_ratio"] / 100))
        y = y.astype(np.float64)[:, None]
        self.X_train, self.y_train, self.X_test, self.y_test = (
            X[:n_train],
            y[:n_train],
            X[n_train:],
            y[n_train:],
        )

    def _make_model(self):
        s = self.settings
        mods, d = [], len(self.features)
        init = "xavier" if s["activation"] in ("tanh", "sigmoid", "identity") else "he"
        for w in s["neurons"]:
            mods.append(layers.Linear(d, w, init=init, rng=self._rng))
            if s["batch_norm"]:
                mods.append(layers.BatchNorm1d(w))
            mods.append(layers.ActivationLayer(s["activation"]))
            if s["dropout"] > 0:
                mods.append(layers.Dropout(s["dropout"], rng=self._rng))
            d = w
        mods.append(layers.Linear(d, 1, init="xavier", rng=self._rng))
        self.model = layers.Sequential(*mods)
        self.loss = losses.BCEWithLogitsLoss() if self.task == "classification" else losses.MSELoss()

    def _new_optimizer(self):
        s = self.settings
        self.optimizer = optim.get_optimizer(s["optimizer"], self.model.parameters(), lr=s["learning_rate"])

    def reset(self):
        """New data (if data settings changed), fresh weights, epoch 0, empty history."""
        if self._configuring:
            return self
        if not self.features:
            self.model = None
            self.status.value = f"<b style='color:#d7191c'>{self.text('playground.no_features')}</b>"
            return self
        self._make_data()
        self._make_model()
        self._new_optimizer()
        self.epoch, self.diverged = 0, False
        self.history = {"epoch": [], "train_loss": [], "test_loss": []}
        self.train_loss, self.test_loss = self._evaluate()
        self.render()
        return self

    # ------------------------------------------------------------------ training
    def _data_loss(self, X, y):
        self.model.eval()
        return self.loss(self.model(self._inputs(X)), y) if len(X) else float("nan")

    def _evaluate(self):
        return self._data_loss(self.X_train, self.y_train), self._data_loss(self.X_test, self.y_test)

    def _weights(self):
        return [m.weight for m in self.model if isinstance(m, layers.Linear)]

    def _train_epoch(self, Xin, s, penalty):
        self.model.train()
        for Xb, yb in iterate_minibatches(Xin, self.y_train, s["batch_size"], rng=self._rng):
            if len(Xb) < 2 and s["batch_norm"]:
                continue  # batch statistics need two samples
            self.optimizer.zero_grad()
            self.loss(self.model(Xb), yb)
            self.model.backward(self.loss.backward())
            if penalty is not None and s["reg_rate"] > 0:
                penalty(self._weights(), s["reg_rate"], add_grad=True)
            self.optimizer.step()

    def step(self, n: int = 1):
        """Train ``n`` epochs of minibatch updates, then evaluate, record and redraw."""
        if not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"Playground.step: n must be a positive number of epochs, got {n!r}")
        if self.model is None:
            raise ValueError("Playground.step: no input feature is selected; tick at least one feature")
        if self.diverged:
            return self
        s = self.settings
        if s["batch_norm"] and s["batch_size"] < 2:
            # every minibatch would be a single row, which batch statistics cannot normalise: say so rather
            # than count epochs in which nothing trains
            self.status.value = f"<b style='color:#d7191c'>{self.text('playground.batch_norm_batch')}</b>"
            return self
        penalty = {"L1": losses.l1_penalty, "L2": losses.l2_penalty}.get(s["regularization"])
        Xin = self._inputs(self.X_train)
        # a blow-up is reported as "diverged" in the status line, not as numpy overflow warnings
        with np.errstate(over="ignore", invalid="ignore"):
            for _ in range(n):
                self._train_epoch(Xin, s, penalty)
                self.epoch += 1
                self.train_loss, self.test_loss = self._evaluate()
                for key in ("epoch", "train_loss", "test_loss"):
                    self.history[key].append(getattr(self, key))
                if not self.train_loss < DIVERGED_LOSS:  # also catches NaN
                    self.diverged = True
                    break
        self.render()
        return self

    def _on_tick(self, change):
        if change["new"] > change["old"] and self.model is not None:
            self.step(self.epochs_per_tick)

    # ------------------------------------------------------------------ drawing
    def predict(self, X):
        """The net's output at points ``X`` (n, 2): a probability (classification) or the regression value."""
        self.model.eval()
        z = self.model(self._inputs(np.asarray(X, dtype=float)))[:, 0]
        return 1 / (1 + np.exp(-z)) if self.task == "classification" else z

    def render(self):
        msg = self.text("playground.status", epoch=self.epoch, train=self.train_loss, test=self.test_loss)
        if self.diverged:
            msg += f" &nbsp; <b style='color:#d7191c'>{self.text('playground.diverged')}</b>"
        self.status.value = msg
        self._show(self._draw)

    def _draw(self, fig):
        ax_surface, ax_loss = fig.subplots(1, 2)
        classify = self.task == "classification"
        predict = self.predict if self.train_loss < DIVERGED_LOSS else (lambda G: np.zeros(len(G)))
        plot_decision_boundary(
            predict,
            self.X_train,
            self.y_train[:, 0],
            ax=ax_surface,
            resolution=60,
            threshold=0.5 if classify else None,
            X_test=self.X_test if len(self.X_test) else None,
            y_test=self.y_test[:, 0],
            lang=self.lang,
        )
        dataset = self.controls["dataset"].value
        shown = label_or(f"dataset.{dataset}", dataset, self.lang)
        ax_surface.set_title(self.text("playground.probability" if classify else "playground.output", dataset=shown))
        h = self.history
        ax_loss.plot(h["epoch"], h["train_loss"], label=self.text("plot.train"))
        ax_loss.plot(h["epoch"], h["test_loss"], label=self.text("plot.test"))
        ax_loss.set_xlabel(self.text("plot.epoch"))
        ax_loss.set_title(self.text("playground.loss"))
        ax_loss.legend()
        fig.tight_layout()
