"""The training loop: minibatches, ``fit`` with a history, validation, early stopping and a progress bar.

One epoch of minibatch gradient descent, as in the lecture::

    for Xb, yb in iterate_minibatches(X, y, batch_size, rng=rng):
        optimizer.zero_grad()
        pred = model.forward(Xb)                 # (batch, outputs)
        L = loss.forward(pred, yb)               # float
        model.backward(loss.backward())          # accumulates dL/dw into every p.grad
        optimizer.step()

``fit`` runs that for several epochs and records the mean training loss and metrics, the validation loss and
metrics, and the learning rate per epoch.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from course_lib.language import label, label_or
from course_lib.regularisation import BatchNorm1d
from course_lib.validation import as_rng

__all__ = ["iterate_minibatches", "fit", "evaluate", "predict", "accuracy", "History", "TrainingDiverged"]


class TrainingDiverged(FloatingPointError):
    """The loss became NaN or infinite; ``epoch`` and ``batch`` count from 1, as in the message (``batch`` is
    None for the validation loss)."""

    def __init__(self, message, epoch, batch, loss):
        super().__init__(message)
        self.epoch, self.batch, self.loss = epoch, batch, loss


class History:
    """What ``fit`` recorded, one entry per epoch run.

    ``history``: ``{"loss", <metric>, "val_loss", "val_<metric>", "lr"}`` -> list of floats (the ``val_``
    keys only with validation data); ``epochs``: number of epochs run; ``stopped_early``: whether early
    stopping ended the run; ``best_epoch``: index into the lists of the epoch with the lowest monitored loss
    (``val_loss`` if there is validation data, else ``loss``).
    """

    def __init__(self, keys):
        self.history = {k: [] for k in keys}
        self.epochs = 0
        self.stopped_early = False
        self.best_epoch = None

    def __getitem__(self, key):
        return self.history[key]

    def __repr__(self):
        return (f"History(epochs={self.epochs}, best_epoch={self.best_epoch}, "
                f"stopped_early={self.stopped_early}, keys={list(self.history)})")


# --------------------------------------------------------------------------------------------- batches
def _check_xy(owner: str, X, y):
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0 or X.shape[0] != y.shape[0]:
        raise ValueError(f"{owner}: X and y must have the same number of rows, got X of shape {X.shape} and "
                         f"y of shape {y.shape}")
    if X.shape[0] == 0:
        raise ValueError(f"{owner}: got no samples (X of shape {X.shape})")
    return X, y


def _check_batch_size(owner: str, batch_size) -> int:
    if not isinstance(batch_size, numbers.Integral) or batch_size < 1:
        raise ValueError(f"{owner}: batch_size must be a positive integer, got {batch_size!r}")
    return int(batch_size)


def iterate_minibatches(X, y, batch_size, shuffle=True, rng=None, drop_last=False):
    """Yield ``(Xb, yb)`` minibatches covering every sample once; the last batch may be smaller (with
    ``drop_last=True`` a last batch smaller than ``batch_size`` is left out).

    With ``shuffle`` the order is a permutation drawn from ``rng`` (pass one Generator to get a different but
    reproducible order every epoch). Shapes: ``Xb`` (b, ...), ``yb`` (b, ...), b <= ``batch_size``.
    """
    X, y = _check_xy("iterate_minibatches", X, y)
    batch_size = _check_batch_size("iterate_minibatches", batch_size)
    end = X.shape[0] - X.shape[0] % batch_size if drop_last else X.shape[0]
    if not shuffle:
        for start in range(0, end, batch_size):
            yield X[start:start + batch_size], y[start:start + batch_size]
        return
    # Gather batch by batch: a whole-epoch copy of a 60,000-row X cost 2-7x more than the per-batch gathers
    # (benchmark (c)) and doubles the memory; the batches are the same either way.
    order = as_rng(rng).permutation(X.shape[0])
    for start in range(0, end, batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]


# --------------------------------------------------------------------------------------------- metrics
def accuracy(pred, y, from_logits=None) -> float:
    r"""Fraction of correct predictions.

    Multi-class, ``pred`` (batch, C) logits or probabilities (the same answer): :math:`\hat y = \arg\max_k`
    pred; ``y`` class indices (batch,) or one-hot (batch, C). Binary, ``pred`` (batch, 1) or (batch,), ``y`` in
    {0, 1}: say what ``pred`` holds, ``from_logits=True`` for logits (:math:`\hat y = [z > 0]`) or ``False``
    for probabilities (:math:`\hat y = [p > 1/2]`); the values' range cannot tell (three positive logits
    look like probabilities). ``fit`` decides from the loss: ``...WithLogits`` means logits.
    """
    pred, y = np.asarray(pred), np.asarray(y)
    if pred.ndim == 0 or y.ndim == 0 or pred.shape[0] != y.shape[0] or pred.shape[0] == 0:
        raise ValueError(f"accuracy: pred and y must hold the same (non-zero) number of samples, got pred of "
                         f"shape {pred.shape} and y of shape {y.shape}")
    n = pred.shape[0]
    if pred.ndim == 2 and pred.shape[1] > 1:
        guess = pred.argmax(axis=1)
        if y.shape == pred.shape:
            y = y.argmax(axis=1)
    elif pred.ndim == 1 or (pred.ndim == 2 and pred.shape[1] == 1):
        if from_logits not in (True, False):
            raise ValueError(f"accuracy: for one output per sample, pass from_logits=True (pred are logits, "
                             f"threshold 0) or from_logits=False (probabilities, threshold 0.5); got "
                             f"from_logits={from_logits!r}")
        guess = pred.reshape(n) > (0.0 if from_logits else 0.5)
    else:
        raise ValueError(f"accuracy: pred must be (batch, classes) or (batch, 1), got shape {pred.shape}")
    if y.size != n:
        raise ValueError(f"accuracy: y must hold one label per sample ({n}), got shape {y.shape}")
    return float(np.count_nonzero(guess == y.reshape(n)) / n)


#: the losses of classification: fit reports accuracy for them by default, and they take logits
CLASSIFICATION_LOSSES = ("SoftmaxCrossEntropyLoss", "BCEWithLogitsLoss")


def default_metrics(loss) -> tuple:
    """``("accuracy",)`` for a classification loss (softmax or binary cross-entropy), none otherwise (MSE:
    a regression has no accuracy)."""
    return ("accuracy",) if type(loss).__name__ in CLASSIFICATION_LOSSES else ()


def metric_functions(metrics, loss) -> list:
    """``[(name, f(pred, y) -> float)]`` from names ("accuracy") and callables; ``None``: the default for the
    loss (:func:`default_metrics`); a single name or function counts as one metric."""
    if metrics is None:
        metrics = default_metrics(loss)
    elif isinstance(metrics, str) or callable(metrics):
        metrics = (metrics,)
    name = type(loss).__name__.lower()
    from_logits = True if "logits" in name or "crossentropy" in name else False if "mse" in name else None
    out = []
    for m in metrics:
        if m == "accuracy":
            out.append(("accuracy", lambda p, t: accuracy(p, t, from_logits=from_logits)))
        elif callable(m):
            out.append((getattr(m, "__name__", type(m).__name__), m))
        else:
            raise ValueError(f"fit: unknown metric {m!r}; use 'accuracy' or a function f(pred, y) -> float")
    return out


# --------------------------------------------------------------------------------------------- modes, state
def _modules(model):
    return list(model.modules()) if hasattr(model, "modules") else [model]


def _save_modes(model):
    return [(m, getattr(m, "training", True)) for m in _modules(model)]


def _restore_modes(modes):
    for m, mode in modes:
        m.training = mode


def _state_arrays(model) -> list[np.ndarray]:
    """Everything early stopping must restore: the parameters and BatchNorm's running statistics."""
    arrays = [p.data for p in model.parameters()] if hasattr(model, "parameters") else []
    for m in _modules(model):
        arrays += [v for k, v in vars(m).items() if k.startswith("running_") and isinstance(v, np.ndarray)]
    return arrays


