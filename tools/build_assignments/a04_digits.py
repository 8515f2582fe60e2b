"""Assignment 4, the optimisers at work: the student's own layers, gradient clipping, training on the digits, a
learning-rate sweep that shows divergence, and clipping that tames a learning rate too large for plain steps.

The training algorithm is specified to the last random draw, so the verifier replays it (:data:`REPLAY`, with
``course_lib.optim`` as the reference update rules) and compares every loss and every weight.
"""
from textwrap import dedent

from tools.build_assignments._cells import answer, code, md, tests

SUBSET = 480  # digits the notebook trains on: a few epochs of them take well under a second
# The reference run of `train_digits`, pasted into the check regions (the verifier alone runs it).
REPLAY = dedent("""
    def replay_digits(X, y, rule, lr, epochs, seed, max_norm=None, hidden=32, batch_size=32):
        from course_lib import optim
        from course_lib.layers import Parameter
        gen = np.random.default_rng(seed)
        n_in = X.shape[1]
        params = [Parameter(gen.normal(0.0, (2 / n_in) ** 0.5, size=(hidden, n_in))), Parameter(np.zeros(hidden)),
                  Parameter(gen.normal(0.0, (2 / hidden) ** 0.5, size=(10, hidden))), Parameter(np.zeros(10))]
        opt, history = optim.get_optimizer(rule, params, lr=lr), []
        for _ in range(epochs):
            order = gen.permutation(len(X))
            for start in range(0, len(X), batch_size):
                idx = order[start:start + batch_size]
                xb, yb, rows = X[idx], y[idx], np.arange(len(idx))
                W1, b1, W2, b2 = (p.data for p in params)
                a = xb @ W1.T + b1
                h = np.maximum(a, 0)
                z = h @ W2.T + b2
                z = z - z.max(axis=1, keepdims=True)
                logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
                history.append(float(-logp[rows, yb].mean()))
                dz = np.exp(logp)
                dz[rows, yb] -= 1
                dz /= len(idx)
                da = (dz @ W2) * (a > 0)
                grads = [da.T @ xb, da.sum(axis=0), dz.T @ h, dz.sum(axis=0)]
                if max_norm is not None:
                    total = sum(float(np.sum(g * g)) for g in grads) ** 0.5
                    grads = [g * (max_norm / total) for g in grads] if total > max_norm else grads
                for p, g in zip(params, grads):
                    p.grad[...] = g
                opt.step()
        return history, dict(zip(("W1", "b1", "W2", "b2"), (p.data for p in params)))


    def reference_diverged(history):
        return bool(not np.all(np.isfinite(history)) or history[-1] > history[0])


    def check_run(run, what, *args, **kwargs):
        ref_history, ref_params = replay_digits(*args, **kwargs)
        assert_true(isinstance(run, (list, tuple)) and len(run) == 2, f"train_digits returns (history, params): {what}")
        history, params = run
        assert_true(isinstance(history, list) and all(isinstance(v, float) for v in history),
                    f"the history is a list of Python floats: {what}")
        same_numbers(np.array(history), np.array(ref_history), f"the loss of every minibatch, {what}", 1e-7)
        assert_true(isinstance(params, dict) and set(params) == set(ref_params),
                    f"params is a dict with the keys W1, b1, W2, b2: {what}")
        for key, value in ref_params.items():
            assert_true(type(params[key]) is np.ndarray and params[key].dtype == np.float64,
                        f"the trained {key} is a float64 array: {what}")
            same_numbers(params[key], value, f"the trained {key}, {what}", 1e-6)
        return ref_history


    def same_numbers(got, expected, what, rtol):
        # a run that overflowed has nan in the same places as the replay, and equal numbers elsewhere
        assert_true(got.shape == expected.shape and bool(np.all(np.isnan(got) == np.isnan(expected))),
                    f"{what}: nan exactly where the replay has nan")
        finite = ~np.isnan(expected)
        assert_array(got[finite], expected[finite], rtol=rtol, atol=1e-9, what=what)
""")


