"""Assignment 5 — Regularisation: dropout, batch norm, the L2 gradient, an augmentation, an MLP on the digits."""
from tools.build_assignments._cells import answer, code, md, rules, setup, tests, written

ID = "05_regularisation"
TITLE = "Assignment 5 — Regularisation"
# course_lib modules not in the grading sandbox (autograder.forbidden): they implement what is graded
# (Dropout, BatchNorm1d and l2_penalty live in modules the digits model needs: the sandbox cuts out just them)
FORBIDDEN = ("course_lib.augment", "course_lib.losses.l2_penalty", "course_lib.regularisation.BatchNorm1d",
             "course_lib.regularisation.Dropout")
SPLIT_SEED = 2024  # the notebook and the hidden test split the digits the same way


def cells():
    return [
        rules(ID, allowed="numpy (`np`); for the digits model in part 5 also `course_lib.layers` (`Linear`, "
                          "`ReLU`, `Sequential`, …), `course_lib.losses`, `course_lib.optim` and "
                          "`course_lib.training.fit`.",
              forbidden="`course_lib.layers.Dropout` and `BatchNorm1d`, `course_lib.losses.l2_penalty` and "
                        "`course_lib.augment` (they implement what parts 1–4 grade; the grader's sandbox does not "
                        "have them, so your digits model in part 5 cannot use them either)."),
        setup("import numpy as np"),
        md(r"""
            ## 1. Dropout (3 points)

            *Inverted dropout*: in training each unit is kept with probability $1-p$ and the kept ones are
            scaled up, $y = x \odot m/(1-p)$ with $m_{ij} \sim \mathrm{Bernoulli}(1-p)$, so that
            $\mathbb E[y] = x$ and inference needs no change: $y = x$.

            * `dropout_forward(x, p, training, rng)` returns `(out, mask)`: in training draw the boolean keep-mask
              `mask` (shape of `x`, `True` = kept) with the numpy Generator `rng`; at inference return
              `(x, None)`. `out` keeps `x`'s dtype.
            * `dropout_backward(dout, mask, p)` returns $\partial L/\partial x$ for a training forward pass.
        """),
        answer("dropout", """
            def dropout_forward(x, p, training, rng):
                \"\"\"Inverted dropout: (x * mask / (1 - p), mask) in training, (x, None) at inference.\"\"\"
                ### BEGIN SOLUTION
                if not training:
                    return x, None
                mask = rng.random(x.shape) >= p
                return x * mask / x.dtype.type(1 - p), mask
                ### END SOLUTION


            def dropout_backward(dout, mask, p):
                \"\"\"dL/dx = dout * mask / (1 - p).\"\"\"
                ### BEGIN SOLUTION
                return dout * mask / dout.dtype.type(1 - p)
                ### END SOLUTION
        """),
        tests("test_dropout", 3, visible="""
            x = np.arange(1.0, 13.0).reshape(3, 4)
            out, mask = observe("dropout_forward(training)",
                                lambda: dropout_forward(x, 0.5, True, np.random.default_rng(0)))
            inference, _ = observe("dropout_forward(inference)", lambda: dropout_forward(x, 0.5, False, None))
        """, checks="""
            assert_array(out, out, shape=(3, 4), what="the output of dropout in training")
            assert_array(mask, mask, shape=(3, 4), dtype="bool", what="the keep-mask")
            assert_array(out[~mask], np.zeros(int((~mask).sum())), what="dropped units are zero")
            assert_array(inference, x, what="at inference dropout is the identity")
            print("dropout: masks and inference work")
        """, hidden="""
            rng = grading_rng("dropout")
            p = float(rng.uniform(0.2, 0.7))
            x = rng.normal(size=(200, 60))
            seed = int(rng.integers(2**31))
            out, mask = observe("dropout_forward random",
                                lambda: dropout_forward(x, p, True, np.random.default_rng(seed)))
            x32 = x.astype(np.float32)
            out32, _ = observe("dropout_forward float32",
                               lambda: dropout_forward(x32, p, True, np.random.default_rng(seed)))
            dout = rng.normal(size=x.shape)
            fixed_mask = rng.uniform(size=x.shape) > p  # the verifier's own mask: backward is checked on it
            dx = observe("dropout_backward random", lambda: dropout_backward(dout, fixed_mask, p))
        """, hidden_checks="""
            assert_array(mask, mask, shape=x.shape, dtype="bool", what="the keep-mask")
            kept, n = float(mask.mean()), mask.size
            assert_true(abs(kept - (1 - p)) < 5 * np.sqrt(p * (1 - p) / n),
                        f"the fraction of kept units is about 1 - p = {1 - p:.3f} (got {kept:.3f})")
            assert_array(out, np.where(mask, x / (1 - p), 0.0), shape=x.shape, dtype="float64", rtol=1e-12,
                         what=f"out = x * mask / (1 - p) with p = {p:.3f} (inverted dropout rescales)")
            assert_array(out32, out32, shape=x.shape, dtype="float32", what="dropout keeps float32")
            assert_array(dx, np.where(fixed_mask, dout / (1 - p), 0.0), shape=x.shape, dtype="float64", rtol=1e-12,
                         what="dL/dx = dout * mask / (1 - p)")
            own_code("dropout_forward")
            own_code("dropout_backward")
        """),
        md(r"""
            ## 2. Batch normalisation (6 points)

            **Training** normalises each feature with the statistics of the batch $x$ (`(m, features)`):
            $\mu = \frac1m\sum_i x_i$, $\sigma^2 = \frac1m\sum_i (x_i-\mu)^2$,
            $\hat x = (x - \mu)/\sqrt{\sigma^2+\varepsilon}$, $y = \gamma\hat x + \beta$, and moves the running
            averages with the **unbiased** variance:
            $r_\mu \leftarrow (1-\text{momentum})\,r_\mu + \text{momentum}\,\mu$,
            $r_{\sigma^2} \leftarrow (1-\text{momentum})\,r_{\sigma^2} + \text{momentum}\,\sigma^2\frac{m}{m-1}$.
            **Inference** uses the running averages instead of the batch's statistics and leaves them unchanged.

            * `batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5)`
              returns `(out, new_running_mean, new_running_var, cache)`; do not modify the arrays passed in.
            * `cache` is anything your backward pass will need: plan it after you have derived the backward
              below (`None` at inference).
        """),
        answer("batchnorm_forward", """
            def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
                \"\"\"Batch norm over the batch axis; x (m, features) -> (out, running_mean, running_var, cache).\"\"\"
                ### BEGIN SOLUTION
                if not training:
                    out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
                    return out, running_mean.copy(), running_var.copy(), None
                m = x.shape[0]
                mu, var = x.mean(axis=0), x.var(axis=0)
                inv_std = 1.0 / np.sqrt(var + eps)
                xhat = (x - mu) * inv_std
                new_mean = (1 - momentum) * running_mean + momentum * mu
                new_var = (1 - momentum) * running_var + momentum * var * m / (m - 1)
                return gamma * xhat + beta, new_mean, new_var, (xhat, inv_std, gamma)
                ### END SOLUTION
        """),
        tests("test_batchnorm_forward", 3, visible="""
            rng = np.random.default_rng(1)
            x = rng.normal(loc=3.0, scale=2.0, size=(16, 4))
            ones, zeros = np.ones(4), np.zeros(4)
            out, rm, rv, _ = observe("batchnorm_forward(training)",
                                     lambda: batchnorm_forward(x, ones, zeros, zeros.copy(), ones.copy(), True))
            out_eval, *_ = observe("batchnorm_forward(inference)",
                                   lambda: batchnorm_forward(x, ones, zeros, zeros.copy(), ones.copy(), False))
        """, checks="""
            assert_array(out, out, shape=(16, 4), what="the output in training")
            assert_array(out.mean(axis=0), np.zeros(4), atol=1e-10, what="per-feature mean (gamma=1, beta=0)")
            assert_array(out.std(axis=0), np.ones(4), rtol=1e-4, what="per-feature std of the output (gamma=1, beta=0)")
            assert_array(out_eval, out_eval, shape=(16, 4), what="the output at inference")
            print("batchnorm_forward: training normalises, inference runs")
        """, hidden="""
            rng = grading_rng("batchnorm_forward")
            m, n = int(rng.integers(4, 20)), int(rng.integers(2, 7))
            momentum, eps = float(rng.uniform(0.05, 0.5)), float(10.0 ** rng.uniform(-5, -2))
            x = rng.normal(loc=rng.normal(size=n), scale=rng.uniform(0.5, 3, size=n), size=(m, n))
            gamma, beta = rng.normal(size=n), rng.normal(size=n)
            rm, rv = rng.normal(size=n), rng.uniform(0.5, 2, size=n)
            got = observe("batchnorm_forward training random",
                          lambda: batchnorm_forward(x, gamma, beta, rm.copy(), rv.copy(), True, momentum, eps))
            x2 = rng.normal(loc=2.0, size=(m, n))
            # inference uses running averages the kernel never computed: drawn here, checked by the verifier
            run_mean, run_var = rng.normal(size=n), rng.uniform(0.5, 2, size=n)
            got_eval = observe("batchnorm_forward inference random",
                               lambda: batchnorm_forward(x2, gamma, beta, run_mean.copy(), run_var.copy(), False,
                                                         momentum, eps))
        """, hidden_checks="""
            from course_lib.layers import BatchNorm1d
            ref = BatchNorm1d(n, eps=eps, momentum=momentum)
            ref.gamma.data[...], ref.beta.data[...] = gamma, beta
            ref.running_mean[...], ref.running_var[...] = rm, rv
            expected = ref.train().forward(x)
            out, new_rm, new_rv = got[0], got[1], got[2]
            assert_array(out, expected, shape=(m, n), dtype="float64", rtol=1e-9, atol=1e-12, what="training output")
            assert_array(new_rm, ref.running_mean, shape=(n,), rtol=1e-10, what="running mean after one training batch")
            assert_array(new_rv, ref.running_var, shape=(n,), rtol=1e-10,
                         what="running variance after one batch (unbiased: m/(m-1) times the batch variance)")
            ref.running_mean[...], ref.running_var[...] = run_mean, run_var
            expected = ref.eval().forward(x2)
            assert_array(got_eval[0], expected, shape=(m, n), dtype="float64", rtol=1e-9, atol=1e-12,
                         what="inference output (normalised with the running averages, not the batch)")
            assert_array(got_eval[1], run_mean, rtol=1e-12, what="inference leaves the running mean unchanged")
            own_code("batchnorm_forward")
        """),
        md(r"""
            ### Derive the backward pass

            Now the gradients, which are not given here: derive them yourself, on paper, for a *training*
            forward pass. With $g = \partial L/\partial y$ (shape `(m, features)`), find
            $\partial L/\partial\beta$, $\partial L/\partial\gamma$ and $\partial L/\partial x$.

            The first two follow in one line each. For $\partial L/\partial x$ remember that $\mu$ and
            $\sigma^2$ are functions of the whole batch: each $x_{ij}$ reaches the loss directly through
            $\hat x_{ij}$, and through $\mu_j$ and $\sigma^2_j$, which every $\hat x_{kj}$ of its column uses.
            Draw the computational graph, apply the chain rule along all three paths, and simplify until the
            result is written with $\hat x$, $\gamma$, $g$ and $\sqrt{\sigma^2+\varepsilon}$ only (batch means
            such as $\frac1m\sum_k g_{kj}$ are allowed). Then store in `cache` what your formula needs.

            * `batchnorm_backward(dout, cache)` returns `(dx, dgamma, dbeta)` (shapes of `x`, `gamma`, `beta`).
        """),
        answer("batchnorm_backward", """
            def batchnorm_backward(dout, cache):
                \"\"\"(dx, dgamma, dbeta) of a training-mode batch norm; dout (m, features).\"\"\"
                ### BEGIN SOLUTION
                xhat, inv_std, gamma = cache
                dbeta = dout.sum(axis=0)
                dgamma = (dout * xhat).sum(axis=0)
                d = dout * gamma
                dx = (d - d.mean(axis=0) - xhat * (d * xhat).mean(axis=0)) * inv_std
                return dx, dgamma, dbeta
                ### END SOLUTION
        """),
        md(r"""
            ### Check your derivation before the test does

            A gradient you derived is only a conjecture until central differences agree with it. Paste your
            `numerical_gradient(f, x, eps=1e-6)` from assignment 2 into the next cell (your own, not
            `course_lib`'s), then run the cell after it: it compares your three gradients with the numerical
            ones for the loss $L = \sum_{ij} g_{ij}\,y_{ij}$, whose gradient with respect to $y$ is exactly $g$.
            Relative errors around $10^{-8}$ or smaller mean your derivation is right; an error near $1$ points
            to a missing path in the graph. This check is not graded, the test after it is.
        """),
        answer("numerical_gradient", """
            def numerical_gradient(f, x, eps=1e-6):
                \"\"\"Central-difference gradient of the scalar f at x (any shape) -> array of x's shape.\"\"\"
                ### BEGIN SOLUTION
                grad = np.zeros_like(x, dtype=np.float64)
                for i in np.ndindex(x.shape):
                    old = x[i]
                    x[i] = old + eps
                    f_plus = f(x)
                    x[i] = old - eps
                    f_minus = f(x)
                    x[i] = old
                    grad[i] = (f_plus - f_minus) / (2 * eps)
                return grad
                ### END SOLUTION
        """),
        code("""
            def check_batchnorm_gradients(m=6, features=4, seed=5):
                \"\"\"Relative error of each analytic gradient against central differences of L = sum(g * y).\"\"\"
                rng = np.random.default_rng(seed)
                x, g = rng.normal(size=(m, features)), rng.normal(size=(m, features))
                gamma, beta = rng.normal(size=features), rng.normal(size=features)
                stats = np.zeros(features), np.ones(features)

                def loss(x, gamma, beta):
                    return float(np.sum(g * batchnorm_forward(x, gamma, beta, *stats, True)[0]))

                *_, cache = batchnorm_forward(x, gamma, beta, *stats, True)
                analytic = dict(zip(("dx", "dgamma", "dbeta"), batchnorm_backward(g, cache)))
                numeric = {"dx": numerical_gradient(lambda v: loss(v, gamma, beta), x.copy()),
                           "dgamma": numerical_gradient(lambda v: loss(x, v, beta), gamma.copy()),
                           "dbeta": numerical_gradient(lambda v: loss(x, gamma, v), beta.copy())}
                for name in analytic:
                    a, n = np.asarray(analytic[name]), numeric[name]
                    error = np.max(np.abs(a - n)) / max(np.max(np.abs(a) + np.abs(n)), 1e-12)
                    verdict = "agrees" if error < 1e-6 else "DISAGREES: recheck your derivation"
                    print(f"{name}: relative error {error:.1e}, {verdict}")


            check_batchnorm_gradients()
        """),
        tests("test_batchnorm_backward", 3, visible="""
            rng = np.random.default_rng(2)
            x, dout = rng.normal(size=(8, 3)), rng.normal(size=(8, 3))

            def forward_then_backward():
                _, _, _, cache = batchnorm_forward(x, np.ones(3), np.zeros(3), np.zeros(3), np.ones(3), True)
                return batchnorm_backward(dout, cache)

            dx, dgamma, dbeta = observe("batchnorm_backward", forward_then_backward)
        """, checks="""
            assert_array(dx, dx, shape=(8, 3), what="dx")
            xhat = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + 1e-5)
            assert_array(dgamma, (dout * xhat).sum(axis=0), shape=(3,), rtol=1e-8, what="dgamma")
            assert_array(dbeta, dout.sum(axis=0), shape=(3,), rtol=1e-10, what="dbeta")
            print("batchnorm_backward: shapes, dgamma and dbeta work; dx is checked by the hidden tests")
        """, hidden="""
            rng = grading_rng("batchnorm_backward")
            m, n = int(rng.integers(4, 20)), int(rng.integers(2, 7))
            eps = float(10.0 ** rng.uniform(-5, -1))  # a large eps shows whether the backward uses the one given
            x, dout = rng.normal(scale=rng.uniform(0.2, 2), size=(m, n)), rng.normal(size=(m, n))
            gamma, beta = rng.normal(size=n), rng.normal(size=n)

            def forward_then_backward():
                *_, cache = batchnorm_forward(x, gamma, beta, np.zeros(n), np.ones(n), True, 0.1, eps)
                return batchnorm_backward(dout, cache)

            dx, dgamma, dbeta = observe("batchnorm_backward random", forward_then_backward)
        """, hidden_checks="""
            from course_lib.layers import BatchNorm1d
            ref = BatchNorm1d(n, eps=eps)
            ref.gamma.data[...], ref.beta.data[...] = gamma, beta
            ref.train().forward(x)
            ref_dx = ref.backward(dout)
            assert_array(dx, ref_dx, shape=(m, n), dtype="float64", rtol=1e-8, atol=1e-10,
                         what="dx (the batch mean and variance depend on x too)")
            assert_array(dgamma, ref.gamma.grad, shape=(n,), rtol=1e-9, what="dgamma")
            assert_array(dbeta, ref.beta.grad, shape=(n,), rtol=1e-9, what="dbeta")
            own_code("batchnorm_backward")
        """),
        md(r"""
            ## 3. The L2 penalty and its gradient (2 points)

            Weight decay adds $\frac{\lambda}{2}\sum_W\sum_{ij} W_{ij}^2$ to the loss, so its gradient is
            $\partial/\partial W = \lambda W$: the same as `weight_decay=λ` in SGD (and in PyTorch). Write
            `l2_penalty_and_grad(weights, lam)` for a list of weight arrays: return `(penalty, grads)` with
            `penalty` a Python float and `grads` a list with $\lambda W$ for each array, in order.
        """),
        answer("l2", """
            def l2_penalty_and_grad(weights, lam):
                \"\"\"(lam / 2 * sum of all squared weights, [lam W for each W]).\"\"\"
                ### BEGIN SOLUTION
                return float(lam / 2 * sum(np.sum(W * W) for W in weights)), [lam * W for W in weights]
                ### END SOLUTION
        """),
        tests("test_l2", 2, visible="""
            weights = [np.array([[1.0, -2.0]]), np.array([3.0])]
            value, grads = observe("l2_penalty_and_grad", lambda: l2_penalty_and_grad(weights, 0.1))
        """, checks="""
            assert_scalar(value, 0.7, what="0.1 / 2 * (1 + 4 + 9)")
            assert_true(isinstance(grads, list) and len(grads) == 2, "one gradient per weight array")
            assert_array(grads[0], grads[0], shape=(1, 2), what="the gradient of the first array")
            print("l2_penalty_and_grad: the penalty works")
        """, hidden="""
            rng = grading_rng("l2")
            weights = [rng.normal(size=(int(rng.integers(1, 5)), int(rng.integers(1, 5)))) for _ in range(3)]
            lam = float(rng.uniform(1e-3, 1))
            value, grads = observe("l2_penalty_and_grad random", lambda: l2_penalty_and_grad(weights, lam))
        """, hidden_checks="""
            # the course-wide convention, computed here with numpy: (lam/2) sum W^2, gradient lam W
            expected = lam / 2 * sum(float(np.vdot(W, W)) for W in weights)
            assert_scalar(value, expected, rtol=1e-12, what=f"the penalty (lam/2) sum W^2 with lam = {lam:.4f}")
            assert_true(isinstance(grads, list) and len(grads) == 3, "one gradient per weight array")
            for i, (g, W) in enumerate(zip(grads, weights)):
                assert_array(g, lam * W, shape=W.shape, dtype="float64", rtol=1e-12, what=f"gradient {i} (lam W)")
            own_code("l2_penalty_and_grad")
        """),
        md(r"""
            ## 4. One augmentation: the horizontal flip (1 point)

            Write `hflip(images)` for a stack of grey images `(N, H, W)`: mirror every image left–right,
            $y_{n,i,j} = x_{n,i,W-1-j}$. Return a new array of the same shape and dtype.
        """),
        answer("hflip", """
            def hflip(images):
                \"\"\"Mirror each image of (N, H, W) left-right.\"\"\"
                ### BEGIN SOLUTION
                return images[:, :, ::-1].copy()
                ### END SOLUTION
        """),
        tests("test_hflip", 1, visible="""
            images = np.random.default_rng(3).uniform(size=(2, 4, 5))
            once = observe("hflip(images)", lambda: hflip(images))
            twice = observe("hflip(hflip(images))", lambda: hflip(hflip(images)))
        """, checks="""
            assert_array(once, once, shape=(2, 4, 5), what="hflip keeps the shape")
            assert_array(twice, images, rtol=0, what="flipping twice gives the images back")
            print("hflip: shape and involution work")
        """, hidden="""
            rng = grading_rng("hflip")
            # width 3 would read as one colour image (H, W, 3) to the reference, so widths start at 4
            images = rng.uniform(size=(int(rng.integers(2, 6)), int(rng.integers(3, 9)), int(rng.integers(4, 9))))
            got = observe("hflip random", lambda: hflip(images))
        """, hidden_checks="""
            from course_lib.augment import RandomHorizontalFlip
            expected = RandomHorizontalFlip(p=1.0).batch(images)
            assert_array(got, expected, shape=images.shape, dtype="float64", rtol=0,
                         what="each image mirrored left-right")
            own_code("hflip")
        """),
        md(rf"""
            ## 5. An MLP on the digits (4 points)

            Train a classifier for the 8×8 handwritten digits (64 pixels in $[0, 1]$, 10 classes). Here you may
            use `course_lib`'s building blocks: `layers.Linear`, `layers.ReLU`, `layers.Sequential`,
            `losses.SoftmaxCrossEntropyLoss`, `optim.Adam` and `training.fit` (or your own code).

            * `train_digits_model(X, y, rng=0)` builds and trains a model on `X (n, 64)`, `y (n,)` and returns it;
              training must take only a few seconds.
            * `predict_digits(model, X)` returns the predicted classes as an int64 array `(n,)`, with the model in
              inference mode.

            The cell after the answer splits the data with seed {SPLIT_SEED} into training, validation and a
            **held-out** test part. Train only on the training part: the grader measures accuracy on held-out
            digits and expects at least **0.93**.
        """),
        answer("digits", """
            from course_lib.layers import Linear, ReLU, Sequential
            from course_lib.losses import SoftmaxCrossEntropyLoss
            from course_lib.optim import Adam
            from course_lib.training import fit


            def train_digits_model(X, y, rng=0):
                \"\"\"An MLP for the digits, trained on X (n, 64), y (n,); returns the model.\"\"\"
                ### BEGIN SOLUTION
                gen = np.random.default_rng(rng)
                model = Sequential(Linear(64, 128, rng=gen), ReLU(), Linear(128, 10, rng=gen))
                fit(model, X, y, SoftmaxCrossEntropyLoss(), Adam(model.parameters(), lr=3e-3), epochs=20,
                    batch_size=32, progress=False, rng=gen)
                return model
                ### END SOLUTION


            def predict_digits(model, X):
                \"\"\"Predicted classes (n,) int64 of the model in inference mode.\"\"\"
                ### BEGIN SOLUTION
                model.eval()
                return np.argmax(model.forward(X), axis=1).astype(np.int64)
                ### END SOLUTION
        """),
        code(f"""
            from course_lib.datasets import load_digits, train_val_test_split

            X_digits, y_digits = load_digits()
            (X_train, y_train), (X_val, y_val), _held_out = train_val_test_split(
                X_digits, y_digits, val=0.15, test=0.15, rng={SPLIT_SEED})
            digits_model = train_digits_model(X_train, y_train)
            print(f"validation accuracy: {{np.mean(predict_digits(digits_model, X_val) == y_val):.3f}}")
        """),
        tests("test_digits", 4, visible=f"""
            X_all, y_all = load_digits()
            _, (X_check, y_check), (X_held, y_held) = train_val_test_split(
                X_all, y_all, val=0.15, test=0.15, rng={SPLIT_SEED})
            pred = observe("predict_digits(validation digits)", lambda: predict_digits(digits_model, X_check))
        """, checks="""
            assert_array(pred, pred, shape=y_check.shape, dtype="int64", what="one int64 class per digit")
            val_acc = float(np.mean(pred == y_check))
            assert_true(val_acc > 0.8, f"validation accuracy above 0.8 (got {val_acc:.3f})")
            print(f"digits: validation accuracy {val_acc:.3f}")
        """, hidden="""
            rng = grading_rng("digits")
            pick = rng.choice(len(y_held), size=200, replace=False)
            pred = observe("predict_digits(held-out digits)", lambda: predict_digits(digits_model, X_held[pick]))
        """, hidden_checks="""
            assert_array(pred, pred, shape=(200,), dtype="int64", what="one int64 class per held-out digit")
            acc = float(np.mean(pred == y_held[pick]))
            assert_true(acc >= 0.93, f"held-out accuracy of at least 0.93 (got {acc:.3f} on 200 digits)")
            own_code("train_digits_model")
            own_code("predict_digits")
        """),
        written("regularisation_written", 2, question=r"""
            ## 6. In your own words (2 points, graded by hand)

            Why must batch normalisation use running averages rather than the batch's own statistics at
            inference? Give two reasons in two to four sentences.
        """, model_answer=r"""
            With batch statistics a prediction would depend on which other examples happen to share its batch,
            so the same input could get different outputs, and a batch of one (a single query) has zero variance
            and cannot be normalised at all. The running averages estimate the population mean and variance seen
            in training, turning batch norm into a fixed affine map $y = s\odot x + t$ (which can even be folded
            into the previous layer), deterministic and independent of the batch.
        """),
    ]
