"""Assignment 6 — Capstone: a network of the student's own parts, trained by the grader, scored on held-out digits.

The parts (affine, ReLU, softmax cross-entropy, dropout, batch norm, Adam) are graded one by one; then
``train_network(X, y, rng)`` is called by the grader on a training split it chooses, and the trained network's
predictions on held-out inputs are counted by the verifier (autograder.held_out: the labels never enter the
student's kernel).
"""
from tools.build_assignments._cells import answer, code, md, rules, setup, tests, written

ID = "06_capstone"
TITLE = "Assignment 6 — Capstone: your own network on held-out digits"
# every course_lib module that implements a part the network is assembled from (autograder.forbidden also
# removes each module that imports one of them)
FORBIDDEN = ("course_lib.activation_base", "course_lib.activations", "course_lib.activations_piecewise",
             "course_lib.activations_smooth", "course_lib.autograd", "course_lib.fast", "course_lib.gradcheck",
             "course_lib.layers", "course_lib.losses", "course_lib.module", "course_lib.neuron", "course_lib.optim",
             "course_lib.regularisation", "course_lib.schedules", "course_lib.sequential", "course_lib.training")
HELD_OUT = "digits"
THRESHOLD = 0.96
HELD_OUT_IMPORT = "from autograder.held_out import training_data, held_out_inputs"
# a reference gradient: central differences of the checks' own forward formula (it reveals no backward)
# (indented as the check regions it is prepended to)
NUMERIC = """
            def reference_gradient(f, x, eps=1e-6):
                grad = np.zeros_like(x)
                for i in np.ndindex(x.shape):
                    step = np.zeros_like(x)
                    step[i] = eps
                    grad[i] = (f(x + step) - f(x - step)) / (2 * eps)
                return grad"""