def layer_cells(number: int) -> list:
    return [
        md(rf"""
            ## {number}. Your layers (2 points)

            The optimisers will now train a real network built from **your own** layers. Paste the layers you
            wrote in assignment 2 and adapt them to this interface (each forward pass returns what its backward
            pass needs, the *cache*). The course's convention: $y = x W^\top + b$ with `W (out, in)`.

            * `affine_forward(x, W, b)` → `(out, cache)`, `out = x @ W.T + b`;
              `affine_backward(dout, cache)` → `(dx, dW, db)`.
            * `relu_forward(x)` → `(out, cache)`; `relu_backward(dout, cache)` → `dx` (derivative 0 at $x = 0$).
            * `softmax_cross_entropy(scores, y)` for `scores (batch, classes)` and integer labels `y (batch,)` →
              `(loss, dscores)`: the **mean** over the batch of $-\log \mathrm{{softmax}}(s_i)_{{y_i}}$ as a Python
              float, and its gradient with respect to `scores`. Subtract each row's maximum before `exp`.
        """),
        answer("layers", """
            def affine_forward(x, W, b):
                \"\"\"out = x @ W.T + b for x (batch, in), W (out, in), b (out,); returns (out, cache).\"\"\"
                ### BEGIN SOLUTION
                return x @ W.T + b, (x, W)
                ### END SOLUTION


            def affine_backward(dout, cache):
                \"\"\"(dx (batch, in), dW (out, in), db (out,)) from dout (batch, out).\"\"\"
                ### BEGIN SOLUTION
                x, W = cache
                return dout @ W, dout.T @ x, dout.sum(axis=0)
                ### END SOLUTION


            def relu_forward(x):
                \"\"\"max(0, x) and the cache for the backward pass.\"\"\"
                ### BEGIN SOLUTION
                return np.maximum(x, 0), x
                ### END SOLUTION


            def relu_backward(dout, cache):
                \"\"\"dout where the input was positive, 0 elsewhere (also at 0).\"\"\"
                ### BEGIN SOLUTION
                return dout * (cache > 0)
                ### END SOLUTION


            def softmax_cross_entropy(scores, y):
                \"\"\"(mean cross-entropy as a float, d loss / d scores of shape (batch, classes)).\"\"\"
                ### BEGIN SOLUTION
                z = scores - scores.max(axis=1, keepdims=True)
                logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
                rows = np.arange(len(y))
                dscores = np.exp(logp)
                dscores[rows, y] -= 1
                return float(-logp[rows, y].mean()), dscores / len(y)
                ### END SOLUTION
        """),
        tests("test_layers", 2, visible="""
            x, b = np.array([[1.0, 2.0]]), np.array([0.0, 1.0, -1.0])
            W = np.array([[1.0, 0.0], [0.5, -1.0], [0.0, 1.0]])
            out = observe("affine_forward, 1 sample", lambda: affine_forward(x, W, b)[0])
            relu = observe("relu_forward([-1, 0, 2])", lambda: relu_forward(np.array([-1.0, 0.0, 2.0]))[0])
            loss, dscores = observe("softmax_cross_entropy, equal scores",
                                    lambda: softmax_cross_entropy(np.zeros((2, 4)), np.array([0, 3])))
        """, checks="""
            assert_array(out, np.array([[1.0, -0.5, 1.0]]), shape=(1, 3), what="x @ W.T + b")
            assert_array(relu, np.array([0.0, 0.0, 2.0]), shape=(3,), what="relu_forward")
            assert_scalar(loss, np.log(4), what="the loss of equal scores over 4 classes: log 4")
            assert_array(dscores, dscores, shape=(2, 4), what="dscores has the shape of scores")
            print("layers: the small examples work")
        """, hidden="""
            rng = grading_rng("layers")
            batch, n_in, n_out = int(rng.integers(3, 8)), int(rng.integers(2, 6)), int(rng.integers(2, 6))
            x, W, b = rng.normal(size=(batch, n_in)), rng.normal(size=(n_out, n_in)), rng.normal(size=n_out)
            dout, labels = rng.normal(size=(batch, n_out)), rng.integers(0, n_out, size=batch)
            scores = rng.normal(scale=30, size=(batch, n_out))
            scores[0] += 900.0  # exp(900) overflows: the row maximum must be subtracted
            z = rng.normal(size=(batch, n_out))
            z[0, 0] = 0.0

            def affine_round_trip():
                y, cache = affine_forward(x, W, b)
                return y, affine_backward(dout, cache)

            affine = observe("affine forward and backward", affine_round_trip)
            relu = observe("relu forward and backward", lambda: relu_backward(dout, relu_forward(z)[1]))
            ce = observe("softmax_cross_entropy random", lambda: softmax_cross_entropy(scores, labels))
        """, hidden_checks="""
            y, (dx, dW, db) = affine
            assert_array(y, x @ W.T + b, shape=(batch, n_out), rtol=1e-12, what="affine_forward")
            assert_array(dx, dout @ W, shape=(batch, n_in), rtol=1e-10, atol=1e-12, what="dx")
            assert_array(dW, dout.T @ x, shape=(n_out, n_in), rtol=1e-10, atol=1e-12, what="dW = dout^T x")
            assert_array(db, dout.sum(axis=0), shape=(n_out,), rtol=1e-10, atol=1e-12, what="db")
            assert_array(relu, dout * (z > 0), shape=(batch, n_out), what="relu_backward (0 at the kink)")
            shifted = scores - scores.max(axis=1, keepdims=True)
            p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
            onehot = np.eye(n_out)[labels]
            assert_scalar(ce[0], float(-np.mean(np.log(p[np.arange(batch), labels]))), rtol=1e-10,
                          what="the mean cross-entropy (scores up to 900)")
            assert_array(ce[1], (p - onehot) / batch, shape=(batch, n_out), rtol=1e-8, atol=1e-14,
                         what="dscores = (softmax - onehot) / batch")
            for name in ("affine_forward", "affine_backward", "relu_forward", "relu_backward",
                         "softmax_cross_entropy"):
                own_code(name)
        """),
    ]