# --------------------------------------------------------------------------------------------- inference
def predict(model, X, batch_size=256) -> np.ndarray:
    """The model's outputs in inference mode (``eval()``), computed ``batch_size`` rows at a time.

    Returns an array of shape (n, outputs); the model's train/eval modes are restored afterwards.
    """
    X = np.asarray(X)
    batch_size = _check_batch_size("predict", batch_size)
    if X.ndim == 0 or X.shape[0] == 0:
        raise ValueError(f"predict: X must hold at least one sample, got shape {X.shape}")
    modes = _save_modes(model)
    model.eval()
    try:
        outs = [model.forward(X[i:i + batch_size]) for i in range(0, X.shape[0], batch_size)]
    finally:
        _restore_modes(modes)
    return outs[0] if len(outs) == 1 else np.concatenate(outs)


def _evaluate(model, X, y, loss, metric_fns, batch_size) -> dict:
    pred = predict(model, X, batch_size)
    out = {"loss": float(loss.forward(pred, y))}
    for name, fn in metric_fns:
        out[name] = float(fn(pred, y))
    return out


def evaluate(model, X, y, loss, metrics=None, batch_size=256) -> dict:
    """Loss and metrics of the model on ``(X, y)`` in inference mode: ``{"loss": ..., "accuracy": ...}``
    (``metrics=None``: accuracy for a classification loss, none for a regression)."""
    X, y = _check_xy("evaluate", X, y)
    return _evaluate(model, X, y, loss, metric_functions(metrics, loss), batch_size)


