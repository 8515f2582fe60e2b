"""The training loop: minibatches, accuracy, fit on XOR and digits, early stopping, divergence, history."""
import time

import numpy as np
import pytest

from course_lib.datasets import load_digits, train_val_test_split
from course_lib.layers import Dropout, Linear, Module, ReLU, Sequential, Tanh
from course_lib.losses import BCEWithLogitsLoss, MSELoss, SoftmaxCrossEntropyLoss
from course_lib.optim import SGD, Adam
from course_lib.schedules import StepLR
from course_lib.training import TrainingDiverged, accuracy, evaluate, fit, iterate_minibatches, predict

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0, 1, 1, 0])


# --------------------------------------------------------------------------------------------- minibatches
def test_minibatches_cover_every_sample_once_and_keep_the_last_partial_batch():
    X, y = np.arange(10.0)[:, None], np.arange(10)
    batches = list(iterate_minibatches(X, y, batch_size=4, rng=0))
    assert [len(b[0]) for b in batches] == [4, 4, 2], f"batch sizes {[len(b[0]) for b in batches]}"
    seen = np.concatenate([yb for _, yb in batches])
    assert sorted(seen.tolist()) == list(range(10)), f"samples seen: {seen}"
    assert not np.array_equal(seen, y), "shuffle=True should change the order"
    for Xb, yb in batches:
        assert np.array_equal(Xb[:, 0], yb), "X and y rows must stay paired"


def test_minibatch_order_is_seeded():
    X, y = np.arange(20.0)[:, None], np.arange(20)
    order = [np.concatenate([yb for _, yb in iterate_minibatches(X, y, 6, rng=s)]) for s in (3, 3, 4)]
    assert np.array_equal(order[0], order[1]), "the same seed should give the same order"
    assert not np.array_equal(order[0], order[2]), "another seed should give another order"
    plain = np.concatenate([yb for _, yb in iterate_minibatches(X, y, 6, shuffle=False)])
    assert np.array_equal(plain, y), "shuffle=False keeps the order"


def test_minibatches_reject_mismatched_lengths_and_bad_batch_size():
    with pytest.raises(ValueError, match=r"X of shape \(5, 2\) and y of shape \(4,\)"):
        next(iterate_minibatches(np.zeros((5, 2)), np.zeros(4), 2))
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        next(iterate_minibatches(np.zeros((5, 2)), np.zeros(5), 0))


# --------------------------------------------------------------------------------------------- accuracy
def test_accuracy_for_multiclass_logits_and_one_hot_targets():
    logits = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 0.0, 5.0], [4.0, 0.0, 0.0]])
    assert accuracy(logits, [0, 1, 2, 1]) == 0.75
    assert accuracy(logits, np.eye(3)[[0, 1, 2, 1]]) == 0.75


def test_accuracy_for_a_single_logit_or_probability():
    logits = np.array([[-1.0], [0.3], [2.0], [-0.2]])
    assert accuracy(logits, [0, 1, 1, 1], from_logits=True) == 0.75                       # threshold 0
    assert accuracy(np.array([[0.1], [0.3], [0.9], [0.6]]), [0, 1, 1, 1], from_logits=False) == 0.75  # 1/2
    assert accuracy(np.array([0.1, 0.3]), [1, 1], from_logits=True) == 1.0
    with pytest.raises(ValueError, match=r"pred of shape \(3, 1\) and y of shape \(2,\)"):
        accuracy(np.zeros((3, 1)), [0, 1], from_logits=True)


def test_accuracy_of_one_output_must_be_told_logits_or_probabilities():
    positive_logits = np.array([0.2, 0.4, 0.9])               # three logits of class 1, inside [0, 1]
    assert accuracy(positive_logits, [1, 1, 1], from_logits=True) == 1.0
    with pytest.raises(ValueError, match="pass from_logits=True .* or from_logits=False"):
        accuracy(positive_logits, [1, 1, 1])


