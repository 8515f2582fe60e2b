"""Numbers the lecture prose states are recomputed here with course_lib, so prose and library cannot drift.

A number in a notebook's markdown is marked ``<!--claim:NAME-->VALUE<!--/claim-->`` (invisible when rendered;
see tools/lectures.py). ``RECOMPUTE[NAME]`` computes it from course_lib, independently of the
notebook; the written value must equal it to the precision written (``100%`` to the unit, ``25.6`` to a
tenth). Editing the prose alone, or changing what the library computes, fails here. That the notebook's own
code prints the same number is checked on the executed notebook in ``test_lectures.py``.

Numbers that a notebook computes with plain numpy rather than course_lib (the twenty-line network) are listed
in ``OUTPUT_ONLY``: they are checked against the executed notebook only.
"""
import re

import numpy as np
import pytest
from _lectures import LECTURES, claims, parse_number, read

OUTPUT_ONLY = {"twenty_line_accuracy"}


def _f_graph():
    from course_lib.autograd import Value

    x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
    q = x + y
    f = q * z
    f.backward()
    return {"q": q.data, "f": f.data, "dz": z.grad, "dq": q.grad, "dx": x.grad, "dy": y.grad}


def _static_dynamic_g():
    from course_lib.autograd import Value

    x, y = Value(1.0), Value(2.0)
    return (x**2 * y + (y + 2)).data


def _perceptron_and_updates():
    from course_lib import neuron

    inputs = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    p = neuron.Perceptron(n_features=2, lr=1.0, max_epochs=100, rng=0).fit(inputs, neuron.gate("AND", inputs))
    assert p.converged, "the perceptron must converge on AND for its update count to be quoted"
    return len(p.updates)


def _xor_two_layer_accuracy():
    from course_lib import neuron

    inputs = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    return 100 * np.mean(neuron.xor_two_layer(inputs) == np.array([0, 1, 1, 0]))


def _sigmoid_derivative(x):
    from course_lib import activations

    return float(activations.get_activation("sigmoid").derivative(np.array([x]))[0])


def _adam_uncorrected_first_step():
    from course_lib import layers, optim

    p = layers.Parameter(np.zeros(1))
    opt = optim.Adam([p], lr=1e-3, bias_correction=False)
    p.grad[...] = 1.0
    opt.step()
    return float(-p.data[0] / 1e-3)


def _test_accuracy_percent(model, X, y):
    from course_lib import losses, training

    return 100 * training.evaluate(model, X, y, losses.SoftmaxCrossEntropyLoss(), ("accuracy",))["accuracy"]


def _digits_model():
    from course_lib import layers

    return layers.Sequential(layers.Linear(64, 64, rng=1), layers.ReLU(), layers.Linear(64, 10, rng=2))


def _digits_test_accuracy():
    """Lecture 6, section 6.3: 64-64-10 ReLU network, Adam 1e-3, 30 epochs of batches of 32, seed 0."""
    from course_lib import datasets, losses, optim, training

    X, y = datasets.load_digits()
    (Xtr, ytr), (Xva, yva), (Xte, yte) = datasets.train_val_test_split(X, y, val=0.15, test=0.15, rng=0)
    model = _digits_model()
    training.fit(model, Xtr, ytr, losses.SoftmaxCrossEntropyLoss(), optim.Adam(model.parameters(), lr=1e-3),
                 epochs=30, batch_size=32, validation_data=(Xva, yva), progress=False, rng=0)
    return _test_accuracy_percent(model, Xte, yte)


def _regularisation_baseline_accuracy():
    """Lecture 5, section 5.1: 64-128-128-10 ReLU network on 150 digits, Adam 1e-3, 100 epochs, seed 0."""
    from course_lib import datasets, losses, optim, training

    X, y = datasets.load_digits()
    (Xtr, ytr), (Xva, yva), (Xte, yte) = datasets.train_val_test_split(X, y, val=0.2, test=0.3, rng=0)
    model = _small_digits_mlp()
    training.fit(model, Xtr[:150], ytr[:150], losses.SoftmaxCrossEntropyLoss(),
                 optim.Adam(model.parameters(), lr=1e-3), epochs=100, batch_size=32,
                 validation_data=(Xva, yva), progress=False, rng=0)
    return _test_accuracy_percent(model, Xte, yte)