# --------------------------------------------------------------------------------------------- fit
def fit(model, X, y, loss, optimizer, epochs=10, batch_size=32, validation_data=None, metrics=None,
        early_stopping=None, scheduler=None, progress=True, rng=None, drop_last=False) -> History:
    """Train ``model`` by minibatch gradient descent and return the :class:`History`.

    Each epoch: ``model.train()``, shuffle with ``rng``, and for every minibatch ``zero_grad``, forward, loss,
    backward, ``optimizer.step()``; then ``model.eval()`` to score ``validation_data=(X_val, y_val)``, and
    ``scheduler.step()`` once. The recorded training loss/metrics are means over the epoch's batches
    (weighted by batch size), measured while the weights moved, as Keras reports them. ``metrics``: names
    ("accuracy") and functions ``f(pred, y)``; ``None`` reports accuracy for a classification loss
    (softmax or binary cross-entropy) and nothing for a regression (MSE). ``drop_last=True`` leaves out a last
    minibatch smaller than ``batch_size`` (needed with BatchNorm1d when it would hold one row).

    ``early_stopping=patience``: stop when the monitored loss (``val_loss``, or the training loss without
    validation data) has not improved for ``patience`` epochs, and in any case **restore the weights (and
    BatchNorm running statistics) of the best epoch** at the end. ``progress`` shows one ``tqdm.auto`` bar per
    call, with the epoch's numbers as postfix, labelled in the process-wide language (``progress_name``).
    Raises :class:`TrainingDiverged`, naming the epoch and the batch, as soon as the loss is NaN or infinite; so
    does a NaN or infinite validation loss (under early stopping, after restoring the best epoch's weights).
    The model's train/eval modes are restored on return.
    """
    X, y = _check_xy("fit", X, y)
    batch_size = _check_batch_size("fit", batch_size)
    if not isinstance(epochs, numbers.Integral) or epochs < 1:
        raise ValueError(f"fit: epochs must be a positive integer, got {epochs!r}")
    patience_ok = isinstance(early_stopping, numbers.Integral) and early_stopping >= 1
    if early_stopping is not None and not patience_ok:
        raise ValueError(f"fit: early_stopping is the patience in epochs and must be a positive integer or "
                         f"None, got {early_stopping!r}")
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ValueError("fit: validation_data must be a pair (X_val, y_val)")
        X_val, y_val = _check_xy("fit (validation_data)", *validation_data)
    for obj, what, needs in ((model, "model", ("forward", "backward")),
                             (loss, "loss", ("forward", "backward")),
                             (optimizer, "optimizer", ("zero_grad", "step"))):
        if isinstance(obj, type):
            raise TypeError(f"fit: {what} is the class {obj.__name__}, not an object; "
                            f"pass {obj.__name__}(...)")
        missing = [f"{m}()" for m in needs if not callable(getattr(obj, m, None))]
        if missing:
            raise TypeError(f"fit: {what} {type(obj).__name__} has no {', '.join(missing)}; pass the "
                            f"{what} object itself")
    check_batch_norm_batches(model, X.shape[0], batch_size, drop_last)
    rng = as_rng(rng)
    metric_fns = metric_functions(metrics, loss)
    names = [n for n, _ in metric_fns]
    keys = ["loss", *names]
    if validation_data is not None:
        keys += ["val_loss", *[f"val_{n}" for n in names]]
    history = History([*keys, "lr"])
    h = history.history
    monitor = "val_loss" if validation_data is not None else "loss"
    best, best_state, waited = math.inf, None, 0
    n_batches = X.shape[0] // batch_size if drop_last else -(-X.shape[0] // batch_size)
    n_seen = n_batches * batch_size if drop_last else X.shape[0]
    modes = _save_modes(model)
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=epochs, unit=label("progress.epoch"), desc=label("progress.fit"))
    try:
        for epoch in range(epochs):
            model.train()
            lr = float(getattr(optimizer, "lr", math.nan))
            total, sums = 0.0, [0.0] * len(metric_fns)
            for batch, (Xb, yb) in enumerate(iterate_minibatches(X, y, batch_size, rng=rng,
                                                                          drop_last=drop_last)):
                optimizer.zero_grad()
                pred = model.forward(Xb)
                value = loss.forward(pred, yb)
                if not math.isfinite(value):
                    raise TrainingDiverged(
                        f"fit: training diverged, the loss is {value} at epoch {epoch + 1} of {epochs}, "
                        f"batch {batch + 1} of {n_batches} (lr={lr:g}); lower the learning rate, clip "
                        f"gradients (optim.clip_grad_norm) or check the inputs for NaN",
                        epoch + 1, batch + 1, value)
                model.backward(loss.backward())
                optimizer.step()
                m = Xb.shape[0]
                total += value * m
                for i, (_, fn) in enumerate(metric_fns):
                    sums[i] += fn(pred, yb) * m
            h["loss"].append(total / n_seen)
            for name, s in zip(names, sums):
                h[name].append(s / n_seen)
            if validation_data is not None:
                for k, v in _evaluate(model, X_val, y_val, loss, metric_fns, 256).items():
                    h[f"val_{k}"].append(v)
            h["lr"].append(lr)
            history.epochs = epoch + 1
            if not math.isfinite(h[monitor][-1]):
                restored = restore_best(model, best_state, history)
                raise TrainingDiverged(
                    f"fit: the {monitor} is {h[monitor][-1]} at epoch {epoch + 1} of {epochs} (lr={lr:g}); "
                    f"{restored}lower the learning rate or check the validation data for NaN",
                    epoch + 1, None, h[monitor][-1])
            if h[monitor][-1] < best:
                best, history.best_epoch, waited = h[monitor][-1], epoch, 0
                if early_stopping is not None:
                    best_state = [a.copy() for a in _state_arrays(model)]
            else:
                waited += 1
            if bar is not None:
                bar.set_postfix({progress_name(k): f"{v[-1]:.4g}" for k, v in h.items() if k != "lr"},
                                refresh=False)
                bar.update(1)
            if scheduler is not None:
                scheduler.step()
            if early_stopping is not None and waited >= early_stopping:
                history.stopped_early = epoch + 1 < epochs
                break
        restore_best(model, best_state, history)
    finally:
        if bar is not None:
            bar.close()
        _restore_modes(modes)
    return history