def cells():
    return [
        rules(ID, allowed="numpy (`np`) and plain Python; `autograder.held_out` for the data.",
              forbidden="anything in `course_lib` that implements a layer, a loss, an activation, an optimiser, "
                        "dropout, batch norm or training (`layers`, `losses`, `optim`, `regularisation`, "
                        "`training`, `module`, `sequential`, `fast`, `activations`, `gradcheck`, …): the grader's "
                        "sandbox does not have them, so every part of your network is your own."),
        setup(f"import numpy as np\n{HELD_OUT_IMPORT}"),
        md(r"""
            This assignment assembles everything so far into one network, built only from parts you write:
            an affine layer, ReLU, softmax cross-entropy, dropout, batch norm and Adam. Each part is a
            **forward/backward pair**: the forward returns its output and a `cache` (whatever the backward
            needs), the backward turns $\partial L/\partial\,\text{output}$ into the gradients of its inputs.
            Only the forward formulas are given; **derive each backward yourself** and check it with the
            numerical gradient below (your own from assignment 2 works as well) before you run the test.

            At the end the grader calls your `train_network` on a training split **it** chooses and scores your
            network on digits your notebook never sees: it needs at least 96% of them right.
        """),
        code("""
            def numerical_gradient(f, x, eps=1e-6):
                \"\"\"Central differences of the scalar f() with respect to the float64 array x (changed in
                place and restored): (f(x + eps e_i) - f(x - eps e_i)) / (2 eps) for every element i.\"\"\"
                grad = np.zeros_like(x)
                for i in np.ndindex(x.shape):
                    old = x[i]
                    x[i] = old + eps
                    up = f()
                    x[i] = old - eps
                    down = f()
                    x[i] = old
                    grad[i] = (up - down) / (2 * eps)
                return grad
        """),
        md(r"""
            ## 1. The affine layer (3 points)

            $y = xW^\top + b$ for a batch $x$ `(m, in)`, weights $W$ `(out, in)` and bias $b$ `(out,)`.

            * `affine_forward(x, W, b)` returns `(y, cache)`.
            * `affine_backward(dout, cache)` returns `(dx, dW, db)`, each of the shape of what it is the
              gradient of, for $L$ with $\partial L/\partial y$ = `dout` `(m, out)`.

            Derive the three gradients, then check them: e.g. `numerical_gradient(lambda: np.sum(dout *
            affine_forward(x, W, b)[0]), W)` must equal your `dW`.
        """),
        answer("affine", """
            def affine_forward(x, W, b):
                \"\"\"y = x @ W.T + b: x (m, in), W (out, in), b (out,) -> (y (m, out), cache).\"\"\"
                ### BEGIN SOLUTION
                return x @ W.T + b, (x, W)
                ### END SOLUTION


            def affine_backward(dout, cache):
                \"\"\"dout (m, out) -> (dx (m, in), dW (out, in), db (out,)).\"\"\"
                ### BEGIN SOLUTION
                x, W = cache
                return dout @ W, dout.T @ x, dout.sum(axis=0)
                ### END SOLUTION
        """),
        tests("test_affine", 3, visible="""
            x = np.array([[1.0, -2.0, 0.5], [0.0, 1.0, 3.0], [2.0, 0.5, -1.0], [-1.0, -1.0, 1.0]])
            W = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]])
            b = np.array([0.1, -0.2])
            dout = np.array([[1.0, -1.0], [0.5, 2.0], [-1.5, 0.0], [0.25, 1.0]])
            def affine_pass():
                y, cache = affine_forward(x, W, b)
                return y, affine_backward(dout, cache)
            y, (dx, dW, db) = observe("affine_forward and affine_backward", affine_pass)
        """, checks=NUMERIC + """
            assert_array(y, x @ W.T + b, rtol=1e-12, what="y = x @ W.T + b")
            numeric = {"dx": reference_gradient(lambda v: np.sum(dout * (v @ W.T + b)), x),
                       "dW": reference_gradient(lambda v: np.sum(dout * (x @ v.T + b)), W),
                       "db": reference_gradient(lambda v: np.sum(dout * (x @ W.T + v)), b)}
            for name, got in (("dx", dx), ("dW", dW), ("db", db)):
                assert_array(got, numeric[name], rtol=1e-6, atol=1e-8, what=f"{name} (against the numerical gradient)")
            print("affine: forward and the three gradients agree with the numerical gradient")
        """, hidden="""
            rng = grading_rng("affine")
            m, n_in, n_out = (int(k) for k in rng.integers(2, 9, size=3))
            x, W, b = rng.normal(size=(m, n_in)), rng.normal(size=(n_out, n_in)), rng.normal(size=n_out)
            dout = rng.normal(size=(m, n_out))
            def affine_pass():
                y, cache = affine_forward(x, W, b)
                return y, affine_backward(dout, cache)
            y, (dx, dW, db) = observe("affine random", affine_pass)
        """, hidden_checks="""
            assert_array(y, x @ W.T + b, shape=(m, n_out), dtype="float64", rtol=1e-10, what="y = x @ W.T + b")
            assert_array(dx, dout @ W, shape=x.shape, dtype="float64", rtol=1e-10, atol=1e-12, what="dx")
            assert_array(dW, dout.T @ x, shape=W.shape, dtype="float64", rtol=1e-10, atol=1e-12, what="dW")
            assert_array(db, dout.sum(axis=0), shape=b.shape, dtype="float64", rtol=1e-10, atol=1e-12, what="db")
            own_code("affine_forward")
            own_code("affine_backward")
        """),
        md(r"""
            ## 2. ReLU (2 points)

            $\mathrm{ReLU}(x) = \max(0, x)$, elementwise. Its derivative is 1 where $x > 0$ and 0 elsewhere
            (at $x = 0$ the course takes 0, as PyTorch does).

            * `relu_forward(x)` returns `(out, cache)`; `relu_backward(dout, cache)` returns `dx`.
        """),
        answer("relu", """
            def relu_forward(x):
                \"\"\"max(0, x) elementwise -> (out, cache).\"\"\"
                ### BEGIN SOLUTION
                return np.maximum(x, 0.0), x
                ### END SOLUTION


            def relu_backward(dout, cache):
                \"\"\"dL/dx = dout where x > 0, else 0.\"\"\"
                ### BEGIN SOLUTION
                return dout * (cache > 0)
                ### END SOLUTION
        """),
        tests("test_relu", 2, visible="""
            x = np.array([[-2.0, -0.5, 1.5], [3.0, -1.0, 0.25]])
            dout = np.array([[1.0, 2.0, 3.0], [-4.0, 5.0, -6.0]])
            def relu_pass():
                out, cache = relu_forward(x)
                return out, relu_backward(dout, cache)
            out, dx = observe("relu_forward and relu_backward", relu_pass)
        """, checks="""
            assert_array(out, np.array([[0.0, 0.0, 1.5], [3.0, 0.0, 0.25]]), what="max(0, x)")
            assert_array(dx, np.array([[0.0, 0.0, 3.0], [-4.0, 0.0, -6.0]]), what="dout where x > 0")
            print("relu: forward and backward work")
        """, hidden="""
            rng = grading_rng("relu")
            x = rng.normal(size=(7, 5))
            x[rng.random(x.shape) < 0.3] = 0.0
            dout = rng.normal(size=x.shape)
            def relu_pass():
                out, cache = relu_forward(x)
                return out, relu_backward(dout, cache)
            out, dx = observe("relu random with zeros", relu_pass)
        """, hidden_checks="""
            assert_array(out, np.maximum(x, 0.0), shape=x.shape, dtype="float64", rtol=0, what="max(0, x)")
            assert_array(dx, np.where(x > 0, dout, 0.0), shape=x.shape, dtype="float64", rtol=0,
                         what="dout where x > 0 (0 at x = 0)")
            own_code("relu_forward")
            own_code("relu_backward")
        """),
        md(r"""
            ## 3. Softmax cross-entropy (3 points)

            For logits $z$ `(m, C)` and integer labels $y$ `(m,)`:
            $L = -\frac1m\sum_i \log \mathrm{softmax}(z_i)_{y_i}$ with
            $\mathrm{softmax}(z_i)_c = e^{z_{ic}}/\sum_k e^{z_{ik}}$.

            * `softmax_cross_entropy(logits, y)` returns `(loss, dlogits)`: the mean loss as a float and
              $\partial L/\partial z$ `(m, C)`. It must stay finite for logits in the thousands (think about
              what $e^{1000}$ is in float64, and what subtracting a constant from a row does to its softmax).
        """),
        answer("softmax_ce", """
            def softmax_cross_entropy(logits, y):
                \"\"\"Mean cross-entropy of softmax(logits) against labels y -> (loss, dL/dlogits).\"\"\"
                ### BEGIN SOLUTION
                m = logits.shape[0]
                shifted = logits - logits.max(axis=1, keepdims=True)
                log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
                dlogits = np.exp(log_probs)
                dlogits[np.arange(m), y] -= 1.0
                return float(-log_probs[np.arange(m), y].mean()), dlogits / m
                ### END SOLUTION
        """),
        tests("test_softmax_ce", 3, visible="""
            logits = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [0.0, 0.0, 0.0], [-1.0, 3.0, 1.0]])
            y = np.array([0, 1, 2, 2])
            loss, dlogits = observe("softmax_cross_entropy", lambda: softmax_cross_entropy(logits, y))
        """, checks=NUMERIC + """
            def reference_loss(z):
                log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
                return -log_p[np.arange(len(y)), y].mean()
            assert_scalar(loss, reference_loss(logits), rtol=1e-10, what="the mean cross-entropy")
            assert_array(dlogits, reference_gradient(reference_loss, logits), rtol=1e-6, atol=1e-9,
                         what="dL/dlogits (against the numerical gradient)")
            print("softmax cross-entropy: loss and gradient agree")
        """, hidden="""
            rng = grading_rng("softmax_ce")
            m, C = int(rng.integers(3, 9)), int(rng.integers(3, 11))
            logits = rng.normal(scale=3.0, size=(m, C))
            big = rng.normal(scale=1000.0, size=(m, C))
            y = rng.integers(0, C, size=m)
            got = observe("softmax_cross_entropy random", lambda: softmax_cross_entropy(logits, y))
            got_big = observe("softmax_cross_entropy logits in the thousands", lambda: softmax_cross_entropy(big, y))
        """, hidden_checks="""
            def reference(z):
                shifted = z - z.max(axis=1, keepdims=True)
                log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
                grad = np.exp(log_p)
                grad[np.arange(m), y] -= 1.0
                return -log_p[np.arange(m), y].mean(), grad / m
            for (loss, dlogits), z, what in ((got, logits, "logits"), (got_big, big, "logits in the thousands")):
                want_loss, want_grad = reference(z)
                assert_scalar(loss, want_loss, rtol=1e-9, what=f"the mean cross-entropy of {what}")
                assert_array(dlogits, want_grad, shape=z.shape, dtype="float64", rtol=1e-8, atol=1e-12,
                             what=f"dL/dlogits of {what}")
            own_code("softmax_cross_entropy")
        """),
        md(r"""
            ## 4. Dropout (2 points)

            *Inverted dropout* with drop probability $p$: in training $y = x \odot m/(1-p)$ with
            $m_{ij} \sim \mathrm{Bernoulli}(1-p)$ drawn with the numpy Generator `rng`; at inference $y = x$.

            * `dropout_forward(x, p, training, rng)` returns `(out, cache)` (at inference the cache may be `None`).
            * `dropout_backward(dout, cache)` returns `dx` for a training forward pass.
        """),
        answer("dropout", """
            def dropout_forward(x, p, training, rng):
                \"\"\"Inverted dropout: x * mask / (1 - p) in training, x at inference -> (out, cache).\"\"\"
                ### BEGIN SOLUTION
                if not training or p == 0:
                    return x, None
                scale = (rng.random(x.shape) >= p) / (1.0 - p)
                return x * scale, scale
                ### END SOLUTION


            def dropout_backward(dout, cache):
                \"\"\"dL/dx = dout * mask / (1 - p).\"\"\"
                ### BEGIN SOLUTION
                return dout if cache is None else dout * cache
                ### END SOLUTION
        """),
        tests("test_dropout", 2, visible="""
            x = np.arange(1.0, 13.0).reshape(3, 4)
            def dropout_pass():
                out, cache = dropout_forward(x, 0.5, True, np.random.default_rng(0))
                return out, dropout_backward(np.ones_like(x), cache)
            out, dx = observe("dropout in training", dropout_pass)
            inference, _ = observe("dropout at inference", lambda: dropout_forward(x, 0.5, False, None))
        """, checks="""
            assert_array(out, out, shape=(3, 4), what="the output in training")
            assert_array(dx, dx, shape=(3, 4), what="dx")
            assert_array(dx[out == 0], np.zeros(int((out == 0).sum())), what="no gradient through dropped units")
            assert_array(inference, x, what="at inference dropout is the identity")
            print("dropout: training and inference run")
        """, hidden="""
            rng = grading_rng("dropout")
            p = float(rng.uniform(0.2, 0.7))
            x = rng.normal(size=(150, 40))
            dout = rng.normal(size=x.shape)
            seed = int(rng.integers(2**31))
            def dropout_pass():
                out, cache = dropout_forward(x, p, True, np.random.default_rng(seed))
                return out, dropout_backward(dout, cache)
            out, dx = observe("dropout random", dropout_pass)
            inference, _ = observe("dropout random at inference", lambda: dropout_forward(x, p, False, None))
        """, hidden_checks="""
            assert_array(out, out, shape=x.shape, dtype="float64", what="the output in training")
            kept = out != 0
            fraction = float(kept.mean())
            assert_true(abs(fraction - (1 - p)) < 5 * np.sqrt(p * (1 - p) / x.size),
                        f"the fraction of kept units is about 1 - p = {1 - p:.3f} (got {fraction:.3f})")
            assert_array(out, np.where(kept, x / (1 - p), 0.0), rtol=1e-12,
                         what=f"out = x * mask / (1 - p) with p = {p:.3f} (inverted dropout rescales)")
            assert_array(dx, np.where(kept, dout / (1 - p), 0.0), shape=x.shape, rtol=1e-12,
                         what="dx = dout * mask / (1 - p)")
            assert_array(inference, x, rtol=0, what="at inference dropout is the identity")
            own_code("dropout_forward")
            own_code("dropout_backward")
        """),
        md(r"""
            ## 5. Batch normalisation (4 points)

            **Training** normalises each feature with the statistics of the batch $x$ `(m, features)`:
            $\mu = \frac1m\sum_i x_i$, $\sigma^2 = \frac1m\sum_i (x_i-\mu)^2$,
            $\hat x = (x - \mu)/\sqrt{\sigma^2+\varepsilon}$ with $\varepsilon = 10^{-5}$, $y = \gamma\hat x + \beta$,
            and moves the running averages kept in the dict `state` (keys `"mean"`, `"var"`, `"momentum"`),
            the variance **unbiased**: `state["mean"]` $\leftarrow (1-\text{momentum})\,$`state["mean"]`
            $+ \text{momentum}\,\mu$ and `state["var"]` $\leftarrow (1-\text{momentum})\,$`state["var"]`
            $+ \text{momentum}\,\sigma^2\frac{m}{m-1}$. **Inference** uses `state["mean"]` and `state["var"]`
            instead of the batch's statistics and leaves `state` unchanged.

            * `batchnorm_forward(x, gamma, beta, state, training)` returns `(out, cache)` and updates `state`
              in place in training (replace its arrays: `state["mean"] = ...`).
            * `batchnorm_backward(dout, cache)` returns `(dx, dgamma, dbeta)` for a training forward pass.
              Derive $\partial L/\partial x$ yourself: $\mu$ and $\sigma^2$ depend on every $x_i$ of the batch.
        """),
        answer("batchnorm", """
            def batchnorm_forward(x, gamma, beta, state, training):
                \"\"\"Batch norm of x (m, features) -> (out, cache); in training state's running averages move.\"\"\"
                eps = 1e-5
                ### BEGIN SOLUTION
                if not training:
                    return gamma * (x - state["mean"]) / np.sqrt(state["var"] + eps) + beta, None
                m = x.shape[0]
                mu, var = x.mean(axis=0), x.var(axis=0)
                inv_std = 1.0 / np.sqrt(var + eps)
                xhat = (x - mu) * inv_std
                momentum = state["momentum"]
                state["mean"] = (1 - momentum) * state["mean"] + momentum * mu
                state["var"] = (1 - momentum) * state["var"] + momentum * var * m / (m - 1)
                return gamma * xhat + beta, (xhat, inv_std, gamma)
                ### END SOLUTION


            def batchnorm_backward(dout, cache):
                \"\"\"dout (m, features) -> (dx, dgamma, dbeta) of a training forward pass.\"\"\"
                ### BEGIN SOLUTION
                xhat, inv_std, gamma = cache
                d = dout * gamma
                dx = (d - d.mean(axis=0) - xhat * (d * xhat).mean(axis=0)) * inv_std
                return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)
                ### END SOLUTION
        """),
        tests("test_batchnorm_forward", 2, visible="""
            x = np.array([[1.0, 10.0], [2.0, 14.0], [4.0, 9.0], [5.0, 11.0]])
            ones, zeros = np.ones(2), np.zeros(2)
            def batchnorm_train():
                state = {"mean": zeros.copy(), "var": ones.copy(), "momentum": 0.1}
                out, _ = batchnorm_forward(x, ones, zeros, state, True)
                return out, state["mean"], state["var"]
            out, run_mean, run_var = observe("batchnorm_forward in training", batchnorm_train)
            state_eval = {"mean": np.array([3.0, 11.0]), "var": np.array([2.5, 4.0]), "momentum": 0.1}
            out_eval, _ = observe("batchnorm_forward at inference",
                                  lambda: batchnorm_forward(x, ones, zeros, state_eval, False))
        """, checks="""
            assert_array(out.mean(axis=0), np.zeros(2), atol=1e-10, what="per-feature mean of the output")
            assert_array(out.std(axis=0), np.ones(2), rtol=1e-4, what="per-feature std of the output")
            assert_array(run_mean, 0.1 * x.mean(axis=0), rtol=1e-10, what="the running mean after one step")
            assert_array(run_var, run_var, shape=(2,), what="the running variance")
            assert_array(out_eval, out_eval, shape=x.shape, what="the output at inference")
            print("batchnorm_forward: training normalises, inference runs")
        """, hidden="""
            rng = grading_rng("batchnorm_forward")
            m, n = int(rng.integers(4, 20)), int(rng.integers(2, 7))
            momentum = float(rng.uniform(0.05, 0.5))
            x = rng.normal(loc=rng.normal(size=n), scale=rng.uniform(0.5, 3, size=n), size=(m, n))
            gamma, beta = rng.normal(size=n), rng.normal(size=n)
            rm, rv = rng.normal(size=n), rng.uniform(0.5, 2, size=n)
            x2 = rng.normal(loc=2.0, size=(m, n))
            eval_mean, eval_var = rng.normal(size=n), rng.uniform(0.5, 2, size=n)
            def batchnorm_run(inputs, mean, var, training):
                state = {"mean": mean.copy(), "var": var.copy(), "momentum": momentum}
                out, _ = batchnorm_forward(inputs, gamma, beta, state, training)
                return out, state["mean"], state["var"]
            out, run_mean, run_var = observe("batchnorm_forward training random",
                                             lambda: batchnorm_run(x, rm, rv, True))
            out_eval, kept_mean, kept_var = observe("batchnorm_forward inference random",
                                                    lambda: batchnorm_run(x2, eval_mean, eval_var, False))
        """, hidden_checks="""
            mu, var = x.mean(axis=0), x.var(axis=0)
            assert_array(out, gamma * (x - mu) / np.sqrt(var + 1e-5) + beta, shape=x.shape, rtol=1e-9, atol=1e-12,
                         what="the normalised output in training (batch statistics)")
            assert_array(run_mean, (1 - momentum) * rm + momentum * mu, rtol=1e-10, what="the running mean")
            assert_array(run_var, (1 - momentum) * rv + momentum * var * m / (m - 1), rtol=1e-10,
                         what="the running variance (unbiased batch variance, m/(m-1))")
            assert_array(out_eval, gamma * (x2 - eval_mean) / np.sqrt(eval_var + 1e-5) + beta, rtol=1e-9, atol=1e-12,
                         what="the output at inference (running averages, not the batch's statistics)")
            assert_array(kept_mean, eval_mean, rtol=0, what="inference leaves the running mean alone")
            assert_array(kept_var, eval_var, rtol=0, what="inference leaves the running variance alone")
            own_code("batchnorm_forward")
        """),
        tests("test_batchnorm_backward", 2, visible="""
            x = np.array([[1.0, 10.0, -1.0], [2.0, 14.0, 0.5], [4.0, 9.0, 2.0], [5.0, 11.0, -0.5], [0.5, 8.0, 1.0]])
            gamma, beta = np.array([1.5, -0.5, 2.0]), np.array([0.1, 0.2, -0.3])
            dout = np.array([[1.0, -1.0, 0.5], [0.5, 2.0, -1.0], [-1.5, 0.0, 1.0], [0.25, 1.0, 0.0], [1.0, 1.0, 1.0]])
            def batchnorm_pass():
                state = {"mean": np.zeros(3), "var": np.ones(3), "momentum": 0.1}
                _, cache = batchnorm_forward(x, gamma, beta, state, True)
                return batchnorm_backward(dout, cache)
            dx, dgamma, dbeta = observe("batchnorm_backward", batchnorm_pass)
        """, checks=NUMERIC + """
            def reference_loss(x_, gamma_, beta_):
                xhat = (x_ - x_.mean(axis=0)) / np.sqrt(x_.var(axis=0) + 1e-5)
                return np.sum(dout * (gamma_ * xhat + beta_))
            numeric = {"dx": reference_gradient(lambda v: reference_loss(v, gamma, beta), x),
                       "dgamma": reference_gradient(lambda v: reference_loss(x, v, beta), gamma),
                       "dbeta": reference_gradient(lambda v: reference_loss(x, gamma, v), beta)}
            for name, got in (("dx", dx), ("dgamma", dgamma), ("dbeta", dbeta)):
                assert_array(got, numeric[name], rtol=1e-5, atol=1e-7, what=f"{name} (against the numerical gradient)")
            print("batchnorm_backward: the three gradients agree with the numerical gradient")
        """, hidden="""
            rng = grading_rng("batchnorm_backward")
            m, n = int(rng.integers(4, 20)), int(rng.integers(2, 7))
            x = rng.normal(loc=rng.normal(size=n), scale=rng.uniform(0.5, 3, size=n), size=(m, n))
            gamma, beta = rng.normal(size=n), rng.normal(size=n)
            dout = rng.normal(size=(m, n))
            def batchnorm_pass():
                state = {"mean": np.zeros(n), "var": np.ones(n), "momentum": 0.1}
                _, cache = batchnorm_forward(x, gamma, beta, state, True)
                return batchnorm_backward(dout, cache)
            dx, dgamma, dbeta = observe("batchnorm_backward random", batchnorm_pass)
        """, hidden_checks="""
            inv_std = 1.0 / np.sqrt(x.var(axis=0) + 1e-5)
            xhat = (x - x.mean(axis=0)) * inv_std
            d = dout * gamma
            assert_array(dx, (d - d.mean(axis=0) - xhat * (d * xhat).mean(axis=0)) * inv_std, shape=x.shape,
                         dtype="float64", rtol=1e-7, atol=1e-10, what="dx (the statistics depend on x)")
            assert_array(dgamma, (dout * xhat).sum(axis=0), shape=(n,), rtol=1e-8, atol=1e-12, what="dgamma")
            assert_array(dbeta, dout.sum(axis=0), shape=(n,), rtol=1e-10, atol=1e-12, what="dbeta")
            own_code("batchnorm_backward")
        """),
        md(r"""
            ## 6. The Adam step (3 points)

            Adam keeps, for each parameter, moving averages of the gradient and of its square, corrected for
            their start at zero (step $t = 1, 2, \dots$):
            $m \leftarrow \beta_1 m + (1-\beta_1) g$, $v \leftarrow \beta_2 v + (1-\beta_2) g^2$,
            $\hat m = m/(1-\beta_1^t)$, $\hat v = v/(1-\beta_2^t)$,
            $\theta \leftarrow \theta - \text{lr}\,\hat m/(\sqrt{\hat v} + \varepsilon)$.

            * `adam_step(params, grads, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)`: `params` and `grads`
              are dicts of arrays with the same keys; update every `params[name]` **in place**; `state` is a
              dict, empty before the first step, in which you keep $t$, $m$ and $v$ between calls.
        """),
        answer("adam", """
            def adam_step(params, grads, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
                \"\"\"One Adam step on every params[name] (in place); state keeps t, m and v between calls.\"\"\"
                ### BEGIN SOLUTION
                t = state["t"] = state.get("t", 0) + 1
                m, v = state.setdefault("m", {}), state.setdefault("v", {})
                for name, g in grads.items():
                    m[name] = beta1 * m.get(name, 0.0) + (1 - beta1) * g
                    v[name] = beta2 * v.get(name, 0.0) + (1 - beta2) * g * g
                    m_hat = m[name] / (1 - beta1 ** t)
                    v_hat = v[name] / (1 - beta2 ** t)
                    params[name] -= lr * m_hat / (np.sqrt(v_hat) + eps)
                ### END SOLUTION
        """),
        tests("test_adam", 3, visible="""
            start = {"w": np.array([1.0, -2.0, 0.5]), "b": np.array([0.0])}
            steps = [{"w": np.array([0.5, -1.0, 0.0]), "b": np.array([2.0])},
                     {"w": np.array([0.4, -0.5, 0.1]), "b": np.array([1.0])}]
            def adam_run():
                params, state = {k: v.copy() for k, v in start.items()}, {}
                for grads in steps:
                    adam_step(params, grads, state, lr=0.1)
                return params
            after = observe("two adam steps", adam_run)
        """, checks="""
            assert_array(after["w"], after["w"], shape=(3,), what="w after two steps")
            assert_true(bool(after["w"][0] < 1.0 and after["w"][1] > -2.0 and after["b"][0] < 0.0),
                        "each parameter moved against its gradient")
            print("adam: the parameters moved against their gradients")
        """, hidden="""
            rng = grading_rng("adam")
            lr, beta1 = float(rng.uniform(0.01, 0.2)), float(rng.uniform(0.5, 0.95))
            beta2 = float(rng.uniform(0.9, 0.9999))
            start = {"w": rng.normal(size=(3, 4)), "b": rng.normal(size=4)}
            steps = [{k: rng.normal(size=v.shape) for k, v in start.items()} for _ in range(5)]
            def adam_run():
                params, state = {k: v.copy() for k, v in start.items()}, {}
                for grads in steps:
                    adam_step(params, grads, state, lr=lr, beta1=beta1, beta2=beta2)
                return params
            after = observe("five adam steps", adam_run)
        """, hidden_checks="""
            for name, theta in start.items():
                theta, m, v = theta.copy(), 0.0, 0.0
                for t, grads in enumerate(steps, start=1):
                    m = beta1 * m + (1 - beta1) * grads[name]
                    v = beta2 * v + (1 - beta2) * grads[name] ** 2
                    theta = theta - lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + 1e-8)
                assert_array(after[name], theta, shape=theta.shape, dtype="float64", rtol=1e-9, atol=1e-12,
                             what=f"{name} after five steps (with bias correction)")
            own_code("adam_step")
        """),
        md(rf"""
            ## 7. Your network on digits it never saw (8 points)

            Assemble the parts into a fully connected network for the 8×8 digits (64 pixels in $[0, 1]$,
            10 classes) — e.g. affine → batch norm → ReLU → dropout → affine — and train it with your softmax
            cross-entropy and your Adam, in mini-batches, reshuffled every epoch.

            * `train_network(X, y, rng)` builds a network, trains it on `X (n, 64)`, `y (n,)` with the numpy
              Generator `rng` for every random choice (initial weights, shuffling, dropout masks), and returns
              it, in any form you like (a dict of arrays is simplest). It must finish in a few seconds.
            * `predict(network, X)` returns the predicted classes, int64 `(n,)`, with the network in
              **inference** mode: no dropout, batch norm with its running averages. It must not change the
              network, and a digit's class must not depend on the other digits passed with it.

            **How it is graded.** `training_data("digits")` gives the training digits and
            `held_out_inputs("digits")` the held-out digits without their labels. At home they are a fixed public
            split; at grading, the grader splits the digits with its own seed, calls your `train_network` on its
            training part with its own `rng`, and counts how many of your `predict`ions on its held-out part are
            right: at least **{THRESHOLD:.0%}** earns the points. The held-out labels never enter your notebook's
            kernel (there even scikit-learn's copy of the digits holds only the training rows), so the only way
            to the points is a network that generalises.
        """),
        answer("capstone", """
            HIDDEN, DROP, EPOCHS, BATCH, LR = 256, 0.5, 40, 32, 1e-3


            def network_forward(network, X, training, rng):
                \"\"\"Logits (m, 10) of X (m, 64), and the caches the backward pass needs.\"\"\"
                ### BEGIN SOLUTION
                p = network["params"]
                h, c1 = affine_forward(X, p["W1"], p["b1"])
                h, c2 = batchnorm_forward(h, p["gamma"], p["beta"], network["bn"], training)
                h, c3 = relu_forward(h)
                h, c4 = dropout_forward(h, DROP, training, rng)
                logits, c5 = affine_forward(h, p["W2"], p["b2"])
                return logits, (c1, c2, c3, c4, c5)
                ### END SOLUTION


            def network_backward(dlogits, caches):
                \"\"\"The gradients of every parameter, by name, from dL/dlogits.\"\"\"
                ### BEGIN SOLUTION
                c1, c2, c3, c4, c5 = caches
                grads = {}
                dh, grads["W2"], grads["b2"] = affine_backward(dlogits, c5)
                dh = relu_backward(dropout_backward(dh, c4), c3)
                dh, grads["gamma"], grads["beta"] = batchnorm_backward(dh, c2)
                _, grads["W1"], grads["b1"] = affine_backward(dh, c1)
                return grads
                ### END SOLUTION


            def train_network(X, y, rng):
                \"\"\"A network trained on X (n, 64), y (n,), every random choice drawn from rng.\"\"\"
                ### BEGIN SOLUTION
                n, d = X.shape
                params = {"W1": rng.normal(0.0, np.sqrt(2.0 / d), (HIDDEN, d)), "b1": np.zeros(HIDDEN),
                          "gamma": np.ones(HIDDEN), "beta": np.zeros(HIDDEN),
                          "W2": rng.normal(0.0, np.sqrt(1.0 / HIDDEN), (10, HIDDEN)), "b2": np.zeros(10)}
                network = {"params": params, "bn": {"mean": np.zeros(HIDDEN), "var": np.ones(HIDDEN), "momentum": 0.1}}
                optimiser = {}
                for _ in range(EPOCHS):
                    order = rng.permutation(n)
                    for start in range(0, n, BATCH):
                        batch = order[start:start + BATCH]
                        if len(batch) < 2:  # batch norm needs two examples for a variance
                            continue
                        logits, caches = network_forward(network, X[batch], True, rng)
                        _, dlogits = softmax_cross_entropy(logits, y[batch])
                        adam_step(params, network_backward(dlogits, caches), optimiser, lr=LR)
                return network
                ### END SOLUTION


            def predict(network, X):
                \"\"\"The predicted classes (n,) int64, the network in inference mode.\"\"\"
                ### BEGIN SOLUTION
                logits, _ = network_forward(network, X, False, None)
                return np.argmax(logits, axis=1).astype(np.int64)
                ### END SOLUTION
        """),
        md("""
            Try it: train on four fifths of the training digits and look at the accuracy on the fifth you held
            back (the held-out labels are the grader's; this estimate is yours).
        """),
        code("""
            X_digits, y_digits = training_data("digits")
            cut = len(y_digits) * 4 // 5
            my_network = train_network(X_digits[:cut], y_digits[:cut], np.random.default_rng(0))
            accuracy = np.mean(predict(my_network, X_digits[cut:]) == y_digits[cut:])
            print(f"validation accuracy: {accuracy:.3f}")
        """),
        tests("test_capstone", 8, visible=f"""
            {HELD_OUT_IMPORT}
            X_train, y_train = training_data("digits")
            X_test = held_out_inputs("digits")
            pred = observe("predict(train_network(training digits), held-out digits)",
                           lambda: predict(train_network(X_train, y_train, np.random.default_rng(0)), X_test))
        """, checks=f"""
            from autograder.held_out import held_out_labels
            y_test = held_out_labels("digits")
            assert_array(pred, pred, shape=y_test.shape, dtype="int64", what="one int64 class per held-out digit")
            accuracy = float(np.mean(pred == y_test))
            assert_true(accuracy >= 0.9, f"held-out accuracy of at least 0.9 here (got {{accuracy:.3f}}); "
                                         "the grader asks for {THRESHOLD} on its own split")
            print(f"held-out accuracy {{accuracy:.3f}} on {{len(y_test)}} digits")
        """, hidden="""
            seed = int(grading_rng("train_network").integers(2**31))
            def held_out_predictions():
                network = train_network(X_train, y_train, np.random.default_rng(seed))
                one_by_one = [predict(network, X_test[i:i + 1]) for i in range(10)]
                return predict(network, X_test), predict(network, X_test), one_by_one
            whole, again, singles = observe("predictions of a network trained by the grader", held_out_predictions)
        """, hidden_checks=f"""
            from autograder.held_out import held_out_labels
            y_test = held_out_labels("digits")
            assert_array(whole, whole, shape=y_test.shape, dtype="int64", what="one int64 class per held-out digit")
            assert_array(again, whole, rtol=0, what="a second predict gives the same classes (no dropout at inference)")
            assert_true(type(singles) is list and len(singles) == 10, "predict ran on ten single digits")
            assert_array(np.concatenate(singles), whole[:10], rtol=0,
                         what="a digit's class does not depend on its batch (batch norm uses its running averages)")
            accuracy = float(np.mean(whole == y_test))
            assert_true(accuracy >= {THRESHOLD}, f"held-out accuracy of at least {THRESHOLD} (got {{accuracy:.3f}} "
                                               f"on {{len(y_test)}} digits the notebook never saw)")
            own_code("train_network")
            own_code("predict")
        """),
        written("capstone_written", 2, question=r"""
            ## 8. In your own words (2 points, graded by hand)

            Your network uses dropout and batch norm. Say what each does differently in training and at
            inference, and why the grader checks that `predict` gives the same classes twice, and the same
            class for a digit alone as in a batch. Two to five sentences.
        """, model_answer=r"""
            In training dropout zeroes random units and rescales the rest by $1/(1-p)$, and batch norm
            normalises with the batch's own mean and variance while moving its running averages; at inference
            dropout is the identity and batch norm uses the running averages, a fixed affine map. A `predict`
            left in training mode would draw new dropout masks on every call, so the same digit could get a
            different class each time, and would normalise each digit with the statistics of whatever batch it
            came in — a single digit has zero variance, so its features collapse to $\beta$. Both checks catch a
            network that is still in training mode, which can look accurate on one large batch.
        """),
    ]