def _small_digits_mlp():
    from course_lib import layers

    return layers.Sequential(layers.Linear(64, 128, rng=0), layers.ReLU(), layers.Linear(128, 128, rng=1),
                             layers.ReLU(), layers.Linear(128, 10, rng=2))


def _entropy_val_loss(lam):
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
    model = _small_digits_mlp()
    training.fit(model, Xtr[:150], ytr[:150], Penalised() if lam else losses.SoftmaxCrossEntropyLoss(),
                 optim.Adam(model.parameters(), lr=1e-3), epochs=100, batch_size=32, progress=False, rng=0)
    return training.evaluate(model, Xva, yva, losses.SoftmaxCrossEntropyLoss())["loss"]


def _gelu_tanh_max_error():
    from course_lib import activations

    x = np.linspace(-4, 4, 801)
    return np.max(np.abs(activations.get_activation("gelu").forward(x)
                         - activations.get_activation("gelu_tanh").forward(x)))


def _history_waits():
    """Lecture 1's table of breakthroughs: mean years from the data set, and from the algorithm, to each."""
    rows = [line for cell in read("01_neurons_and_xor.ipynb").cells if cell.cell_type == "markdown"
            for line in cell.source.splitlines() if line.startswith("| 19") or line.startswith("| 20")]
    waits = []
    for row in rows:
        cols = [c.strip() for c in row.strip("|").split("|")]
        years = [re.search(r"\((\d{4})\)$", c) for c in cols[2:4]] if len(cols) == 4 else []
        if len(years) == 2 and all(years):
            waits.append((int(cols[0]) - int(years[0][1]), int(cols[0]) - int(years[1][1])))
    assert len(waits) == 6, f"expected the six rows of the data-versus-algorithms table, found {waits}"
    return tuple(np.mean(waits, axis=0))


def _two_two_one():
    """Lecture 2, section 2.6: the 2-2-1 sigmoid network at x = (1, -1), differentiated by Value."""
    from course_lib.autograd import Value

    x = [Value(1.0), Value(-1.0)]
    w = [[Value(0.5), Value(-0.3)], [Value(0.2), Value(0.8)]]
    v = [[Value(0.4), Value(-0.6)], [Value(0.7), Value(0.1)]]
    p = [Value(1.5), Value(-0.5)]
    z = [(x[0] * w[0][j] + x[1] * w[1][j]).sigmoid() for j in range(2)]
    h = [(z[0] * v[0][k] + z[1] * v[1][k]).sigmoid() for k in range(2)]
    (p[0] * h[0] + p[1] * h[1]).backward()
    return {"dp11": p[0].grad, "dv11": v[0][0].grad, "dw11": w[0][0].grad}


def _init_std_after_20_layers(act, init):
    """Lecture 3, section 3.9: std of the 20th layer's output, width 256, 512 standard-normal inputs."""
    from course_lib import layers

    h = np.random.default_rng(0).normal(size=(512, 256))
    for layer in range(20):
        h = layers.ActivationLayer(act)(layers.Linear(256, 256, init=init, rng=100 + layer)(h))
    return h.std()


def _sgd_epoch(model, loss, opt, X, y, order, n=None, after_backward=None):
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


def _symptom_accuracy(act, gain, clip):
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
        _sgd_epoch(model, ce, opt, Xtr, ytr, order,
                   after_backward=(lambda: optim.clip_grad_norm(model.parameters(), clip)) if clip else None)
    return 100 * training.evaluate(model, Xva, yva, ce)["accuracy"]


