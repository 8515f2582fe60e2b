"""Assignment 2, second half: layers as forward/backward pairs with a cache, and a two-layer network built from them.

The task text gives each forward formula and the shapes; the student derives every backward pass and checks it
with the ``numerical_gradient`` of task 4 in an ungraded cell before the visible test runs. Hidden tests compare
with course_lib's Linear, ReLU and SoftmaxCrossEntropyLoss on inputs drawn by ``grading_rng``.
"""
from tools.build_assignments._cells import answer, code, md, tests

AFFINE = r"""
    ## 5. The affine layer: forward and backward (4 points)

    From here on a layer is a pair of functions. The **forward** function returns its output and a `cache`:
    whatever the backward pass will need, saved so that nothing has to be recomputed. The **backward** function
    receives the upstream gradient `dout` $= \partial L/\partial\text{out}$ (the shape of `out`) and that cache,
    and returns the gradient of $L$ with respect to each input of the forward pass.

    The affine (Linear) layer, in the course's convention (PyTorch's layout, `W` is `(out, in)`):
    $$\text{out} = xW^\top + b,\qquad \text{out}_{ij} = \sum_k x_{ik}W_{jk} + b_j .$$

    | array | shape |
    |---|---|
    | `x` | `(N, D)`: a batch of N rows |
    | `W` | `(M, D)` |
    | `b` | `(M,)`: added to every row |
    | `out`, `dout` | `(N, M)` |

    * `affine_forward(x, W, b) -> (out, cache)`;
    * `affine_backward(dout, cache) -> (dx, dW, db)`: each gradient has the shape of what it is the gradient of
      (`dW` is `(M, D)`), dtype float64.

    **Derive the backward pass yourself**; only the forward formula is given. Write one element, e.g.
    $\partial L/\partial W_{jk} = \sum_{i,l} \frac{\partial L}{\partial\text{out}_{il}}
    \frac{\partial\,\text{out}_{il}}{\partial W_{jk}}$, see which terms of the sum are not zero, and recognise
    what is left as a matrix product. The shapes tell you where a transpose goes. The bias enters every row of
    the batch: what does that do to its gradient?
"""

AFFINE_CHECK = r"""
    **Check your backward before the test does.** A layer's backward takes any upstream gradient `dout`. Take a
    random one and the scalar $f = \sum_{ij}\text{out}_{ij}\,\text{dout}_{ij}$: its gradient with respect to
    `out` is `dout` itself, so its gradients with respect to `x`, `W` and `b` are exactly what
    `affine_backward(dout, cache)` must return. Run the cell below: `numerical_gradient` nudges `x`, `W` and `b`
    in place, one element at a time, and `f` reads them. Relative errors of about $10^{-7}$ or less mean your
    derivation is right; $10^{-3}$ or more means a mistake.
"""

RELU = r"""
    ## 6. The ReLU layer (2 points)

    $\text{out} = \max(0, x)$ elementwise; `x`, `out` and `dout` have any one shape.

    * `relu_forward(x) -> (out, cache)`;
    * `relu_backward(dout, cache) -> dx`, float64 of `x`'s shape.

    Derive `dx` from the forward formula. At exactly $x = 0$ ReLU has no derivative: use 0 there, as PyTorch
    and course_lib do. Neither function may change the arrays it is given (`x`, `dout`): the layer below, a
    second backward pass or a gradient check may still need them.
"""

SOFTMAX = r"""
    ## 7. Softmax cross-entropy: the loss and its gradient (4 points)

    The network's last layer gives class scores `scores` `(N, C)`; `y` `(N,)` holds the integer class of each row.
    Softmax turns a row of scores into probabilities, and the loss is the mean over the batch of minus the log of
    the true class's probability:
    $$p_{ic} = \frac{e^{s_{ic}}}{\sum_{k} e^{s_{ik}}},\qquad
      L = \frac1N\sum_{i=1}^{N} -\log p_{i, y_i}.$$

    Write `softmax_cross_entropy(scores, y) -> (loss, dscores)`: `loss` a float,
    `dscores` $= \partial L/\partial\,\text{scores}$, float64 `(N, C)`.

    **Derive `dscores` yourself.** Hint: $-\log p_{iy} = \log\sum_k e^{s_{ik}} - s_{iy}$; differentiate it with
    respect to $s_{ic}$, and write the cases $c = y_i$ and $c \ne y_i$ as one formula with the indicator
    $[c = y_i]$.

    **It must work for scores of any size.** A badly scaled or diverging network easily produces scores in the
    thousands: $e^{1000}$ overflows float64 to `inf`, and $e^{-1000}$ rounds to 0 (whose log is $-\infty$).
    The loss and the gradient must still come out finite and exact. Softmax does not change when the same number
    is subtracted from every score of a row (lecture 3, section 3.6); use that, and think about where a
    probability that rounded to 0 would meet a logarithm. The visible test uses small scores only.
"""

