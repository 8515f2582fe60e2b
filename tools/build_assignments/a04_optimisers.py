"""Assignment 4 — Optimisers: six update rules, three learning-rate schedules, a race on the landscapes, and
the student's optimisers training their own layers on the digits (with a learning-rate sweep and clipping)."""
from tools.build_assignments._cells import answer, code, md, rules, setup, tests, written
from tools.build_assignments.a04_digits import clipping_cells, layer_cells, training_cells
from tools.build_assignments.a04_divergence import rescue_cells, sweep_cells

ID = "04_optimisers"
TITLE = "Assignment 4 — Optimisers"
# course_lib modules not in the grading sandbox (autograder.forbidden): they implement what is graded
FORBIDDEN = ("course_lib.optim", "course_lib.schedules", "course_lib.layers", "course_lib.losses",
             "course_lib.training")

# name: (update rule in LaTeX, signature defaults, solution body, random hyper-parameters for the hidden test,
#        the course_lib optimiser that serves as reference)
OPTIMISERS = {
    "sgd": (r"w \leftarrow w - \alpha g",
            "lr=0.01",
            "return w - lr * g",
            '{"lr": float(rng.uniform(0.01, 0.5))}',
            'optim.SGD([p], lr=hyper["lr"])'),
    "momentum": (r"v \leftarrow \mu v + g, \qquad w \leftarrow w - \alpha v",
                 "lr=0.01, momentum=0.9",
                 'v = momentum * state.get("v", np.zeros_like(w)) + g\nstate["v"] = v\nreturn w - lr * v',
                 '{"lr": float(rng.uniform(0.01, 0.5)), "momentum": float(rng.uniform(0.5, 0.95))}',
                 'optim.SGD([p], lr=hyper["lr"], momentum=hyper["momentum"])'),
    "nesterov": (r"v \leftarrow \mu v + g, \qquad w \leftarrow w - \alpha\,(g + \mu v)",
                 "lr=0.01, momentum=0.9",
                 'v = momentum * state.get("v", np.zeros_like(w)) + g\nstate["v"] = v\n'
                 'return w - lr * (g + momentum * v)',
                 '{"lr": float(rng.uniform(0.01, 0.5)), "momentum": float(rng.uniform(0.5, 0.95))}',
                 'optim.SGD([p], lr=hyper["lr"], momentum=hyper["momentum"], nesterov=True)'),
    "adagrad": (r"G \leftarrow G + g\odot g, \qquad w \leftarrow w - \alpha\,\frac{g}{\sqrt{G} + \varepsilon}",
                "lr=0.01, eps=1e-10",
                'G = state.get("G", np.zeros_like(w)) + g * g\nstate["G"] = G\n'
                'return w - lr * g / (np.sqrt(G) + eps)',
                '{"lr": float(rng.uniform(0.01, 0.5))}',
                'optim.AdaGrad([p], lr=hyper["lr"])'),
    "rmsprop": (r"s \leftarrow \rho s + (1-\rho)\, g\odot g, \qquad "
                r"w \leftarrow w - \alpha\,\frac{g}{\sqrt{s} + \varepsilon}",
                "lr=0.01, alpha=0.99, eps=1e-8",
                's = alpha * state.get("s", np.zeros_like(w)) + (1 - alpha) * g * g\nstate["s"] = s\n'
                'return w - lr * g / (np.sqrt(s) + eps)',
                '{"lr": float(rng.uniform(0.001, 0.1)), "alpha": float(rng.uniform(0.8, 0.999))}',
                'optim.RMSProp([p], lr=hyper["lr"], alpha=hyper["alpha"])'),
    "adam": (r"m \leftarrow \beta_1 m + (1-\beta_1) g,\quad v \leftarrow \beta_2 v + (1-\beta_2)\, g\odot g,"
             r"\quad \hat m = \frac{m}{1-\beta_1^t},\quad \hat v = \frac{v}{1-\beta_2^t},\quad"
             r" w \leftarrow w - \alpha\,\frac{\hat m}{\sqrt{\hat v} + \varepsilon}",
             "lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8",
             't = state.get("t", 0) + 1\n'
             'm = beta1 * state.get("m", np.zeros_like(w)) + (1 - beta1) * g\n'
             'v = beta2 * state.get("v", np.zeros_like(w)) + (1 - beta2) * g * g\n'
             'state.update(t=t, m=m, v=v)\n'
             'm_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)\n'
             'return w - lr * m_hat / (np.sqrt(v_hat) + eps)',
             '{"lr": float(rng.uniform(0.001, 0.1)), "beta1": float(rng.uniform(0.8, 0.95)), '
             '"beta2": float(rng.uniform(0.99, 0.9999))}',
             'optim.Adam([p], lr=hyper["lr"], betas=(hyper["beta1"], hyper["beta2"]))'),
}