def test_fit_reports_accuracy_for_classification_and_none_for_regression(rng):
    X = rng.normal(size=(20, 2))
    layer = Linear(2, 1, rng=0)
    history = fit(layer, X, X[:, :1] * 3, MSELoss(), SGD(layer.parameters(), lr=0.1), epochs=1, progress=False)
    assert list(history.history) == ["loss", "lr"], f"a regression has no accuracy, got {list(history.history)}"
    layer = Linear(2, 1, rng=0)
    history = fit(layer, X, (X[:, 0] > 0).astype(float), BCEWithLogitsLoss(), SGD(layer.parameters(), lr=0.1),
                  epochs=1, progress=False, metrics="accuracy")
    assert list(history.history) == ["loss", "accuracy", "lr"], "metrics='accuracy' is one metric, not letters"


# --------------------------------------------------------------------------------------------- fit
def test_small_tanh_network_learns_xor():
    model = Sequential(Linear(2, 4, init="xavier", rng=0), Tanh(), Linear(4, 1, init="xavier", rng=1))
    history = fit(model, XOR_X, XOR_Y, BCEWithLogitsLoss(), Adam(model.parameters(), lr=0.05), epochs=300,
                  batch_size=4, progress=False, rng=0)
    logits = predict(model, XOR_X)
    got = (logits[:, 0] > 0).astype(int)
    assert np.array_equal(got, XOR_Y), f"expected XOR {XOR_Y}, got {got} (logits {logits[:, 0]})"
    assert history["accuracy"][-1] == 1.0 and history["loss"][-1] < 0.1, f"final {history['loss'][-1]}"


def test_mlp_reaches_97_percent_on_digits_within_30_epochs():
    X, y = load_digits()
    (Xtr, ytr), (Xva, yva), (Xte, yte) = train_val_test_split(X, y, val=0.15, test=0.15, rng=20261122)
    model = Sequential(Linear(64, 128, rng=1), ReLU(), Dropout(0.2, rng=4), Linear(128, 10, rng=2))
    start = time.perf_counter()
    history = fit(model, Xtr, ytr, SoftmaxCrossEntropyLoss(), Adam(model.parameters(), lr=3e-3), epochs=30,
                  batch_size=32, validation_data=(Xva, yva), early_stopping=5, progress=False, rng=0)
    seconds = time.perf_counter() - start
    test = evaluate(model, Xte, yte, SoftmaxCrossEntropyLoss())
    print(f"digits MLP: {history.epochs} epochs in {seconds:.2f} s, test accuracy {test['accuracy']:.4f}")
    assert history.epochs <= 30
    assert test["accuracy"] >= 0.97, f"expected >= 97% test accuracy, got {test['accuracy']:.2%}"


class Recorder:
    """A duck-typed scheduler: fit calls step() once per epoch, after validation; we copy the weights."""

    def __init__(self, layer):
        self.layer, self.weights = layer, []

    def step(self):
        self.weights.append(self.layer.weight.data.copy())


def test_early_stopping_stops_and_restores_the_best_epoch(rng):
    # train towards w = 1 while the validation targets want w = 0: val_loss falls, then rises
    X = rng.normal(size=(64, 1))
    layer = Linear(1, 1, bias=False)
    layer.weight.data[...] = -0.5
    recorder = Recorder(layer)
    patience = 3
    history = fit(layer, X, X[:, 0], MSELoss(), SGD(layer.parameters(), lr=0.02), epochs=100, batch_size=16,
                  validation_data=(X, np.zeros(64)), metrics=(), early_stopping=patience, scheduler=recorder,
                  progress=False, rng=0)
    val = history["val_loss"]
    best = int(np.argmin(val))
    assert history.stopped_early and history.best_epoch == best, f"{history}, val_loss {val}"
    assert history.epochs == best + 1 + patience < 100, f"stopped after {history.epochs}, best epoch {best}"
    np.testing.assert_array_equal(layer.weight.data, recorder.weights[best],
                                  err_msg="the weights of the best epoch should be restored")
    again = evaluate(layer, X, np.zeros(64), MSELoss(), metrics=())["loss"]
    assert again == pytest.approx(val[best], rel=1e-12), f"restored val loss {again} != best {val[best]}"


class NaNOnCall(MSELoss):
    """MSE that returns NaN from its n-th forward on."""

    def __init__(self, n):
        super().__init__()
        self.calls, self.n = 0, n

    def forward(self, pred, target):
        self.calls += 1
        value = super().forward(pred, target)
        return float("nan") if self.calls >= self.n else value