def _regression_conditioning(shift):
    """Lecture 4, section 4.3: condition number of the 1-D regression's Hessian and GD steps (lr = 1/λmax)
    to reach the least-squares answer within 1e-6, for the inputs of section 4.1 shifted by ``shift``."""
    from course_lib import datasets

    X1, y1 = datasets.make_regression_1d(n=100, noise=0.3, rng=0, func=lambda x: 1.5 * x - 0.5, low=-2, high=2)
    x = X1[:, 0] + shift
    lam = np.linalg.eigvalsh(2 * np.array([[np.mean(x ** 2), np.mean(x)], [np.mean(x), 1.0]]))
    target, theta = np.polyfit(x, y1, 1), np.zeros(2)
    for t in range(1, 100_000):
        r = theta[0] * x + theta[1] - y1
        theta = theta - np.array([2 * np.mean(r * x), 2 * np.mean(r)]) / lam[-1]
        if np.linalg.norm(theta - target) < 1e-6:
            return lam[-1] / lam[0], t
    raise AssertionError("gradient descent did not converge")


def _digits_sgd(lr, epochs=15, momentum=0.0, scheduler=None):
    """Lecture 4, sections 4.11-4.12: the 64-64-10 network, plain minibatch SGD (batches of 32, seed 0);
    (validation accuracy in percent, validation loss per epoch)."""
    from course_lib import datasets, losses, optim, training

    X, y = datasets.load_digits()
    (Xtr, ytr), (Xva, yva), _ = datasets.train_val_test_split(X, y, val=0.15, test=0.15, rng=0)
    model, ce = _digits_model(), losses.SoftmaxCrossEntropyLoss()
    opt = optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    sched, order, val = scheduler(opt) if scheduler else None, np.random.default_rng(0), []
    for _ in range(epochs):
        _sgd_epoch(model, ce, opt, Xtr, ytr, order)
        val.append(training.evaluate(model, Xva, yva, ce)["loss"])
        if sched:
            sched.step()
    return 100 * training.evaluate(model, Xva, yva, ce)["accuracy"], np.array(val)


def _schedule_std_ratio():
    from course_lib import schedules

    constant = _digits_sgd(0.1, epochs=30, momentum=0.9)[1]
    step = _digits_sgd(0.1, epochs=30, momentum=0.9,
                       scheduler=lambda o: schedules.StepLR(o, step_size=10, gamma=0.1))[1]
    return np.std(constant[-10:]) / np.std(step[-10:])


def _small_digits_split():
    from course_lib import datasets

    X, y = datasets.load_digits()
    return datasets.train_val_test_split(X, y, val=0.2, test=0.3, rng=0)


def _penalty_selection(kind):
    """Lecture 5, section 5.2: softmax regression on 64 pixels + 64 uniform-noise columns, 300 images, SGD
    0.2, 60 epochs, penalty 1e-2; (share of |W| on the noise columns, share of |w| < 0.01), in percent."""
    from course_lib import layers, losses, optim

    (Xtr, ytr), (Xva, _), _ = _small_digits_split()
    noise = np.random.default_rng(0)
    Z = np.hstack([Xtr, noise.uniform(0, 1, size=(len(Xtr), 64))])
    model, ce = layers.Sequential(layers.Linear(128, 10, init="xavier", rng=0)), losses.SoftmaxCrossEntropyLoss()
    opt, order, W = optim.SGD(model.parameters(), lr=0.2), np.random.default_rng(0), model[0].weight
    def add_penalty_gradient():
        W.grad[...] += 1e-2 * (np.sign(W.data) if kind == "L1" else W.data)

    for _ in range(60):
        _sgd_epoch(model, ce, opt, Z, ytr, order, n=300, after_backward=add_penalty_gradient)
    w = np.abs(W.data)
    return 100 * w[:, 64:].sum() / w.sum(), 100 * np.mean(w < 1e-2)