def optimiser_cells(name: str, points: int = 2) -> list:
    """Answer and test cell of one update rule; all six are tested the same way against course_lib.optim."""
    rule, defaults, body, hyper, reference = OPTIMISERS[name]
    body = body.replace("\n", "\n    ")
    ans = answer(f"{name}_step", f"""
def {name}_step(w, g, state, {defaults}):
    \"\"\"One {name} step: returns the new weights (w's shape); keeps its buffers in the dict `state`.\"\"\"
    ### BEGIN SOLUTION
    {body}
    ### END SOLUTION
""")
    test = tests(f"test_{name}_step", points, visible=f"""
        w0, g = np.array([1.0, -2.0, 3.0]), np.array([0.5, -1.0, 2.0])
        w1 = observe("{name}_step, one step", lambda: {name}_step(w0.copy(), g, {{}}))
    """, checks=f"""
        assert_array(w1, w1, shape=(3,), what="{name}_step's new weights")
        assert_true(bool(np.all(np.sign(w0 - w1) == np.sign(g))),
                    f"one step moves every weight against its gradient (w0={{w0}}, g={{g}}, new w={{w1}})")
        print("{name}_step: shape and direction work")
    """, hidden=f"""
        rng = grading_rng("{name}_step")
        d, T = int(rng.integers(2, 6)), int(rng.integers(5, 10))
        w0 = rng.normal(size=d)
        grads = rng.normal(size=(T, d)) * 10.0 ** rng.uniform(-6, 1, size=(T, d))  # from tiny to large
        hyper = {hyper}

        def run(step):
            state, w, out = {{}}, w0.copy(), []
            for g in grads:
                w = step(w, g.copy(), state, **hyper)
                out.append(w.copy() if isinstance(w, np.ndarray) else w)
            return out

        got = observe(f"{name}_step, {{T}} steps", lambda: run({name}_step))
    """, hidden_checks=f"""
        from course_lib import optim
        from course_lib.layers import Parameter
        p = Parameter(w0.copy())
        opt = {reference}
        assert_true(isinstance(got, list) and len(got) == T, f"{{T}} steps were recorded")
        for t, g in enumerate(grads):
            p.grad[...] = g
            opt.step()
            assert_array(got[t], p.data, shape=(d,), dtype="float64", rtol=1e-9, atol=1e-15,
                         what=f"w after step {{t + 1}} of {name} with {{hyper}}")
        own_code("{name}_step")
    """)
    return [md(rf"### `{name}_step`  ({points} points)" + "\n\n$$" + rule + "$$"), ans, test]


