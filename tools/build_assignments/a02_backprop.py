"""Assignment 2 — Backprop: gates, the worked example, a scalar autograd, a numerical gradient checker, then
layers as forward/backward pairs and a two-layer network (tasks 5-8, in :mod:`tools.build_assignments.a02_layers`)."""
from tools.build_assignments._cells import answer, code, md, rules, setup, tests, written
from tools.build_assignments.a02_layers import layer_cells

ID = "02_backprop"
TITLE = "Assignment 2 — Backpropagation"
# course_lib modules not in the grading sandbox (autograder.forbidden): they implement what is graded
FORBIDDEN = ("course_lib.activations", "course_lib.autograd", "course_lib.gradcheck", "course_lib.layers",
             "course_lib.losses")


def cells():
    return [
        rules(ID, allowed="numpy (`np`), plain Python and `math`.",
              forbidden="`course_lib.autograd`, `course_lib.gradcheck`, `course_lib.layers`, `course_lib.losses`, "
                        "`course_lib.activations`, micrograd or "
                        "PyTorch (they implement what is graded here)."),
        setup("import math\n\nimport numpy as np"),
        md(r"""
            ## 1. Gates (3 points)

            Every node of a computational graph receives the upstream gradient $\partial L/\partial\text{out}$
            and passes on $\partial L/\partial\text{in} = \partial L/\partial\text{out}\cdot
            \partial\text{out}/\partial\text{in}$. For the three gates of the lecture, elementwise on arrays of
            one shape:

            | gate | forward | `dx` | `dy` |
            |---|---|---|---|
            | add | $x + y$ | `dout` | `dout` (distributes) |
            | mul | $x \cdot y$ | `dout * y` | `dout * x` (switches) |
            | max | $\max(x, y)$ | `dout` where $x \ge y$, else 0 | `dout` where $y > x$, else 0 (routes) |

            On a tie the max gate routes the whole gradient to `x`. Write `gate_forward(op, x, y)` and
            `gate_backward(op, x, y, dout) -> (dx, dy)` for `op` in `"add"`, `"mul"`, `"max"`; arrays keep their
            shape and float dtype.
        """),
        answer("gates", """
            def gate_forward(op, x, y):
                \"\"\"out = x + y, x * y or max(x, y), elementwise.\"\"\"
                ### BEGIN SOLUTION
                if op == "add":
                    return x + y
                if op == "mul":
                    return x * y
                if op == "max":
                    return np.maximum(x, y)
                raise ValueError(f"gate_forward: unknown op {op!r}; use 'add', 'mul' or 'max'")
                ### END SOLUTION


            def gate_backward(op, x, y, dout):
                \"\"\"(dL/dx, dL/dy) from the upstream gradient dout (same shape as x and y).\"\"\"
                ### BEGIN SOLUTION
                if op == "add":
                    return dout.copy(), dout.copy()
                if op == "mul":
                    return dout * y, dout * x
                if op == "max":
                    to_x = x >= y
                    return np.where(to_x, dout, 0.0), np.where(to_x, 0.0, dout)
                raise ValueError(f"gate_backward: unknown op {op!r}; use 'add', 'mul' or 'max'")
                ### END SOLUTION
        """),
        tests("test_gates", 3, visible="""
            x, y, dout = np.array([2.0, -1.0]), np.array([3.0, 4.0]), np.array([1.0, 2.0])
            got = {op: (observe(f"gate_forward({op!r})", lambda op=op: gate_forward(op, x, y)),
                        observe(f"gate_backward({op!r})", lambda op=op: gate_backward(op, x, y, dout)))
                   for op in ("add", "mul", "max")}
        """, checks="""
            for op, fwd, dx, dy in [("add", [5.0, 3.0], [1.0, 2.0], [1.0, 2.0]),
                                    ("mul", [6.0, -4.0], [3.0, 8.0], [2.0, -2.0]),
                                    ("max", [3.0, 4.0], [0.0, 0.0], [1.0, 2.0])]:
                out, (gx, gy) = got[op]
                assert_array(out, np.array(fwd), shape=(2,), what=f"{op} gate forward")
                assert_array(gx, np.array(dx), shape=(2,), what=f"{op} gate: dx")
                assert_array(gy, np.array(dy), shape=(2,), what=f"{op} gate: dy")
            print("gates: the worked examples work")
        """, hidden="""
            rng = grading_rng("gates")
            shape = (int(rng.integers(2, 6)), int(rng.integers(2, 6)))
            x, y, dout = rng.normal(size=shape), rng.normal(size=shape), rng.normal(size=shape)
            y.flat[::3] = x.flat[::3]  # ties: the max gate routes them to x
            got = {op: (observe(f"gate_forward({op!r}) random", lambda op=op: gate_forward(op, x, y)),
                        observe(f"gate_backward({op!r}) random", lambda op=op: gate_backward(op, x, y, dout)))
                   for op in ("add", "mul", "max")}
        """, hidden_checks="""
            expected = {"add": (x + y, dout, dout), "mul": (x * y, dout * y, dout * x),
                        "max": (np.maximum(x, y), np.where(x >= y, dout, 0.0), np.where(x >= y, 0.0, dout))}
            for op, (fwd, dx, dy) in expected.items():
                out, (gx, gy) = got[op]
                assert_array(out, fwd, shape=shape, dtype="float64", rtol=1e-12, what=f"{op} gate forward")
                assert_array(gx, dx, shape=shape, dtype="float64", rtol=1e-12, what=f"{op} gate: dx (ties go to x)")
                assert_array(gy, dy, shape=shape, dtype="float64", rtol=1e-12, what=f"{op} gate: dy")
            own_code("gate_forward")
            own_code("gate_backward")
        """),
        md(r"""
            ## 2. The worked example (2 points)

            For $f(x, y, z) = (x + y)\cdot z$ write `f_and_gradients(x, y, z)` returning the tuple of floats
            `(f, df_dx, df_dy, df_dz)`. At $x=-2, y=5, z=-4$ the lecture finds $f = -12$,
            $\partial f/\partial x = \partial f/\partial y = -4$, $\partial f/\partial z = 3$.
        """),
        answer("worked_example", """
            def f_and_gradients(x, y, z):
                \"\"\"f = (x + y) z and its three partial derivatives, as floats.\"\"\"
                ### BEGIN SOLUTION
                q = x + y
                return float(q * z), float(z), float(z), float(q)
                ### END SOLUTION
        """),
        tests("test_worked_example", 2, visible="""
            got = observe("f_and_gradients(-2, 5, -4)", lambda: f_and_gradients(-2.0, 5.0, -4.0))
        """, checks="""
            assert_array(np.array(got, dtype=float), np.array([-12.0, -4.0, -4.0, 3.0]), shape=(4,),
                         what="(f, df/dx, df/dy, df/dz) at the lecture's point")
            print("f_and_gradients: the lecture's example works")
        """, hidden="""
            rng = grading_rng("worked_example")
            points = [tuple(float(v) for v in row) for row in rng.normal(scale=3, size=(3, 3))]
            results = [observe(f"f_and_gradients #{k}", lambda a=a, b=b, c=c: f_and_gradients(a, b, c))
                       for k, (a, b, c) in enumerate(points)]
        """, hidden_checks="""
            from course_lib.autograd import Value as RefValue
            for (a, b, c), got in zip(points, results):
                x, y, z = RefValue(a), RefValue(b), RefValue(c)
                f = (x + y) * z
                f.backward()
                assert_true(isinstance(got, (list, tuple)) and len(got) == 4, "a tuple (f, df_dx, df_dy, df_dz)")
                for name, g, e in zip(("f", "df/dx", "df/dy", "df/dz"), got, (f.data, x.grad, y.grad, z.grad)):
                    assert_scalar(g, e, rtol=1e-12, what=f"{name} at ({a:.3f}, {b:.3f}, {c:.3f})")
            own_code("f_and_gradients")
        """),
        md(r"""
            ## 3. A scalar autograd engine (5 points)

            Complete the class `Value`: a node holds `data` (float), `grad` (float, starts at 0.0) and the nodes
            it was computed from. Implement `+`, `*` (with plain numbers on either side: `2 * v`, `v + 1`), unary
            `-` and `-`, `tanh()`, `relu()`, and `backward()`, which sets `grad = 1.0` on the output and
            propagates to every node in **reverse topological order**. Where a node is used twice, the
            gradients of both uses **add** up.
        """),
        answer("value", """
            class Value:
                \"\"\"A scalar node of a computational graph: data, grad and how to pass the gradient back.\"\"\"

                def __init__(self, data, _children=()):
                    self.data = float(data)
                    self.grad = 0.0
                    self._prev = tuple(_children)
                    self._backward = lambda: None

                def __repr__(self):
                    return f"Value(data={self.data:.4g}, grad={self.grad:.4g})"

                ### BEGIN SOLUTION
                def __add__(self, other):
                    other = other if isinstance(other, Value) else Value(other)
                    out = Value(self.data + other.data, (self, other))

                    def _backward():
                        self.grad += out.grad
                        other.grad += out.grad
                    out._backward = _backward
                    return out

                def __mul__(self, other):
                    other = other if isinstance(other, Value) else Value(other)
                    out = Value(self.data * other.data, (self, other))

                    def _backward():
                        self.grad += other.data * out.grad
                        other.grad += self.data * out.grad
                    out._backward = _backward
                    return out

                __radd__ = __add__
                __rmul__ = __mul__

                def __neg__(self):
                    return self * -1.0

                def __sub__(self, other):
                    return self + (-other)

                def __rsub__(self, other):
                    return (-self) + other

                def tanh(self):
                    t = math.tanh(self.data)
                    out = Value(t, (self,))

                    def _backward():
                        self.grad += (1.0 - t * t) * out.grad
                    out._backward = _backward
                    return out

                def relu(self):
                    out = Value(max(self.data, 0.0), (self,))

                    def _backward():
                        self.grad += (self.data > 0) * out.grad
                    out._backward = _backward
                    return out

                def backward(self):
                    order, seen = [], set()

                    def visit(node):
                        if id(node) not in seen:
                            seen.add(id(node))
                            for child in node._prev:
                                visit(child)
                            order.append(node)
                    visit(self)
                    self.grad = 1.0
                    for node in reversed(order):
                        node._backward()
                ### END SOLUTION
        """),
        tests("test_value", 5, visible="""
            def lecture_example():
                x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
                f = (x + y) * z
                f.backward()
                return [f.data, x.grad, y.grad, z.grad]

            got = observe("Value: f = (x + y) * z", lecture_example)
        """, checks="""
            assert_array(np.array(got, dtype=float), np.array([-12.0, -4.0, -4.0, 3.0]),
                         what="[f.data, x.grad, y.grad, z.grad] for the lecture's example")
            print("Value: the lecture's example works")
        """, hidden="""
            def expression(V, a, b, c):
                # x is used four times and y three: the gradients of all uses must add up
                x, y, z = V(a), V(b), V(c)
                h = (x * y + z).tanh()
                out = h * x - (2 * y + x).relu() * 0.5 + x * x + (1 - y) * h + 3
                out.backward()
                return [out.data, x.grad, y.grad, z.grad]

            points = grading_rng("value").normal(size=(4, 3))
            results = [observe(f"Value expression #{k}", lambda a=a, b=b, c=c: expression(Value, a, b, c))
                       for k, (a, b, c) in enumerate(points)]
        """, hidden_checks="""
            from course_lib.autograd import Value as RefValue
            for (a, b, c), got in zip(points, results):
                expected = expression(RefValue, a, b, c)
                assert_array(np.array(got, dtype=float), np.array(expected), rtol=1e-10,
                             what=f"[out.data, x.grad, y.grad, z.grad] at ({a:.3f}, {b:.3f}, {c:.3f})")
            own_code("Value")
        """),
        md(r"""
            ## 4. A numerical gradient checker (3 points)

            Write `numerical_gradient(f, x, eps=1e-6)`: for a scalar function `f` of a float64 array `x` (any
            shape), return the array of central differences
            $$\frac{f(x + \varepsilon e_i) - f(x - \varepsilon e_i)}{2\varepsilon}$$
            for every element $i$. When it returns, `x` must hold exactly the values it had before.

            It comes before the layers on purpose: in tasks 5-8 you derive each backward pass yourself, and this
            function is how you find out whether your derivation is right before any test tells you.
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
        tests("test_numerical_gradient", 3, visible="""
            x = np.array([[1.0, -2.0], [0.5, 3.0]])
            def square_sum(v):
                return float(np.sum(v ** 2))

            g = observe("numerical_gradient of sum(x**2)", lambda: numerical_gradient(square_sum, x))
        """, checks="""
            assert_array(g, 2 * x, shape=(2, 2), rtol=1e-4, what="the gradient of sum(x**2), which is 2x")
            print("numerical_gradient: the quadratic example works")
        """, hidden="""
            rng = grading_rng("numerical_gradient")
            x = rng.normal(size=(int(rng.integers(2, 5)), int(rng.integers(2, 5))))
            f = lambda v: float(np.sum(np.sin(3 * v) * v ** 3))  # noqa: E731

            def run(x0):
                grad = numerical_gradient(f, x0, eps=1e-4)
                return grad, x0

            g, x_after = observe("numerical_gradient(sin(3x) x^3, eps=1e-4)", lambda: run(x.copy()))
        """, hidden_checks="""
            from course_lib.gradcheck import numerical_gradient as ref_numerical_gradient
            exact = 3 * np.cos(3 * x) * x ** 3 + 3 * np.sin(3 * x) * x ** 2
            assert_array(g, exact, shape=x.shape, dtype="float64", rtol=1e-6, atol=1e-6,
                         what="central differences with eps=1e-4 (error O(eps^2))")
            assert_array(g, ref_numerical_gradient(f, x.copy(), eps=1e-4), rtol=1e-7, atol=1e-8,
                         what="the same central differences as the reference")
            assert_array(x_after, x, rtol=0, what="x after the call (it must be restored)")
            own_code("numerical_gradient")
        """),
        md(r"""
            To compare an analytic gradient $a$ with a numerical one $n$, the checks below use the relative error
            $\max_i|a_i - n_i| \,/\, \max_i(|a_i| + |n_i|)$ of lecture 2 (section 2.10): it does not depend on
            the scale of the gradient, and it is about $10^{-7}$ or less when the two agree.
        """),
        code("""
            def relative_error(a, n):
                \"\"\"max |a - n| / max(|a| + |n|); 0 when equal, near 1 when unrelated (given, not graded).\"\"\"
                a, n = np.asarray(a, dtype=np.float64), np.asarray(n, dtype=np.float64)
                return float(np.max(np.abs(a - n)) / max(float(np.max(np.abs(a) + np.abs(n))), 1e-300))
        """),
        *layer_cells(),
        written("backprop_written", 2, question=r"""
            ## 9. In your own words (2 points, graded by hand)

            Why does a gradient check use central differences rather than $(f(x+\varepsilon) - f(x))/\varepsilon$?
            Say how the error of each shrinks with $\varepsilon$, and why $\varepsilon$ cannot be made
            arbitrarily small either.
        """, model_answer=r"""
            By Taylor's theorem the one-sided difference has error $\tfrac{\varepsilon}{2}f''(x) + O(\varepsilon^2)$,
            first order in $\varepsilon$; in the central difference the even terms cancel and the error is
            $\tfrac{\varepsilon^2}{6}f'''(x)$, second order, so with $\varepsilon = 10^{-6}$ it is about
            $10^{-12}$ instead of $10^{-6}$. Too small an $\varepsilon$ fails too: $f(x\pm\varepsilon)$ are
            rounded to about $10^{-16}$ relative, and dividing their difference by $2\varepsilon$ amplifies
            that rounding error like $10^{-16}/\varepsilon$.
        """),
    ]