def _input_dropout_hidden_accuracy(p):
    """Lecture 5, section 5.4: 64-128-10 trained on 300 images (Adam 1e-3, 60 epochs) with input dropout p;
    validation accuracy in percent with a fixed random 30% of the pixels set to 0."""
    from course_lib import layers, losses, optim, training

    (Xtr, ytr), (Xva, yva), _ = _small_digits_split()
    hidden = np.random.default_rng(1).random(Xva.shape) < 0.3
    net = layers.Sequential(*([layers.Dropout(p, rng=0)] if p else []), layers.Linear(64, 128, rng=0),
                            layers.ReLU(), layers.Linear(128, 10, rng=1))
    training.fit(net, Xtr[:300], ytr[:300], losses.SoftmaxCrossEntropyLoss(), optim.Adam(net.parameters(), lr=1e-3),
                 epochs=60, batch_size=32, progress=False, rng=0)
    return 100 * training.evaluate(net, np.where(hidden, 0.0, Xva), yva, losses.SoftmaxCrossEntropyLoss())["accuracy"]


def _batchnorm_accuracies():
    """Lecture 5, section 5.5: the 5.1 network with batch norm after each hidden Linear, trained as in 5.1;
    validation accuracy (percent) with the running averages, and with Algorithm 2's population statistics
    over the 150 training images in minibatches of 30."""
    from course_lib import layers, losses, optim, training

    (Xtr, ytr), (Xva, yva), _ = _small_digits_split()
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


def _least_squares_line():
    """Lecture 1, section 1.6: least squares with the constant input x0 = -1; (w, w0)."""
    from course_lib import datasets

    X, y = datasets.make_regression_1d(n=100, noise=0.3, rng=0, func=lambda x: 1.5 * x - 0.5, low=-2, high=2)
    (w, w0), *_ = np.linalg.lstsq(np.hstack([X, -np.ones((len(X), 1))]), y, rcond=None)
    return w, w0


def _sawtooth(depth):
    """Lecture 1, section 1.8: the tent map composed ``depth`` times as Linear/ReLU layers on [0, 1];
    (number of ReLU units, number of linear pieces)."""
    from course_lib import layers

    mods = []
    for _ in range(depth):
        first, second = layers.Linear(1, 2), layers.Linear(2, 1)
        first.weight.data[...], first.bias.data[...] = [[1.0], [1.0]], [0.0, -0.5]
        second.weight.data[...], second.bias.data[...] = [[2.0, -4.0]], 0.0
        mods += [first, layers.ReLU(), second]
    x = np.linspace(0, 1, 2 ** 12 + 1)[:, None]
    slopes = np.round(np.diff(layers.Sequential(*mods)(x)[:, 0]), 9)
    units = sum(m.out_features for m in mods if isinstance(m, layers.Linear) and m.out_features == 2)
    return units, 1 + int(np.sum(slopes[1:] != slopes[:-1]))


def _tabular_r2():
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


def _resnet_flops_max_gap_percent():
    from course_lib import architectures

    return max(100 * abs(gmacs / architectures.RESNET_GFLOPS_LECTURE[d] - 1)
               for d, (_, gmacs) in architectures.resnet_table().items())


def _plain_stack_input_gradient():
    """Lecture 6, section 6.7: |dL/dx| at the input of 30 plain Linear(64)+sigmoid blocks (Xavier, rng i)."""
    from course_lib import layers

    blocks = [layers.Sequential(layers.Linear(64, 64, init="xavier", rng=i), layers.Sigmoid()) for i in range(30)]
    h = np.random.default_rng(0).normal(size=(32, 64))
    for block in blocks:
        h = block(h)
    g = np.ones_like(h)
    for block in reversed(blocks):
        g = block.backward(g)
    return np.linalg.norm(g)


def _convs(specs):
    from course_lib import architectures

    return [architectures.Conv2d(cin, cout, k, stride, padding, bias=False) for cin, cout, k, stride, padding in specs]


def _architecture_params(specs, shape):
    from course_lib import architectures

    built = [getattr(architectures, kind)(*args) for kind, *args in specs]
    return architectures.count(built, shape).params


