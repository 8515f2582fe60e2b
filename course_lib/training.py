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

import inspect
import math
import numbers

import numpy as np

from course_lib.validation import as_rng

__all__ = ["iterate_minibatches", "fit", "evaluate", "predict", "accuracy", "History", "TrainingDiverged"]


class TrainingDiverged(FloatingPointError):
    """The loss became NaN or infinite; ``epoch`` and ``batch`` count from 1, as in the message."""

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


def iterate_minibatches(X, y, batch_size, shuffle=True, rng=None):
    """Yield ``(Xb, yb)`` minibatches covering every sample once; the last batch may be smaller.

    With ``shuffle`` the order is a permutation drawn from ``rng`` (pass one Generator to get a different but
    reproducible order every epoch). Shapes: ``Xb`` (b, ...), ``yb`` (b, ...), b <= ``batch_size``.
    """
    X, y = _check_xy("iterate_minibatches", X, y)
    batch_size = _check_batch_size("iterate_minibatches", batch_size)
    if not shuffle:
        for start in range(0, X.shape[0], batch_size):
            yield X[start:start + batch_size], y[start:start + batch_size]
        return
    # Gather batch by batch: a whole-epoch copy of a 60,000-row X cost 2-7x more than the per-batch gathers
    # (benchmark (c)) and doubles the memory; the batches are the same either way.
    order = as_rng(rng).permutation(X.shape[0])
    for start in range(0, X.shape[0], batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]


# --------------------------------------------------------------------------------------------- metrics
def accuracy(pred, y, from_logits=None) -> float:
    r"""Fraction of correct predictions.

    Multi-class, ``pred`` (batch, C) logits or probabilities: :math:`\hat y = \arg\max_k` pred; ``y`` class
    indices (batch,) or one-hot (batch, C). Binary, ``pred`` (batch, 1) or (batch,): :math:`\hat y = [z > 0]`
    for a logit, :math:`[p > 1/2]` for a probability; ``y`` in {0, 1}. ``from_logits=None`` guesses: values
    outside [0, 1] mean logits (``fit`` decides from the loss instead: ``...WithLogits`` means logits).
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
        p = pred.reshape(n)
        if from_logits is None:
            from_logits = bool(p.min() < 0 or p.max() > 1)
        guess = p > (0.0 if from_logits else 0.5)
    else:
        raise ValueError(f"accuracy: pred must be (batch, classes) or (batch, 1), got shape {pred.shape}")
    if y.size != n:
        raise ValueError(f"accuracy: y must hold one label per sample ({n}), got shape {y.shape}")
    return float(np.count_nonzero(guess == y.reshape(n)) / n)


def _metric_functions(metrics, loss) -> list:
    """``[(name, f(pred, y) -> float)]`` from names ("accuracy") and callables."""
    from_logits = "logits" in type(loss).__name__.lower() or None
    out = []
    for m in metrics or ():
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


def evaluate(model, X, y, loss, metrics=("accuracy",), batch_size=256) -> dict:
    """Loss and metrics of the model on ``(X, y)`` in inference mode: ``{"loss": ..., "accuracy": ...}``."""
    X, y = _check_xy("evaluate", X, y)
    return _evaluate(model, X, y, loss, _metric_functions(metrics, loss), batch_size)


# --------------------------------------------------------------------------------------------- fit
def fit(model, X, y, loss, optimizer, epochs=10, batch_size=32, validation_data=None, metrics=("accuracy",),
        early_stopping=None, scheduler=None, progress=True, rng=None) -> History:
    """Train ``model`` by minibatch gradient descent and return the :class:`History`.

    Each epoch: ``model.train()``, shuffle with ``rng``, and for every minibatch ``zero_grad``, forward, loss,
    backward, ``optimizer.step()``; then ``model.eval()`` to score ``validation_data=(X_val, y_val)``, and
    ``scheduler.step()`` once. The recorded training loss/metrics are means over the epoch's batches
    (weighted by batch size), measured while the weights moved, as Keras reports them.

    ``early_stopping=patience``: stop when the monitored loss (``val_loss``, or the training loss without
    validation data) has not improved for ``patience`` epochs, and in any case **restore the weights (and
    BatchNorm running statistics) of the best epoch** at the end. ``progress`` shows one ``tqdm.auto`` bar per
    call, with the epoch's numbers as postfix. Raises :class:`TrainingDiverged`, naming the epoch and the
    batch, as soon as the loss is NaN or infinite. The model's train/eval modes are restored on return.
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
    rng = as_rng(rng)
    metric_fns = _metric_functions(metrics, loss)
    names = [n for n, _ in metric_fns]
    keys = ["loss", *names]
    if validation_data is not None:
        keys += ["val_loss", *[f"val_{n}" for n in names]]
    history = History([*keys, "lr"])
    h = history.history
    monitor = "val_loss" if validation_data is not None else "loss"
    best, best_state, waited = math.inf, None, 0
    n_batches = -(-X.shape[0] // batch_size)
    modes = _save_modes(model)
    # The data needs no gradient: a model that can skip the first layer's input gradient does (Sequential).
    backward_kw = {"input_grad": False} if "input_grad" in inspect.signature(model.backward).parameters else {}
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=epochs, unit="epoch", desc="fit")
    try:
        for epoch in range(epochs):
            model.train()
            lr = float(getattr(optimizer, "lr", math.nan))
            total, sums = 0.0, [0.0] * len(metric_fns)
            for batch, (Xb, yb) in enumerate(iterate_minibatches(X, y, batch_size, rng=rng)):
                optimizer.zero_grad()
                pred = model.forward(Xb)
                value = loss.forward(pred, yb)
                if not math.isfinite(value):
                    raise TrainingDiverged(
                        f"fit: training diverged, the loss is {value} at epoch {epoch + 1} of {epochs}, "
                        f"batch {batch + 1} of {n_batches} (lr={lr:g}); lower the learning rate, clip "
                        f"gradients (optim.clip_grad_norm) or check the inputs for NaN",
                        epoch + 1, batch + 1, value)
                model.backward(loss.backward(), **backward_kw)
                optimizer.step()
                m = Xb.shape[0]
                total += value * m
                for i, (_, fn) in enumerate(metric_fns):
                    sums[i] += fn(pred, yb) * m
            h["loss"].append(total / X.shape[0])
            for name, s in zip(names, sums):
                h[name].append(s / X.shape[0])
            if validation_data is not None:
                for k, v in _evaluate(model, X_val, y_val, loss, metric_fns, 256).items():
                    h[f"val_{k}"].append(v)
            h["lr"].append(lr)
            history.epochs = epoch + 1
            if h[monitor][-1] < best:
                best, history.best_epoch, waited = h[monitor][-1], epoch, 0
                if early_stopping is not None:
                    best_state = [a.copy() for a in _state_arrays(model)]
            else:
                waited += 1
            if bar is not None:
                bar.set_postfix({k: f"{v[-1]:.4g}" for k, v in h.items() if k != "lr"}, refresh=False)
                bar.update(1)
            if scheduler is not None:
                scheduler.step()
            if early_stopping is not None and waited >= early_stopping:
                history.stopped_early = epoch + 1 < epochs
                break
        if best_state is not None and history.best_epoch != history.epochs - 1:
            for a, saved in zip(_state_arrays(model), best_state):
                a[...] = saved
    finally:
        if bar is not None:
            bar.close()
        _restore_modes(modes)
    return history
