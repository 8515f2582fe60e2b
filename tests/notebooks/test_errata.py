"""Every slip of the source lectures has a visible errata note where the lecture meets it, and the correction
the note states is what the library (and, where it matters, PyTorch) actually does.

A note is a markdown blockquote starting ``> ⚠️ **Errata.**`` (tools/lectures.py). ``NOTES`` lists, per slip,
the lecture and phrases the note must contain: the slip as the source wrote it and the correction. The
behaviour checks below recompute each correction independently of the notebooks.
"""
import numpy as np
import pytest
from _lectures import read
from optional_tools import require

NOTES = {
    "sigmoid sign": ("03_activation_functions.ipynb", [r"1/(1 + e^{a})", r"1/(1 + e^{-a})"]),
    "GELU leading x": ("03_activation_functions.ipynb", ["leading $x$", r"x\,\Phi(x)"]),
    "ELU x e^x": ("03_activation_functions.ipynb", [r"\alpha(x\,e^x - 1)", r"\alpha(e^x - 1)"]),
    "GELU tanh form": ("03_activation_functions.ipynb", ["tanh approximation", "0.044715"]),
    "PReLU as max(0, x)": ("03_activation_functions.ipynb", [r"PReLU is written $\max(0, x)$",
                                                             r"\alpha\min(0, x)"]),
    "Hard Shrink is not a slip": ("03_activation_functions.ipynb", ["Hard Shrink", "PyTorch's definition"]),
    "ReLU regression output": ("03_activation_functions.ipynb", ["ReLU or its modifications", "the identity"]),
    "unsquared weight decay": ("05_regularisation.ipynb", [r"L + \lambda\|W\|_2", "*squared* norm"]),
    "entropy penalty sign": ("05_regularisation.ipynb", [r"L - \lambda\sum_k \hat p_k\log\hat p_k",
                                                         r"rewards confident predictions", r"L - \beta H"]),
    "early stopping on test (5)": ("05_regularisation.ipynb", ["*test* set", "**validation** set"]),
    "early stopping on test (4)": ("04_optimisation.ipynb", ["*test* sample", "validation sample"]),
    "x += learning_rate * dx": ("04_optimisation.ipynb", ["`x += learning_rate * dx`", "`x -= learning_rate * dx`",
                                                          "`x += learning_rate * vx`"]),
    "Dortmund": ("01_neurons_and_xor.ipynb", ['"Dortmund"', "**Dartmouth**"]),
    "viral bacteria": ("01_neurons_and_xor.ipynb", ['"viral bacteria"', "**bacterial** infections"]),
    "1/n for 1/m": ("01_neurons_and_xor.ipynb", [r"\frac1n c_k", r"\frac1m c_k"]),
    "epsilon sum from h = 0": ("02_backpropagation.ipynb", ["from $h = 0$", "$h = 1..H_l$"]),
    "chain rule repeats a factor": ("02_backpropagation.ipynb", [
        r"\frac{\partial g_m}{\partial g_{m-1}}\frac{\partial g_m}{\partial g_{m-1}}",
        r"\frac{\partial g_{m-1}}{\partial g_{m-2}}"]),
}


def errata_notes(filename: str) -> list[str]:
    """The text of every errata note of a lecture (a blockquote opened by ``> ⚠️ **Errata.**``)."""
    notes = []
    for cell in read(filename).cells:
        if cell.cell_type != "markdown":
            continue
        for block in cell.source.split("\n\n"):
            if block.lstrip().startswith("> ⚠️ **Errata.**"):
                notes.append(block)
    return notes


@pytest.mark.parametrize("slip", sorted(NOTES))
def test_the_slip_has_a_visible_errata_note_naming_it_and_its_correction(slip):
    filename, phrases = NOTES[slip]
    notes = errata_notes(filename)
    assert notes, f"{filename}: no errata note at all"
    matching = [n for n in notes if all(p in n for p in phrases)]
    assert matching, (f"{filename}: no single errata note contains all of {phrases} for the slip {slip!r}; "
                      f"its notes begin {[n[:70] for n in notes]}")