def test_nan_loss_raises_training_diverged_naming_epoch_and_batch():
    X, y = np.ones((8, 1)), np.ones(8)
    layer = Linear(1, 1, rng=0)
    with pytest.raises(TrainingDiverged, match=r"loss is nan at epoch 3 of 5, batch 2 of 2") as info:
        fit(layer, X, y, NaNOnCall(6), SGD(layer.parameters(), lr=0.1), epochs=5, batch_size=4,
            metrics=(), progress=False, rng=0)
    assert (info.value.epoch, info.value.batch) == (3, 2), f"got epoch {info.value.epoch}, {info.value.batch}"
    assert isinstance(info.value, FloatingPointError)


def test_history_records_every_epoch_and_the_scheduled_lr(rng):
    X, y = rng.normal(size=(40, 3)), rng.integers(0, 2, 40)
    model = Sequential(Linear(3, 2, rng=0))
    opt = SGD(model.parameters(), lr=0.4)
    history = fit(model, X, y, SoftmaxCrossEntropyLoss(), opt, epochs=5, batch_size=16,
                  validation_data=(X[:10], y[:10]), scheduler=StepLR(opt, step_size=2, gamma=0.5),
                  progress=False, rng=0)
    assert list(history.history) == ["loss", "accuracy", "val_loss", "val_accuracy", "lr"]
    assert all(len(v) == 5 for v in history.history.values()), {k: len(v) for k, v in history.history.items()}
    assert history["lr"] == pytest.approx([0.4, 0.4, 0.2, 0.2, 0.1]), f"lr per epoch {history['lr']}"
    assert history.epochs == 5 and not history.stopped_early


class ModeSpy(Module):
    """Identity layer recording whether it ran in training mode."""

    def __init__(self):
        self.modes = []

    def forward(self, x):
        self.modes.append(self.training)
        return x

    def backward(self, grad_out):
        return grad_out


def test_fit_trains_in_train_mode_validates_in_eval_mode_and_restores_the_mode():
    spy = ModeSpy()
    model = Sequential(Linear(2, 2, rng=0), spy)
    model.eval()
    X, y = np.zeros((6, 2)), np.zeros(6, dtype=int)
    fit(model, X, y, SoftmaxCrossEntropyLoss(), SGD(model.parameters(), lr=0.1), epochs=2, batch_size=3,
        validation_data=(X, y), progress=False, rng=0)
    # per epoch: two training batches, then one validation pass
    assert spy.modes == [True, True, False] * 2, f"modes seen: {spy.modes}"
    assert not model.training and not spy.training, "fit should restore the model's eval mode"


def test_progress_bar_shows_one_bar_with_epoch_postfix(capsys):
    layer = Linear(1, 1, rng=0)
    fit(layer, np.ones((4, 1)), np.ones(4), MSELoss(), SGD(layer.parameters(), lr=0.1), epochs=3,
        batch_size=2, metrics=(), progress=True, rng=0)
    err = capsys.readouterr().err
    assert "3/3" in err and "loss=" in err, f"expected a tqdm bar reaching 3/3 with the loss, got {err!r}"
    fit(layer, np.ones((4, 1)), np.ones(4), MSELoss(), SGD(layer.parameters(), lr=0.1), epochs=3,
        batch_size=2, metrics=(), progress=False, rng=0)
    assert capsys.readouterr().err == "", "progress=False should print nothing"


def test_progress_bar_speaks_the_process_wide_language(capsys):
    import course_lib

    X, y = np.eye(4), np.array([0, 1, 2, 3])
    layer = Linear(4, 4, rng=0)
    course_lib.set_language("ru")
    fit(layer, X, y, SoftmaxCrossEntropyLoss(), SGD(layer.parameters(), lr=0.1), epochs=2, batch_size=2,
        validation_data=(X, y), progress=True, rng=0)
    err = capsys.readouterr().err
    assert "обучение:" in err and "2/2" in err and "эпох/s" in err, f"expected the Russian bar, got {err!r}"
    for shown in ("функция потерь=", "точность=", "функция потерь на валидации=", "точность на валидации="):
        assert shown in err, f"the postfix lacks {shown!r}: {err!r}"
    course_lib.set_language("en")
    fit(layer, X, y, SoftmaxCrossEntropyLoss(), SGD(layer.parameters(), lr=0.1), epochs=2, batch_size=2,
        validation_data=(X, y), progress=True, rng=0)
    err = capsys.readouterr().err
    assert err.lstrip("\r").startswith("fit:") and "epoch/s" in err and "val_accuracy=" in err, err


