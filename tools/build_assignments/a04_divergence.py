"""Assignment 4, when training diverges: a learning-rate sweep that detects it, and clipping that tames it.

Both tasks run the student's `train_digits` (tools/build_assignments/a04_digits.py), and the verifier replays
every run with :data:`~tools.build_assignments.a04_digits.REPLAY`.
"""
from textwrap import dedent

from tools.build_assignments._cells import answer, code, md, tests
from tools.build_assignments.a04_digits import REPLAY


def sweep_cells(number: int) -> list:
    return [
        md(rf"""
            ## {number}. A learning-rate sweep: when training diverges (3 points)

            Too large a learning rate makes each step overshoot: the loss grows, and the weights may overflow
            to `inf` and the loss turn into `nan`. Write

            * `has_diverged(history)`: `True` (a Python bool) when any loss in the list is `nan` or $\pm\infty$,
              or when the last loss is larger than the first; `False` otherwise. Careful: every comparison
              with `nan` is `False`.
            * `lr_sweep(X, y, rule, lrs, epochs, seed)`: one `train_digits(X, y, rule, lr, epochs, seed)` run
              per learning rate, returning `{{"final_loss": [...], "diverged": [...]}}`, the last loss of each
              run (a float) and `has_diverged` of its history, in the order of `lrs`.

            A diverging run overflows: wrap its arithmetic in `with np.errstate(all="ignore"):` if the warnings
            bother you.
        """),
        answer("lr_sweep", """
            def has_diverged(history):
                \"\"\"True when a loss is nan or infinite, or the last loss is above the first.\"\"\"
                ### BEGIN SOLUTION
                losses = np.asarray(history, dtype=np.float64)
                return bool(not np.all(np.isfinite(losses)) or losses[-1] > losses[0])
                ### END SOLUTION


            def lr_sweep(X, y, rule, lrs, epochs, seed):
                \"\"\"{"final_loss": [last loss per lr], "diverged": [has_diverged per lr]}.\"\"\"
                ### BEGIN SOLUTION
                out = {"final_loss": [], "diverged": []}
                with np.errstate(over="ignore", invalid="ignore"):
                    for lr in lrs:
                        history, _ = train_digits(X, y, rule, lr, epochs, seed)
                        out["final_loss"].append(float(history[-1]))
                        out["diverged"].append(has_diverged(history))
                return out
                ### END SOLUTION
        """),
        code("""
            sweep_lrs = [0.01, 0.1, 0.5, 3.0, 30.0, 1000.0]
            sweep = lr_sweep(X_train, y_train, "momentum", sweep_lrs, 3, 0)
            for lr, loss, diverged in zip(sweep_lrs, sweep["final_loss"], sweep["diverged"]):
                print(f"momentum lr={lr:<7} final loss {loss:10.4g}   {'DIVERGED' if diverged else ''}")
        """),
        tests("test_lr_sweep", 3, visible="""
            verdicts = observe("has_diverged on two finite histories",
                               lambda: [has_diverged([2.3, 1.0, 0.5]), has_diverged([2.3, 5.0, 40.0])])
            swept = observe("lr_sweep, momentum at 0.05 and 1000",
                            lambda: lr_sweep(X_train[:96], y_train[:96], "momentum", [0.05, 1000.0], 2, 0))
        """, checks="""
            assert_equal(verdicts, [False, True], what="a falling loss has not diverged; a growing one has")
            assert_equal(swept["diverged"], [False, True], what="lr 0.05 trains, lr 1000 diverges")
            assert_true(len(swept["final_loss"]) == 2, "one final loss per learning rate")
            print("has_diverged and lr_sweep: the clear cases work")
        """, hidden="""
            rng = grading_rng("lr_sweep")
            start = float(rng.uniform(1.5, 3.0))
            nan, inf = float("nan"), float("inf")
            histories = [[start, nan, nan], [start, 0.5 * start, nan], [start, nan, 0.5 * start], [start, 1.0, inf],
                         [start, -inf], [start, 0.9 * start, 1.1 * start], [start, 3 * start, 0.8 * start], [start]]
            verdicts = observe("has_diverged on 8 histories", lambda: [has_diverged(h) for h in histories])
            X_all, y_all = load_digits()
            pick = rng.choice(len(y_all), size=int(rng.integers(70, 130)), replace=False)
            Xs, ys, seed = X_all[pick], y_all[pick], int(rng.integers(0, 2**31))
            lrs = [float(rng.uniform(0.02, 0.05)), float(rng.uniform(0.1, 0.3)), float(rng.uniform(500, 2000))]
            swept = observe("lr_sweep, momentum, 3 learning rates", lambda: lr_sweep(Xs, ys, "momentum", lrs, 3, seed))
        """, hidden_checks=REPLAY + dedent("""
            assert_equal(verdicts, [reference_diverged(h) for h in histories],
                         what=f"has_diverged on {histories} (nan anywhere, inf, growing, falling, one loss)")
            assert_true(isinstance(swept, dict) and set(swept) == {"final_loss", "diverged"},
                        "lr_sweep returns a dict with final_loss and diverged")
            references = [replay_digits(Xs, ys, "momentum", lr, 3, seed)[0] for lr in lrs]
            assert_equal(swept["diverged"], [reference_diverged(h) for h in references],
                         what=f"which of the learning rates {lrs} diverge")
            flags = [reference_diverged(h) for h in references]
            assert_true(flags[-1] and not all(flags), f"the grading run: the largest learning rate diverges and a "
                        f"small one converges (the replay's flags {flags})")
            for lr, loss, ref in zip(lrs, swept["final_loss"], references):
                assert_scalar(loss, ref[-1], rtol=1e-6, what=f"the final loss at lr={lr:.4g}")
            own_code("has_diverged")
            own_code("lr_sweep")
        """)),
    ]


