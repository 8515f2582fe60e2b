"""Assignment 3, the learned slope and the initialisation experiment: PReLU with ∂/∂α, activation std per layer."""
from tools.build_assignments._cells import answer, code, md, tests

INITS = ("naive", "xavier", "he")


def prelu_cells(number: int) -> list:
    """PReLU's forward pass is given; the student derives both derivatives and checks them numerically."""
    return [
        md(rf"""
            ## {number}. PReLU: a slope that is learned (4 points)

            PReLU (He et al., 2015) is Leaky ReLU whose negative slope is a **parameter** trained with the
            weights. Here the input is a batch `x (batch, features)` and there is **one slope per feature**,
            `alpha (features,)` (PyTorch's `PReLU(num_parameters=features)`); the slope of feature $j$ is
            shared by every sample of the batch:

            $$\mathrm{{PReLU}}(x)_{{ij}} = \max(0, x_{{ij}}) + \alpha_j \min(0, x_{{ij}}).$$

            Write `prelu_forward(x, alpha)` and `prelu_backward(x, alpha, grad_out)`, which returns the pair
            `(dx, dalpha)`: $\partial\mathcal L/\partial x$ of shape `(batch, features)` and
            $\partial\mathcal L/\partial\alpha$ of shape `(features,)`, given `grad_out` $=\partial\mathcal L/
            \partial\,\mathrm{{PReLU}}(x)$. **Derive both derivatives yourself** (the chain rule at one node, as in
            part 1). Two things to get right: each $\alpha_j$ is used by every sample, so its gradient collects
            a contribution from every sample of the batch; and at the kink $x = 0$ use the rule of part 1's
            Leaky ReLU (the negative side, slope $\alpha_j$, for $x \le 0$). α may be negative. Work in float64.

            The cell after the answer compares your `dx` and `dalpha` with central differences; make its
            errors small before you run the visible test (which checks only the forward pass, `dx` away from
            the kink and the shapes).
        """),
        answer("prelu", """
            def prelu_forward(x, alpha):
                \"\"\"max(0, x) + alpha * min(0, x); x (batch, features), alpha (features,) -> (batch, features).\"\"\"
                ### BEGIN SOLUTION
                return np.maximum(x, 0) + alpha * np.minimum(x, 0)
                ### END SOLUTION


            def prelu_backward(x, alpha, grad_out):
                \"\"\"(dL/dx (batch, features), dL/dalpha (features,)) from grad_out = dL/dPReLU(x).\"\"\"
                ### BEGIN SOLUTION
                dx = grad_out * np.where(x > 0, 1.0, alpha)
                dalpha = np.sum(grad_out * np.minimum(x, 0), axis=0)
                return dx, dalpha
                ### END SOLUTION
        """),
        code("""
            # Your own check: central differences of L = sum(grad_out * PReLU(x)) in every input and every slope.
            check_rng = np.random.default_rng(3)
            x_c, a_c, g_c = check_rng.normal(size=(5, 4)), check_rng.normal(size=4), check_rng.normal(size=(5, 4))
            dx_c, da_c = prelu_backward(x_c, a_c, g_c)
            h = 1e-6
            num_dx, num_da = np.zeros_like(x_c), np.zeros_like(a_c)
            for index in np.ndindex(x_c.shape):
                step = np.zeros_like(x_c)
                step[index] = h
                change = prelu_forward(x_c + step, a_c) - prelu_forward(x_c - step, a_c)
                num_dx[index] = np.sum(g_c * change) / (2 * h)
            for j in range(len(a_c)):
                step = np.zeros_like(a_c)
                step[j] = h
                change = prelu_forward(x_c, a_c + step) - prelu_forward(x_c, a_c - step)
                num_da[j] = np.sum(g_c * change) / (2 * h)
            print("max |dx - numerical|     =", np.max(np.abs(dx_c - num_dx)))
            print("max |dalpha - numerical| =", np.max(np.abs(np.asarray(da_c) - num_da)))
        """),
        tests("test_prelu", 4, visible="""
            x = np.array([[-2.0, 1.0, -0.5], [3.0, -1.0, 2.0]])
            alpha = np.array([0.25, -0.5, 0.1])
            y = observe("prelu_forward, 2 samples", lambda: prelu_forward(x, alpha))
            dx, dalpha = observe("prelu_backward(x, alpha, ones)", lambda: prelu_backward(x, alpha, np.ones((2, 3))))
        """, checks="""
            assert_array(y, np.array([[-0.5, 1.0, -0.05], [3.0, 0.5, 2.0]]), shape=(2, 3), what="prelu_forward")
            assert_array(dx, np.array([[0.25, 1.0, 0.1], [1.0, -0.5, 1.0]]), shape=(2, 3),
                         what="dx with grad_out = 1: the slope of each entry")
            assert_array(dalpha, dalpha, shape=(3,), what="dalpha: one entry per feature")
            print("prelu: the forward pass, dx and the shapes work")
        """, hidden="""
            rng = grading_rng("prelu")
            batch, features = int(rng.integers(3, 8)), int(rng.integers(2, 6))
            x = rng.normal(scale=2, size=(batch, features))
            x[0, :] = 0.0  # the kink, in every feature
            x[1, 0], x[2, 0] = -4.0, 4.0  # a negative input and a positive one in feature 0
            alpha = rng.uniform(-1.0, 1.0, size=features)
            alpha[0] = -0.75  # a negative slope
            g = rng.normal(size=(batch, features))
            y = observe("prelu_forward random", lambda: prelu_forward(x, alpha))
            dx, dalpha = observe("prelu_backward random", lambda: prelu_backward(x, alpha, g))
        """, hidden_checks="""
            negative = x <= 0
            assert_array(y, np.where(negative, alpha * x, x), shape=(batch, features), dtype="float64", rtol=1e-12,
                         what="prelu_forward on random inputs (incl. zeros, negative alpha)")
            assert_array(dx, g * np.where(negative, alpha, 1.0), shape=(batch, features), dtype="float64",
                         rtol=1e-12, what="dL/dx on random inputs (slope alpha at x = 0)")
            assert_array(dalpha, np.sum(g * np.where(negative, x, 0.0), axis=0), shape=(features,),
                         dtype="float64", rtol=1e-10, atol=1e-12,
                         what=f"dL/dalpha: one slope per feature, summed over the batch of {batch}")
            own_code("prelu_forward")
            own_code("prelu_backward")
        """),
    ]