def test_fit_rejects_bad_arguments():
    layer = Linear(2, 1, rng=0)
    opt = SGD(layer.parameters(), lr=0.1)
    X, y = np.zeros((4, 2)), np.zeros(4)
    with pytest.raises(ValueError, match="epochs must be a positive integer, got 0"):
        fit(layer, X, y, MSELoss(), opt, epochs=0, progress=False)
    with pytest.raises(ValueError, match=r"X of shape \(4, 2\) and y of shape \(3,\)"):
        fit(layer, X, y[:3], MSELoss(), opt, progress=False)
    with pytest.raises(TypeError, match=r"loss is the class MSELoss, not an object; pass MSELoss\(...\)"):
        fit(layer, X, y, MSELoss, opt, progress=False)
    with pytest.raises(TypeError, match=r"optimizer list has no zero_grad\(\), step\(\)"):
        fit(layer, X, y, MSELoss(), [opt], progress=False)


def test_layer_gradients_reach_the_optimisers_flat_buffer(rng):
    layer = Linear(3, 2, rng=0)
    opt = SGD(layer.parameters(), lr=0.5)
    w0, b0 = layer.weight.data.copy(), layer.bias.data.copy()
    x, g = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    opt.zero_grad()
    layer.forward(x)
    layer.backward(g)
    opt.step()
    np.testing.assert_allclose(layer.weight.data, w0 - 0.5 * g.T @ x, err_msg="W <- W - lr * g^T x")
    np.testing.assert_allclose(layer.bias.data, b0 - 0.5 * g.sum(axis=0), err_msg="b <- b - lr * sum g")


def test_a_nan_validation_loss_under_early_stopping_is_an_error_and_the_best_weights_come_back(rng):
    X, y = rng.normal(size=(16, 2)), rng.normal(size=(16, 1))
    X_val = X.copy()
    layer = Linear(2, 1, rng=0)
    seen = []

    def poison_after_first_epoch():                   # a scheduler hook: runs at the end of each epoch
        seen.append(layer.weight.data.copy())
        X_val[0, 0] = np.nan

    class Hook:
        def step(self):
            poison_after_first_epoch()

    with pytest.raises(TrainingDiverged, match=r"val_loss is nan at epoch 2.*best epoch \(1\) were restored"):
        fit(layer, X, y, MSELoss(), SGD(layer.parameters(), lr=0.05), epochs=5, validation_data=(X_val, y),
            early_stopping=3, scheduler=Hook(), progress=False, rng=0)
    np.testing.assert_array_equal(layer.weight.data, seen[0], err_msg="the first (best) epoch's weights")


def test_batch_norm_with_a_last_minibatch_of_one_row_is_explained_and_drop_last_trains():
    from course_lib.layers import BatchNorm1d
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(33, 3)), rng.integers(0, 2, 33)
    model = Sequential(Linear(3, 4, rng=0), BatchNorm1d(4), ReLU(), Linear(4, 2, rng=1))
    opt = SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match=r"33 samples in batches of 16 leave a last minibatch of one row.*drop_last"):
        fit(model, X, y, SoftmaxCrossEntropyLoss(), opt, epochs=1, batch_size=16, progress=False)
    with pytest.raises(ValueError, match="batch_size=1"):
        fit(model, X, y, SoftmaxCrossEntropyLoss(), opt, epochs=1, batch_size=1, progress=False)
    history = fit(model, X, y, SoftmaxCrossEntropyLoss(), opt, epochs=2, batch_size=16, drop_last=True,
                  progress=False, rng=0)
    assert history.epochs == 2 and np.isfinite(history["loss"]).all()
    assert len(list(iterate_minibatches(X, y, 16, drop_last=True))) == 2