def cells():
    out = [
        rules(ID, allowed="numpy (`np`) and `math`; `course_lib.landscapes` for the test surfaces and "
                          "`course_lib.datasets` for the digits.",
              forbidden="`course_lib.optim`, `course_lib.schedules`, `course_lib.layers`, `course_lib.losses` and "
                        "`course_lib.training` (they implement what is graded), and PyTorch."),
        setup("import math\n\nimport numpy as np\nfrom course_lib import landscapes"),
        md(r"""
            ## 1. Six update rules (12 points)

            Each optimiser is one function `<name>_step(w, g, state, **hyper)`: `w` and the gradient `g` are
            float64 arrays of one shape; `state` is a dict the caller creates empty (`{}`) and passes to every
            step, so your function keeps its buffers (velocity, accumulated squares, moments, the step count
            $t$) in it. Return the **new** weights as a new array of `w`'s shape and dtype. Buffers start at
            zero; Adam's step count starts at $t = 1$ on the first call. Use the formulas exactly as written
            (they are PyTorch's): $\varepsilon$ goes *outside* the square root, and Adam corrects the bias of
            both moments.
        """),
    ]
    for name in OPTIMISERS:
        out += optimiser_cells(name)
    out += [
        md(r"""
            ## 2. Learning-rate schedules (3 points)

            The learning rate for epoch $t = 0, 1, 2, \dots$ (the first epoch is $t = 0$ and uses $\alpha_0$):

            * step decay: $\alpha_t = \alpha_0\,\gamma^{\lfloor t/s\rfloor}$ (multiply by $\gamma$ every $s$ epochs),
            * exponential: $\alpha_t = \alpha_0\,e^{-kt}$,
            * 1/t decay: $\alpha_t = \alpha_0/(1 + kt)$.

            Each function returns a Python float.
        """),
        answer("schedules", """
            def step_decay(lr0, t, step_size, gamma=0.1):
                \"\"\"lr0 * gamma ** floor(t / step_size).\"\"\"
                ### BEGIN SOLUTION
                return float(lr0 * gamma ** (t // step_size))
                ### END SOLUTION


            def exponential_decay(lr0, t, k):
                \"\"\"lr0 * exp(-k t).\"\"\"
                ### BEGIN SOLUTION
                return float(lr0 * math.exp(-k * t))
                ### END SOLUTION


            def inverse_time_decay(lr0, t, k):
                \"\"\"lr0 / (1 + k t).\"\"\"
                ### BEGIN SOLUTION
                return float(lr0 / (1 + k * t))
                ### END SOLUTION
        """),
        tests("test_schedules", 3, visible="""
            first = {name: observe(f"{name} at t=0", fn)
                     for name, fn in [("step_decay", lambda: step_decay(0.1, 0, 10, 0.5)),
                                      ("exponential_decay", lambda: exponential_decay(0.1, 0, 0.3)),
                                      ("inverse_time_decay", lambda: inverse_time_decay(0.1, 0, 0.3))]}
            tenth = observe("step_decay at t=10", lambda: step_decay(0.1, 10, 10, 0.5))
        """, checks="""
            for name, value in first.items():
                assert_scalar(value, 0.1, what=f"{name}: the first epoch uses lr0")
            assert_scalar(tenth, 0.05, what="step_decay(0.1, t=10, step_size=10, gamma=0.5)")
            print("schedules: the first epochs work")
        """, hidden="""
            rng = grading_rng("schedules")
            lr0, s = float(rng.uniform(0.01, 1)), int(rng.integers(2, 6))
            gamma, k = float(rng.uniform(0.1, 0.9)), float(rng.uniform(0.01, 0.5))
            ts = list(range(3 * s + 2))
            cases = [("step_decay", lambda t: step_decay(lr0, t, s, gamma), (s, gamma)),
                     ("exponential_decay", lambda t: exponential_decay(lr0, t, k), (k,)),
                     ("inverse_time_decay", lambda t: inverse_time_decay(lr0, t, k), (k,))]
            curves = [observe(f"{name} for t = 0..{ts[-1]}", lambda fn=fn: [fn(t) for t in ts])
                      for name, fn, _ in cases]
        """, hidden_checks="""
            from course_lib import schedules
            for (name, _, args), got in zip(cases, curves):
                ref = getattr(schedules, name)
                for t, value in zip(ts, got):
                    assert_true(isinstance(value, float), f"{name}(t={t}) is a float (got {type(value).__name__})")
                    assert_scalar(value, ref(lr0, t, *args), rtol=1e-12,
                                  what=f"{name}(lr0={lr0:.3f}, t={t}, *{args}) at epoch t={t}")
            for name in ("step_decay", "exponential_decay", "inverse_time_decay"):
                own_code(name)
        """),
        md(r"""
            ## 3. The race on the landscapes (3 points)

            Write `run_optimiser(step, grad_fn, w0, n_steps, **hyper)`: start at `w0` with an empty state,
            call `w = step(w, grad_fn(w), state, **hyper)` `n_steps` times, and return the trajectory as a
            float64 array of shape `(n_steps + 1, d)` whose first row is `w0`. `course_lib.landscapes` gives the
            surfaces: `surface.gradient(w)` is the gradient, `surface(w)` the value, `surface.start` a
            start point.
        """),
        answer("run_optimiser", """
            def run_optimiser(step, grad_fn, w0, n_steps, **hyper):
                \"\"\"Trajectory (n_steps + 1, d) of `step` from w0 on the gradient field grad_fn.\"\"\"
                ### BEGIN SOLUTION
                w, state = np.array(w0, dtype=np.float64), {}
                path = [w]
                for _ in range(n_steps):
                    g = grad_fn(w)
                    w = step(w, g, state, **hyper)
                    path.append(w)
                return np.array(path)
                ### END SOLUTION
        """),
        tests("test_run_optimiser", 3, visible="""
            surface = landscapes.ill_conditioned_quadratic(10.0)

            def plain_step(w, g, state, lr):
                return w - lr * g

            start = np.array([-4.0, 1.5])
            path = observe("run_optimiser, 5 plain steps",
                           lambda: run_optimiser(plain_step, surface.gradient, start, 5, lr=0.05))
        """, checks="""
            assert_array(path, path, shape=(6, 2), what="the trajectory: the start and one row per step")
            assert_array(path[0], start, what="the first row is the start point")
            print("run_optimiser: shape and start work")
        """, hidden="""
            rng = grading_rng("run_optimiser")
            surface = landscapes.rosenbrock()
            start, n, lr = rng.uniform(-1.5, 1.5, size=2), int(rng.integers(5, 15)), float(rng.uniform(1e-4, 1e-3))

            def decaying_step(w, g, state, lr):
                # a step that needs the state to persist: the step size shrinks as 1/(number of steps)
                state["n"] = state.get("n", 0) + 1
                return w - lr * g / state["n"]

            got = observe("run_optimiser on rosenbrock",
                          lambda: run_optimiser(decaying_step, surface.gradient, start.copy(), n, lr=lr))
        """, hidden_checks="""
            expected, w = [start], start.copy()
            for i in range(n):
                w = w - lr * surface.gradient(w) / (i + 1)
                expected.append(w)
            assert_array(got, np.array(expected), shape=(n + 1, 2), dtype="float64", rtol=1e-10,
                         what=f"the trajectory of {n} steps (one state dict for the whole run)")
            own_code("run_optimiser")
        """),
        code("""
            # The race: every optimiser from the same start, on two surfaces.
            # learning rates (quadratic, Rosenbrock): Rosenbrock's valley walls are steep, plain steps must be small
            runs = {"sgd": (0.05, 1e-3), "momentum": (0.01, 5e-4), "nesterov": (0.01, 5e-4),
                    "adagrad": (0.5, 0.5), "rmsprop": (0.05, 0.05), "adam": (0.1, 0.1)}
            steps = {"sgd": sgd_step, "momentum": momentum_step, "nesterov": nesterov_step,
                     "adagrad": adagrad_step, "rmsprop": rmsprop_step, "adam": adam_step}
            for k, surface in enumerate((landscapes.ill_conditioned_quadratic(20.0), landscapes.rosenbrock())):
                print(surface.name)
                for name, lrs in runs.items():
                    lr = lrs[k]
                    path = run_optimiser(steps[name], surface.gradient, np.array(surface.start), 300, lr=lr)
                    print(f"  {name:9s} lr={lr:<7.4g} value after 300 steps: {surface(path[-1]):.3e}")
        """),
        *layer_cells(4),
        *clipping_cells(5),
        *training_cells(6),
        *sweep_cells(7),
        *rescue_cells(8),
        written("optimisers_written", 2, question=r"""
            ## 9. In your own words (2 points, graded by hand)

            From the race above: which optimisers do best on the ill-conditioned quadratic and on Rosenbrock's
            valley, and why? Explain in three to five sentences, using momentum and per-weight step sizes.
        """, model_answer=r"""
            Plain SGD must keep $\alpha < 2/\kappa$ to stay stable along the steep direction, so it crawls along
            the flat one. Momentum and Nesterov accumulate the consistent gradient along the valley floor while
            the oscillating component across it cancels, so they travel much further per step (Nesterov, which
            looks ahead, overshoots less). AdaGrad, RMSProp and Adam divide each weight's step by the size of its
            recent gradients, which equalises the two directions of the quadratic; AdaGrad's steps keep
            shrinking, while RMSProp and Adam forget old gradients and keep moving through Rosenbrock's curved
            valley.
        """),
    ]
    return out