# ---------------------------------------------------------------- the corrections, checked against behaviour
def test_weight_decay_convention_half_lambda_squared_norm_is_sgd_weight_decay():
    """(λ/2)‖w‖² has gradient λw; a step with it equals optim.SGD(weight_decay=λ); the unsquared norm does not."""
    from course_lib import layers, optim

    lam, lr = 0.1, 0.5
    rng = np.random.default_rng(1)
    w, g = rng.normal(size=7), rng.normal(size=7)
    p = layers.Parameter(w.copy())
    p.grad[...] = g
    optim.SGD([p], lr=lr, weight_decay=lam).step()
    np.testing.assert_allclose(p.data, w - lr * (g + lam * w), atol=1e-12)
    h = 1e-6
    numeric = np.array([(0.5 * lam * np.sum((w + h * e) ** 2) - 0.5 * lam * np.sum((w - h * e) ** 2)) / (2 * h)
                        for e in np.eye(7)])
    np.testing.assert_allclose(numeric, lam * w, atol=1e-8)
    unsquared = lam * w / np.linalg.norm(w)                  # gradient of λ‖w‖
    assert abs(np.linalg.norm(unsquared) - lam) < 1e-12 and not np.allclose(unsquared, lam * w)


def test_the_library_penalty_follows_the_lectures_convention():
    """losses.l2_penalty: value (λ/2)‖w‖², gradient λw, so penalty + SGD is SGD(weight_decay=λ)."""
    from course_lib import layers, losses, optim

    lam, lr = 0.1, 0.5
    rng = np.random.default_rng(7)
    w, g = rng.normal(size=6), rng.normal(size=6)
    a, b = layers.Parameter(w.copy()), layers.Parameter(w.copy())
    a.grad[...], b.grad[...] = g, g
    assert abs(losses.l2_penalty([a], lam=lam, add_grad=True) - 0.5 * lam * np.sum(w ** 2)) < 1e-12
    optim.SGD([a], lr=lr).step()
    optim.SGD([b], lr=lr, weight_decay=lam).step()
    np.testing.assert_allclose(a.data, b.data, atol=1e-12)


@pytest.mark.torch
def test_pytorch_weight_decay_is_the_same_lambda():
    torch = require("torch", "checking that PyTorch's weight_decay is the course's λ")
    from course_lib import layers, optim

    rng = np.random.default_rng(2)
    w, g = rng.normal(size=5), rng.normal(size=5)
    t = torch.tensor(w, requires_grad=True)
    t.grad = torch.tensor(g)
    torch.optim.SGD([t], lr=0.3, weight_decay=0.2).step()
    p = layers.Parameter(w.copy())
    p.grad[...] = g
    optim.SGD([p], lr=0.3, weight_decay=0.2).step()
    np.testing.assert_allclose(p.data, t.detach().numpy(), atol=1e-12)


def test_gelu_tanh_is_the_approximation_with_0_044715_and_close_to_exact_gelu():
    from course_lib import activations

    x = np.linspace(-4, 4, 81)
    approx = activations.get_activation("gelu_tanh").forward(x)
    np.testing.assert_allclose(approx, 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3))),
                               atol=1e-12)
    assert np.max(np.abs(approx - activations.get_activation("gelu").forward(x))) < 1e-3
    slide = 0.5 * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))   # without the leading x
    assert np.max(np.abs(slide - approx)) > 1


def test_prelu_is_not_max_0_x_and_hardshrink_keeps_x_on_both_sides():
    from course_lib import activations

    x = np.array([-2.0, -0.3, 0.3, 2.0])
    np.testing.assert_allclose(activations.get_activation("prelu", alpha=0.25).forward(x), [-0.5, -0.075, 0.3, 2])
    np.testing.assert_allclose(activations.get_activation("hardshrink", lambd=0.5).forward(x), [-2, 0, 0, 2])


