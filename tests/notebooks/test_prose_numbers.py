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
import recompute_training as training_runs
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
    "digits_model_parameters": lambda: training_runs.digits_model().num_parameters(),
    "digits_test_accuracy": training_runs.digits_test_accuracy,
    "regularisation_baseline_accuracy": training_runs.regularisation_baseline_accuracy,
    "resnet50_params_millions": lambda: _params_millions(__import__("course_lib").architectures.resnet(50)),
    "vgg16_params_millions": lambda: _params_millions(__import__("course_lib").architectures.vgg16()),
    "two_two_one_dp11": lambda: _two_two_one()["dp11"],
    "two_two_one_dv11": lambda: _two_two_one()["dv11"],
    "two_two_one_dw11": lambda: _two_two_one()["dw11"],
    "cost_parameters": lambda: training_runs.digits_model().num_parameters(),
    "cost_forward_passes": lambda: 2 * training_runs.digits_model().num_parameters(),
    "init_relu_xavier_std20": lambda: _init_std_after_20_layers("relu", "xavier"),
    "init_relu_he_std20": lambda: _init_std_after_20_layers("relu", "he"),
    "symptom_sigmoid_accuracy": lambda: training_runs.symptom_accuracy("sigmoid", 1.0, None),
    "symptom_clipped_accuracy": lambda: training_runs.symptom_accuracy("relu", 1.5, 1.0),
    "regression_kappa_centred": lambda: _regression_conditioning(0.0)[0],
    "regression_steps_centred": lambda: _regression_conditioning(0.0)[1],
    "regression_kappa_shifted": lambda: _regression_conditioning(5.0)[0],
    "regression_steps_shifted": lambda: _regression_conditioning(5.0)[1],
    "lr_too_high_accuracy": lambda: training_runs.digits_sgd(30.0)[0],
    "lr_good_accuracy": lambda: training_runs.digits_sgd(0.1)[0],
    "lr_low_accuracy": lambda: training_runs.digits_sgd(0.001)[0],
    "schedule_std_ratio": training_runs.schedule_std_ratio,
    "l2_noise_share": lambda: training_runs.penalty_selection("L2")[0],
    "l1_noise_share": lambda: training_runs.penalty_selection("L1")[0],
    "l1_near_zero": lambda: training_runs.penalty_selection("L1")[1],
    "input_dropout_hidden_none": lambda: training_runs.input_dropout_hidden_accuracy(0.0),
    "input_dropout_hidden_02": lambda: training_runs.input_dropout_hidden_accuracy(0.2),
    "bn_folded_accuracy": lambda: training_runs.batchnorm_accuracies()[0],
    "bn_running_accuracy": lambda: training_runs.batchnorm_accuracies()[0],
    "bn_population_accuracy": lambda: training_runs.batchnorm_accuracies()[1],
    "linreg_w": lambda: _least_squares_line()[0],
    "linreg_w0": lambda: _least_squares_line()[1],
    "sawtooth_units_depth5": lambda: _sawtooth(5)[0],
    "sawtooth_pieces_depth5": lambda: _sawtooth(5)[1],
    "tabular_r2_ridge": lambda: training_runs.tabular_r2()["ridge"],
    "tabular_r2_forest": lambda: training_runs.tabular_r2()["forest"],
    "tabular_r2_boosting": lambda: training_runs.tabular_r2()["boosting"],
    "tabular_r2_network": lambda: training_runs.tabular_r2()["network"],
    "fc_megapixel_params": lambda: _architecture_params([("Linear", 10**6, 10**3)], (10**6,)),
    "conv_megapixel_params": lambda: _architecture_params([("Conv2d", 3, 64, 3, 1, 1)], (3, 1000, 1000)),
    "resnet_flops_max_gap_percent": _resnet_flops_max_gap_percent,
    "plain_stack_input_gradient": _plain_stack_input_gradient,
    "basic_macs_per_pixel": lambda: _macs_per_pixel(_convs([(64, 64, 3, 1, 1), (64, 64, 3, 1, 1)]), (64, 56, 56)),
    "bottleneck_macs_per_pixel": lambda: _macs_per_pixel(
        _convs([(256, 64, 1, 1, 0), (64, 64, 3, 1, 1), (64, 256, 1, 1, 0)]), (256, 56, 56)),
    "prelu_dalpha": _prelu_dalpha,
    "entropy_val_loss_none": lambda: training_runs.entropy_val_loss(0.0),
    "entropy_val_loss_confidence": lambda: training_runs.entropy_val_loss(-0.2),
    "entropy_val_loss_slide": lambda: training_runs.entropy_val_loss(0.2),
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
