"""Every plotting function returns a figure with the expected artists (rendered with the Agg backend)."""
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.patches import Circle, FancyBboxPatch  # noqa: E402

from course_lib import landscapes, plotting  # noqa: E402
from course_lib.autograd import Value  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_activation_plot_draws_function_and_derivative_and_shades_relu_dead_side():
    x = np.linspace(-3, 3, 61)
    fig = plotting.plot_activation("relu", x=x)
    ax = fig.axes[0]
    labels = [line.get_label() for line in ax.get_lines()]
    assert "relu(x)" in labels and "derivative" in labels, f"expected function and derivative, got {labels}"
    deriv = next(line for line in ax.get_lines() if line.get_label() == "derivative")
    np.testing.assert_allclose(deriv.get_ydata(), (x > 0).astype(float))
    assert len(ax.patches) == 1, f"relu saturates on x < 0 only: expected one span, got {len(ax.patches)}"
    assert ax.patches[0].get_label() == "saturated"
    x0, x1 = sorted({v[0] for v in ax.patches[0].get_path().transformed(ax.patches[0].get_transform())
                     .transformed(ax.transData.inverted()).vertices})
    assert x0 == pytest.approx(-3.0) and x1 == pytest.approx(0.0), f"shaded [{x0}, {x1}], expected [-3, 0]"


def test_sigmoid_saturates_on_both_sides():
    x = np.linspace(-8, 8, 161)
    fig = plotting.plot_activation("sigmoid", x=x, saturation=0.05)
    assert len(fig.axes[0].patches) == 2, "sigmoid's gradient vanishes for large |x| on both sides"
    sig = 1 / (1 + np.exp(-x))
    spans = plotting.saturated_intervals(x, plotting.saturation_mask(sig * (1 - sig), 0.05))
    # sigma(1 - sigma) = 0.05 at sigma = (1 - sqrt(0.8)) / 2, i.e. |x| = 2.887; the grid step is 0.1
    edge = 2.887
    want = [(-8.0, pytest.approx(-edge, abs=0.1)), (pytest.approx(edge, abs=0.1), 8.0)]
    assert spans == want, f"expected saturation for |x| > 2.887, got {spans}"


def test_activation_gallery_has_one_visible_panel_per_name():
    names = ["sigmoid", "tanh", "relu", "elu", "gelu"]
    fig = plotting.plot_activation_gallery(names, ncols=3)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == names
    assert len(fig.axes) == 6, f"2 rows x 3 columns expected, got {len(fig.axes)} axes"


def test_decision_boundary_draws_the_threshold_contour_and_both_point_sets(rng):
    X, y = rng.normal(size=(40, 2)), (rng.random(40) > 0.5).astype(int)
    Xt, yt = rng.normal(size=(10, 2)), (rng.random(10) > 0.5).astype(int)
    def prob(g):
        return 1 / (1 + np.exp(-4 * g[:, 0]))

    fig = plotting.plot_decision_boundary(prob, X, y, X_test=Xt, y_test=yt, resolution=40)
    ax = fig.axes[0]
    scatters = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert [len(s.get_offsets()) for s in scatters] == [40, 10], "train and test points expected"
    assert len(ax.collections) > 2, "expected a filled contour behind the points"


def test_decision_boundary_of_class_scores_colours_argmax_regions(rng):
    X, y = rng.normal(size=(30, 2)), rng.integers(0, 3, 30)
    fig = plotting.plot_decision_boundary(lambda g: np.c_[g[:, 0], g[:, 1], -g[:, 0]], X, y, resolution=30)
    assert fig.axes[0].get_aspect() == 1.0


def test_decision_boundary_rejects_empty_or_non_2d_data():
    with pytest.raises(ValueError, match=r"non-empty array of 2-D points \(n, 2\), got shape \(0, 2\)"):
        plotting.plot_decision_boundary(lambda g: g[:, 0], np.zeros((0, 2)), np.zeros(0))
    with pytest.raises(ValueError, match=r"got shape \(5, 3\)"):
        plotting.plot_decision_boundary(lambda g: g[:, 0], np.zeros((5, 3)), np.zeros(5))


def test_training_curves_have_a_panel_per_metric_with_train_and_validation():
    hist = {"loss": [1.0, 0.5, 0.3], "val_loss": [1.1, 0.7, 0.6], "accuracy": [0.5, 0.8, 0.9],
            "val_accuracy": [0.5, 0.7, 0.8]}
    fig = plotting.plot_training_curves(hist)
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    for ax in fig.axes:
        assert [line.get_label() for line in ax.get_lines()] == ["train", "validation"]
    np.testing.assert_allclose(fig.axes[0].get_lines()[1].get_ydata(), [1.1, 0.7, 0.6])