def _macs_per_pixel(convs, shape):
    from course_lib import architectures

    return architectures.count(convs, shape).macs // (shape[1] * shape[2])


def _prelu_dalpha():
    """Lecture 3, section 3.1: dL/dalpha of layers.PReLU at x = (-2, -0.5, 1, 3) with upstream gradient 1."""
    from course_lib import layers

    prelu = layers.PReLU(init=0.25)
    x = np.array([[-2.0, -0.5, 1.0, 3.0]])
    prelu.zero_grad()
    prelu(x)
    prelu.backward(np.ones_like(x))
    return float(prelu.alpha.grad[0])


def _params_millions(specs):
    from course_lib import architectures

    return architectures.count(specs, (3, 224, 224)).params / 1e6


RECOMPUTE = {
    "perceptron_and_updates": _perceptron_and_updates,
    "xor_two_layer_accuracy": _xor_two_layer_accuracy,
    "f_graph_q": lambda: _f_graph()["q"],
    "f_graph_f": lambda: _f_graph()["f"],
    "f_graph_dz": lambda: _f_graph()["dz"],
    "f_graph_dq": lambda: _f_graph()["dq"],
    "f_graph_dx": lambda: _f_graph()["dx"],
    "static_dynamic_g": _static_dynamic_g,
    "sigmoid_max_derivative": lambda: _sigmoid_derivative(0.0),
    "sigmoid_derivative_at_10": lambda: _sigmoid_derivative(10.0),
    "adam_uncorrected_first_step": _adam_uncorrected_first_step,
    "digits_model_parameters": lambda: _digits_model().num_parameters(),
    "digits_test_accuracy": _digits_test_accuracy,
    "regularisation_baseline_accuracy": _regularisation_baseline_accuracy,
    "resnet50_params_millions": lambda: _params_millions(__import__("course_lib").architectures.resnet(50)),
    "vgg16_params_millions": lambda: _params_millions(__import__("course_lib").architectures.vgg16()),
    "two_two_one_dp11": lambda: _two_two_one()["dp11"],
    "two_two_one_dv11": lambda: _two_two_one()["dv11"],
    "two_two_one_dw11": lambda: _two_two_one()["dw11"],
    "cost_parameters": lambda: _digits_model().num_parameters(),
    "cost_forward_passes": lambda: 2 * _digits_model().num_parameters(),
    "init_relu_xavier_std20": lambda: _init_std_after_20_layers("relu", "xavier"),
    "init_relu_he_std20": lambda: _init_std_after_20_layers("relu", "he"),
    "symptom_sigmoid_accuracy": lambda: _symptom_accuracy("sigmoid", 1.0, None),
    "symptom_clipped_accuracy": lambda: _symptom_accuracy("relu", 1.5, 1.0),
    "regression_kappa_centred": lambda: _regression_conditioning(0.0)[0],
    "regression_steps_centred": lambda: _regression_conditioning(0.0)[1],
    "regression_kappa_shifted": lambda: _regression_conditioning(5.0)[0],
    "regression_steps_shifted": lambda: _regression_conditioning(5.0)[1],
    "lr_too_high_accuracy": lambda: _digits_sgd(30.0)[0],
    "lr_good_accuracy": lambda: _digits_sgd(0.1)[0],
    "lr_low_accuracy": lambda: _digits_sgd(0.001)[0],
    "schedule_std_ratio": _schedule_std_ratio,
    "l2_noise_share": lambda: _penalty_selection("L2")[0],
    "l1_noise_share": lambda: _penalty_selection("L1")[0],
    "l1_near_zero": lambda: _penalty_selection("L1")[1],
    "input_dropout_hidden_none": lambda: _input_dropout_hidden_accuracy(0.0),
    "input_dropout_hidden_02": lambda: _input_dropout_hidden_accuracy(0.2),
    "bn_folded_accuracy": lambda: _batchnorm_accuracies()[0],
    "bn_running_accuracy": lambda: _batchnorm_accuracies()[0],
    "bn_population_accuracy": lambda: _batchnorm_accuracies()[1],
    "linreg_w": lambda: _least_squares_line()[0],
    "linreg_w0": lambda: _least_squares_line()[1],
    "sawtooth_units_depth5": lambda: _sawtooth(5)[0],
    "sawtooth_pieces_depth5": lambda: _sawtooth(5)[1],
    "tabular_r2_ridge": lambda: _tabular_r2()["ridge"],
    "tabular_r2_forest": lambda: _tabular_r2()["forest"],
    "tabular_r2_boosting": lambda: _tabular_r2()["boosting"],
    "tabular_r2_network": lambda: _tabular_r2()["network"],
    "fc_megapixel_params": lambda: _architecture_params([("Linear", 10**6, 10**3)], (10**6,)),
    "conv_megapixel_params": lambda: _architecture_params([("Conv2d", 3, 64, 3, 1, 1)], (3, 1000, 1000)),
    "resnet_flops_max_gap_percent": _resnet_flops_max_gap_percent,
    "plain_stack_input_gradient": _plain_stack_input_gradient,
    "basic_macs_per_pixel": lambda: _macs_per_pixel(_convs([(64, 64, 3, 1, 1), (64, 64, 3, 1, 1)]), (64, 56, 56)),
    "bottleneck_macs_per_pixel": lambda: _macs_per_pixel(
        _convs([(256, 64, 1, 1, 0), (64, 64, 3, 1, 1), (64, 256, 1, 1, 0)]), (256, 56, 56)),
    "prelu_dalpha": _prelu_dalpha,
    "entropy_val_loss_none": lambda: _entropy_val_loss(0.0),
    "entropy_val_loss_confidence": lambda: _entropy_val_loss(-0.2),
    "entropy_val_loss_slide": lambda: _entropy_val_loss(0.2),
    "gelu_tanh_max_error": _gelu_tanh_max_error,
    "history_wait_data": lambda: _history_waits()[0],
    "history_wait_algorithm": lambda: _history_waits()[1],
}

