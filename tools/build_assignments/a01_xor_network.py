"""Assignment 1, tasks 6-8: derivatives path by path, the gradient-step quiz, and a 2-2-1 network that learns XOR.

Lecture 2 (section 2.6, after source lecture 004) differentiates a small sigmoid network by hand, path by path;
the student does it on fresh weights (task 6), answers the source's quiz (task 7), then derives every gradient
of a 2-2-1 sigmoid network and trains it on XOR by their own gradient descent (task 8). The thresholds are the
weights of a constant input -1, as in lecture 2, section 2.7.
"""
import textwrap

from tools.build_assignments._cells import answer, code, md, tests


def cells():
    return [*_path_derivatives(), *_quiz(), *_xor_network()]


def _path_derivatives():
    return [
        md(r"""
            ## 6. Derivatives path by path (3 points)

            The network of lecture 2, section 2.6 (source lecture 004): two inputs, two hidden layers of two
            sigmoid units, one linear output,
            $$z_j = f(w_{1j}x_1 + w_{2j}x_2), \qquad h_k = f(v_{1k}z_1 + v_{2k}z_2), \qquad
              a(x) = p_{11}h_1 + p_{21}h_2,$$
            with $f(t) = \sigma(t) = 1/(1 + e^{-t})$: $w_{ij}$ joins input $x_i$ to $z_j$, $v_{jk}$ joins $z_j$ to
            $h_k$, and $p_{k1}$ joins $h_k$ to the output.

            Write `path_derivatives(x, w, v, p)` that returns the three numbers
            $\left(\dfrac{\partial a}{\partial p_{11}}, \dfrac{\partial a}{\partial v_{11}},
            \dfrac{\partial a}{\partial w_{11}}\right)$ as a tuple of floats, from the formulas you derive by the
            chain rule (mind every path from $w_{11}$ to $a$). Arrays, counted from 0: `x` has shape `(2,)`;
            `w[i-1, j-1]` $= w_{ij}$ and `v[j-1, k-1]` $= v_{jk}$ have shape `(2, 2)`; `p[k-1]` $= p_{k1}$ has shape
            `(2,)`. The `sigmoid` helper below is yours to use. Lecture 2 evaluates the three derivatives at one
            point: use it to check yourself, then trust your formulas on any weights (the hidden tests draw new
            ones).
        """),
        code("""
            def sigmoid(t):
                \"\"\"The logistic function 1 / (1 + exp(-t)), elementwise.\"\"\"
                return 1 / (1 + np.exp(-t))
        """),
        answer("path_derivatives", """
            def path_derivatives(x, w, v, p):
                \"\"\"(da/dp11, da/dv11, da/dw11) of a = p11 h1 + p21 h2, h_k = f(sum_j v_jk z_j), z_j = f(x @ w).\"\"\"
                ### BEGIN SOLUTION
                x, w, v, p = (np.asarray(t, dtype=np.float64) for t in (x, w, v, p))
                z = sigmoid(x @ w)                 # z_j = f(r_j), r_j = w_1j x_1 + w_2j x_2
                h = sigmoid(z @ v)                 # h_k = f(s_k)
                slope_s, slope_r = h * (1 - h), z * (1 - z)   # f'(s_k), f'(r_j)
                da_dp11 = h[0]
                da_dv11 = p[0] * slope_s[0] * z[0]
                # w11 moves z1, and z1 feeds both h1 and h2: the two paths add
                da_dw11 = (p[0] * slope_s[0] * v[0, 0] + p[1] * slope_s[1] * v[0, 1]) * slope_r[0] * x[0]
                return float(da_dp11), float(da_dv11), float(da_dw11)
                ### END SOLUTION
        """),
        tests("test_path_derivatives", 3, visible="""
            x = np.array([1.0, -1.0])
            w = np.array([[0.5, -0.3], [0.2, 0.8]])
            v = np.array([[0.4, -0.6], [0.7, 0.1]])
            p = np.array([1.5, -0.5])
            got = observe("path_derivatives at lecture 2's point", lambda: path_derivatives(x, w, v, p))
        """, checks="""
            assert_true(type(got) in (tuple, list) and len(got) == 3,
                        "path_derivatives returns three numbers (da/dp11, da/dv11, da/dw11)")
            assert_scalar(got[0], 0.5998, atol=5e-5, what="da/dp11 = h1 at lecture 2's point")
            print("path_derivatives: three numbers, and da/dp11 is h1; check the other two against lecture 2")
        """, hidden="""
            rng = grading_rng("path_derivatives")
            points = []
            for k in range(4):
                x, p = rng.normal(size=2) * 2, rng.normal(size=2)
                w, v = rng.normal(size=(2, 2)), rng.normal(size=(2, 2))
                got = observe(f"path_derivatives #{k}", lambda x=x, w=w, v=v, p=p: path_derivatives(x, w, v, p))
                points.append((x, w, v, p, got))
        """, hidden_checks="""
            # the verifier's reference: the scalar autograd engine of lecture 2 on the same graph
            from course_lib.autograd import Value
            for x, w, v, p, got in points:
                W = [[Value(t) for t in row] for row in w]
                V = [[Value(t) for t in row] for row in v]
                P = [Value(t) for t in p]
                Z = [(W[0][j] * x[0] + W[1][j] * x[1]).sigmoid() for j in range(2)]
                H = [(V[0][k] * Z[0] + V[1][k] * Z[1]).sigmoid() for k in range(2)]
                (P[0] * H[0] + P[1] * H[1]).backward()
                assert_true(type(got) in (tuple, list) and len(got) == 3, "path_derivatives returns three numbers")
                for name, value, ref in zip(("da/dp11", "da/dv11", "da/dw11"), got, (P[0].grad, V[0][0].grad,
                                                                                     W[0][0].grad)):
                    assert_scalar(value, ref, rtol=1e-9, atol=1e-12, what=f"{name} on new weights and inputs")
            own_code("path_derivatives")
        """),
    ]