def init_cells(number: int) -> list:
    """Activation std per layer under three initialisations: the draws are fixed so the grader can replay them."""
    return [
        md(rf"""
            ## {number}. Initialisation, measured layer by layer (4 points)

            Lecture 3 derives the scale of the initial weights from $\operatorname{{Var}}(y) = n_\text{{in}}
            \sigma_w^2\,\mathbb E[x^2]$. Measure it. Write `layer_stds(widths, activation, init, batch, seed)`
            for a stack of `len(widths) - 1` layers without biases, layer $l$ mapping `widths[l]` inputs to
            `widths[l + 1]` outputs, `activation` in `"tanh"`, `"relu"` and `init` in `"naive"`, `"xavier"`,
            `"he"`. Return a float64 array of shape `(len(widths) - 1,)` whose entry $l$ is the standard deviation
            (`np.std`, over the whole batch and all units) of layer $l$'s output $h_{{l+1}}$.

            The grader replays your random numbers, so draw them **exactly** like this, from one generator:

            1. `rng = np.random.default_rng(seed)`;
            2. the input $h_0$ = `rng.standard_normal((batch, widths[0]))`;
            3. then for each layer in order, with $n_\text{{in}}$ = `widths[l]`, $n_\text{{out}}$ = `widths[l + 1]`:
               `W = rng.standard_normal((n_out, n_in)) * std` (the course's convention, `W` is `(out, in)`) and
               $h_{{l+1}} = f(h_l W^\top)$, where `std` is
               * naive: $0.01$ (the lecture's $N(0, 0.01^2)$),
               * Xavier: $\sqrt{{2/(n_\text{{in}} + n_\text{{out}})}}$,
               * He: $\sqrt{{2/n_\text{{in}}}}$.

            Use numpy's `np.tanh` and `np.maximum` here (or your own functions from part 1).
        """),
        answer("layer_stds", """
            def layer_stds(widths, activation, init, batch, seed):
                \"\"\"Std per layer of a bias-free stack at initialisation: (len(widths) - 1,) float64.\"\"\"
                ### BEGIN SOLUTION
                act = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0)}[activation]
                gen = np.random.default_rng(seed)
                h = gen.standard_normal((batch, widths[0]))
                stds = []
                for n_in, n_out in zip(widths[:-1], widths[1:]):
                    std = {"naive": 0.01, "xavier": np.sqrt(2 / (n_in + n_out)), "he": np.sqrt(2 / n_in)}[init]
                    W = std * gen.standard_normal((n_out, n_in))
                    h = act(h @ W.T)
                    stds.append(h.std())
                return np.array(stds, dtype=np.float64)
                ### END SOLUTION
        """),
        tests("test_layer_stds", 4, visible="""
            relu_he = observe("layer_stds, 10 ReLU layers, He", lambda: layer_stds([100] * 11, "relu", "he", 200, 0))
            tanh_naive = observe("layer_stds, 10 tanh layers, naive",
                                 lambda: layer_stds([100] * 11, "tanh", "naive", 200, 0))
        """, checks="""
            assert_array(relu_he, relu_he, shape=(10,), dtype="float64", what="one std per layer")
            assert_true(0.3 < float(relu_he[-1]) < 3,
                        f"He keeps a ReLU stack's std of order 1 (got {relu_he[-1]:.3g} after 10 layers)")
            assert_true(float(tanh_naive[-1]) < 1e-6,
                        f"std 0.01 kills the signal within a few layers (got {tanh_naive[-1]:.3g} after 10 layers)")
            print("layer_stds: shapes and trends work")
        """, hidden="""
            rng = grading_rng("layer_stds")
            depth, batch, seed = int(rng.integers(4, 9)), int(rng.integers(30, 80)), int(rng.integers(0, 2**31))
            widths = [int(w) for w in rng.integers(20, 90, size=depth + 1)]
            runs = [(act, init) for act in ("tanh", "relu") for init in ("naive", "xavier", "he")]
            got = [observe(f"layer_stds {act} {init}", lambda act=act, init=init: layer_stds(widths, act, init,
                                                                                             batch, seed))
                   for act, init in runs]
        """, hidden_checks="""
            for (act, init), stds in zip(runs, got):
                gen = np.random.default_rng(seed)
                h, expected = gen.standard_normal((batch, widths[0])), []
                for n_in, n_out in zip(widths[:-1], widths[1:]):
                    scale = {"naive": 0.01, "xavier": (2 / (n_in + n_out)) ** 0.5, "he": (2 / n_in) ** 0.5}[init]
                    z = h @ (gen.standard_normal((n_out, n_in)) * scale).T
                    h = np.tanh(z) if act == "tanh" else np.maximum(z, 0)
                    expected.append(h.std())
                assert_array(stds, np.array(expected), shape=(depth,), dtype="float64", rtol=1e-9,
                             what=f"std per layer, {act} with {init} initialisation, widths {widths}")
            own_code("layer_stds")
        """),
        code("""
            # The lecture's experiment: 20 layers of width 256, a batch of 512.
            for act, init in [("tanh", "naive"), ("tanh", "xavier"), ("relu", "xavier"), ("relu", "he")]:
                stds = layer_stds([256] * 21, act, init, 512, 0)
                print(f"{act:4s} {init:6s}  std after layer 1: {stds[0]:.3f}   after layer 20: {stds[-1]:.2e}")
        """),
        md("""
            The cell above repeats lecture 3's experiment with your function: small weights kill the signal
            within a few layers, Xavier keeps a tanh stack alive, and after 20 ReLU layers Xavier has shrunk
            the std to about $10^{-3}$ (it halves the variance at every layer) while He keeps it of order 1.
            The lecture, with other random draws, measured 7.8e-04 and 0.80; your numbers differ in the digits,
            not in the picture.
        """),
    ]