TWO_LAYER = r"""
    ## 8. A two-layer network from your own layers (5 points)

    The two-layer network $f = W_2\max(0, W_1x)$ (with biases), the one lecture 4 trains in twenty lines of
    numpy (section 4.10), on a batch `X` `(N, D)` with labels `y` `(N,)`:
    $$\text{scores} = \max\!\big(0,\ XW_1^\top + b_1\big)\,W_2^\top + b_2,\qquad
      L = \text{softmax cross-entropy}(\text{scores}, y).$$
    `params` is a dict of float64 arrays: `W1` `(H, D)`, `b1` `(H,)`, `W2` `(C, H)`, `b2` `(C,)`.

    Write `two_layer_loss(params, X, y) -> (loss, grads)`: `loss` a float and `grads` a dict with the same four
    keys, each gradient of its parameter's shape and float64. Build it from your layers: the forward pass goes
    affine → ReLU → affine → softmax cross-entropy keeping every cache, the backward pass calls the backward
    functions in the reverse order. Do not modify `params` or `X`.

    The cell after your answer checks **every** gradient with your `numerical_gradient`: run it before the test.
"""

def layer_cells():
    """The cells of tasks 5-8: each answer, the student's own gradient check, then the graded test."""
    return [
        md(AFFINE),
        answer("affine", """
            def affine_forward(x, W, b):
                \"\"\"out = x W^T + b: x (N, D), W (M, D), b (M,) -> (out (N, M), cache).\"\"\"
                ### BEGIN SOLUTION
                return x @ W.T + b, (x, W, b)
                ### END SOLUTION


            def affine_backward(dout, cache):
                \"\"\"dout (N, M) and the forward's cache -> (dx (N, D), dW (M, D), db (M,)).\"\"\"
                ### BEGIN SOLUTION
                x, W, b = cache
                return dout @ W, dout.T @ x, dout.sum(axis=0)
                ### END SOLUTION
        """),
        md(AFFINE_CHECK),
        code("""
            rng = np.random.default_rng(0)
            x, W, b = rng.normal(size=(3, 4)), rng.normal(size=(5, 4)), rng.normal(size=5)
            dout = rng.normal(size=(3, 5))
            out, cache = affine_forward(x, W, b)
            dx, dW, db = affine_backward(dout, cache)

            def f(_):
                return float(np.sum(affine_forward(x, W, b)[0] * dout))

            for name, analytic, array in [("dx", dx, x), ("dW", dW, W), ("db", db, b)]:
                print(f"{name}: relative error {relative_error(analytic, numerical_gradient(f, array)):.1e}")
        """),
        tests("test_affine", 4, visible="""
            x = np.arange(6.0).reshape(2, 3)
            W = np.arange(12.0).reshape(4, 3) / 10
            b = np.array([0.5, -0.5, 1.0, 0.0])
            dout = np.ones((2, 4))

            def forward_then_backward():
                result, cache = affine_forward(x, W, b)
                return result, affine_backward(dout, cache)

            out, (dx, dW, db) = observe("affine_forward, then affine_backward", forward_then_backward)
        """, checks="""
            assert_array(out, x @ W.T + b, shape=(2, 4), what="out = x W^T + b")
            assert_array(dx, dx, shape=(2, 3), what="dx (its shape)")
            assert_array(dW, dW, shape=(4, 3), what="dW (its shape)")
            assert_array(db, np.full(4, 2.0), shape=(4,), what="db for a dout of ones on a batch of 2")
            print("affine: the forward values and the gradients' shapes work")
        """, hidden="""
            rng = grading_rng("affine")
            n, d, m = (int(v) for v in rng.integers(2, 7, size=3))
            x, dout = rng.normal(size=(n, d)), rng.normal(size=(n, m))
            W, b = rng.normal(scale=d ** -0.5, size=(m, d)), rng.normal(size=m)

            def forward_then_backward():
                result, cache = affine_forward(x, W, b)
                return result, affine_backward(dout, cache)

            out, (dx, dW, db) = observe("affine forward and backward, random", forward_then_backward)
        """, hidden_checks="""
            from course_lib.layers import Linear as RefLinear
            layer = RefLinear(d, m)
            layer.weight.data[...], layer.bias.data[...] = W, b
            ref_out = layer.forward(x)
            ref_dx = layer.backward(dout)
            assert_array(out, ref_out, shape=(n, m), dtype="float64", rtol=1e-10, what="out = x W^T + b")
            assert_array(dx, ref_dx, shape=(n, d), dtype="float64", rtol=1e-10, what="dx")
            assert_array(dW, layer.weight.grad, shape=(m, d), dtype="float64", rtol=1e-10, what="dW")
            assert_array(db, layer.bias.grad, shape=(m,), dtype="float64", rtol=1e-10, what="db")
            own_code("affine_forward")
            own_code("affine_backward")
        """),
        md(RELU),
        answer("relu", """
            def relu_forward(x):
                \"\"\"out = max(0, x) elementwise -> (out, cache).\"\"\"
                ### BEGIN SOLUTION
                return np.maximum(x, 0.0), x
                ### END SOLUTION


            def relu_backward(dout, cache):
                \"\"\"dout (x's shape) and the forward's cache -> dx (x's shape).\"\"\"
                ### BEGIN SOLUTION
                x = cache
                return np.where(x > 0, dout, 0.0)
                ### END SOLUTION
        """),
        code("""
            rng = np.random.default_rng(0)
            # the same check as for the affine layer: f = sum(out * dout) has gradient relu_backward(dout, cache)
            x, dout = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
            out, cache = relu_forward(x)
            dx = relu_backward(dout, cache)
            numeric = numerical_gradient(lambda _: float(np.sum(relu_forward(x)[0] * dout)), x)
            print(f"dx: relative error {relative_error(dx, numeric):.1e}")
        """),
        tests("test_relu", 2, visible="""
            x = np.array([[-1.5, 2.0, 0.5], [3.0, -0.25, -4.0]])
            dout = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])

            def forward_then_backward():
                result, cache = relu_forward(x)
                return result, relu_backward(dout, cache)

            out, dx = observe("relu_forward, then relu_backward", forward_then_backward)
        """, checks="""
            assert_array(out, np.array([[0.0, 2.0, 0.5], [3.0, 0.0, 0.0]]), shape=(2, 3), what="max(0, x)")
            assert_array(dx, np.array([[0.0, 2.0, 3.0], [4.0, 0.0, 0.0]]), shape=(2, 3), what="dx")
            print("relu: the example works")
        """, hidden="""
            rng = grading_rng("relu")
            shape = (int(rng.integers(2, 6)), int(rng.integers(2, 6)))
            x, dout = rng.normal(size=shape), rng.normal(size=shape)
            x.flat[::3] = 0.0  # exact zeros: the gradient there is 0

            def run(x0, dout0):
                result, cache = relu_forward(x0)
                return result, relu_backward(dout0, cache), x0, dout0

            out, dx, x_after, dout_after = observe("relu forward and backward, random",
                                                   lambda: run(x.copy(), dout.copy()))
        """, hidden_checks="""
            assert_array(out, np.maximum(x, 0.0), shape=shape, dtype="float64", rtol=0, what="max(0, x)")
            assert_array(dx, np.where(x > 0, dout, 0.0), shape=shape, dtype="float64", rtol=0,
                         what="dx (0 where x <= 0, exact zeros included)")
            assert_array(x_after, x, rtol=0, what="x after relu_forward (it must not change)")
            assert_array(dout_after, dout, rtol=0, what="dout after relu_backward (it must not change)")
            own_code("relu_forward")
            own_code("relu_backward")
        """),
        md(SOFTMAX),
        answer("softmax_cross_entropy", """
            def softmax_cross_entropy(scores, y):
                \"\"\"Mean of -log softmax(scores)[y] over the batch -> (loss, dscores (N, C)).\"\"\"
                ### BEGIN SOLUTION
                n = scores.shape[0]
                rows = np.arange(n)
                shifted = scores - scores.max(axis=1, keepdims=True)
                exp = np.exp(shifted)
                total = exp.sum(axis=1, keepdims=True)
                loss = float(np.mean(np.log(total[:, 0]) - shifted[rows, y]))
                dscores = exp / total
                dscores[rows, y] -= 1.0
                dscores /= n
                return loss, dscores
                ### END SOLUTION
        """),
        code("""
            rng = np.random.default_rng(0)
            # the loss is already a scalar: compare dscores with its numerical gradient directly
            scores, y = rng.normal(size=(5, 4)), np.array([0, 3, 1, 1, 2])
            loss, dscores = softmax_cross_entropy(scores, y)
            numeric = numerical_gradient(lambda _: softmax_cross_entropy(scores, y)[0], scores)
            print(f"loss {loss:.6f}; dscores: relative error {relative_error(dscores, numeric):.1e}")
        """),
        tests("test_softmax_cross_entropy", 4, visible="""
            scores = np.array([[2.0, 1.0, 0.1], [0.5, 0.5, 0.5]])
            y = np.array([0, 2])
            loss, dscores = observe("softmax_cross_entropy on two rows", lambda: softmax_cross_entropy(scores, y))
        """, checks="""
            expected = np.mean(np.log(np.exp(scores).sum(axis=1)) - scores[[0, 1], y])
            assert_scalar(loss, expected, rtol=1e-10, what="the mean of -log softmax(scores)[y]")
            assert_array(dscores, dscores, shape=(2, 3), what="dscores (its shape)")
            assert_array(dscores.sum(axis=1), np.zeros(2), atol=1e-12, what="the sum of each row of dscores")
            assert_true(bool(np.all(dscores[[0, 1], y] < 0)), "dscores must be negative at the true class")
            print("softmax_cross_entropy: the loss, the shape and the row sums work")
        """, hidden="""
            rng = grading_rng("softmax_cross_entropy")
            n, c = int(rng.integers(3, 9)), int(rng.integers(3, 7))
            scores, y = rng.normal(scale=2.0, size=(n, c)), rng.integers(0, c, size=n)
            loss, dscores = observe("softmax_cross_entropy random", lambda: softmax_cross_entropy(scores, y))
            # scores in the thousands (e^s overflows); the true class far below the best (its p rounds to 0)
            huge = 2000.0 + 500.0 * rng.normal(size=(n, c))
            y_far = huge.argmin(axis=1)
            huge[0, y_far[0]] -= 2000.0
            loss_huge, dscores_huge = observe("softmax_cross_entropy on scores in the thousands",
                                              lambda: softmax_cross_entropy(huge, y_far))
        """, hidden_checks="""
            from course_lib.losses import SoftmaxCrossEntropyLoss
            for what, s, t, got_loss, got_d in [("random scores", scores, y, loss, dscores),
                                                ("scores in the thousands", huge, y_far, loss_huge, dscores_huge)]:
                ref = SoftmaxCrossEntropyLoss()
                assert_scalar(got_loss, ref.forward(s, t), rtol=1e-10, what=f"the loss on {what}")
                assert_array(got_d, ref.backward(), shape=(n, c), dtype="float64", rtol=1e-8, atol=1e-12,
                             what=f"dscores on {what}")
            own_code("softmax_cross_entropy")
        """),
        md(TWO_LAYER),
        answer("two_layer", """
            def two_layer_loss(params, X, y):
                \"\"\"Loss of affine-ReLU-affine-softmax CE on (X, y), and a dict of every parameter's gradient.\"\"\"
                ### BEGIN SOLUTION
                z1, cache1 = affine_forward(X, params["W1"], params["b1"])
                hidden, relu_cache = relu_forward(z1)
                scores, cache2 = affine_forward(hidden, params["W2"], params["b2"])
                loss, dscores = softmax_cross_entropy(scores, y)
                dhidden, dW2, db2 = affine_backward(dscores, cache2)
                dz1 = relu_backward(dhidden, relu_cache)
                _, dW1, db1 = affine_backward(dz1, cache1)
                return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
                ### END SOLUTION
        """),
        code("""
            rng = np.random.default_rng(0)
            # every parameter: numerical_gradient nudges params[name] in place, and the loss reads it from params
            X, y = rng.normal(size=(6, 4)), np.array([0, 1, 2, 2, 1, 0])
            params = {"W1": rng.normal(size=(5, 4)) / 2, "b1": rng.normal(size=5) / 2,
                      "W2": rng.normal(size=(3, 5)) / 2, "b2": rng.normal(size=3) / 2}
            loss, grads = two_layer_loss(params, X, y)
            print(f"loss {loss:.6f}")
            for name in params:
                numeric = numerical_gradient(lambda _: two_layer_loss(params, X, y)[0], params[name])
                print(f"{name}: relative error {relative_error(grads[name], numeric):.1e}")
        """),
        tests("test_two_layer", 5, visible="""
            rng = np.random.default_rng(0)
            X, y = rng.normal(size=(4, 5)), np.array([0, 2, 1, 2])
            params = {"W1": rng.normal(size=(6, 5)), "b1": rng.normal(size=6),
                      "W2": np.zeros((3, 6)), "b2": np.zeros(3)}
            loss, grads = observe("two_layer_loss with W2 = 0 and b2 = 0", lambda: two_layer_loss(params, X, y))
        """, checks="""
            assert_scalar(loss, np.log(3.0), rtol=1e-10, what="the loss when every score is 0: log(3 classes)")
            assert_true(type(grads) is dict and sorted(grads) == ["W1", "W2", "b1", "b2"],
                        "grads must be a dict with the keys W1, b1, W2, b2")
            for name, value in params.items():
                assert_array(grads[name], grads[name], shape=value.shape, dtype="float64",
                             what=f"grads[{name!r}] (its shape and dtype)")
            for name in ("W1", "b1"):
                assert_array(grads[name], np.zeros(params[name].shape), atol=1e-12,
                             what=f"grads[{name!r}]: with W2 = 0 no gradient reaches the first layer")
            print("two_layer_loss: the loss at zero scores and the gradients' shapes work")
        """, hidden="""
            rng = grading_rng("two_layer")
            n, d, h, c = (int(v) for v in rng.integers([3, 3, 4, 3], [9, 8, 10, 7]))
            X, y = rng.normal(size=(n, d)), rng.integers(0, c, size=n)
            params = {"W1": rng.normal(scale=d ** -0.5, size=(h, d)), "b1": rng.normal(scale=0.5, size=h),
                      "W2": rng.normal(scale=h ** -0.5, size=(c, h)), "b2": rng.normal(scale=0.5, size=c)}

            def run(params0, X0):
                loss, grads = two_layer_loss(params0, X0, y)
                return loss, grads, params0, X0

            loss, grads, params_after, X_after = observe(
                "two_layer_loss random", lambda: run({k: v.copy() for k, v in params.items()}, X.copy()))
        """, hidden_checks="""
            from course_lib.layers import Linear as RefLinear
            from course_lib.layers import ReLU as RefReLU
            from course_lib.losses import SoftmaxCrossEntropyLoss
            first, second, ref_relu, ref_ce = RefLinear(d, h), RefLinear(h, c), RefReLU(), SoftmaxCrossEntropyLoss()
            first.weight.data[...], first.bias.data[...] = params["W1"], params["b1"]
            second.weight.data[...], second.bias.data[...] = params["W2"], params["b2"]
            ref_loss = ref_ce.forward(second.forward(ref_relu.forward(first.forward(X))), y)
            first.backward(ref_relu.backward(second.backward(ref_ce.backward())))
            ref_grads = {"W1": first.weight.grad, "b1": first.bias.grad,
                         "W2": second.weight.grad, "b2": second.bias.grad}
            assert_scalar(loss, ref_loss, rtol=1e-10, what="the loss")
            assert_true(type(grads) is dict and sorted(grads) == sorted(ref_grads),
                        "grads must be a dict with exactly the keys W1, b1, W2, b2")
            for name, ref_grad in ref_grads.items():
                assert_array(grads[name], ref_grad, shape=ref_grad.shape, dtype="float64", rtol=1e-8, atol=1e-12,
                             what=f"grads[{name!r}]")
                assert_array(params_after[name], params[name], rtol=0,
                             what=f"params[{name!r}] after the call (it must not change)")
            assert_array(X_after, X, rtol=0, what="X after the call (it must not change)")
            own_code("two_layer_loss")
        """),
    ]
