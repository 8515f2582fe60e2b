"""Lecture 3 — Activation functions."""
# ruff: noqa: E501  (cell text: the lines are the notebook's lines; the notebooks' code is linted as .ipynb)
from ._common import claim, code, errata, exercise, md

FILENAME = "03_activation_functions.ipynb"
TITLE = "3. Activation functions"


def cells():
    return [
        md(r"""
        **Learning goals.** After this lecture you can

        * write down the common activation functions and their derivatives, and derive the sigmoid's and tanh's;
        * explain saturation, zero-centring and the cost of `exp`, and what each does to training;
        * measure dying ReLUs in a trained network;
        * compute a numerically stable softmax and its Jacobian;
        * choose an activation for hidden layers and for outputs.
        """),
        code("""
        import time
        import numpy as np
        import matplotlib.pyplot as plt
        %matplotlib inline

        from course_lib import activations, layers, losses, optim, training, datasets, gradcheck, plotting, widgets

        SEED = 0
        """),
        md(r"""
        ## 3.1 The gallery

        Every activation in `course_lib.activations` is an object with `forward(x)` and `derivative(x)`. The
        classic ones:

        | name | $f(x)$ | $f'(x)$ |
        |---|---|---|
        | sigmoid | $\sigma(x) = \dfrac{1}{1 + e^{-x}}$ | $\sigma(x)(1 - \sigma(x))$ |
        | tanh | $\dfrac{e^x - e^{-x}}{e^x + e^{-x}} = 2\sigma(2x) - 1$ | $1 - \tanh^2 x$ |
        | ReLU | $\max(0, x)$ | $[x > 0]$ |
        | Leaky ReLU | $\max(\alpha x, x)$, $\alpha = 0.01$ | $1$ if $x > 0$ else $\alpha$ |
        | PReLU | as Leaky ReLU with a learned $\alpha$ | |
        | ELU | $x$ if $x > 0$ else $\alpha(e^x - 1)$ | $1$ if $x > 0$ else $\alpha e^x$ |
        | SELU | $\lambda\,\mathrm{ELU}_\alpha(x)$, $\lambda \approx 1.0507$, $\alpha \approx 1.6733$ | $\lambda\,\mathrm{ELU}'_\alpha(x)$ |
        | GELU | $x\,\Phi(x)$ ($\Phi$ the standard normal CDF) | $\Phi(x) + x\,\varphi(x)$ |
        | Swish / SiLU | $x\,\sigma(\beta x)$ | $\sigma(\beta x) + \beta x\,\sigma(\beta x)(1 - \sigma(\beta x))$ |
        | Mish | $x \tanh(\operatorname{softplus}(x))$ | |
        | softplus | $\log(1 + e^x)$ | $\sigma(x)$ |
        | softsign | $x / (1 + |x|)$ | $1/(1 + |x|)^2$ |

        and the piecewise-linear family (hard tanh, hard sigmoid, hard swish, soft/hard shrink, step, sign,
        identity). *Derivation of the sigmoid's derivative:* $\sigma'(x) = \dfrac{e^{-x}}{(1 + e^{-x})^2}
        = \dfrac{1}{1 + e^{-x}}\cdot\dfrac{e^{-x}}{1 + e^{-x}} = \sigma(x)\,(1 - \sigma(x))$. For tanh,
        $\tanh' = \dfrac{(e^x + e^{-x})^2 - (e^x - e^{-x})^2}{(e^x + e^{-x})^2} = 1 - \tanh^2 x$.
        """),
        md(errata(r"""
        Three slips in the lecture slides. The sigmoid is $1/(1 + e^{-a})$, not $1/(1 + e^{a})$ (that is
        $\sigma(-a)$, a *decreasing* function). GELU is $x\,\Phi(x)$: without the leading $x$ it would be just
        the normal CDF, a sigmoid-like function. ELU for $x \le 0$ is $\alpha(e^x - 1)$, not $\alpha(x\,e^x - 1)$
        (which equals $-\alpha$ at 0 and would make ELU jump there). The code below checks all three.
        """)),
        code("""
        x = np.array([-2.0, 0.0, 2.0])
        sig = activations.get_activation("sigmoid").forward(x)
        print("sigmoid:", sig.round(4), " slide's 1/(1+e^a):", (1 / (1 + np.exp(x))).round(4))
        print("GELU(2) =", activations.get_activation("gelu").forward(np.array([2.0])).round(4),
              " = 2 * Phi(2) =", round(2 * 0.97725, 4))
        elu = activations.get_activation("elu", alpha=1.0)
        print("ELU(-1e-9), ELU(0):", elu.forward(np.array([-1e-9, 0.0])),
              " slide's formula at 0:", 1.0 * (0 * np.exp(0) - 1))
        """),
        md(r"""
        The sigmoid increases while the slide's formula decreases; GELU(2) is twice $\Phi(2)$; ELU is continuous at
        0 where the slide's version would jump to $-\alpha$.

        Now the whole gallery, each function (solid) with its derivative (dashed):
        """),
        code("""
        plotting.plot_activation_gallery(["sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "gelu", "swish",
                                     "mish", "softplus", "softsign", "hardtanh", "hard_sigmoid", "hard_swish",
                                     "tanhshrink", "softshrink", "hardshrink", "step"])
        plt.show()
        """),
        md(r"""
        Notice three families: the **squashing** functions (sigmoid, tanh, softsign, hard tanh) whose
        derivative dies away on both sides; the **rectifiers** (ReLU and its smooth cousins ELU, GELU, Swish,
        Mish) whose derivative is 1 for large $x$; and the **shrinkers**, which set small inputs to zero.

        Every derivative in the library is checked against central differences (away from kinks):
        """),
        code("""
        xs = np.linspace(-3, 3, 61) + 0.013          # shifted off the kinks at 0, ±0.5, ±1, ±3
        worst = {}
        for name in activations.names():
            if name in ("softmax", "rrelu", "step", "sign"):
                continue                              # vector-valued, random, or zero derivative everywhere
            act = activations.get_activation(name)
            # elementwise function: the gradient of sum(f(x)) is f'(x) at every point at once
            num = gradcheck.numerical_gradient(lambda v, act=act: act.forward(v).sum(), xs.copy())
            worst[name] = gradcheck.relative_error(act.derivative(xs), num)
        print(f"largest relative error over {len(worst)} activations: {max(worst.values()):.1e}",
              f"({max(worst, key=worst.get)})")
        """),
        md(r"""
        ## 3.2 Saturation kills gradients

        The sigmoid's derivative $\sigma(1 - \sigma)$ is a product of two numbers that add up to 1, so it is
        largest when both are $1/2$:
        """ + f"""$\\max \\sigma' = {claim("sigmoid_max_derivative", "0.25")}$, at $x = 0$. For $|x|$ large the unit
        *saturates*: at $x = 10$, $\\sigma'(10) \\approx {claim("sigmoid_derivative_at_10", "4.5e-5")}$. A saturated
        unit passes back almost no gradient, and the weights below it stop learning — the vanishing gradients of
        lecture 2. Tanh saturates the same way (its derivative peaks at 1); ReLU never saturates for $x > 0$.
        """),
        code("""
        sig = activations.get_activation("sigmoid")
        z = np.linspace(-10, 10, 2001)
        print("max sigmoid'(x) =", sig.derivative(z).max(), " at x =", z[np.argmax(sig.derivative(z))])
        print("sigmoid'(10)   =", sig.derivative(np.array([10.0]))[0])
        """),
        md(r"""
        ## 3.3 Zero-centring

        A sigmoid's output is always positive. Consider the next layer, $z = \sum_j w_j h_j$: its weight gradients
        are $\partial L/\partial w_j = (\partial L/\partial z)\,h_j$, and with all $h_j > 0$ they all have the
        **sign of $\partial L/\partial z$**. The weights of one unit can then only all grow or all shrink in one
        step, so reaching a target that needs some up and some down takes a zig-zag path. Tanh is zero-centred
        ($\tanh(-x) = -\tanh x$) and does not have this problem.
        """),
        code("""
        h = np.random.default_rng(SEED).normal(size=(1000, 5))
        for name in ("sigmoid", "tanh", "relu"):
            out = activations.get_activation(name).forward(h)
            print(f"{name:>8}: mean output {out.mean():+.3f}, fraction positive {np.mean(out > 0):.2f}")
        """),
        md(r"""
        Sigmoid outputs average about $+0.5$ and are all positive; tanh averages about 0. ReLU is not
        zero-centred either, one reason for ELU and for batch normalisation (lecture 5).

        ## 3.4 The cost of exp

        `exp` is computed by a polynomial approximation after range reduction — many more operations than the
        comparison inside ReLU. On a million numbers:
        """),
        code("""
        big = np.random.default_rng(SEED).normal(size=1_000_000)
        for name in ("relu", "sigmoid", "tanh", "gelu"):
            act = activations.get_activation(name)
            t0 = time.perf_counter()
            for _ in range(5):
                act.forward(big)
            print(f"{name:>8}: {(time.perf_counter() - t0) / 5 * 1e3:6.1f} ms")
        """),
        md(r"""
        Notice that the sigmoid and GELU, which need `exp` (and the error function), cost several times more than
        ReLU. Numpy's `tanh` has its own fast vectorised routine on many CPUs, so it can come close to ReLU:
        measure before trusting a rule of thumb (and expect the numbers to vary from run to run). In a large network the activations are a small part of the cost
        next to the matrix products, but on mobile hardware it matters — hence hard sigmoid and hard swish.

        ## 3.5 Dying ReLU, measured

        A ReLU unit whose pre-activation is negative for *every* input outputs 0 everywhere and gets gradient 0
        everywhere: it is dead and will never come back. A large learning-rate step can push a unit's bias far
        negative. We train the same network on the spiral data with a moderate and a very large learning rate
        and count the hidden units that are never active on the training set.
        """),
        code("""
        Xs, ys = datasets.make_spiral(n=300, noise=0.1, rng=SEED, n_classes=3)

        def dead_fraction(act, lr):
            net = layers.Sequential(layers.Linear(2, 64, rng=1), layers.ActivationLayer(act),
                                    layers.Linear(64, 3, rng=2))
            training.fit(net, Xs, ys, losses.SoftmaxCrossEntropyLoss(), optim.SGD(net.parameters(), lr=lr),
                         epochs=30, batch_size=32, metrics=(), progress=False, rng=SEED)
            pre = net[0](Xs)                   # pre-activations of the hidden layer
            return np.mean(np.all(pre <= 0, axis=0))

        for act in ("relu", "leaky_relu"):
            print(f"{act:>10}: dead units with lr 0.1: {dead_fraction(act, 0.1):.0%},"
                  f" with lr 3.0: {dead_fraction(act, 3.0):.0%}")
        """),
        md(r"""
        With a sensible learning rate almost no unit dies; with a huge one a large share of the ReLU layer is
        dead after training. For Leaky ReLU the same units are "negative everywhere" too, but they still pass
        back the gradient $\alpha$ and can recover. Remedies: a smaller learning rate, a small positive bias at
        initialisation, Leaky ReLU / ELU, and batch normalisation.

        ## 3.6 Softmax

        For class scores (logits) $z \in \mathbb R^K$, softmax turns them into probabilities:

        $$\operatorname{softmax}(z)_k = \frac{e^{z_k}}{\sum_j e^{z_j}}.$$

        Subtracting $\max_j z_j$ from every score changes nothing (numerator and denominator get the same factor
        $e^{-\max z}$) but keeps `exp` from overflowing. The Jacobian follows from the quotient rule:

        $$\frac{\partial s_k}{\partial z_j} = s_k([k = j] - s_j), \qquad J = \operatorname{diag}(s) - s s^\top.$$

        Combined with cross-entropy $L = -\log s_y$, the gradient collapses to $\partial L/\partial z = s - e_y$.
        """),
        code("""
        soft = activations.get_activation("softmax")
        zz = np.array([[1000.0, 1001.0, 1002.0]])
        with np.errstate(over="ignore", invalid="ignore"):   # the naive formula overflows: the point
            naive = np.exp(zz) / np.exp(zz).sum()
        print("stable softmax of huge logits:", soft.forward(zz).round(4), "  naive formula:", naive)

        z0 = np.random.default_rng(SEED).normal(size=(1, 4))
        s = soft.forward(z0)[0]
        J = np.diag(s) - np.outer(s, s)
        g = np.random.default_rng(1).normal(size=(1, 4))
        print("J^T g:", (J.T @ g[0]).round(6), "\\nbackward:", soft.backward(z0, g)[0].round(6))
        """),
        md(r"""
        The stable softmax of $(1000, 1001, 1002)$ is the same as that of $(0, 1, 2)$, where the naive formula
        gives `nan` (infinity over infinity); and the library's
        `backward` equals the Jacobian–vector product without building $J$.

        ## 3.7 How to choose

        * **Hidden layers:** start with **ReLU** (He initialisation, a sensible learning rate). If units die, try
          Leaky ReLU or ELU. Transformers use GELU; mobile networks hard swish.
        * **Avoid sigmoid in hidden layers** of deep networks: it saturates and is not zero-centred. Tanh is
          better, and still common in recurrent networks.
        * **Outputs:** identity for regression, sigmoid for one probability (binary), softmax for one of $K$
          classes. Pair them with the matching loss (MSE, binary cross-entropy, cross-entropy), ideally on logits.
        * Maxout ($\max$ of $k$ linear pieces) generalises ReLU and Leaky ReLU at $k$ times the parameters.

        ## 3.8 The activation explorer

        Pick a function and its parameters; the explorer plots it, its derivative, and how a batch of
        normally distributed inputs is transformed.
        """),
        code("""
        widgets.ActivationExplorer()
        """),
        *exercise(
            r"""Show that $\tanh(x) = 2\sigma(2x) - 1$, and deduce $\max\tanh' = 1$ from $\max\sigma' = 1/4$.""",
            r"""$2\sigma(2x) - 1 = \frac{2 - 1 - e^{-2x}}{1 + e^{-2x}} = \frac{1 - e^{-2x}}{1 + e^{-2x}}
            = \frac{e^x - e^{-x}}{e^x + e^{-x}}$. Differentiating, $\tanh'(x) = 4\sigma'(2x) \le 4 \cdot \frac14 = 1$."""),
        *exercise(
            r"""Derive the derivative of softplus $\log(1 + e^x)$. Which activation is it?""",
            r"""$\frac{d}{dx}\log(1 + e^x) = \frac{e^x}{1 + e^x} = \sigma(x)$: softplus is a smooth ReLU whose
            derivative is the sigmoid."""),
        *exercise(
            r"""Re-run the dying-ReLU cell with ELU. Why can't an ELU unit die the same way?""",
            r"""For $x < 0$ ELU's derivative is $\alpha e^x > 0$, so a unit that is negative everywhere still
            receives a (small) gradient and its bias can move back up."""),
        md(r"""
        ## Summary

        * Each activation comes with a derivative; sigmoid's is $\sigma(1 - \sigma) \le 1/4$, tanh's
          $1 - \tanh^2 \le 1$, ReLU's $[x > 0]$.
        * Saturating functions kill gradients; non-zero-centred outputs force zig-zag updates; `exp` is costly.
        * ReLU units die when their input is negative everywhere — watch the learning rate, or use Leaky ReLU / ELU.
        * Softmax is stable after subtracting the max; with cross-entropy its gradient is $s - e_y$.
        * Default: ReLU in hidden layers, identity / sigmoid / softmax at the output.
        """),
    ]
