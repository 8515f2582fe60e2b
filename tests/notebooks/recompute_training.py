"""Recomputations of the lecture numbers that need a training run (see test_prose_numbers.py).

Each function repeats, independently of the notebook, the run its docstring names (same data split, seeds,
model and optimiser), so that prose, notebook and library cannot drift apart silently.
"""
import numpy as np


def accuracy_percent(model, X, y):
    from course_lib import losses, training

    return 100 * training.evaluate(model, X, y, losses.SoftmaxCrossEntropyLoss(), ("accuracy",))["accuracy"]


def digits_model():
    from course_lib import layers

    return layers.Sequential(layers.Linear(64, 64, rng=1), layers.ReLU(), layers.Linear(64, 10, rng=2))


def digits_test_accuracy():
    """Lecture 6, section 6.3: 64-64-10 ReLU network, Adam 1e-3, 30 epochs of batches of 32, seed 0."""
    from course_lib import datasets, losses, optim, training

    X, y = datasets.load_digits()
    (Xtr, ytr), (Xva, yva), (Xte, yte) = datasets.train_val_test_split(X, y, val=0.15, test=0.15, rng=0)
    model = digits_model()
    training.fit(model, Xtr, ytr, losses.SoftmaxCrossEntropyLoss(), optim.Adam(model.parameters(), lr=1e-3),
                 epochs=30, batch_size=32, validation_data=(Xva, yva), progress=False, rng=0)
    return accuracy_percent(model, Xte, yte)


def regularisation_baseline_accuracy():
    """Lecture 5, section 5.1: 64-128-128-10 ReLU network on 150 digits, Adam 1e-3, 100 epochs, seed 0."""
    from course_lib import datasets, losses, optim, training

    X, y = datasets.load_digits()
    (Xtr, ytr), (Xva, yva), (Xte, yte) = datasets.train_val_test_split(X, y, val=0.2, test=0.3, rng=0)
    model = small_digits_mlp()
    training.fit(model, Xtr[:150], ytr[:150], losses.SoftmaxCrossEntropyLoss(),
                 optim.Adam(model.parameters(), lr=1e-3), epochs=100, batch_size=32,
                 validation_data=(Xva, yva), progress=False, rng=0)
    return accuracy_percent(model, Xte, yte)


def small_digits_mlp():
    from course_lib import layers

    return layers.Sequential(layers.Linear(64, 128, rng=0), layers.ReLU(), layers.Linear(128, 128, rng=1),
                             layers.ReLU(), layers.Linear(128, 10, rng=2))


def entropy_val_loss(lam):
    """Lecture 5, section 5.3: the 5.1 network trained with cross-entropy + lam * mean entropy (lam < 0: the
    confidence penalty); its validation cross-entropy."""
    from course_lib import datasets, losses, optim, training

    class Penalised(losses.SoftmaxCrossEntropyLoss):
        def forward(self, pred, target):
            self._pen, self._pen_grad = losses.entropy_penalty(pred, lam=lam)
            return super().forward(pred, target) + self._pen

        def backward(self):
            return super().backward() + self._pen_grad

    X, y = datasets.load_digits()
    (Xtr, ytr), (Xva, yva), _ = datasets.train_val_test_split(X, y, val=0.2, test=0.3, rng=0)
    model = small_digits_mlp()
    training.fit(model, Xtr[:150], ytr[:150], Penalised() if lam else losses.SoftmaxCrossEntropyLoss(),
                 optim.Adam(model.parameters(), lr=1e-3), epochs=100, batch_size=32, progress=False, rng=0)
    return training.evaluate(model, Xva, yva, losses.SoftmaxCrossEntropyLoss())["loss"]


def sgd_epoch(model, loss, opt, X, y, order, n=None, after_backward=None):
    """One epoch of minibatch SGD (batches of 32 in the order ``order`` draws) over the first ``n`` rows;
    ``after_backward()`` runs between backward and step (clipping, a penalty's gradient)."""
    idx = order.permutation(len(X) if n is None else n)
    for start in range(0, len(idx), 32):
        b = idx[start:start + 32]
        model.zero_grad()
        loss(model(X[b]), y[b])
        model.backward(loss.backward())
        if after_backward:
            after_backward()
        opt.step()


