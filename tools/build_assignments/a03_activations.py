"""Assignment 3 — Activations: six forward/backward pairs, PReLU, vanishing gradients, initialisation, dead ReLUs."""
from tools.build_assignments._cells import answer, code, md, rules, setup, tests, written
from tools.build_assignments.a03_prelu_init import init_cells, prelu_cells

ID = "03_activations"
TITLE = "Assignment 3 — Activation functions"
# course_lib modules not in the grading sandbox (autograder.forbidden): they implement what is graded
FORBIDDEN = ("course_lib.activations", "course_lib.layers")

# name: (formula and derivative in LaTeX, solution body of forward, solution body of backward, worked example)
ACTIVATIONS = {
    "sigmoid": (r"\sigma(x) = \frac{1}{1+e^{-x}}, \qquad \sigma'(x) = \sigma(x)\,(1-\sigma(x))",
                "return np.where(x >= 0, 1 / (1 + np.exp(-np.abs(x))), np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x))))",
                "s = sigmoid_forward(x)\nreturn grad_out * s * (1 - s)",
                "[0.11920292202211755, 0.5, 0.9525741268224334]"),
    "tanh": (r"\tanh(x) = \frac{e^x - e^{-x}}{e^x + e^{-x}}, \qquad \tanh'(x) = 1 - \tanh^2(x)",
             "return np.tanh(x)",
             "t = np.tanh(x)\nreturn grad_out * (1 - t * t)",
             "[-0.9640275800758169, 0.0, 0.9950547536867305]"),
    "relu": (r"\mathrm{ReLU}(x) = \max(0, x), \qquad \mathrm{ReLU}'(x) = [x > 0]\ \ (0 \text{ at } x = 0)",
             "return np.maximum(x, 0).astype(x.dtype)",
             "return grad_out * (x > 0)",
             "[0.0, 0.0, 3.0]"),
    "leaky_relu": (r"\mathrm{LReLU}(x) = \begin{cases}x & x > 0\\ 0.01\,x & x \le 0\end{cases}, \qquad "
                   r"\mathrm{LReLU}'(x) = \begin{cases}1 & x > 0\\ 0.01 & x \le 0\end{cases}",
                   "return np.where(x > 0, x, x * x.dtype.type(0.01))",
                   "return grad_out * np.where(x > 0, 1.0, 0.01).astype(x.dtype)",
                   "[-0.02, 0.0, 3.0]"),
    "elu": (r"\mathrm{ELU}(x) = \begin{cases}x & x > 0\\ e^{x} - 1 & x \le 0\end{cases}, \qquad "
            r"\mathrm{ELU}'(x) = \begin{cases}1 & x > 0\\ e^{x} & x \le 0\end{cases} \quad (\alpha = 1)",
            "return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))",
            "return grad_out * np.where(x > 0, 1, np.exp(np.minimum(x, 0))).astype(x.dtype)",
            "[-0.8646647167633873, 0.0, 3.0]"),
    "softplus": (r"\mathrm{softplus}(x) = \log(1 + e^{x}), \qquad \mathrm{softplus}'(x) = \sigma(x)",
                 "return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))",
                 "return grad_out * sigmoid_forward(x)",
                 "[0.1269280110429725, 0.6931471805599453, 3.0485873515737420]"),
}


def activation_cells(name: str, points: int = 2) -> list:
    """The answer cell and the test cell of one activation; every activation is tested the same way."""
    formula, fwd, bwd, example = ACTIVATIONS[name]
    indent = "\n" + " " * 4
    ans = answer(name, f"""
def {name}_forward(x):
    \"\"\"{name}(x), elementwise; x any shape and float dtype -> same shape and dtype.\"\"\"
    ### BEGIN SOLUTION
    {fwd.replace(chr(10), indent)}
    ### END SOLUTION


def {name}_backward(x, grad_out):
    \"\"\"grad_out * {name}'(x), elementwise; x and grad_out of one shape -> that shape.\"\"\"
    ### BEGIN SOLUTION
    {bwd.replace(chr(10), indent)}
    ### END SOLUTION
""")
    test = tests(f"test_{name}", points, visible=f"""
        x = np.array([-2.0, 0.0, 3.0])
        y = observe("{name}_forward([-2, 0, 3])", lambda: {name}_forward(x))
        dx = observe("{name}_backward shape", lambda: {name}_backward(x, np.ones(3)))
    """, checks=f"""
        assert_array(y, np.array({example}), shape=(3,), rtol=1e-6, what="{name}_forward at -2, 0 and 3")
        assert_array(dx, dx, shape=(3,), what="{name}_backward(x, ones) (same shape as x)")
        print("{name}: the worked example works")
    """, hidden=f"""
        rng = grading_rng("{name}")
        shape = (int(rng.integers(2, 6)), int(rng.integers(2, 6)))
        x = rng.normal(scale=3, size=shape)
        x.flat[0], x.flat[1], x.flat[2] = 0.0, 800.0, -800.0  # the kink and far out: stay finite and exact
        g = rng.normal(size=shape)
        y = observe("{name}_forward random", lambda: {name}_forward(x))
        dx = observe("{name}_backward random", lambda: {name}_backward(x, g))
        x32, g32 = x.astype(np.float32), g.astype(np.float32)
        y32 = observe("{name}_forward float32", lambda: {name}_forward(x32))
        dx32 = observe("{name}_backward float32", lambda: {name}_backward(x32, g32))
    """, hidden_checks=f"""
        from course_lib.activations import get_activation
        ref = get_activation("{name}")
        assert_array(y, ref.forward(x), shape=shape, dtype="float64", rtol=1e-9, atol=1e-12,
                     what="{name}_forward on random inputs (incl. 0, ±800)")
        assert_array(dx, ref.backward(x, g), shape=shape, dtype="float64", rtol=1e-9, atol=1e-12,
                     what="{name}_backward on random inputs")
        assert_array(y32, ref.forward(x32), shape=shape, dtype="float32", rtol=1e-5, atol=1e-6,
                     what="{name}_forward keeps float32")
        assert_array(dx32, ref.backward(x32, g32), shape=shape, dtype="float32", rtol=1e-5, atol=1e-6,
                     what="{name}_backward keeps float32")
        own_code("{name}_forward")
        own_code("{name}_backward")
    """)
    return [md(rf"### `{name}`  ({points} points)" + "\n\n$$" + formula + "$$"), ans, test]


