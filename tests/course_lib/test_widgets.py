"""The widget apps, built headless and driven through their controls and methods.

``test_widgets_ipywidgets7.py`` reruns this file under ipywidgets 7.7; the version in use is part of the id of
``test_running_under_ipywidgets`` so that the rerun can prove which one it imported.
"""
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import ipywidgets  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib import optim  # noqa: E402
from course_lib.autograd import Value  # noqa: E402
from course_lib.widgets import ActivationExplorer, BackpropStepper, OptimizerRace, Playground  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("version", [ipywidgets.__version__])
def test_running_under_ipywidgets(version):
    major = int(version.split(".")[0])
    assert major in (7, 8), f"the widgets support ipywidgets 7.7 and 8, running {version}"


def test_importing_course_lib_does_not_import_matplotlib_or_ipywidgets():
    code = ("import sys, course_lib, course_lib.augment, course_lib.landscapes, course_lib.architectures; "
            "print(sorted(m for m in ('matplotlib', 'ipywidgets') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", f"import course_lib pulled in heavy modules: {out.strip()}"


# --------------------------------------------------------------------------- playground
@pytest.fixture(scope="module")
def playground():
    return Playground(seed=0)


def test_playground_builds_headless_with_a_rendered_surface(playground):
    assert isinstance(playground.widget, ipywidgets.VBox)
    assert playground.image.value[:8] == PNG, "the decision surface must be rendered as PNG"
    assert (playground.epoch, playground.history["epoch"]) == (0, []), "a new playground starts at epoch 0"


def test_playground_training_on_squared_features_separates_the_circles(playground):
    playground.configure(dataset="circle", features=["x1^2", "x2^2"], hidden_layers=0, learning_rate=0.1)
    start = playground.train_loss
    before = playground.image.value
    playground.step(15)
    assert playground.epoch == 15 and playground.history["epoch"] == list(range(1, 16))
    assert len(playground.history["test_loss"]) == 15
    assert playground.train_loss < 0.5 * start, \
        f"x1^2 + x2^2 makes the circles linearly separable: loss {start:.3f} -> {playground.train_loss:.3f}"
    assert playground.image.value != before, "the picture must be redrawn after training"


def test_playground_architecture_follows_the_controls_and_a_change_resets(playground):
    playground.configure(dataset="xor", features=["x1", "x2", "x1*x2"], hidden_layers=3, neurons=[5, 3, 2],
                         batch_norm=True, dropout=0.2, activation="relu")
    playground.step(1)
    playground.neuron_sliders[0].value = 6              # as a user dragging the first layer's slider
    assert playground.epoch == 0, "changing the architecture must reset training"
    kinds = [type(m).__name__ for m in playground.model]
    counts = {k: kinds.count(k) for k in ("Linear", "BatchNorm1d", "Dropout")}
    assert counts == {"Linear": 4, "BatchNorm1d": 3, "Dropout": 3}, f"3 hidden layers, BN, dropout: {kinds}"
    shapes = [m.weight.data.shape for m in playground.model if type(m).__name__ == "Linear"]
    assert shapes == [(6, 3), (3, 6), (2, 3), (1, 2)], f"3 features -> 6 -> 3 -> 2 -> 1, got {shapes}"
    shown = [s.layout.display != "none" for s in playground.neuron_sliders]
    assert shown == [True] * 3 + [False] * 3, "only the sliders of existing layers are shown"


def test_playground_optimiser_and_learning_rate_change_without_reset(playground):
    playground.configure(dataset="gaussian", features=["x1", "x2"], hidden_layers=1, neurons=2)
    playground.step(2)
    playground.controls["optimizer"].value = "adam"
    playground.controls["learning_rate"].value = 0.01
    assert playground.epoch == 2, "the optimiser choice must not throw away training"
    assert isinstance(playground.optimizer, optim.Adam) and playground.optimizer.lr == 0.01


def test_playground_play_tick_and_buttons_drive_training(playground):
    playground.configure(dataset="spiral", hidden_layers=1, neurons=3)
    playground.play.value = playground.play.value + 1      # the browser's Play widget ticks
    assert playground.epoch == playground.epochs_per_tick
    playground.step_button.click()
    assert playground.epoch == playground.epochs_per_tick + 1
    playground.reset_button.click()
    assert playground.epoch == 0 and playground.history["train_loss"] == []


def test_playground_regression_uses_mse_and_reports_divergence():
    app = Playground(seed=1)
    app.configure(dataset="plane", hidden_layers=2, neurons=8, activation="relu", learning_rate=10.0)
    assert app.task == "regression" and type(app.loss).__name__ == "MSELoss"
    app.step(5)
    assert app.diverged and "diverged" in app.status.value, f"lr = 10 must diverge: {app.status.value}"
    epoch = app.epoch
    app.step(1)
    assert app.epoch == epoch, "a diverged run must not keep training"


@pytest.mark.parametrize("settings, match", [
    ({"neurons": 9}, r"neurons must be an integer in \[1, 8\], got 9"),
    ({"hidden_layers": 2, "neurons": [4, 4, 4]}, r"one width per hidden layer \(2\), got \[4, 4, 4\]"),
    ({"hidden_layers": -1}, r"hidden_layers must be an integer in \[0, 6\]"),
    ({"learning_rate": 0.5}, r"learning_rate must be one of"),
    ({"dataset": "moons"}, r"dataset must be one of .*'circle'"),
    ({"features": []}, r"features must be a non-empty subset"),
    ({"momentum": 0.9}, r"unknown setting 'momentum'"),
])
def test_playground_rejects_out_of_range_settings(playground, settings, match):
    with pytest.raises(ValueError, match=match):
        playground.configure(**settings)


def test_playground_with_batch_norm_and_batch_size_one_says_so_instead_of_counting_empty_epochs(playground):
    playground.configure(batch_norm=True, batch_size=1)
    playground.step(3)
    assert playground.epoch == 0, f"nothing can train, yet the epoch advanced to {playground.epoch}"
    assert "batch norm needs a batch size of at least 2" in playground.status.value, playground.status.value
    playground.configure(batch_size=2)
    playground.step(1)
    assert playground.epoch == 1, "with two rows per batch batch norm trains"


def test_playground_step_needs_a_positive_count(playground):
    with pytest.raises(ValueError, match="n must be a positive number of epochs"):
        playground.step(0)


# --------------------------------------------------------------------------- activation explorer
def test_explorer_parameters_go_to_the_activation():
    app = ActivationExplorer("relu")
    assert app.image.value[:8] == PNG
    assert app.saturated == [(-5.0, pytest.approx(0.0, abs=0.05))], f"relu is flat for x < 0: {app.saturated}"
    app.select("leaky_relu", negative_slope=0.2)
    assert app.activation.forward(np.array([-1.0]))[0] == pytest.approx(-0.2)
    assert set(app.sliders) >= {"negative_slope"} and app.saturated == [], "leaky relu never saturates"
    app.sliders["negative_slope"].value = 0.0               # dragging the slider to 0 gives relu back
    assert app.saturated and app.saturated[0][0] == -5.0


def test_explorer_threshold_and_range_change_the_marked_regions():
    app = ActivationExplorer("tanh", threshold=0.05)
    wide = app.saturated
    app.set_view(threshold=0.3)
    assert app.saturated[0][1] > wide[0][1], "a larger threshold marks more of the flat tails"
    app.set_view(x_range=(-1.0, 1.0))
    assert app.saturated == [], "tanh' > 0.3 on [-1, 1]"
    assert "none" in app.status.value


def test_explorer_rejects_bad_values():
    app = ActivationExplorer("elu")
    with pytest.raises(ValueError, match=r"elu\.alpha must be a number in \[0\.0, 3\.0\], got 7"):
        app.select("elu", alpha=7)
    with pytest.raises(ValueError, match="has no parameter 'slope'"):
        app.select("elu", slope=1.0)
    with pytest.raises(ValueError, match="name must be one of"):
        app.select("sigmoidal")


# --------------------------------------------------------------------------- optimiser race
def test_race_runs_enabled_optimisers_and_walks_frames():
    race = OptimizerRace("local_minima", steps=150, enabled=("sgd", "momentum"))
    assert set(race.trajectories) == {"sgd", "momentum"}
    assert race.ranking() == ["momentum", "sgd"], "momentum reaches the deeper minimum"
    before = race.image.value
    race.show_frame(0)
    assert race.frame == 0 and race.image.value != before, "showing step 0 must redraw"
    assert "step 0" in race.status.value
    race.set_optimizer("adam", enabled=True, lr=0.1)
    assert race.trajectories["adam"].points.shape == (151, 2)
    assert race.hyper("adam")["lr"] == 0.1 and race.image.value[:8] == PNG


def test_race_surface_choice_and_hyper_parameters():
    race = OptimizerRace("quadratic", steps=30, enabled=("sgd",))
    race.configure(condition_number=100.0)
    race.set_optimizer("sgd", lr=0.05)                      # above 2/100: must diverge on kappa = 100
    assert race.trajectories["sgd"].diverged and "diverged" in race.status.value
    race.set_optimizer("momentum", enabled=True, momentum=0.5, lr=0.001)
    assert race.hyper("momentum") == {"lr": 0.001, "momentum": 0.5}


def test_race_rejects_bad_values():
    race = OptimizerRace("saddle", steps=10, enabled=("sgd",))
    with pytest.raises(ValueError, match=r"adam\.lr must be a number in"):
        race.set_optimizer("adam", lr=5.0)
    with pytest.raises(ValueError, match="has no hyper-parameter 'momentum'"):
        race.set_optimizer("sgd", momentum=0.9)
    with pytest.raises(ValueError, match=r"frame must be an integer in \[0, 10\]"):
        race.show_frame(11)
    with pytest.raises(ValueError, match="surface must be one of"):
        race.configure(surface="himmelblau")


# --------------------------------------------------------------------------- backprop stepper
def test_stepper_walks_the_lecture_example_forward_then_backward():
    app = BackpropStepper("(x+y)*z")
    assert app.n_steps == 2 + 5 and app.phase == "start"
    assert app.shown()["q"] == (None, None) and app.shown()["x"] == (-2.0, None)
    app.next_button.click()
    assert app.current.label == "q" and app.shown()["q"] == (3.0, None) and app.shown()["f"] == (None, None)
    app.next()
    app.next()                                          # first backward step: the output's own gradient
    assert (app.phase, app.current.label, app.shown()["f"]) == ("backward", "f", (-12.0, 1.0))
    assert app.shown()["q"][1] is None, "q's gradient is not known before f's"
    app.goto(app.n_steps)
    assert app.phase == "done"
    want = {"x": (-2.0, -4.0), "y": (5.0, -4.0), "z": (-4.0, 3.0), "q": (3.0, -4.0), "f": (-12.0, 1.0)}
    assert app.shown() == want
    app.back_button.click()
    assert app.position == app.n_steps - 1


def test_stepper_explains_the_chain_rule_with_numbers():
    app = BackpropStepper("(x+y)*z")
    app.goto(1)
    assert app.explanation() == "forward: q = x + y = -2 + 5 = 3"
    app.goto(app.n_steps)                               # the last node done is an input, x or y, through q
    assert "= -4 · 1 = -4" in app.explanation(), app.explanation()


def test_stepper_inputs_and_custom_graphs():
    app = BackpropStepper("x**2*y + (y+2)")
    app.goto(app.n_steps)
    assert app.shown()["f"][0] == 6.0, "the lecture's dynamic-graph example gives 6 at x=1, y=2"
    app.set_inputs(x=3.0)
    assert app.position == 0 and app.root.data == 9 * 2 + 4
    a, b = Value(2.0, label="a"), Value(-1.0, label="b")
    custom = BackpropStepper(root=(a * b).tanh())
    custom.goto(custom.n_steps)
    assert custom.shown()["a"][1] == pytest.approx((1 - np.tanh(-2.0) ** 2) * -1.0)


def test_stepper_rejects_bad_values():
    with pytest.raises(ValueError, match=r"x must be a number in \[-10.0, 10.0\], got 50"):
        BackpropStepper("(x+y)*z", x=50)
    app = BackpropStepper("(x+y)*z")
    with pytest.raises(ValueError, match=r"position must be an integer in \[0, 7\]"):
        app.goto(8)
    with pytest.raises(ValueError, match="unknown input 'w'"):
        app.set_inputs(w=1.0)



def test_displaying_an_app_displays_its_top_level_box(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", shown.append)
    app = BackpropStepper("(x+y)*z")
    app._ipython_display_()                             # what display(app) calls in a notebook
    assert shown == [app.widget] and isinstance(app.widget, ipywidgets.VBox)


def test_stepper_names_a_constant_by_its_value_and_lists_only_real_inputs():
    app = BackpropStepper("x**2*y + (y+2)")
    assert app.explanation() == "inputs: x = 1, y = 2", f"got {app.explanation()!r}"
    assert "2" in app.shown(), f"the constant 2 should be named by its value, nodes are {sorted(app.shown())}"