ALL_CLAIMS = [(filename, name, written) for filename in LECTURES for name, written in claims(read(filename))]


def test_every_claim_in_the_prose_has_a_recomputation_and_vice_versa():
    named = {name for _, name, _ in ALL_CLAIMS}
    unknown = named - set(RECOMPUTE) - OUTPUT_ONLY
    unused = set(RECOMPUTE) - named
    assert not unknown, f"claims in the notebooks with no recomputation in RECOMPUTE: {sorted(unknown)}"
    assert not unused, f"RECOMPUTE entries that no notebook states any more: {sorted(unused)}"


def test_the_lecture_quotes_f_minus_12_and_100_percent_on_xor():
    written = {name: value for _, name, value in ALL_CLAIMS}
    assert parse_number(written.get("f_graph_f", "none 0"))[0] == -12, (
        f"lecture 2 should state f = -12 for the worked example, states {written.get('f_graph_f')!r}")
    assert parse_number(written.get("xor_two_layer_accuracy", "none 0"))[0] == 100, (
        f"lecture 1 should state 100% on XOR, states {written.get('xor_two_layer_accuracy')!r}")


@pytest.mark.parametrize(("filename", "name", "written"),
                         [c for c in ALL_CLAIMS if c[1] in RECOMPUTE],
                         ids=[f"{c[0][:2]}-{c[1]}" for c in ALL_CLAIMS if c[1] in RECOMPUTE])
def test_number_in_the_prose_equals_the_course_lib_computation(filename, name, written):
    value, half_ulp = parse_number(written)
    computed = float(RECOMPUTE[name]())
    assert abs(computed - value) <= half_ulp * (1 + 1e-9), (
        f"{filename} states {name} = {written!r}, but course_lib computes {computed!r}; "
        f"update notebooks/{filename[:-6]}.md (or the library) and run `jupytext --sync`")