def cells():
    out = [
        rules(ID, allowed="numpy (`np`): `np.exp`, `np.log1p`, `np.expm1`, `np.tanh`, `np.where`, …",
              forbidden="`course_lib.activations` and `course_lib.layers` (they implement what is graded), "
                        "scipy.special and PyTorch."),
        setup("import numpy as np"),
        md(r"""
            ## 1. Six activations and their derivatives (12 points)

            For each activation write `<name>_forward(x)` and `<name>_backward(x, grad_out)`; the backward
            returns `grad_out * f'(x)` (the chain rule at one node). Both work elementwise on arrays of any
            shape and **keep the dtype**: float32 in, float32 out. They must stay finite and accurate for
            inputs as large as $|x| = 800$ (hint: `np.exp(800)` overflows; rewrite the formula so that `exp`
            only ever sees non-positive numbers). At a kink ($x = 0$) use the right-hand rule stated in the
            formula.
        """),
    ]
    for name in ACTIVATIONS:
        out += activation_cells(name)
    out += prelu_cells(2)
    out += [
        md(r"""
            ## 3. Vanishing gradients through a sigmoid stack (3 points)

            A stack of $L$ sigmoid layers without biases: $h_0 = x$, $h_l = \sigma(h_{l-1} W_l)$ for
            $l = 1..L$, with `x (batch, n)` and each `W_l (n, n)`. Take the loss $\mathcal L = \sum h_L$ (the sum
            of all outputs) and backpropagate. Write `sigmoid_stack_gradient_norms(x, weights)` returning a float64
            array of shape `(L,)` whose entry `l` is the Frobenius norm $\lVert\partial\mathcal L/\partial
            W_{l+1}\rVert$ (first layer first). You may call your `sigmoid_forward`.

            Going back through one layer multiplies the gradient by $\sigma'(z) \le 1/4$ and by $W^\top$:
            with small weights the first layers learn much more slowly than the last.
        """),
        answer("vanishing", """
            def sigmoid_stack_gradient_norms(x, weights):
                \"\"\"||dL/dW_l|| for L = sum(h_L), h_l = sigmoid(h_{l-1} W_l); returns (len(weights),) float64.\"\"\"
                ### BEGIN SOLUTION
                hs = [np.asarray(x, dtype=np.float64)]
                for W in weights:
                    hs.append(sigmoid_forward(hs[-1] @ W))
                grad_h = np.ones_like(hs[-1])
                norms = np.zeros(len(weights))
                for l in range(len(weights) - 1, -1, -1):
                    grad_z = grad_h * hs[l + 1] * (1 - hs[l + 1])
                    norms[l] = np.linalg.norm(hs[l].T @ grad_z)
                    grad_h = grad_z @ weights[l].T
                return norms
                ### END SOLUTION
        """),
        tests("test_vanishing", 3, visible="""
            rng = np.random.default_rng(0)
            x = rng.normal(size=(8, 5))
            weights = [rng.normal(scale=0.5, size=(5, 5)) for _ in range(6)]
            norms = observe("sigmoid_stack_gradient_norms, 6 layers", lambda: sigmoid_stack_gradient_norms(x, weights))
        """, checks="""
            assert_array(norms, norms, shape=(6,), what="one gradient norm per layer")
            assert_true(float(norms[0]) < float(norms[-1]),
                        f"the first layer's gradient is smaller than the last's (got {norms})")
            print("sigmoid_stack_gradient_norms: shape and trend work")
        """, hidden="""
            rng = grading_rng("vanishing")
            depth, n, batch = int(rng.integers(4, 9)), int(rng.integers(3, 7)), int(rng.integers(3, 9))
            x = rng.normal(size=(batch, n))
            weights = [rng.normal(scale=float(rng.uniform(0.3, 1.5)), size=(n, n)) for _ in range(depth)]
            got = observe("sigmoid_stack_gradient_norms random", lambda: sigmoid_stack_gradient_norms(x, weights))
        """, hidden_checks="""
            from course_lib.layers import Linear, Sequential, Sigmoid
            linears = [Linear(n, n, bias=False) for _ in weights]
            for layer, W in zip(linears, weights):
                layer.weight.data[...] = W.T  # h @ W == Linear with weight W^T
            net = Sequential(*[m for layer in linears for m in (layer, Sigmoid())])
            net.backward(np.ones_like(net.forward(x)))
            expected = np.array([np.linalg.norm(layer.weight.grad) for layer in linears])
            assert_array(got, expected, shape=(depth,), dtype="float64", rtol=1e-8,
                         what=f"gradient norms of a random {depth}-layer sigmoid stack")
            own_code("sigmoid_stack_gradient_norms")
        """),
        *init_cells(4),
        md(r"""
            ## 5. Dead ReLUs (2 points)

            A hidden ReLU unit $j$ with pre-activation $z_{ij} = (XW + b)_{ij}$ is *dead* on a data set when
            $z_{ij} \le 0$ for **every** sample $i$: it outputs 0 everywhere and receives no gradient, so it never
            recovers. Write `dead_relu_fraction(X, W, b)` for `X (batch, n_in)`, `W (n_in, n_units)`,
            `b (n_units,)`, returning the fraction of dead units as a Python float.
        """),
        answer("dead_relu", """
            def dead_relu_fraction(X, W, b):
                \"\"\"Fraction of units j with (X W + b)_{ij} <= 0 for every sample i, as a float.\"\"\"
                ### BEGIN SOLUTION
                z = X @ W + b
                return float(np.mean(np.all(z <= 0, axis=0)))
                ### END SOLUTION
        """),
        tests("test_dead_relu", 2, visible="""
            X = np.array([[1.0, 0.0], [0.0, 1.0]])
            W = np.array([[1.0, -1.0], [1.0, -1.0]])
            got = observe("dead_relu_fraction, 2 units", lambda: dead_relu_fraction(X, W, np.zeros(2)))
        """, checks="""
            assert_scalar(got, 0.5, what="the second of two units is dead")
            print("dead_relu_fraction: the small example works")
        """, hidden="""
            rng = grading_rng("dead_relu")
            batch, n_in, units = int(rng.integers(20, 60)), int(rng.integers(3, 8)), int(rng.integers(20, 60))
            X = rng.normal(size=(batch, n_in))
            W = rng.normal(size=(n_in, units))
            b = rng.normal(loc=-2.5, scale=1.5, size=units)  # a large negative bias: as after a bad update
            got = observe("dead_relu_fraction random", lambda: dead_relu_fraction(X, W, b))
        """, hidden_checks="""
            z = X @ W + b
            expected = float(np.mean(np.all(z <= 0, axis=0)))
            assert_true(isinstance(got, float), f"a Python float (got {type(got).__name__})")
            assert_scalar(got, expected, rtol=1e-12, what="the fraction of units dead on every sample")
            own_code("dead_relu_fraction")
        """),
        written("activations_written", 2, question=r"""
            ## 6. In your own words (2 points, graded by hand)

            Run the cell below. Explain in three to five sentences why the gradient norm shrinks towards the
            first layers of a sigmoid stack, and name two remedies from the lecture.
        """, model_answer=r"""
            Backpropagating through one sigmoid layer multiplies the gradient by $\sigma'(z) \le 1/4$
            (elementwise) and by $W^\top$; unless the weights are large, each layer shrinks the gradient by a
            constant factor, so it decays geometrically with depth and saturated units ($\sigma' \approx 0$)
            make it worse. Remedies: non-saturating activations such as ReLU (derivative 1 where active), an
            initialisation that keeps the variance of activations and gradients constant (Xavier/He), batch
            normalisation, and residual connections.
        """),
        code("""
            rng = np.random.default_rng(0)
            x = rng.normal(size=(64, 20))
            weights = [rng.normal(scale=1 / np.sqrt(20), size=(20, 20)) for _ in range(10)]
            for layer, norm in enumerate(sigmoid_stack_gradient_norms(x, weights), start=1):
                print(f"layer {layer:2d}: ||dL/dW|| = {norm:.2e}")
        """),
    ]
    return out