def test_training_curves_reject_an_empty_history():
    with pytest.raises(ValueError, match="history is empty"):
        plotting.plot_training_curves({"loss": []})


def test_trajectories_over_contours_one_line_per_optimiser():
    s = landscapes.rosenbrock()
    runs = [landscapes.run_optimizer(s, "sgd", steps=20, lr=1e-3),
            landscapes.run_optimizer(s, "adam", steps=20, lr=0.05)]
    fig = plotting.plot_trajectories(s, runs, upto=10)
    ax = fig.axes[0]
    paths = [line for line in ax.get_lines() if line.get_label() in ("sgd", "adam")]
    assert [len(p.get_xdata()) for p in paths] == [11, 11], "upto=10 should show the start and 10 steps"
    assert ax.get_title() == "Rosenbrock"


def test_weight_histograms_one_row_per_parameter(rng):
    from course_lib.layers import Linear, ReLU, Sequential

    model = Sequential(Linear(2, 4, rng=rng), ReLU(), Linear(4, 1, rng=rng))
    fig = plotting.plot_weight_histograms(model, bins=10)
    assert len(fig.axes) == 2 * len(model.parameters()), "weights and gradients for each parameter"
    assert sum(len(ax.patches) for ax in fig.axes) == 10 * len(fig.axes), "10 bars per histogram"


def test_image_grid_shows_flattened_digits_with_titles(rng):
    fig = plotting.plot_image_grid(rng.random((5, 64)), labels=list("abcde"), ncols=3)
    shown = [ax for ax in fig.axes if ax.images]
    assert len(shown) == 5 and shown[0].images[0].get_array().shape == (8, 8)
    assert [ax.get_title() for ax in shown] == list("abcde")


@pytest.mark.parametrize("bad", [np.zeros((0, 4, 4)), np.zeros((3, 10)), np.zeros(7)])
def test_image_grid_rejects_bad_shapes(bad):
    with pytest.raises(ValueError, match="plot_image_grid"):
        plotting.plot_image_grid(bad)


def _lecture_graph():
    x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    q = x + y
    q.label = "q"
    f = q * z
    f.label = "f"
    f.backward()
    return f, (x, y, z, q)


def test_draw_graph_shows_the_lecture_example_left_to_right():
    f, (x, y, z, q) = _lecture_graph()
    fig = plotting.draw_graph(f)
    ax = fig.axes[0]
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    ops = [p for p in ax.patches if isinstance(p, Circle)]
    assert (len(boxes), len(ops)) == (5, 2), f"5 values and 2 operations expected: {len(boxes)}, {len(ops)}"
    green = [t.get_text() for t in ax.texts if t.get_color() == plotting.DATA_COLOUR]
    red = [t.get_text() for t in ax.texts if t.get_color() == plotting.GRAD_COLOUR]
    assert sorted(green) == sorted(["-2", "5", "-4", "3", "-12"]), f"data labels: {green}"
    assert sorted(red) == sorted(["-4", "-4", "3", "-4", "1"]), f"gradient labels: {red}"
    pos, _, _ = plotting.graph_layout(f)
    assert pos[id(x)][0] < pos[id(q)][0] < pos[id(f)][0], "data must flow left to right"


def test_draw_graph_can_hide_numbers_and_highlight_a_node():
    f, (x, y, z, q) = _lecture_graph()
    fig = plotting.draw_graph(f, show_data={x, y}, show_grad=set(), highlight=q)
    ax = fig.axes[0]
    assert sorted(t for t in _texts(fig) if t not in "xyzqf+*") == ["-2", "5"]
    faces = [p.get_facecolor() for p in ax.patches if isinstance(p, FancyBboxPatch)]
    assert sum(matplotlib.colors.to_hex(c) == plotting.HIGHLIGHT for c in faces) == 1


def test_figure_to_png_returns_png_bytes_and_closes_the_figure():
    fig = plotting.plot_training_curves({"loss": [1.0, 0.5]})
    png = plotting.figure_to_png(fig)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert not plt.fignum_exists(fig.number), "the figure must be closed after rendering"


def test_draw_graph_names_an_unlabelled_constant_by_its_value():
    from course_lib.autograd import Value

    y = Value(2.0, label="y")
    f = y + 2
    f.label = "b"
    names = {t.get_text() for t in plotting.draw_graph(f).axes[0].texts if t.get_fontweight() == "bold"}
    assert {"y", "2", "b"} <= names, f"expected the boxes y, 2 and b, got {sorted(names)}"