def _quiz():
    return [
        *_choice("gradient_step_choice", r"""
            ## 7. Two questions (2 points)

            **7.1** (a quiz of source lecture 004). Which of these is the step of gradient descent on a loss
            $Q(w)$, with step size $\eta$?
        """, [r"w^t = w^{t-1} - \eta\,\nabla Q(w^t)", r"w^t = w^{t-1} + \eta\,\nabla Q(w^t)",
              r"w^t = w^{t-1} - \eta\,\nabla Q(w^{t-1})", r"w^t = w^{t-1} + \eta\,\nabla Q(w^0)"],
            key="C", what="the gradient-descent step",
            why="minus the gradient, taken where we stand; A is an implicit step, B and D climb"),
        *_choice("dp11_choice", r"""
            **7.2** In the network of task 6 (sigmoid $f$), the value of which weight has **no** influence on
            $\partial a/\partial p_{11}$?
        """, ["v_{12}", "w_{22}", "v_{21}", "w_{11}"], key="A", what="the weight that does not change da/dp11",
            why="da/dp11 = h1 = f(v11 z1 + v21 z2): every w reaches it through z1 or z2; v12 only feeds h2"),
    ]


def _choice(name: str, question: str, options: list[str], key: str, what: str, why: str):
    """A four-option question: its text, an answer cell that sets ``name`` to a letter, and a 1-point quiz cell
    (grade id ``test_quiz_*``): the visible part checks the format, the hidden part the ``key``. A quiz cell draws
    no inputs and owns no function (tests/assignments: the protocol's quiz exemption)."""
    listed = "\n".join(f"* **{letter}** $\\;{option}$" for letter, option in zip("ABCD", options, strict=True))
    rule = (f'Set `{name}` to one capital letter, `"A"`, `"B"`, `"C"` or `"D"`. The visible test only checks that '
            "it is one of these; the hidden test knows the answer.")
    gid = name.removesuffix("_choice")
    return [
        md(f"{textwrap.dedent(question).strip()}\n\n{listed}\n\n{rule}"),
        answer(f"quiz_{gid}", f"""
            ### BEGIN SOLUTION
            {name} = "{key}"
            ### END SOLUTION
        """),
        tests(f"test_quiz_{gid}", 1, visible=f"""
            choice = observe("{name}", lambda: {name})
        """, checks=f"""
            assert_true(type(choice) is str and choice in ("A", "B", "C", "D"), '{name} is one of "A", "B", "C", "D"')
            print("{name}: a letter; the hidden test grades it")
        """, hidden=f"""
            graded = observe("{name} (graded)", lambda: {name})
        """, hidden_checks=f"""
            # {why}
            assert_equal(graded, "{key}", what="{what}")
        """),
    ]