def rescue_cells(number: int) -> list:
    return [
        md(rf"""
            ## {number}. Clipping tames a learning rate that is too large (2 points)

            At a learning rate that makes plain momentum diverge, clipping bounds every step to
            $\alpha\,\theta$ and training proceeds. The test below runs your `train_digits` with and without
            `max_norm`, on a fixed part of the digits and (hidden) on a fresh random one.
        """),
        tests("test_clipped_training", 2, visible="""
            free = observe("train_digits, momentum at lr=10",
                           lambda: train_digits(X_train, y_train, "momentum", 10.0, 3, 0)[0])
            clipped = observe("train_digits, momentum at lr=10, max_norm=0.05",
                              lambda: train_digits(X_train, y_train, "momentum", 10.0, 3, 0, max_norm=0.05)[0])
        """, checks="""
            assert_true(bool(not np.all(np.isfinite(free)) or free[-1] > free[0]),
                        f"without clipping the loss grows (first {free[0]:.3f}, last {free[-1]:.3g})")
            assert_true(bool(np.all(np.isfinite(clipped))) and float(np.mean(clipped[-15:])) < 0.7 * clipped[0],
                        f"with clipping the loss falls (first {clipped[0]:.3f}, last {clipped[-1]:.3g})")
            print("clipping: momentum at lr=10 trains only when clipped")
        """, hidden="""
            rng = grading_rng("clipped_training")
            X_all, y_all = load_digits()
            pick = rng.choice(len(y_all), size=int(rng.integers(70, 130)), replace=False)
            Xs, ys, seed = X_all[pick], y_all[pick], int(rng.integers(0, 2**31))
            lr, max_norm = float(rng.uniform(5.0, 20.0)), float(rng.uniform(0.02, 0.1))
            both = [observe(f"train_digits, momentum at lr={lr:.3g}, max_norm={m}", lambda m=m:
                            train_digits(Xs, ys, "momentum", lr, 3, seed, max_norm=m)) for m in (None, max_norm)]
        """, hidden_checks=REPLAY + dedent("""
            check_run(both[0], f"momentum at lr={lr:.3g} without clipping", Xs, ys, "momentum", lr, 3, seed)
            check_run(both[1], f"momentum at lr={lr:.3g} clipped to {max_norm:.3g}", Xs, ys, "momentum", lr, 3, seed,
                      max_norm=max_norm)
            own_code("train_digits")
            own_code("clip_grad_norm")
        """)),
    ]