def clipping_cells(number: int) -> list:
    return [
        md(rf"""
            ## {number}. Gradient clipping (3 points)

            A single huge gradient can throw the weights far away. Clipping by the **global** norm rescales all
            gradients of a step together, keeping their direction:

            $$\lVert g\rVert = \sqrt{{\textstyle\sum_k \lVert g_k\rVert_F^2}}, \qquad
            g_k \leftarrow g_k \cdot \frac{{\theta}}{{\lVert g\rVert}} \ \text{{ for every }} k,
            \text{{ only if }} \lVert g\rVert > \theta.$$

            Write `clip_grad_norm(grads, max_norm)` for a list of float64 arrays of any shapes: return
            `(clipped, total_norm)`, a list of **new** arrays (also when nothing is clipped) and the norm
            $\lVert g\rVert$ *before* clipping as a Python float. It must not modify the arrays it is given.
        """),
        answer("clip_grad_norm", """
            def clip_grad_norm(grads, max_norm):
                \"\"\"(list of new arrays with global norm <= max_norm, the global norm before clipping).\"\"\"
                ### BEGIN SOLUTION
                total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
                scale = max_norm / total if total > max_norm else 1.0
                return [g * scale for g in grads], total
                ### END SOLUTION
        """),
        tests("test_clip_grad_norm", 3, visible="""
            clipped, norm = observe("clip_grad_norm([[3, 4]], 1)", lambda: clip_grad_norm([np.array([3.0, 4.0])], 1.0))
            kept, _ = observe("clip_grad_norm([[3, 4]], 10)", lambda: clip_grad_norm([np.array([3.0, 4.0])], 10.0))
        """, checks="""
            assert_scalar(norm, 5.0, what="the norm of [3, 4] before clipping")
            assert_array(clipped[0], np.array([0.6, 0.8]), shape=(2,), what="[3, 4] clipped to norm 1")
            assert_array(kept[0], np.array([3.0, 4.0]), shape=(2,), what="a norm below max_norm is kept")
            print("clip_grad_norm: one array works")
        """, hidden="""
            rng = grading_rng("clip_grad_norm")
            shapes = [(int(rng.integers(2, 6)), int(rng.integers(2, 6))), (int(rng.integers(2, 9)),), (3, 2, 2)]
            grads = [rng.normal(scale=float(s), size=shape) for s, shape in zip(rng.uniform(0.5, 3, size=3), shapes)]
            small, large = float(rng.uniform(0.1, 1.0)), float(rng.uniform(100.0, 200.0))
            clipped = observe("clip_grad_norm, 3 arrays, small max_norm", lambda: clip_grad_norm(grads, small))
            kept = observe("clip_grad_norm, 3 arrays, large max_norm", lambda: clip_grad_norm(grads, large))
            after = observe("the arguments after the calls", lambda: [g.copy() for g in grads])

            def write_to_the_result():
                out, _ = clip_grad_norm(grads, large)
                for g in out:
                    g[...] = 0.0
                return [g.copy() for g in grads]

            untouched = observe("the arguments after writing to an unclipped result", write_to_the_result)
        """, hidden_checks="""
            gen = grading_rng("clip_grad_norm")  # the arguments again, as they were before any call
            shapes = [(int(gen.integers(2, 6)), int(gen.integers(2, 6))), (int(gen.integers(2, 9)),), (3, 2, 2)]
            original = [gen.normal(scale=float(s), size=shape) for s, shape in zip(gen.uniform(0.5, 3, size=3), shapes)]
            total = float(np.sqrt(sum(np.sum(g * g) for g in original)))
            for (result, norm), max_norm in ((clipped, small), (kept, large)):
                assert_scalar(norm, total, rtol=1e-12, what="the global norm of all three arrays before clipping")
                scale = min(1.0, max_norm / total)
                assert_true(isinstance(result, list) and len(result) == 3, "one clipped array per gradient")
                for k, g in enumerate(original):
                    assert_array(result[k], g * scale, shape=g.shape, dtype="float64", rtol=1e-12,
                                 what=f"array {k} clipped to a global norm of at most {max_norm:.3g}")
            for k, g in enumerate(original):
                assert_array(after[k], g, rtol=0, what=f"argument {k} is unchanged by clip_grad_norm")
                assert_array(untouched[k], g, rtol=0,
                             what=f"argument {k} does not share memory with the returned array")
            own_code("clip_grad_norm")
        """),
    ]