def progress_name(key: str, lang: str | None = None) -> str:
    """A history key as the progress bar shows it in ``lang``: ``"val_accuracy"`` -> "точность на валидации";
    English keeps the keys themselves, and a user's own metric keeps its name."""
    name = key.removeprefix("val_")
    shown = label_or(f"metric.{name}", name, lang)
    return label("progress.validation", lang, name=shown) if key.startswith("val_") else shown


def restore_best(model, best_state, history) -> str:
    """Put back the best epoch's arrays (early stopping); returns a phrase for a message saying so."""
    if best_state is None or history.best_epoch == history.epochs - 1:
        return ""
    for a, saved in zip(_state_arrays(model), best_state):
        a[...] = saved
    return f"the weights of the best epoch ({history.best_epoch + 1}) were restored; "


def check_batch_norm_batches(model, n: int, batch_size: int, drop_last: bool) -> None:
    """BatchNorm1d cannot normalise a batch of one row in training: say so before training starts."""
    modules = model.modules() if hasattr(model, "modules") else ()
    if not any(isinstance(m, BatchNorm1d) for m in modules):
        return
    if batch_size == 1 or n == 1:
        raise ValueError(f"fit: the model has BatchNorm1d, which needs at least 2 samples per minibatch in "
                         f"training, but batch_size={batch_size} and {n} samples give batches of one row; use "
                         f"batch_size >= 2")
    if n % batch_size == 1 and not drop_last:
        raise ValueError(f"fit: {n} samples in batches of {batch_size} leave a last minibatch of one row, which "
                         f"BatchNorm1d cannot normalise in training; pass drop_last=True (that row is then "
                         f"skipped in each epoch, a different one each time) or choose another batch_size")