def test_collapse_constant_is_spread_with_1_over_m():
    rng = np.random.default_rng(3)
    n, m = 2, 5
    w, b, v, c, x = (rng.normal(size=s) for s in ((m, n), m, (3, m), 3, n))
    s = v @ (w @ x + b) + c

    def spread(k_over):
        return np.array([sum(v[k, j] * (w[j] @ x + b[j]) + c[k] / k_over for j in range(m)) for k in range(3)])

    np.testing.assert_allclose(spread(m), s)
    assert not np.allclose(spread(n), s)


def test_entropy_regulariser_with_the_slides_sign_lowers_the_entropy():
    """L − λΣ p log p = L + λH: a gradient step on +λH makes predictions more confident."""
    from course_lib import losses

    z = np.random.default_rng(4).normal(size=(6, 4))

    def entropy(logits):
        return losses.entropy_penalty(logits, lam=1.0)[0]

    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    assert abs(entropy(z) - np.mean(-(p * np.log(p)).sum(1))) < 1e-12
    _, grad_slide = losses.entropy_penalty(z, lam=0.5)
    _, grad_course = losses.entropy_penalty(z, lam=-0.5)
    assert entropy(z - 0.5 * grad_slide) < entropy(z) < entropy(z - 0.5 * grad_course)


def test_chain_rule_multiplies_each_link_once():
    from course_lib.autograd import Value

    x = Value(0.5)
    (x ** 2).exp().tanh().backward()
    links = [1 - np.tanh(np.exp(0.25)) ** 2, np.exp(0.25), 1.0]      # dg3/dg2, dg2/dg1, dg1/dx at x = 0.5
    assert abs(x.grad - np.prod(links)) < 1e-12
    assert abs(x.grad - links[0] * links[0] * links[2]) > 0.1


def test_backward_error_of_the_constant_unit_is_not_part_of_the_sum():
    """In the per-object algorithm ε^{l-1}_k sums over the units h = 1..H_l that have incoming weights; a
    Linear layer's input gradient is exactly that sum (the bias is the weight of the constant unit)."""
    from course_lib import layers

    lin = layers.Linear(3, 4, rng=0)
    x = np.random.default_rng(5).normal(size=(1, 3))
    lin(x)
    delta = np.random.default_rng(6).normal(size=(1, 4))          # ε^l_h z^l_h for h = 1..4
    np.testing.assert_allclose(lin.backward(delta), delta @ lin.weight.data, atol=1e-12)


def test_descent_subtracts_the_gradient():
    from course_lib import layers, optim

    for opt_cls in (optim.SGD, lambda ps, lr: optim.SGD(ps, lr=lr, momentum=0.9)):
        p = layers.Parameter(np.array([1.0]))
        p.grad[...] = 2.0                          # f = x², f'(1) = 2
        opt_cls([p], lr=0.1).step()
        assert p.data[0] ** 2 < 1.0, "a step of SGD must lower f(x) = x²"


def test_early_stopping_picks_the_epoch_on_validation_data():
    from course_lib import datasets, layers, losses, optim, training

    X, y = datasets.load_digits()
    (Xtr, ytr), (Xva, yva), _ = datasets.train_val_test_split(X, y, val=0.2, test=0.3, rng=0)
    model = layers.Sequential(layers.Linear(64, 32, rng=0), layers.ReLU(), layers.Linear(32, 10, rng=1))
    hist = training.fit(model, Xtr[:150], ytr[:150], losses.SoftmaxCrossEntropyLoss(),
                        optim.Adam(model.parameters(), lr=1e-2), epochs=60, batch_size=32,
                        validation_data=(Xva, yva), early_stopping=5, progress=False, rng=0)
    assert hist.best_epoch == int(np.argmin(hist.history["val_loss"]))