def training_cells(number: int) -> list:
    return [
        md(rf"""
            ## {number}. Your optimisers train a network on the digits (4 points)

            Write `train_digits(X, y, rule, lr, epochs, seed, max_norm=None)` that trains the network
            `affine → ReLU → affine → softmax cross-entropy` (64 inputs, **32** hidden units, 10 classes) with
            your `<rule>_step` from part 1 (`rule` is one of `"sgd"`, `"momentum"`, `"nesterov"`, `"adagrad"`,
            `"rmsprop"`, `"adam"`; call the step with `lr=lr` and its other hyper-parameters at their defaults)
            and your layers from part 4. The grader replays this algorithm, so follow it exactly:

            1. `rng = np.random.default_rng(seed)`; `W1 = rng.normal(0.0, sqrt(2 / 64), size=(32, 64))`,
               `b1 = zeros(32)`, `W2 = rng.normal(0.0, sqrt(2 / 32), size=(10, 32))`, `b2 = zeros(10)`
               (He initialisation, in this order); one empty state dict per parameter.
            2. For each epoch: `order = rng.permutation(len(X))`; walk through it in minibatches of **32**
               (`order[start:start + 32]`, the last one may be smaller). For each minibatch: the forward pass,
               the loss, the backward pass; if `max_norm` is not `None`, clip the four gradients **together** with
               your `clip_grad_norm`; then update `W1, b1, W2, b2` (in this order) with the step.
            3. Return `(history, params)`: the list of every minibatch's loss (Python floats, computed before
               that minibatch's update) and the dict `{{"W1": ..., "b1": ..., "W2": ..., "b2": ...}}`.
        """),
        answer("train_digits", """
            def train_digits(X, y, rule, lr, epochs, seed, max_norm=None):
                \"\"\"Minibatch training of the 64-32-10 ReLU network; returns (loss per minibatch, params).\"\"\"
                ### BEGIN SOLUTION
                step = {"sgd": sgd_step, "momentum": momentum_step, "nesterov": nesterov_step,
                        "adagrad": adagrad_step, "rmsprop": rmsprop_step, "adam": adam_step}[rule]
                gen = np.random.default_rng(seed)
                params = {"W1": gen.normal(0.0, np.sqrt(2 / 64), size=(32, 64)), "b1": np.zeros(32),
                          "W2": gen.normal(0.0, np.sqrt(2 / 32), size=(10, 32)), "b2": np.zeros(10)}
                states = {name: {} for name in params}
                history = []
                for _ in range(epochs):
                    order = gen.permutation(len(X))
                    for start in range(0, len(X), 32):
                        idx = order[start:start + 32]
                        a, cache1 = affine_forward(X[idx], params["W1"], params["b1"])
                        h, cache2 = relu_forward(a)
                        scores, cache3 = affine_forward(h, params["W2"], params["b2"])
                        loss, dscores = softmax_cross_entropy(scores, y[idx])
                        dh, dW2, db2 = affine_backward(dscores, cache3)
                        _, dW1, db1 = affine_backward(relu_backward(dh, cache2), cache1)
                        grads = [dW1, db1, dW2, db2]
                        if max_norm is not None:
                            grads, _ = clip_grad_norm(grads, max_norm)
                        for name, g in zip(("W1", "b1", "W2", "b2"), grads):
                            params[name] = step(params[name], g, states[name], lr=lr)
                        history.append(float(loss))
                return history, params
                ### END SOLUTION
        """),
        code(f"""
            from course_lib.datasets import load_digits

            X_digits, y_digits = load_digits()
            X_train, y_train = X_digits[:{SUBSET}], y_digits[:{SUBSET}]
            X_rest, y_rest = X_digits[{SUBSET}:], y_digits[{SUBSET}:]
            for rule, lr in [("sgd", 0.3), ("momentum", 0.05), ("adam", 0.01)]:
                history, params = train_digits(X_train, y_train, rule, lr, epochs=5, seed=0)
                hidden_units = np.maximum(X_rest @ params["W1"].T + params["b1"], 0)
                accuracy = np.mean(np.argmax(hidden_units @ params["W2"].T + params["b2"], axis=1) == y_rest)
                print(f"{{rule:8s}} lr={{lr:<5}} loss {{history[0]:.3f}} -> {{np.mean(history[-15:]):.3f}} "
                      f"(last epoch), accuracy on the other digits {{accuracy:.3f}}")
        """),
        tests("test_train_digits", 4, visible="""
            history, params = observe("train_digits, sgd, 2 epochs",
                                      lambda: train_digits(X_train, y_train, "sgd", 0.3, 2, 0))
        """, checks=f"""
            assert_true(isinstance(history, list) and len(history) == 2 * {-(-SUBSET // 32)},
                        f"one loss per minibatch: 2 epochs of {-(-SUBSET // 32)} minibatches (got {{len(history)}})")
            assert_true(float(np.mean(history[-5:])) < 0.8 * history[0],
                        f"the loss falls (first {{history[0]:.3f}}, mean of last five {{np.mean(history[-5:]):.3f}})")
            assert_array(params["W1"], params["W1"], shape=(32, 64), what="the trained W1 (out, in)")
            print("train_digits: the loss falls")
        """, hidden="""
            rng = grading_rng("train_digits")
            X_all, y_all = load_digits()
            pick = rng.choice(len(y_all), size=int(rng.integers(70, 130)), replace=False)
            Xs, ys, seed = X_all[pick], y_all[pick], int(rng.integers(0, 2**31))
            runs = [("sgd", float(rng.uniform(0.1, 0.5)), 3), ("momentum", float(rng.uniform(0.01, 0.1)), 2),
                    (str(rng.choice(["nesterov", "adagrad", "rmsprop", "adam"])), float(rng.uniform(0.002, 0.02)), 2)]
            got = [observe(f"train_digits {rule} lr={lr:.4f}", lambda rule=rule, lr=lr, epochs=epochs:
                           train_digits(Xs, ys, rule, lr, epochs, seed)) for rule, lr, epochs in runs]
        """, hidden_checks=REPLAY + dedent("""
            for (rule, lr, epochs), run in zip(runs, got):
                check_run(run, f"{rule} at lr={lr:.4f} for {epochs} epochs", Xs, ys, rule, lr, epochs, seed)
            own_code("train_digits")
        """)),
    ]