def symptom_accuracy(act, gain, clip):
    """Lecture 2, section 2.12: 8 hidden layers of 64, He weights times gain, 8 epochs of SGD 0.05 on the
    digits (batches of 32, seed 0), gradient norm clipped to clip; validation accuracy in percent."""
    from course_lib import datasets, layers, losses, optim, training

    X, y = datasets.load_digits()
    (Xtr, ytr), (Xva, yva), _ = datasets.train_val_test_split(X, y, val=0.2, test=0.3, rng=0)
    mods, n_in = [], 64
    for i in range(8):
        lin = layers.Linear(n_in, 64, init="he", rng=i)
        lin.weight.data *= gain
        mods += [lin, layers.ActivationLayer(act)]
        n_in = 64
    model = layers.Sequential(*mods, layers.Linear(64, 10, rng=99))
    ce, opt, order = losses.SoftmaxCrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.05), np.random.default_rng(0)
    for _ in range(8):
        sgd_epoch(model, ce, opt, Xtr, ytr, order,
                   after_backward=(lambda: optim.clip_grad_norm(model.parameters(), clip)) if clip else None)
    return 100 * training.evaluate(model, Xva, yva, ce)["accuracy"]


def digits_sgd(lr, epochs=15, momentum=0.0, scheduler=None):
    """Lecture 4, sections 4.11-4.12: the 64-64-10 network, plain minibatch SGD (batches of 32, seed 0);
    (validation accuracy in percent, validation loss per epoch)."""
    from course_lib import datasets, losses, optim, training

    X, y = datasets.load_digits()
    (Xtr, ytr), (Xva, yva), _ = datasets.train_val_test_split(X, y, val=0.15, test=0.15, rng=0)
    model, ce = digits_model(), losses.SoftmaxCrossEntropyLoss()
    opt = optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    sched, order, val = scheduler(opt) if scheduler else None, np.random.default_rng(0), []
    for _ in range(epochs):
        sgd_epoch(model, ce, opt, Xtr, ytr, order)
        val.append(training.evaluate(model, Xva, yva, ce)["loss"])
        if sched:
            sched.step()
    return 100 * training.evaluate(model, Xva, yva, ce)["accuracy"], np.array(val)


def schedule_std_ratio():
    from course_lib import schedules

    constant = digits_sgd(0.1, epochs=30, momentum=0.9)[1]
    step = digits_sgd(0.1, epochs=30, momentum=0.9,
                       scheduler=lambda o: schedules.StepLR(o, step_size=10, gamma=0.1))[1]
    return np.std(constant[-10:]) / np.std(step[-10:])


def small_digits_split():
    from course_lib import datasets

    X, y = datasets.load_digits()
    return datasets.train_val_test_split(X, y, val=0.2, test=0.3, rng=0)


def penalty_selection(kind):
    """Lecture 5, section 5.2: softmax regression on 64 pixels + 64 uniform-noise columns, 300 images, SGD
    0.2, 60 epochs, penalty 1e-2; (share of |W| on the noise columns, share of |w| < 0.01), in percent."""
    from course_lib import layers, losses, optim

    (Xtr, ytr), (Xva, _), _ = small_digits_split()
    noise = np.random.default_rng(0)
    Z = np.hstack([Xtr, noise.uniform(0, 1, size=(len(Xtr), 64))])
    model, ce = layers.Sequential(layers.Linear(128, 10, init="xavier", rng=0)), losses.SoftmaxCrossEntropyLoss()
    opt, order, W = optim.SGD(model.parameters(), lr=0.2), np.random.default_rng(0), model[0].weight
    def add_penalty_gradient():
        W.grad[...] += 1e-2 * (np.sign(W.data) if kind == "L1" else W.data)

    for _ in range(60):
        sgd_epoch(model, ce, opt, Z, ytr, order, n=300, after_backward=add_penalty_gradient)
    w = np.abs(W.data)
    return 100 * w[:, 64:].sum() / w.sum(), 100 * np.mean(w < 1e-2)