def _xor_network():
    return [
        md(r"""
            ## 8. A 2-2-1 sigmoid network learns XOR (8 points)

            In task 4 you chose the weights of an XOR network yourself. Now a network finds its own by gradient
            descent: two inputs, a hidden layer of two sigmoid units $z_1, z_2$, one sigmoid output $a$. As in
            lecture 2 (section 2.7) each threshold is the weight of a constant input $-1$:
            $$r_j = w_{1j}x_1 + w_{2j}x_2 - w_{0j}, \quad z_j = \sigma(r_j), \qquad
              s = p_1z_1 + p_2z_2 - p_0, \quad a = \sigma(s).$$
            **Layout.** `w` is a float array of shape `(3, 2)`: `w[0, j-1]` $= w_{0j}$ is the threshold of $z_j$
            and `w[i, j-1]` $= w_{ij}$ ($i = 1, 2$) joins $x_i$ to $z_j$. `p` has shape `(3,)`: `p[0]` $= p_0$ is
            the output's threshold and `p[k]` $= p_k$ joins $z_k$ to $a$. For a batch `X` of shape `(N, 2)`:
            `z = sigmoid(X @ w[1:] - w[0])` of shape `(N, 2)` and `a = sigmoid(z @ p[1:] - p[0])` of shape `(N,)`.

            **Loss.** Half the mean squared error over the batch, with targets $y_i \in \{0, 1\}$:
            $$L = \frac{1}{2N}\sum_{i=1}^{N}(a_i - y_i)^2.$$

            * `xor_net_forward(X, w, p)` returns `(z, a)`.
            * `xor_net_gradients(X, y, w, p)` returns `(L, dw, dp)`: the loss as a float, and
              $\partial L/\partial w$ and $\partial L/\partial p$ in the layouts of `w` and `p` (thresholds in row 0
              and entry 0). Derive them yourself, from the output down: $\sigma'(t) = \sigma(t)(1 - \sigma(t))$,
              and a threshold's input is $-1$. Then check every entry against central differences,
              $(L(\theta + \varepsilon e) - L(\theta - \varepsilon e))/2\varepsilon$ with $\varepsilon = 10^{-6}$,
              before you go on: the visible test checks only the loss and the shapes.
            * `train_xor_net(X, y, w, p, lr, epochs)` runs full-batch gradient descent from **copies** of `w` and
              `p` (the caller's arrays must not change): `epochs` times, compute `(L, dw, dp)` at the current
              parameters, record `L`, then step $w \leftarrow w - \eta\,\partial L/\partial w$ and
              $p \leftarrow p - \eta\,\partial L/\partial p$ with $\eta$ = `lr`. Return `(w, p, losses)` with
              `losses` a float array of shape `(epochs,)`: `losses[t]` is the loss *before* step `t + 1`.

            The hidden tests compare your forward pass and gradients with the grader's on random parameters, and
            replay your training step by step from random starts, so follow the recipe exactly. From the start in
            the visible test the network learns XOR. Two hidden units are just enough for XOR, and from some other
            starts training stalls on a plateau or in a local minimum that gets only some of the four inputs
            right: try starts of your own (`np.random.default_rng(seed).normal(size=(3, 2))`) and see.
        """),
        answer("xor_net_forward", """
            def xor_net_forward(X, w, p):
                \"\"\"2-2-1 sigmoid network: z = sigma(X w[1:] - w[0]) (N, 2), a = sigma(z p[1:] - p[0]) (N,).\"\"\"
                ### BEGIN SOLUTION
                X = np.asarray(X, dtype=np.float64)
                z = sigmoid(X @ w[1:] - w[0])     # the thresholds' input is -1
                a = sigmoid(z @ p[1:] - p[0])     # (N, 2) @ (2,) -> (N,)
                return z, a
                ### END SOLUTION
        """),
        tests("test_xor_net_forward", 2, visible="""
            X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
            w = np.array([[0.0, 0.0], [2.0, -1.0], [-1.0, 3.0]])  # thresholds 0 here
            p = np.array([0.0, 1.5, -2.0])
            got = observe("xor_net_forward on the four XOR inputs", lambda: xor_net_forward(X, w, p))
        """, checks="""
            assert_true(type(got) in (tuple, list) and len(got) == 2, "xor_net_forward returns (z, a)")
            z_expected = 1 / (1 + np.exp(-(X @ w[1:])))
            assert_array(got[0], z_expected, shape=(4, 2), dtype="float64", what="z on the XOR inputs")
            assert_array(got[1], 1 / (1 + np.exp(-(z_expected @ p[1:]))), shape=(4,), dtype="float64",
                         what="a on the XOR inputs")
            print("xor_net_forward: right with zero thresholds")
        """, hidden="""
            rng = grading_rng("xor_net_forward")
            X = rng.normal(size=(9, 2)) * 2
            w, p = rng.normal(size=(3, 2)) * 2, rng.normal(size=3) * 2
            got = observe("xor_net_forward(random)", lambda: xor_net_forward(X, w, p))
        """, hidden_checks="""
            assert_true(type(got) in (tuple, list) and len(got) == 2, "xor_net_forward returns (z, a)")
            r = X @ w[1:] - w[0]
            z_ref = np.exp(-np.logaddexp(0, -r))  # sigma(r), written another way
            assert_array(got[0], z_ref, shape=(9, 2), dtype="float64", rtol=1e-10, what="z with random thresholds")
            assert_array(got[1], np.exp(-np.logaddexp(0, p[0] - z_ref @ p[1:])), shape=(9,), dtype="float64",
                         rtol=1e-10, what="a with random thresholds")
            own_code("xor_net_forward")
        """),
        answer("xor_net_gradients", """
            def xor_net_gradients(X, y, w, p):
                \"\"\"L = mean((a - y)^2) / 2 and its gradients dL/dw (3, 2), dL/dp (3,); thresholds first.\"\"\"
                ### BEGIN SOLUTION
                X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
                z, a = xor_net_forward(X, w, p)
                n = len(y)
                loss = float(np.sum((a - y) ** 2) / (2 * n))
                ds = (a - y) * a * (1 - a) / n             # dL/ds_i: the output's error times sigma'(s_i)
                dp = np.concatenate([[-ds.sum()], z.T @ ds])     # the threshold's input is -1
                dr = np.outer(ds, p[1:]) * z * (1 - z)     # dL/dr_ij: back through p_j, then sigma'(r_ij)
                dw = np.vstack([-dr.sum(axis=0), X.T @ dr])
                return loss, dw, dp
                ### END SOLUTION
        """),
        tests("test_xor_net_gradients", 3, visible="""
            X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
            y = np.array([0.0, 1.0, 1.0, 0.0])
            w = np.array([[0.5, -0.5], [2.0, -1.0], [-1.0, 3.0]])
            p = np.array([0.2, 1.5, -2.0])
            got = observe("xor_net_gradients on XOR", lambda: xor_net_gradients(X, y, w, p))
        """, checks="""
            assert_true(type(got) in (tuple, list) and len(got) == 3, "xor_net_gradients returns (L, dw, dp)")
            a_expected = 1 / (1 + np.exp(-(1 / (1 + np.exp(-(X @ w[1:] - w[0]))) @ p[1:] - p[0])))
            assert_scalar(got[0], float(np.mean((a_expected - y) ** 2) / 2), rtol=1e-10, what="the loss L")
            assert_array(got[1], got[1], shape=(3, 2), dtype="float64", what="dL/dw")
            assert_array(got[2], got[2], shape=(3,), dtype="float64", what="dL/dp")
            print("xor_net_gradients: the loss and the shapes are right; the values are yours to check numerically")
        """, hidden="""
            rng = grading_rng("xor_net_gradients")
            cases = []
            for k in range(3):
                n = int(rng.integers(1, 9))
                X, y = rng.normal(size=(n, 2)) * 2, rng.integers(0, 2, size=n).astype(float)
                w, p = rng.normal(size=(3, 2)) * 1.5, rng.normal(size=3) * 1.5
                got = observe(f"xor_net_gradients #{k}", lambda X=X, y=y, w=w, p=p: xor_net_gradients(X, y, w, p))
                cases.append((X, y, w, p, got))
        """, hidden_checks="""
            # the verifier's reference: course_lib's layers, whose thresholds are biases b = -w0
            from course_lib import layers, losses
            for X, y, w, p, got in cases:
                first, second = layers.Linear(2, 2), layers.Linear(2, 1)
                first.weight.data[...], first.bias.data[...] = w[1:].T, -w[0]
                second.weight.data[...], second.bias.data[...] = p[1:][None, :], -p[0]
                net, mse = layers.Sequential(first, layers.Sigmoid(), second, layers.Sigmoid()), losses.MSELoss()
                ref_loss = mse(net(X), y) / 2
                net.zero_grad()
                net.backward(mse.backward() / 2)
                assert_true(type(got) in (tuple, list) and len(got) == 3, "xor_net_gradients returns (L, dw, dp)")
                what = f"on {len(y)} random inputs and random parameters"
                assert_scalar(got[0], ref_loss, rtol=1e-9, what=f"L {what}")
                assert_array(got[1], np.vstack([-first.bias.grad, first.weight.grad.T]), shape=(3, 2),
                             dtype="float64", rtol=1e-7, atol=1e-12, what=f"dL/dw {what}")
                assert_array(got[2], np.concatenate([-second.bias.grad, second.weight.grad[0]]), shape=(3,),
                             dtype="float64", rtol=1e-7, atol=1e-12, what=f"dL/dp {what}")
            own_code("xor_net_gradients")
        """),
        answer("train_xor_net", """
            def train_xor_net(X, y, w, p, lr, epochs):
                \"\"\"Full-batch gradient descent from copies of w, p -> (w, p, losses (epochs,)).\"\"\"
                ### BEGIN SOLUTION
                w, p = np.array(w, dtype=np.float64), np.array(p, dtype=np.float64)   # copies
                losses = np.empty(epochs)
                for t in range(epochs):
                    losses[t], dw, dp = xor_net_gradients(X, y, w, p)
                    w -= lr * dw                    # in place: these are the copies
                    p -= lr * dp
                return w, p, losses
                ### END SOLUTION
        """),
        tests("test_train_xor_net", 3, visible="""
            X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
            y = np.array([0.0, 1.0, 1.0, 0.0])
            w_start = np.array([[0.3, 0.8], [0.3, -1.3], [0.9, 0.4]])
            p_start = np.array([-0.5, 0.6, 0.4])
            trained = observe("train_xor_net from the start above, lr 5, 1000 steps",
                              lambda: train_xor_net(X, y, w_start, p_start, 5.0, 1000))
        """, checks="""
            assert_true(type(trained) in (tuple, list) and len(trained) == 3, "train_xor_net returns (w, p, losses)")
            w, p, losses = trained
            assert_array(losses, losses, shape=(1000,), dtype="float64", what="the losses, one per step")
            assert_true(bool(losses[-1] < losses[0] / 10),
                        f"training lowers the loss tenfold (from {losses[0]:.4f}; got {losses[-1]:.4f})")
            a = 1 / (1 + np.exp(-(1 / (1 + np.exp(-(X @ w[1:] - w[0]))) @ p[1:] - p[0])))
            assert_array((a > 0.5).astype(np.int64), np.array([0, 1, 1, 0]), what="[a > 1/2] on the XOR inputs")
            print("train_xor_net: the trained network computes XOR")
        """, hidden="""
            rng = grading_rng("train_xor_net")
            runs = [(X, y, w_start, p_start, 5.0, 1000, trained, None)]
            for k in range(2):
                Xk = X if k == 0 else rng.normal(size=(6, 2))
                yk = y if k == 0 else rng.integers(0, 2, size=6).astype(float)
                w0, p0 = rng.normal(size=(3, 2)), rng.normal(size=3)
                lr, epochs = float(rng.uniform(0.5, 5.0)), int(rng.integers(50, 300))
                w_in, p_in = w0.copy(), p0.copy()
                got = observe(f"train_xor_net #{k}", lambda Xk=Xk, yk=yk, w_in=w_in, p_in=p_in, lr=lr, epochs=epochs:
                              train_xor_net(Xk, yk, w_in, p_in, lr, epochs))
                after = observe(f"the arrays given to train_xor_net #{k}, after it", lambda w_in=w_in, p_in=p_in:
                                (w_in, p_in))
                runs.append((Xk, yk, w0, p0, lr, epochs, got, after))
        """, hidden_checks="""
            # the verifier replays gradient descent with course_lib's layers and SGD from the same start
            from course_lib import layers, losses, optim
            for k, (Xk, yk, w0, p0, lr, epochs, got, after) in enumerate(runs):
                hidden, out = layers.Linear(2, 2), layers.Linear(2, 1)
                hidden.weight.data[...], hidden.bias.data[...] = w0[1:].T, -w0[0]
                out.weight.data[...], out.bias.data[...] = p0[1:][None, :], -p0[0]
                net, mse = layers.Sequential(hidden, layers.Sigmoid(), out, layers.Sigmoid()), losses.MSELoss()
                sgd, ref_losses = optim.SGD(net.parameters(), lr=lr), np.empty(epochs)
                for t in range(epochs):
                    net.zero_grad()
                    ref_losses[t] = mse(net(Xk), yk) / 2
                    net.backward(mse.backward() / 2)
                    sgd.step()
                what = "from the visible start" if k == 0 else f"from random start #{k - 1} (lr {lr:.2f})"
                if after is not None:
                    assert_true(type(after) is tuple and len(after) == 2, "the caller's arrays were observed")
                    assert_array(after[0], w0, rtol=0, what=f"the caller's w {what} (train on a copy)")
                    assert_array(after[1], p0, rtol=0, what=f"the caller's p {what} (train on a copy)")
                assert_true(type(got) in (tuple, list) and len(got) == 3, "train_xor_net returns (w, p, losses)")
                assert_array(got[2], ref_losses, shape=(epochs,), dtype="float64", rtol=1e-7, atol=1e-12,
                             what=f"the losses {what}")
                assert_array(got[0], np.vstack([-hidden.bias.data, hidden.weight.data.T]), shape=(3, 2),
                             dtype="float64", rtol=1e-6, atol=1e-9, what=f"the trained w {what}")
                assert_array(got[1], np.concatenate([-out.bias.data, out.weight.data[0]]), shape=(3,),
                             dtype="float64", rtol=1e-6, atol=1e-9, what=f"the trained p {what}")
                if k == 0:  # the replay matches, and the network it trained computes XOR
                    assert_array((net(X)[:, 0] > 0.5).astype(np.int64), np.array([0, 1, 1, 0]),
                                 what="[a > 1/2] on the XOR inputs after training from the visible start")
            own_code("train_xor_net")
        """),
    ]
