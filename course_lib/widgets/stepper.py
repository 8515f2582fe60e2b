r"""Backprop stepper: walk through a small computational graph node by node — forward, filling in the values,
then backward, filling in the gradients — with the current node highlighted and the step written out.

Backward, node :math:`v` receives :math:`\frac{\partial f}{\partial v} = \sum_{u \text{ uses } v}
\frac{\partial f}{\partial u}\,\frac{\partial u}{\partial v}` once every node that uses it is done, which is
why the nodes are visited in reverse topological order (lecture 2).

Programmatic use::

    app = BackpropStepper("(x+y)*z", x=-2, y=5, z=-4)
    app.next(); app.position, app.phase, app.current.label, app.shown()
    BackpropStepper(root=my_value)        # any graph built with autograd.Value
"""

from __future__ import annotations

import ipywidgets as W

from course_lib.autograd import Value, node_name, topological_order
from course_lib.plotting import draw_graph, graph_figsize
from course_lib.widgets.common import App, check_choice, check_range


def _labelled(v, label):
    v.label = label
    return v


def _lecture(x, y, z):
    return _labelled(_labelled(x + y, "q") * z, "f")


def _dynamic(x, y):
    return _labelled(_labelled(x**2, "a") * y + _labelled(y + 2, "b"), "f")


def _neuron(w0, x0, w1, x1, w2):
    s = _labelled(_labelled(w0 * x0, "w0x0") + _labelled(w1 * x1, "w1x1"), "s") + w2
    return _labelled(_labelled(s, "z").sigmoid(), "f")


# name -> (builder, default inputs): the lecture's worked examples
PRESETS = {
    "(x+y)*z": (_lecture, {"x": -2.0, "y": 5.0, "z": -4.0}),
    "x**2*y + (y+2)": (_dynamic, {"x": 1.0, "y": 2.0}),
    "sigmoid(w0*x0 + w1*x1 + w2)": (_neuron, {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}),
}
INPUT_RANGE = (-10.0, 10.0)


def _formula(v, show) -> str:
    """``x + y`` for infix operations, ``a**2`` for powers, ``tanh(a)`` otherwise (``show`` names inputs)."""
    args = [show(c) for c in v._prev]
    if v.op in ("+", "-", "*", "/", "**") and len(args) == 2:
        return f"{args[0]} {v.op} {args[1]}"
    if v.op.startswith("**"):
        return f"{args[0]}{v.op}"
    return f"{v.op}({', '.join(args)})"


