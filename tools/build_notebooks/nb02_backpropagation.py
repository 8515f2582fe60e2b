"""Lecture 2 — Backpropagation."""
# ruff: noqa: E501  (cell text: the lines are the notebook's lines; the notebooks' code is linted as .ipynb)
from ._common import claim, code, exercise, md

FILENAME = "02_backpropagation.ipynb"
TITLE = "2. Backpropagation"


def cells():
    return [
        md(r"""
        **Learning goals.** After this lecture you can

        * draw the computational graph of an expression and run the forward and backward passes on it by hand;
        * apply the chain rule node by node, and recognise the gate patterns (add, max, mul);
        * explain why gradients *add* where branches meet;
        * write the backward pass of a vectorised layer without forming its Jacobian;
        * check any gradient numerically, and measure vanishing and exploding gradients in a deep stack.
        """),
        code("""
        import numpy as np
        import matplotlib.pyplot as plt
        %matplotlib inline

        from course_lib import autograd, layers, losses, gradcheck, optim, plotting, widgets
        from course_lib.autograd import Value

        SEED = 0
        """),
        md(r"""
        ## 2.1 The computational graph

        Any formula is a composition of simple operations. Write $f(x, y, z) = (x + y)\,z$ as

        $$q = x + y, \qquad f = q\,z.$$

        Each operation is a node; its inputs are its children. The **forward pass** computes the values from
        the inputs to the output; the **backward pass** computes $\partial f/\partial(\text{node})$ from the
        output back to the inputs. Take $x = -2$, $y = 5$, $z = -4$.

        *Forward:* $q = -2 + 5 = 3$, $f = 3 \cdot (-4) = -12$.

        *Backward:* $\partial f/\partial f = 1$. Since $f = qz$: $\partial f/\partial z = q = 3$ and
        $\partial f/\partial q = z = -4$. Since $q = x + y$, $\partial q/\partial x = \partial q/\partial y = 1$,
        and the **chain rule** gives

        $$\frac{\partial f}{\partial x} = \frac{\partial f}{\partial q}\frac{\partial q}{\partial x} = -4,
          \qquad \frac{\partial f}{\partial y} = \frac{\partial f}{\partial q}\frac{\partial q}{\partial y} = -4.$$

        Now let the `Value` engine do the same.
        """),
        code("""
        x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
        q = x + y
        f = q * z
        q.label, f.label = "q", "f"
        f.backward()
        for v in (x, y, z, q, f):
            print(f"{v.label}: value {v.data:6.1f}   df/d{v.label} = {v.grad:5.1f}")
        """),
        md(f"""
        The engine agrees with the hand computation: $q = {claim("f_graph_q", "3")}$,
        $f = {claim("f_graph_f", "−12")}$, $\\partial f/\\partial z = {claim("f_graph_dz", "3")}$,
        $\\partial f/\\partial q = {claim("f_graph_dq", "−4")}$ and
        $\\partial f/\\partial x = \\partial f/\\partial y = {claim("f_graph_dx", "−4")}$.
        The drawing shows each node with its value and its gradient.
        """),
        code("""
        plotting.draw_graph(f)
        plt.show()
        """),
        md(r"""
        Notice that every gradient is a product of *local* derivatives along the path from $f$ to the node:
        a node never needs to know the whole formula, only its own operation and the gradient arriving from
        above. That is all backpropagation is.

        ## 2.2 Gate patterns

        Three operations cover most of what we will see, and each has a memorable backward rule.

        * **add distributes**: $a + b$ passes the upstream gradient unchanged to both inputs;
        * **max routes**: $\max(a, b)$ sends the whole gradient to the larger input and 0 to the other;
        * **mul switches**: $a \cdot b$ sends to $a$ the upstream gradient times $b$, and to $b$ times $a$.
        """),
        code("""
        gates = {"add": lambda a, b: a + b, "max": lambda a, b: a.max(b), "mul": lambda a, b: a * b}
        for name, gate in gates.items():
            a, b = Value(3.0, label="a"), Value(-1.0, label="b")
            gate(a, b).backward()          # upstream gradient 1
            print(f"{name}: da = {a.grad:5.1f}, db = {b.grad:5.1f}")
        """),
        md(r"""
        With $a = 3$, $b = -1$: add gives $(1, 1)$, max gives $(1, 0)$ because $a$ won, and mul gives
        $(b, a) = (-1, 3)$ — the inputs swap places.

        ## 2.3 Gradients add where branches meet

        When a value feeds two operations, its influence on the output travels along both paths, and the
        multivariable chain rule sums them:

        $$\frac{\partial f}{\partial a} = \sum_{\text{children } c} \frac{\partial f}{\partial c}\,\frac{\partial c}{\partial a}.$$

        That is why `Value.backward` *accumulates* (`+=`) into `.grad`. Take $f = a \cdot b + a$ with
        $a = 3$, $b = -1$: the paths give $b + 1 = 0$.
        """),
        code("""
        a, b = Value(3.0, label="a"), Value(-1.0, label="b")
        f2 = a * b + a
        f2.backward()
        print("df/da =", a.grad, " (b + 1 =", b.data + 1, ")   df/db =", b.grad, " (a =", a.data, ")")
        """),
        md(r"""
        ## 2.4 Vectorised gradients and the Jacobian

        A linear layer maps $x \in \mathbb R^n$ to $y = Wx + b \in \mathbb R^m$. Its Jacobian is the $m \times n$
        matrix $J_{ij} = \partial y_i/\partial x_j = W_{ij}$. Given the upstream gradient
        $g = \partial L/\partial y$, the chain rule gives

        $$\frac{\partial L}{\partial x} = J^\top g = W^\top g, \qquad
          \frac{\partial L}{\partial W} = g\,x^\top, \qquad \frac{\partial L}{\partial b} = g.$$

        For a batch stored as rows, $Y = XW^\top + b$, these become $\partial L/\partial X = G\,W$,
        $\partial L/\partial W = G^\top X$ and $\partial L/\partial b = \sum_{\text{rows}} G$. The Jacobian of an
        elementwise activation is *diagonal*, $\operatorname{diag}(\sigma'(x))$, so its backward is an elementwise
        product. We never build a Jacobian in code: for a batch of 64 inputs of width 1000 it would have
        $64 \cdot 1000 \times 64 \cdot 1000 = 4\cdot 10^9$ entries. Below we build it once, numerically, for
        a tiny layer to see that it equals $W$.
        """),
        code("""
        lin = layers.Linear(3, 2, rng=SEED)
        x0 = np.random.default_rng(SEED).normal(size=3)
        # Row i of the Jacobian is the gradient of output i: one numerical gradient per output.
        J = np.array([gradcheck.numerical_gradient(lambda v, i=i: lin(v[None, :])[0, i], x0.copy())
                      for i in range(2)])
        print("numerical Jacobian:\\n", J.round(6))
        print("W:\\n", lin.weight.data.round(6))

        g = np.array([[1.0, -2.0]])              # some upstream gradient
        lin.zero_grad()
        lin(x0[None, :])
        print("backward:", lin.backward(g).ravel().round(6), " J^T g:", (J.T @ g.ravel()).round(6))
        """),
        md(r"""
        Notice that the numerical Jacobian is $W$ to six digits, and `backward` returns $J^\top g$ without
        ever forming $J$.

        ## 2.5 Backpropagation through an MLP

        For a network $h_0 = x$, $z_l = h_{l-1}W_l^\top + b_l$, $h_l = \sigma(z_l)$, $l = 1..L$, and a loss $L$:

        1. **forward**: compute and *cache* every $z_l$ and $h_l$;
        2. start with $g = \partial L/\partial h_L$ from the loss;
        3. for $l = L, \dots, 1$: $\;g \leftarrow g \odot \sigma'(z_l)$ (activation),
           $\;\partial L/\partial W_l = g^\top h_{l-1}$, $\;\partial L/\partial b_l = \sum g$,
           $\;g \leftarrow g\,W_l$ (pass to the layer below).

        Each `Module` in `course_lib.layers` implements one step of this loop in its `backward`; `Sequential`
        calls them in reverse order. The numbers below compare every gradient with central differences.
        """),
        code("""
        rng = np.random.default_rng(SEED)
        mlp = layers.Sequential(layers.Linear(4, 5, rng=1), layers.Tanh(), layers.Linear(5, 3, rng=2))
        Xb, yb = rng.normal(size=(6, 4)), rng.integers(0, 3, size=6)
        loss = losses.SoftmaxCrossEntropyLoss()
        mlp.zero_grad()
        print("loss:", loss(mlp(Xb), yb))
        mlp.backward(loss.backward())
        for name, p in mlp.named_parameters():
            # numerical_gradient nudges p.data in place, one element at a time, and re-evaluates the loss
            num = gradcheck.numerical_gradient(lambda _: loss(mlp(Xb), yb), p.data)
            print(f"{name:>10}: relative error {gradcheck.relative_error(p.grad, num):.1e}")
        """),
        md(r"""
        All relative errors are around $10^{-9}$ or smaller: the analytic backward pass and the finite
        differences agree.

        ## 2.6 Static versus dynamic graphs

        There are two ways to get a graph. A **static** graph (TensorFlow 1, Theano) is declared once with
        placeholders and then *run* many times with different inputs. A **dynamic** graph (PyTorch, our `Value`)
        is recorded while ordinary Python code runs — "define by run" — so loops and `if`s simply change the
        graph from one input to the next. Take $g(x, y) = x^2 y + (y + 2)$ at $x = 1$, $y = 2$:
        $g = 1 \cdot 2 + 4 = 6$, $\partial g/\partial x = 2xy = 4$, $\partial g/\partial y = x^2 + 1 = 2$.
        """),
        code("""
        # Dynamic: the graph is whatever this Python code did.
        xv, yv = Value(1.0, label="x"), Value(2.0, label="y")
        g_dyn = xv**2 * yv + (yv + 2)
        g_dyn.backward()
        print("dynamic: g =", g_dyn.data, " dg/dx =", xv.grad, " dg/dy =", yv.grad)

        # Static: first declare the graph as a list of operations on named slots, then run it on inputs.
        static_graph = [("x2", "mul", "x", "x"), ("x2y", "mul", "x2", "y"), ("y2", "add_const", "y", 2.0),
                        ("g", "add", "x2y", "y2")]
        def run(graph, feed):
            env = dict(feed)
            for out, op, a, b in graph:
                if op == "mul":
                    env[out] = env[a] * env[b]
                elif op == "add":
                    env[out] = env[a] + env[b]
                else:                          # add_const: b is a number
                    env[out] = env[a] + b
            return env["g"]
        print("static:  g =", run(static_graph, {"x": 1.0, "y": 2.0}), " and at x=3, y=-1:",
              run(static_graph, {"x": 3.0, "y": -1.0}))
        """),
        md(f"""
        Both give $g = {claim("static_dynamic_g", "6")}$. The static graph can be inspected and optimised
        before it runs (fused, placed on devices); the dynamic one is easier to write and debug, and
        data-dependent control flow needs no special operators.

        ## 2.7 Gradient checking

        The derivative is a limit, so we can approximate it with the **central difference**

        $$\\frac{{\\partial f}}{{\\partial x_i}} \\approx \\frac{{f(x + \\varepsilon e_i) - f(x - \\varepsilon e_i)}}{{2\\varepsilon}},$$

        whose error is $O(\\varepsilon^2)$ (the one-sided difference has $O(\\varepsilon)$). Compare analytic and
        numerical gradients with the *relative* error $\\max|a - b| / \\max(|a| + |b|)$: around $10^{{-7}}$ or
        less is right, $10^{{-2}}$ or more is a bug. `gradcheck.check_module` does this for every parameter of
        a layer. Here is a correct layer, and one with a deliberate bug.
        """),
        code("""
        x_check = np.random.default_rng(1).normal(size=(2, 4))
        print("Linear:", gradcheck.check_module(layers.Linear(4, 3, rng=SEED), x_check, rng=SEED))

        class BuggyTanh(layers.Tanh):
            def backward(self, grad_out):
                return 2 * super().backward(grad_out)     # the bug: a factor of 2
        print("BuggyTanh:", gradcheck.check_module(BuggyTanh(), x_check, rng=SEED))
        """),
        md(r"""
        The correct layer gives errors near $10^{-10}$; the buggy one gives about $1/3$ — exactly
        $|2g - g| / (|2g| + |g|)$. A gradient check catches a wrong backward pass at once.

        ## 2.8 Vanishing and exploding gradients

        Backpropagation multiplies one factor per layer: $g_{l-1} = (g_l \odot \sigma'(z_l))\,W_l$. If the
        factors are mostly smaller than 1 the gradient shrinks geometrically with depth (**vanishing**); if
        larger, it grows (**exploding**). The sigmoid's derivative is at most $1/4$, so a deep sigmoid stack
        vanishes; a deep linear stack with weights that are too large explodes. We measure
        $\|\partial L/\partial h_l\|$ at every depth of a 30-layer stack.
        """),
        code("""
        def gradient_norms(act, init_scale, depth=30, width=64):
            rng = np.random.default_rng(SEED)
            mods = []
            for i in range(depth):
                lin = layers.Linear(width, width, init="normal", rng=i)
                lin.weight.data *= init_scale / np.std(lin.weight.data) / np.sqrt(width)
                mods += [lin] + ([layers.ActivationLayer(act)] if act else [])
            net = layers.Sequential(*mods)
            net(rng.normal(size=(32, width)))
            g, norms = np.ones((32, width)), []
            for m in reversed(list(net)):
                g = m.backward(g)
                if isinstance(m, layers.Linear):
                    norms.append(np.linalg.norm(g))
            return norms[::-1]          # index 0 = first layer

        fig, ax = plt.subplots(figsize=(6, 3.5))
        for label, act, scale in [("sigmoid, std 1/sqrt(n)", "sigmoid", 1.0), ("tanh, Xavier", "tanh", 1.0),
                                  ("linear, std 1.5/sqrt(n)", None, 1.5)]:
            ax.semilogy(range(1, 31), gradient_norms(act, scale), marker=".", label=label)
        ax.set(xlabel="layer (1 = input side)", ylabel="||dL/dh||", title="Gradient norm through a 30-layer stack")
        ax.legend()
        plt.show()
        """),
        md(r"""
        Notice the straight lines on the log scale: the norm changes by a *constant factor per layer*. Through
        sigmoids it falls by many orders of magnitude before it reaches the first layer, which therefore barely
        learns; through linear layers with weights 1.5 times too large it grows by about $1.5^{30}$. Good
        initialisation (Xavier for tanh, He for ReLU) keeps the factor near 1.

        ## 2.9 Gradient clipping

        Exploding gradients make one step jump far away. **Clipping by norm** caps the step length but keeps
        its direction: with all gradients stacked into $g$,

        $$\text{if } \|g\| > \theta: \quad g \leftarrow \frac{\theta}{\|g\|}\,g.$$
        """),
        code("""
        p = layers.Parameter(np.zeros(3), name="p")
        p.grad[...] = [30.0, -40.0, 0.0]                  # norm 50
        before = optim.clip_grad_norm([p], max_norm=5.0)
        print("norm before:", before, " gradient after:", p.grad, " norm after:", np.linalg.norm(p.grad))
        """),
        md(r"""
        The norm 50 became 5, and the gradient still points the same way ($3 : -4 : 0$).

        ## 2.10 The backprop stepper

        Step through the backward pass of $f = (x + y)\,z$ one node at a time; change the inputs and watch which
        gradients change.
        """),
        code("""
        widgets.BackpropStepper()
        """),
        *exercise(
            r"""For $f = (x + y)\,z$, what happens to $\partial f/\partial x$ if you double $z$? If you double $x$?""",
            r"""$\partial f/\partial x = z$: doubling $z$ doubles it, doubling $x$ leaves it unchanged (the add gate
            only distributes)."""),
        *exercise(
            r"""Compute by hand $\partial/\partial a$ of $f = \max(a, b) \cdot a$ at $a = 2$, $b = 1$, then check with `Value`.""",
            r"""$a$ reaches $f$ along two branches: through max (which routes to $a$ because $a > b$) and directly.
            $f = a^2$ here, so $\partial f/\partial a = a + a = 4$:
            `a, b = Value(2.0), Value(1.0); f = a.max(b) * a; f.backward(); a.grad` gives 4.0."""),
        *exercise(
            r"""Why is the relative error of the buggy layer exactly $1/3$?""",
            r"""The analytic gradient is $2g$, the numerical one $g$; $|2g - g| / (|2g| + |g|) = |g| / 3|g| = 1/3$."""),
        md(r"""
        ## Summary

        * A formula is a graph of simple operations; the forward pass computes values, the backward pass
          multiplies local derivatives from the output down (chain rule).
        * add distributes, max routes, mul switches; gradients from several branches add up.
        * For a layer, $\partial L/\partial x = W^\top g$: the Jacobian is used, never stored.
        * Static graphs are declared then run; dynamic graphs are recorded as the code runs.
        * Check every backward pass with central differences and the relative error.
        * Per-layer factors make gradients vanish or explode exponentially in depth; initialise with care and
          clip the norm.
        """),
    ]