def input_dropout_hidden_accuracy(p):
    """Lecture 5, section 5.4: 64-128-10 trained on 300 images (Adam 1e-3, 60 epochs) with input dropout p;
    validation accuracy in percent with a fixed random 30% of the pixels set to 0."""
    from course_lib import layers, losses, optim, training

    (Xtr, ytr), (Xva, yva), _ = small_digits_split()
    hidden = np.random.default_rng(1).random(Xva.shape) < 0.3
    net = layers.Sequential(*([layers.Dropout(p, rng=0)] if p else []), layers.Linear(64, 128, rng=0),
                            layers.ReLU(), layers.Linear(128, 10, rng=1))
    training.fit(net, Xtr[:300], ytr[:300], losses.SoftmaxCrossEntropyLoss(), optim.Adam(net.parameters(), lr=1e-3),
                 epochs=60, batch_size=32, progress=False, rng=0)
    return 100 * training.evaluate(net, np.where(hidden, 0.0, Xva), yva, losses.SoftmaxCrossEntropyLoss())["accuracy"]


def batchnorm_accuracies():
    """Lecture 5, section 5.5: the 5.1 network with batch norm after each hidden Linear, trained as in 5.1;
    validation accuracy (percent) with the running averages, and with Algorithm 2's population statistics
    over the 150 training images in minibatches of 30."""
    from course_lib import layers, losses, optim, training

    (Xtr, ytr), (Xva, yva), _ = small_digits_split()
    model = layers.Sequential(layers.Linear(64, 128, rng=0), layers.BatchNorm1d(128), layers.ReLU(),
                              layers.Linear(128, 128, rng=1), layers.BatchNorm1d(128), layers.ReLU(),
                              layers.Linear(128, 10, rng=2))
    ce = losses.SoftmaxCrossEntropyLoss()
    training.fit(model, Xtr[:150], ytr[:150], ce, optim.Adam(model.parameters(), lr=1e-3), epochs=100,
                 batch_size=32, progress=False, rng=0)
    running = 100 * training.evaluate(model, Xva, yva, ce)["accuracy"]
    model.eval()
    hs = [Xtr[i:i + 30] for i in range(0, 150, 30)]
    for module in model:
        if isinstance(module, layers.BatchNorm1d):
            module.running_mean = np.mean([h.mean(axis=0) for h in hs], axis=0)
            module.running_var = 30 / 29 * np.mean([h.var(axis=0) for h in hs], axis=0)
        hs = [module(h) for h in hs]
    return running, 100 * training.evaluate(model, Xva, yva, ce)["accuracy"]


def tabular_r2():
    """Lecture 6, section 6.4: test R² on the diabetes data (330/112 split, seed 0) of ridge, a random forest,
    gradient-boosted trees and the 10-64-64-1 network."""
    from sklearn.datasets import load_diabetes
    from sklearn.ensemble import GradientBoostingRegressor, RandomForestRegressor
    from sklearn.linear_model import RidgeCV

    from course_lib import layers, losses, optim, training

    X, y = load_diabetes(return_X_y=True)
    X, y = (X - X.mean(axis=0)) / X.std(axis=0), (y - y.mean()) / y.std()
    perm = np.random.default_rng(0).permutation(len(X))
    tr, te = perm[:330], perm[330:]

    def r2(model):
        pred = model.fit(X[tr], y[tr]).predict(X[te])
        return 1 - np.mean((pred - y[te]) ** 2) / np.var(y[te])

    net = layers.Sequential(layers.Linear(10, 64, rng=1), layers.ReLU(), layers.Linear(64, 64, rng=2),
                            layers.ReLU(), layers.Linear(64, 1, rng=3))
    training.fit(net, X[tr], y[tr, None], losses.MSELoss(), optim.Adam(net.parameters(), lr=1e-3), epochs=100,
                 batch_size=32, metrics=(), progress=False, rng=0)
    return {"ridge": r2(RidgeCV(alphas=np.logspace(-3, 3, 13))),
            "forest": r2(RandomForestRegressor(100, min_samples_leaf=5, random_state=0)),
            "boosting": r2(GradientBoostingRegressor(learning_rate=0.05, n_estimators=100, max_depth=2,
                                                     subsample=0.8, random_state=0)),
            "network": 1 - np.mean((net(X[te]).ravel() - y[te]) ** 2) / np.var(y[te])}