class BackpropStepper(App):
    """Step through forward and backward passes of a preset (or given) graph."""

    def __init__(self, preset: str = "(x+y)*z", root: Value | None = None, lang: str | None = None, **inputs):
        super().__init__(figsize=(8, 4), lang=lang)
        check_choice("BackpropStepper", "preset", preset, list(PRESETS))
        self.preset = W.Dropdown(options=list(PRESETS), value=preset, description=self.text("stepper.graph"))
        self.inputs_box = W.HBox()
        self.sliders: dict[str, W.FloatSlider] = {}
        self.back_button = W.Button(description=self.text("stepper.back"))
        self.next_button = W.Button(description=self.text("stepper.next"))
        self.reset_button = W.Button(description=self.text("stepper.reset"))
        self.play = W.Play(value=0, min=0, max=1, interval=900, description=self.text("stepper.auto"))
        self.explain = W.HTML()
        self.back_button.on_click(lambda _: self.back())
        self.next_button.on_click(lambda _: self.next())
        self.reset_button.on_click(lambda _: self.goto(0))
        self.play.observe(lambda ch: self.goto(min(ch["new"], self.n_steps)), names="value")
        self.preset.observe(lambda _: self._make_sliders({}), names="value")
        controls = [self.back_button, self.next_button, self.reset_button, self.play]
        head = [] if root is not None else [W.HBox([self.preset, self.inputs_box])]
        self.widget = W.VBox([*head, W.HBox(controls), self.explain, self.status, self.image])
        if root is not None:
            if inputs:
                raise ValueError("BackpropStepper: give either root= or input values for a preset, not both")
            self._use_graph(root)
        else:
            self._make_sliders(inputs)

    # ------------------------------------------------------------------ graph
    def _make_sliders(self, inputs):
        defaults = PRESETS[self.preset.value][1]
        unknown = set(inputs) - set(defaults)
        if unknown:
            raise ValueError(
                f"BackpropStepper: preset {self.preset.value!r} has inputs {list(defaults)}, "
                f"got {sorted(unknown)}"
            )
        for k, v in inputs.items():
            check_range("BackpropStepper", k, v, *INPUT_RANGE)
        self.sliders = {
            k: W.FloatSlider(
                value=inputs.get(k, v),
                min=INPUT_RANGE[0],
                max=INPUT_RANGE[1],
                step=0.5,
                description=k,
                layout=W.Layout(width="220px"),
            )
            for k, v in defaults.items()
        }
        for s in self.sliders.values():
            s.observe(lambda _: self._rebuild(), names="value")
        self.inputs_box.children = tuple(self.sliders.values())
        self._rebuild()

    def set_inputs(self, **values):
        """Change input values (each within [-10, 10]); the walk restarts at step 0."""
        for k, v in values.items():
            if k not in self.sliders:
                raise ValueError(f"BackpropStepper: unknown input {k!r}; inputs are {list(self.sliders)}")
            check_range("BackpropStepper", k, v, *INPUT_RANGE)
        for k, v in values.items():
            self.sliders[k].value = v
        return self

    def _rebuild(self):
        builder, _ = PRESETS[self.preset.value]
        leaves = {k: Value(float(s.value), label=k) for k, s in self.sliders.items()}
        self._use_graph(builder(**leaves))

    def _use_graph(self, root):
        if not isinstance(root, Value):
            raise TypeError(f"BackpropStepper: root must be an autograd.Value, got {type(root).__name__}")
        for v in topological_order(root):
            v.grad = 0.0
        root.backward()
        self.root, self.nodes = root, topological_order(root)
        self.ops = [v for v in self.nodes if v._prev]
        self.leaves = [v for v in self.nodes if not v._prev]
        # forward: each operation once; backward: every node, the output first
        self.sequence = [("forward", v) for v in self.ops] + [("backward", v) for v in reversed(self.nodes)]
        self.play.max = self.n_steps
        self.goto(0)

    # ------------------------------------------------------------------ walking
    @property
    def n_steps(self) -> int:
        return len(self.sequence)

    def goto(self, position: int):
        self.position = check_range("BackpropStepper", "position", position, 0, self.n_steps, integer=True)
        self.render()
        return self

    def next(self):
        return self.goto(min(self.position + 1, self.n_steps))

    def back(self):
        return self.goto(max(self.position - 1, 0))

    @property
    def phase(self) -> str:
        if self.position == 0:
            return "start"
        return "done" if self.position == self.n_steps else self.sequence[self.position - 1][0]

    @property
    def current(self):
        return None if self.position == 0 else self.sequence[self.position - 1][1]

    def _shown_sets(self):
        done = self.sequence[: self.position]
        data = self.leaves + [v for phase, v in done if phase == "forward"]
        grad = [v for phase, v in done if phase == "backward"]
        return data, grad

    def shown(self) -> dict:
        """``{node name: (data or None, grad or None)}`` as currently displayed."""
        data, grad = (set(map(id, s)) for s in self._shown_sets())
        return {
            node_name(v): (v.data if id(v) in data else None, v.grad if id(v) in grad else None)
            for v in self.nodes
        }

    def explanation(self) -> str:
        """The current step in words and numbers."""
        v = self.current
        if v is None:
            # unlabelled leaves are constants of the expression, not inputs
            values = ", ".join(f"{node_name(x)} = {x.data:.4g}" for x in self.leaves if x.label)
            return self.text("stepper.inputs", values=values)
        if self.sequence[self.position - 1][0] == "forward":
            numbers = _formula(v, lambda c: f"{c.data:.4g}")
            return self.text("stepper.forward",
                             text=f"{node_name(v)} = {_formula(v, node_name)} = {numbers} = {v.data:.4g}")
        out = node_name(self.root)
        if v is self.root:
            return self.text("stepper.backward", text=f"∂{out}/∂{out} = 1")
        terms = [
            f"∂{out}/∂{node_name(u)} · ∂{node_name(u)}/∂{node_name(v)} = {u.grad:.4g} · {local:.4g}"
            for u in self.nodes
            for c, local in zip(u._prev, getattr(u, "_local", ()))
            if c is v
        ]
        return self.text("stepper.backward",
                         text=f"∂{out}/∂{node_name(v)} = " + " + ".join(terms) + f" = {v.grad:.4g}")

    def render(self):
        self.explain.value = self.explanation()
        self.status.value = self.text("stepper.status", position=self.position, total=self.n_steps,
                                      phase=self.text(f"phase.{self.phase}"))
        data, grad = self._shown_sets()

        def draw(fig):
            fig.set_size_inches(*graph_figsize(self.root))
            draw_graph(self.root, ax=fig.add_axes((0, 0, 1, 1)), show_data=data, show_grad=grad,
                       highlight=self.current, lang=self.lang)

        self._show(draw)
