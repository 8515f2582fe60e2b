"""Assignment 1 — Neurons and XOR: threshold neuron, gate weights, the perceptron rule, XOR two ways, then
derivatives path by path, a quiz, and a 2-2-1 network trained on XOR (those three in :mod:`.a01_xor_network`)."""
from tools.build_assignments import a01_xor_network
from tools.build_assignments._cells import answer, md, rules, setup, tests, written

ID = "01_neurons"
TITLE = "Assignment 1 — Neurons and XOR"
# course_lib modules not in the grading sandbox (autograder.forbidden): they implement what is graded (the
# neuron and the perceptron; the gradients of tasks 6 and 8, which autograd's Value or the layers would compute)
FORBIDDEN = ("course_lib.autograd", "course_lib.layers", "course_lib.neuron")


def cells():
    return [
        rules(ID, allowed="numpy (`np`) and plain Python.",
              forbidden="`course_lib.neuron`, `course_lib.autograd` or `course_lib.layers` (they implement "
                        "what is graded here: the neuron, the perceptron and the gradients of a network)."),
        setup("import numpy as np"),
        md(r"""
            ## 1. The threshold neuron (3 points)

            McCulloch and Pitts' neuron fires when the weighted sum of its inputs exceeds a threshold:
            $$a(x) = [\langle w, x\rangle - w_0 > 0],$$
            where $[\cdot]$ is 1 when the condition holds and 0 otherwise (a point *on* the boundary,
            $\langle w,x\rangle = w_0$, does **not** fire).

            Write `threshold_neuron(x, w, w0)`: `x` has shape `(n,)` (one input) or `(batch, n)`, `w` has
            shape `(n,)`, `w0` is a number. Return an **int64** numpy array: shape `()` for one input,
            `(batch,)` for a batch.
        """),
        answer("threshold_neuron", """
            def threshold_neuron(x, w, w0):
                \"\"\"a(x) = [<w, x> - w0 > 0]; x (n,) or (batch, n), w (n,) -> int64 () or (batch,).\"\"\"
                ### BEGIN SOLUTION
                s = np.asarray(x, dtype=np.float64) @ np.asarray(w, dtype=np.float64) - w0
                return np.asarray(s > 0).astype(np.int64)
                ### END SOLUTION
        """),
        tests("test_threshold_neuron", 3, visible="""
            x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
            w = np.array([1.0, 1.0])
            got = observe("threshold_neuron(x, w=[1, 1], w0=1.5)", lambda: threshold_neuron(x, w, 1.5))
        """, checks="""
            assert_array(got, np.array([0, 0, 0, 1]), shape=(4,), what="threshold_neuron on the binary inputs")
            print("threshold_neuron: the AND example works")
        """, hidden="""
            rng = grading_rng("threshold_neuron")
            n = int(rng.integers(3, 7))
            X = rng.integers(-3, 4, size=(40, n)).astype(float)
            w = rng.integers(-2, 3, size=n).astype(float)
            w0 = float(X[0] @ w)  # sample 0 lies exactly on the boundary: it must not fire
            got = observe("threshold_neuron(batch)", lambda: threshold_neuron(X, w, w0))
            one = observe("threshold_neuron(one input)", lambda: threshold_neuron(X[1], w, w0))
        """, hidden_checks="""
            from course_lib import neuron as ref_neuron
            assert_array(got, ref_neuron.threshold_neuron(X, w, w0), shape=(40,), dtype="int64",
                         what="threshold_neuron on a batch of integer inputs (some on the boundary)")
            assert_array(one, ref_neuron.threshold_neuron(X[1], w, w0), shape=(), dtype="int64",
                         what="threshold_neuron on a single input of shape (n,)")
            own_code("threshold_neuron")
        """),
        md(r"""
            ## 2. Logic gates with one neuron (2 points)

            Choose weights so that one threshold neuron computes a gate on inputs in $\{0,1\}$.
            Write `gate_weights(name)` for `name` in `"AND"`, `"OR"`, `"NOT"`: return a tuple `(w, w0)` with
            `w` a float numpy array (shape `(2,)` for AND/OR, `(1,)` for NOT) and `w0` a float. The lecture's
            choice is one answer; any weights that reproduce the truth table score.
        """),
        answer("gate_weights", """
            def gate_weights(name):
                \"\"\"(w, w0) of one threshold neuron computing the gate `name` ("AND", "OR" or "NOT").\"\"\"
                ### BEGIN SOLUTION
                table = {"AND": ([1.0, 1.0], 1.5), "OR": ([1.0, 1.0], 0.5), "NOT": ([-1.0], -0.5)}
                if name not in table:
                    raise ValueError(f"gate_weights: unknown gate {name!r}; use one of {sorted(table)}")
                w, w0 = table[name]
                return np.array(w), float(w0)
                ### END SOLUTION
        """),
        tests("test_gate_weights", 2, visible="""
            w, w0 = observe("gate_weights('AND')", lambda: gate_weights("AND"))
        """, checks="""
            from course_lib import neuron as ref_neuron
            both = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
            assert_array(w, w, shape=(2,), what="the AND weights w")
            assert_array(ref_neuron.threshold_neuron(both, w, w0), np.array([0, 0, 0, 1]),
                         what="the AND neuron's outputs on (0,0), (0,1), (1,0), (1,1)")
            print("gate_weights: AND works")
        """, hidden="""
            gates = {name: observe(f"gate_weights({name!r})", lambda name=name: gate_weights(name))
                     for name in ("OR", "AND", "NOT")}
        """, hidden_checks="""
            # every row of each truth table, in an order and with repeats the kernel never saw
            rng = grading_rng("gate_weights")
            pairs = np.vstack([[[0, 0], [0, 1], [1, 0], [1, 1]], rng.integers(0, 2, size=(16, 2))]).astype(float)
            singles = np.vstack([[[0.0], [1.0]], rng.integers(0, 2, size=(8, 1))]).astype(float)
            for name, inputs, truth in [("OR", pairs, pairs.max(axis=1)), ("AND", pairs, pairs.min(axis=1)),
                                        ("NOT", singles, 1 - singles[:, 0])]:
                w, w0 = gates[name]
                assert_array(w, w, shape=(inputs.shape[1],), dtype="float64", what=f"the {name} weights w")
                assert_true(type(w0) in (int, float), f"the {name} threshold w0 is a number")
                assert_array(ref_neuron.threshold_neuron(inputs, w, w0), truth.astype(np.int64),
                             what=f"the {name} neuron's outputs on its whole truth table")
            own_code("gate_weights")
        """),
        md(r"""
            ## 3. Rosenblatt's perceptron (5 points)

            With labels $y \in \{0, 1\}$ and prediction $a = [\langle w,x\rangle - w_0 > 0]$, one step of the
            perceptron rule on the sample $(x, y)$ is
            $$w \leftarrow w + \eta\,(y - a)\,x, \qquad w_0 \leftarrow w_0 - \eta\,(y - a).$$
            A correctly classified sample changes nothing.

            * `perceptron_update(w, w0, x, y, lr=1.0)` returns the **new** `(w, w0)` and must not modify the
              array `w` it was given.
            * `perceptron_fit(X, y, lr=1.0, max_epochs=100)` starts from `w = 0`, `w0 = 0` and sweeps the
              samples in order, epoch after epoch, until an epoch makes no update (converged) or `max_epochs`
              have passed. Return `(w, w0, converged)`: `converged` is the bool `True` exactly when the last
              epoch run made no update. You may call your `threshold_neuron` and `perceptron_update`.

            On data that no line separates (XOR, or two classes that overlap) every epoch misclassifies some
            sample, so the rule never settles: `perceptron_fit` then runs all `max_epochs` epochs and returns
            the weights it holds after the last one, with `converged = False`. Reporting convergence there
            would claim a separating line that does not exist.
        """),
        answer("perceptron", """
            def perceptron_update(w, w0, x, y, lr=1.0):
                \"\"\"One perceptron step on (x, y), y in {0, 1}: returns the new (w (n,), w0 float).\"\"\"
                ### BEGIN SOLUTION
                error = y - int(threshold_neuron(x, w, w0))
                new_w = np.asarray(w, dtype=np.float64) + lr * error * np.asarray(x, dtype=np.float64)
                return new_w, float(w0 - lr * error)
                ### END SOLUTION


            def perceptron_fit(X, y, lr=1.0, max_epochs=100):
                \"\"\"Perceptron rule from zero weights; X (batch, n), y (batch,) -> (w, w0, converged).\"\"\"
                ### BEGIN SOLUTION
                w, w0 = np.zeros(np.shape(X)[1]), 0.0
                for _ in range(max_epochs):
                    changed = False
                    for xi, yi in zip(X, y):
                        new_w, new_w0 = perceptron_update(w, w0, xi, yi, lr)
                        changed = changed or new_w0 != w0 or not np.array_equal(new_w, w)
                        w, w0 = new_w, new_w0
                    if not changed:
                        return w, w0, True
                return w, w0, False
                ### END SOLUTION
        """),
        tests("test_perceptron", 5, visible="""
            w = np.array([1.0, 1.0])
            new_w, new_w0 = observe("perceptron_update on a correctly classified sample",
                                    lambda: perceptron_update(w.copy(), 1.5, np.array([1.0, 1.0]), 1))
            AND = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
            y_and = np.array([0, 0, 0, 1])
            w, w0, converged = observe("perceptron_fit(AND)", lambda: perceptron_fit(AND, y_and))
        """, checks="""
            assert_array(new_w, np.array([1.0, 1.0]), shape=(2,), what="w after a correct prediction")
            assert_scalar(new_w0, 1.5, what="w0 after a correct prediction")
            assert_true(converged is True, "perceptron_fit converges on AND (it is linearly separable)")
            print("perceptron: the basics work")
        """, hidden="""
            rng = grading_rng("perceptron")
            steps = []
            for k in range(4):
                n = int(rng.integers(2, 6))
                w, x = rng.normal(size=n), rng.normal(size=n)
                w0, lr = float(rng.normal()), float(rng.uniform(0.1, 2.0))
                y = int(w @ x - w0 <= 0)  # the sample is misclassified: the rule must move w and w0
                got = observe(f"perceptron_update #{k}", lambda w=w, x=x, w0=w0, y=y, lr=lr: (
                    lambda w_in: (perceptron_update(w_in, w0, x, y, lr), w_in))(w.copy()))
                steps.append((w, x, w0, lr, y, got))
            # separable data: a random hyperplane with a margin
            n = int(rng.integers(2, 5))
            u, u0 = rng.normal(size=n), float(rng.normal())
            X = rng.normal(size=(60, n)) * 2
            margin = X @ u - u0
            X, y = X[np.abs(margin) > 0.3], (margin[np.abs(margin) > 0.3] > 0).astype(int)
            fitted = observe("perceptron_fit(separable)", lambda: perceptron_fit(X, y, 1.0, 1000))
            # data no line separates: the four XOR corners among two overlapping clouds, in a shuffled order
            Xn = np.vstack([[[0, 0], [0, 1], [1, 0], [1, 1]], rng.normal(0.5, 0.6, size=(16, 2))])
            yn = np.concatenate([[0, 1, 1, 0], rng.integers(0, 2, size=16)])
            order = rng.permutation(len(yn))
            Xn, yn = Xn[order], yn[order]
            lr_n, epochs_n = float(rng.uniform(0.2, 2.0)), int(rng.integers(5, 40))
            stuck = observe("perceptron_fit(not separable)", lambda: perceptron_fit(Xn, yn, lr_n, epochs_n))
        """, hidden_checks="""
            from course_lib import neuron as ref_neuron
            for w_k, x_k, w0_k, lr_k, y_k, got in steps:
                a = int(ref_neuron.threshold_neuron(x_k, w_k, w0_k))
                (new_w, new_w0), w_after = got
                assert_array(new_w, w_k + lr_k * (y_k - a) * x_k, shape=(w_k.size,), dtype="float64", rtol=1e-12,
                             what=f"w after one perceptron step (y={y_k}, prediction={a})")
                assert_scalar(new_w0, w0_k - lr_k * (y_k - a), rtol=1e-12,
                              what=f"w0 after one step (y={y_k}, a={a})")
                assert_array(w_after, w_k, rtol=0, what="the caller's w (perceptron_update must not modify it)")
            # the rule is deterministic from zero weights: the verifier's own run is the answer (any separating
            # weights, or the hyperplane that made the data, would not do)
            def replay(X, y, lr, max_epochs):
                ref_w, ref_w0 = np.zeros(X.shape[1]), 0.0
                for _ in range(max_epochs):
                    changed = False
                    for xi, yi in zip(X, y):
                        error = yi - int(ref_neuron.threshold_neuron(xi, ref_w, ref_w0))
                        if error:
                            ref_w, ref_w0, changed = ref_w + lr * error * xi, ref_w0 - lr * error, True
                    if not changed:
                        return ref_w, ref_w0, True
                return ref_w, ref_w0, False

            for kind, data, got in [("separable data", (X, y, 1.0, 1000), fitted),
                                    (f"data no line separates ({epochs_n} epochs)", (Xn, yn, lr_n, epochs_n), stuck)]:
                ref_w, ref_w0, ref_converged = replay(*data)
                assert_true(type(got) in (tuple, list) and len(got) == 3,
                            f"perceptron_fit returns a tuple (w, w0, converged) on {kind}")
                w, w0, converged = got
                assert_array(w, ref_w, shape=(data[0].shape[1],), rtol=1e-9, atol=1e-12,
                             what=f"w after perceptron_fit from zero weights, samples in order, on {kind}")
                assert_scalar(w0, ref_w0, rtol=1e-9, atol=1e-12, what=f"w0 after perceptron_fit on {kind}")
                assert_scalar(converged, ref_converged, what=f"perceptron_fit's convergence flag on {kind}")
            own_code("perceptron_update")
            own_code("perceptron_fit")
        """),
        md(r"""
            ## 4. XOR, two ways (4 points)

            XOR is not linearly separable, so no single neuron on $(x_1, x_2)$ computes it. Two ways out:

            * **A new feature.** With $\phi(x) = x_1 + x_2 - 2x_1x_2$, XOR is $[\phi(x) - \tfrac12 > 0]$.
              `xor_feature(X)` returns $\phi$ as a float array `(batch,)` for **any real** inputs
              `X (batch, 2)`; `xor_by_feature(X)` returns XOR (int64, `(batch,)`) with a threshold neuron
              on that feature.
            * **Two layers.** `xor_two_layer(X)` computes $[(x_1 \lor x_2) - (x_1 \land x_2) - \tfrac12 > 0]$:
              a hidden layer of an OR neuron and an AND neuron (your `gate_weights`), and an output neuron on
              their outputs, all with your `threshold_neuron`. Return int64, shape `(batch,)`.
        """),
        answer("xor", """
            def xor_feature(X):
                \"\"\"phi(x) = x1 + x2 - 2 x1 x2 for every row of X (batch, 2) -> (batch,) float.\"\"\"
                ### BEGIN SOLUTION
                X = np.asarray(X, dtype=np.float64)
                return X[:, 0] + X[:, 1] - 2 * X[:, 0] * X[:, 1]
                ### END SOLUTION


            def xor_by_feature(X):
                \"\"\"XOR as one threshold neuron on the feature phi: [phi - 1/2 > 0] -> (batch,) int64.\"\"\"
                ### BEGIN SOLUTION
                return threshold_neuron(xor_feature(X)[:, None], np.array([1.0]), 0.5)
                ### END SOLUTION


            def xor_two_layer(X):
                \"\"\"XOR as two layers of threshold neurons: [(x1 OR x2) - (x1 AND x2) - 1/2 > 0].\"\"\"
                ### BEGIN SOLUTION
                hidden = np.stack([threshold_neuron(X, *gate_weights("OR")),
                                   threshold_neuron(X, *gate_weights("AND"))], axis=1)
                return threshold_neuron(hidden, np.array([1.0, -1.0]), 0.5)
                ### END SOLUTION
        """),
        tests("test_xor", 4, visible="""
            X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
            phi = observe("xor_feature(binary)", lambda: xor_feature(X))
            by_feature = observe("xor_by_feature(binary)", lambda: xor_by_feature(X))
            two_layer = observe("xor_two_layer(binary)", lambda: xor_two_layer(X))
        """, checks="""
            xor = np.array([0, 1, 1, 0])
            assert_array(phi, np.array([0.0, 1.0, 1.0, 0.0]), shape=(4,), what="xor_feature on the binary inputs")
            assert_array(by_feature, xor, shape=(4,), what="xor_by_feature on the four binary inputs")
            assert_array(two_layer, xor, shape=(4,), what="xor_two_layer on the four binary inputs")
            print("XOR: both constructions work on the truth table")
        """, hidden="""
            rng = grading_rng("xor")
            R = rng.uniform(-2, 2, size=(25, 2))
            phi = observe("xor_feature(real)", lambda: xor_feature(R))
            B = rng.integers(0, 2, size=(30, 2)).astype(float)
            by_feature = observe("xor_by_feature(batch)", lambda: xor_by_feature(B))
            two_layer = observe("xor_two_layer(batch)", lambda: xor_two_layer(B))
        """, hidden_checks="""
            from course_lib import neuron as ref_neuron
            assert_array(phi, ref_neuron.xor_feature(R), shape=(25,), dtype="float64", rtol=1e-12,
                         what="xor_feature on real-valued inputs")
            truth = (B[:, 0] != B[:, 1]).astype(np.int64)
            assert_array(by_feature, truth, shape=(30,), dtype="int64",
                         what="xor_by_feature on a random batch of binary inputs")
            assert_array(two_layer, truth, shape=(30,), dtype="int64",
                         what="xor_two_layer on a random batch of binary inputs")
            for name in ("xor_feature", "xor_by_feature", "xor_two_layer"):
                own_code(name)
        """),
        written("xor_written", 2, question=r"""
            ## 5. In your own words (2 points, graded by hand)

            Why can no single threshold neuron on the raw inputs $(x_1, x_2)$ compute XOR? Give the argument
            in two to four sentences (an algebraic or a geometric one).
        """, model_answer=r"""
            A single neuron outputs 1 exactly on one side of the line $w_1x_1 + w_2x_2 = w_0$. XOR would need
            $0 \le w_0$ (input (0,0) off), $w_1 > w_0$ and $w_2 > w_0$ ((0,1) and (1,0) on) and
            $w_1 + w_2 \le w_0$ ((1,1) off). Adding the middle two gives $w_1 + w_2 > 2w_0 \ge w_0$, a
            contradiction: the two classes sit on opposite corners of the square and no line separates them.
        """),
        *a01_xor_network.cells(),
    ]
