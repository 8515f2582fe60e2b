"""Lecture 1 — Neurons and XOR."""
# ruff: noqa: E501  (cell text: the lines are the notebook's lines; the notebooks' code is linted as .ipynb)
from ._common import claim, code, exercise, md

FILENAME = "01_neurons_and_xor.ipynb"
TITLE = "1. Neurons and XOR"


def cells():
    return [
        md(r"""
        **Learning goals.** After this lecture you can

        * write down the McCulloch–Pitts threshold neuron and build AND, OR and NOT with one neuron each;
        * state Rosenblatt's perceptron rule, watch it learn AND, and explain why it never settles on XOR;
        * prove that XOR is not linearly separable and name the two ways out (a new feature, or a hidden layer);
        * show that stacking linear layers without a non-linearity gives nothing new;
        * see universal approximation happen as a hidden layer gets wider.
        """),
        code("""
        import numpy as np
        import matplotlib.pyplot as plt
        %matplotlib inline

        from course_lib import activations, neuron, layers, losses, optim, training, datasets, plotting

        SEED = 0
        """),
        md(r"""
        ## 1.1 The threshold neuron

        McCulloch and Pitts (1943) modelled a neuron as a unit that adds up its weighted inputs and *fires* when the
        sum exceeds a threshold $w_0$:

        $$a(x) = \sigma\Big(\sum_{j=1}^n w_j x_j - w_0\Big) = \sigma(\langle w, x\rangle - w_0),
        \qquad \sigma(z) = [z > 0].$$

        The square brackets are the Iverson bracket: 1 when the condition holds, 0 otherwise. With the step
        $\sigma$ the neuron is a *linear classifier*: it cuts the input space with the hyperplane
        $\langle w, x\rangle = w_0$ and answers 1 on one side.
        """),
        code("""
        w, w0 = np.array([2.0, -1.0]), 0.5
        X = np.array([[0, 0], [1, 0], [0, 1], [1, 1], [3, 1]])
        print("a(x) =", neuron.threshold_neuron(X, w, w0))   # <w,x> - w0 = -0.5, 1.5, -1.5, 0.5, 4.5
        """),
        md(r"""
        ## 1.2 Logic gates with one neuron

        Binary inputs $x_1, x_2 \in \{0, 1\}$ make the sum $x_1 + x_2$ take the values 0, 1, 2. Putting the
        threshold between them picks the gate:

        $$x_1 \wedge x_2 = [x_1 + x_2 - \tfrac32 > 0], \qquad
          x_1 \vee x_2 = [x_1 + x_2 - \tfrac12 > 0], \qquad
          \neg x_1 = [-x_1 + \tfrac12 > 0].$$

        *Derivation.* AND must fire only when the sum is 2, so any threshold in $(1, 2)$ works; $3/2$ is the
        middle. OR must fire when the sum is 1 or 2, so any threshold in $(0, 1)$ works. NOT flips the sign of
        the input, so the sum is $0$ or $-1$ and the threshold sits at $-1/2$. The code checks all inputs.
        """),
        code("""
        inputs = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
        for name in ("AND", "OR"):
            print(f"{name:>3}:", neuron.gate(name, inputs), "  (w, w0) =", neuron.LOGIC_GATES[name])
        print("NOT:", neuron.gate("NOT", np.array([[0], [1]])), "       (w, w0) =", neuron.LOGIC_GATES["NOT"])
        """),
        md(r"""
        Notice that every truth table comes out right with weights $\pm 1$: the whole "program" of a gate is
        one threshold.

        ## 1.3 Rosenblatt's perceptron learns AND

        Rosenblatt (1958) made the weights *learnable*. Go through the examples; whenever the neuron answers
        $\hat y \ne y$, move the hyperplane towards the misclassified point:

        $$w \leftarrow w + \eta\,(y - \hat y)\,x, \qquad w_0 \leftarrow w_0 - \eta\,(y - \hat y).$$

        If $y = 1$ but the neuron said 0, the update adds $\eta x$ to $w$, which raises $\langle w, x\rangle$
        next time by $\eta\|x\|^2 \ge 0$, and lowers the threshold by $\eta$: both push towards firing. The
        *perceptron convergence theorem* says that on linearly separable data this stops after finitely many
        updates.
        """),
        code("""
        y_and = neuron.gate("AND", inputs)
        p_and = neuron.Perceptron(n_features=2, lr=1.0, max_epochs=100, rng=SEED).fit(inputs, y_and)
        print("converged:", p_and.converged, "after", len(p_and.updates), "updates")
        print("w =", p_and.w, " w0 =", p_and.w0, " predictions:", p_and.predict(inputs))
        """),
        md(f"""
        The perceptron on AND converges after {claim("perceptron_and_updates", "7")} updates, and its predictions
        match the truth table.
        """),
        code("""
        fig, ax = plt.subplots(figsize=(4, 4))
        plotting.plot_decision_boundary(p_and.predict, inputs, y_and, ax=ax)
        ax.set_title("Perceptron on AND")
        plt.show()
        """),
        md(r"""
        Notice that the learned line separates $(1, 1)$ from the three other corners, but it is not the
        "middle" line $x_1 + x_2 = 3/2$: the perceptron stops at the *first* separating line it finds.

        ## 1.4 ... and fails on XOR

        XOR is 1 exactly when the inputs differ. Run the same rule:
        """),
        code("""
        y_xor = np.array([0, 1, 1, 0])
        p_xor = neuron.Perceptron(n_features=2, lr=1.0, max_epochs=100, rng=SEED).fit(inputs, y_xor)
        acc_xor = np.mean(p_xor.predict(inputs) == y_xor)
        print("converged:", p_xor.converged, " updates:", len(p_xor.updates), f" accuracy: {acc_xor:.0%}")
        """),
        md(r"""
        After 100 epochs the perceptron has still not converged, and wherever it stops it gets at most 3 of the
        4 points right (here only 2). This is not bad luck. **XOR is not linearly separable.** Suppose $[w_1x_1 + w_2x_2 - w_0 > 0]$
        computed XOR. Then

        * $(0,0) \mapsto 0$: $\;-w_0 \le 0$;
        * $(1,1) \mapsto 0$: $\;w_1 + w_2 - w_0 \le 0$;
        * $(1,0) \mapsto 1$: $\;w_1 - w_0 > 0$;
        * $(0,1) \mapsto 1$: $\;w_2 - w_0 > 0$.

        Adding the last two gives $w_1 + w_2 - 2w_0 > 0$; adding the first two gives $w_1 + w_2 - 2w_0 \le 0$.
        A contradiction, so no single neuron computes XOR. Minsky and Papert's book *Perceptrons* (1969) made
        this limitation famous.
        """),
        code("""
        fig, ax = plt.subplots(figsize=(4, 4))
        w_hist = np.array([u["w"] for u in p_xor.updates])
        ax.plot(w_hist[:, 0], label="$w_1$")
        ax.plot(w_hist[:, 1], label="$w_2$")
        ax.plot([u["w0"] for u in p_xor.updates], label="$w_0$")
        ax.set(xlabel="update", ylabel="value", title="Perceptron on XOR")
        ax.legend()
        plt.show()
        """),
        md(r"""
        Notice that the weights cycle through the same few values forever: each update fixes one corner and
        breaks another.

        ## 1.5 Two ways out

        **A new feature.** Give the neuron the feature $x_1 + x_2 - 2x_1x_2$: it is 0 on $(0,0)$ and $(1,1)$
        and 1 on the other two corners. Then

        $$x_1 \oplus x_2 = [x_1 + x_2 - 2x_1x_2 - \tfrac12 > 0].$$

        The product $x_1x_2$ is a non-linear feature: in the space $(x_1, x_2, x_1x_2)$ the four points *are*
        separable.

        **A hidden layer.** Compose gates: XOR is "OR but not AND",

        $$x_1 \oplus x_2 = [(x_1 \vee x_2) - (x_1 \wedge x_2) - \tfrac12 > 0].$$

        The first layer has two neurons (an OR and an AND), the second one neuron on their outputs. This is a
        two-layer network, and nobody had to invent a feature.
        """),
        code("""
        constructions = {"feature x1+x2-2x1x2": neuron.xor_by_feature, "two-layer network": neuron.xor_two_layer}
        for name, construction in constructions.items():
            pred = construction(inputs)
            print(f"{name:>20}: {pred}  accuracy {np.mean(pred == y_xor):.0%}")
        """),
        md(f"""
        Both constructions reach {claim("xor_two_layer_accuracy", "100%")} on XOR, where the single perceptron
        could not.

        The same holds on noisy samples around the four corners, read as bits by rounding each coordinate, as
        long as the noise does not carry a point past $1/2$:
        """),
        code("""
        Xn, yn = datasets.make_xor(n=200, noise=0.1, rng=SEED)
        def xor_net_on_points(Z):
            return neuron.xor_two_layer((Z > 0.5).astype(int))      # the gates expect bits

        print(f"two-layer network on noisy XOR: {np.mean(xor_net_on_points(Xn) == yn):.1%}")
        fig, ax = plt.subplots(figsize=(4, 4))
        plotting.plot_decision_boundary(xor_net_on_points, Xn, yn, ax=ax)
        ax.set_title("The two-layer XOR network")
        plt.show()
        """),
        md(r"""
        Notice the two regions of each class: a single line can make only one cut, the hidden layer makes two.

        ## 1.6 Linear regression is a network too

        Replace the step by the identity, $a(x) = \langle w, x\rangle - w_0$, and train with the squared error:
        that is linear regression, a one-neuron network with no hidden layer. The multilayer perceptron (MLP)
        stacks such units:

        $$h = \sigma(W_1 x + b_1), \qquad \hat y = W_2 h + b_2.$$

        ## 1.7 Stacked linear layers collapse

        Why do we need the non-linearity $\sigma$ at all? Without it,

        $$W_2(W_1x + b_1) + b_2 = \underbrace{W_2W_1}_{W}\,x + \underbrace{W_2b_1 + b_2}_{b},$$

        one linear layer again, however many we stack. The code stacks three `Linear` layers and compares them
        with the single matrix they multiply out to.
        """),
        code("""
        stack = layers.Sequential(layers.Linear(2, 8, rng=1), layers.Linear(8, 8, rng=2),
                                  layers.Linear(8, 1, rng=3))
        W, b = np.eye(2), np.zeros(2)
        for lin in stack:                       # y = x W^T + b, layer by layer
            W, b = lin.weight.data @ W, lin.weight.data @ b + lin.bias.data
        Xr = np.random.default_rng(SEED).normal(size=(5, 2))
        print("stack output:       ", stack(Xr).ravel())
        print("single matrix W x+b:", (Xr @ W.T + b).ravel())
        print("max difference:", np.max(np.abs(stack(Xr) - (Xr @ W.T + b))))
        """),
        md(r"""
        The difference is at the level of rounding errors: the 8-unit "hidden layers" add parameters but no
        expressive power. A linear stack on XOR is still one line, so it gets at most 3 of 4 points.

        ## 1.8 Universal approximation

        Cybenko (1989) proved that one hidden layer of sigmoids, wide enough, approximates any continuous
        function on a compact set as closely as we like. The idea fits in a picture: a steep sigmoid
        $\sigma(k(x - c))$ is almost a step at $c$; a sum of steps $\sum_i (f(c_i) - f(c_{i-1}))\,
        \sigma(k(x - c_i))$ is a staircase that follows $f$. More hidden units, finer stairs.
        """),
        code("""
        def f(x):
            return np.sin(3 * x) + 0.3 * x**2

        x = np.linspace(-2, 2, 400)

        def staircase(x, n_hidden):
            # One hidden unit per stair, switching on half-way between grid points c_i and c_{i+1};
            # its output weight is the rise f(c_{i+1}) - f(c_i).
            c = np.linspace(-2, 2, n_hidden + 1)
            middles, jumps = (c[:-1] + c[1:]) / 2, np.diff(f(c))
            steepness = 5.0 * n_hidden                          # the steps get sharper as they get narrower
            hidden = activations.get_activation("sigmoid").forward(steepness * (x[:, None] - middles[None, :]))
            return f(c[0]) + hidden @ jumps

        fig, ax = plt.subplots(figsize=(6, 3.5))
        ax.plot(x, f(x), "k", lw=3, alpha=0.3, label="f(x)")
        for n in (3, 10, 40):
            err = np.max(np.abs(staircase(x, n) - f(x)))
            ax.plot(x, staircase(x, n), label=f"{n} hidden units (max error {err:.2f})")
        ax.legend(fontsize=8)
        ax.set_title("A hidden layer of steep sigmoids builds a staircase")
        plt.show()
        """),
        md(r"""
        Notice that the maximum error shrinks as the layer widens: this construction *is* the proof idea.

        Gradient descent finds such weights itself. Below a network $1 \to h \to 1$ with $\tanh$ hidden units
        is trained on the same function for hidden widths $h = 1, 2, 4, 16$ (Adam, full batch, fixed seeds).
        """),
        code("""
        rng = np.random.default_rng(SEED)
        Xf = np.sort(rng.uniform(-2, 2, size=(200, 1)), axis=0)
        yf = f(Xf)
        fig, ax = plt.subplots(figsize=(6, 3.5))
        ax.plot(Xf, yf, "k", lw=3, alpha=0.3, label="f(x)")
        for h in (1, 2, 4, 16):
            net = layers.Sequential(layers.Linear(1, h, init="xavier", rng=h), layers.Tanh(),
                                    layers.Linear(h, 1, init="xavier", rng=100 + h))
            opt = optim.Adam(net.parameters(), lr=0.05)
            hist = training.fit(net, Xf, yf, losses.MSELoss(), opt, epochs=400, batch_size=200,
                                metrics=(), progress=False, rng=SEED)
            ax.plot(Xf, net(Xf), label=f"h = {h}: MSE {hist.history['loss'][-1]:.3f}")
        ax.legend(fontsize=8)
        ax.set_title("Trained networks of growing width")
        plt.show()
        """),
        md(r"""
        Notice how each extra hidden unit buys one more bend of the curve: one unit can only make a single
        sigmoid-shaped step, sixteen follow the function closely. The theorem says such weights *exist*; it
        does not say how many units we need or that training finds them.

        ## 1.9 A short history

        | year | event |
        |---|---|
        | 1943 | McCulloch and Pitts: the threshold neuron as a logic unit |
        | 1958 | Rosenblatt's perceptron and its learning rule (the Mark I Perceptron machine) |
        | 1969 | Minsky and Papert's *Perceptrons*: one layer cannot compute XOR |
        | 1970s | the first "AI winter": funding and interest in neural networks dry up |
        | 1986 | Rumelhart, Hinton and Williams popularise backpropagation for multilayer networks |
        | 1989 | Cybenko's universal approximation theorem; LeCun's convolutional networks read digits |
        | late 1980s–1990s | the second AI winter: expert systems fail, SVMs and kernels win benchmarks |
        | 2012 | AlexNet wins ImageNet on GPUs, and deep learning takes over |
        """),
        *exercise(
            r"""Build NAND (`not (x1 and x2)`) with one threshold neuron: give $w$ and $w_0$.""",
            r"""NAND fires unless both inputs are 1: $[-x_1 - x_2 + \tfrac32 > 0]$, i.e. $w = (-1, -1)$,
            $w_0 = -3/2$. Check: `neuron.threshold_neuron(inputs, np.array([-1, -1]), -1.5)` gives `[1 1 1 0]`.
            NAND alone is universal, so two layers of NANDs compute any Boolean function."""),
        *exercise(
            r"""Three linear layers of widths $2 \to 100 \to 100 \to 1$ have how many parameters, and how many
            does the single layer they collapse to have?""",
            r"""$(2\cdot100 + 100) + (100\cdot100 + 100) + (100 + 1) = 10\,501$ parameters, but the product is one
            layer $2 \to 1$ with $2 + 1 = 3$ parameters: everything else is redundant."""),
        *exercise(
            r"""Which of the four corners does the perceptron on XOR get wrong at the end, and does the answer
            depend on the seed?""",
            r"""Print `p_xor.predict(inputs)` next to `y_xor`. Which corner is wrong depends on the order of the
            examples (the seed shuffles them) and on where the cycle stops; that *some* corner is wrong does
            not — it is the theorem of section 1.4."""),
        md(r"""
        ## Summary

        * A threshold neuron $[\langle w, x\rangle - w_0 > 0]$ is a linear classifier; one neuron computes AND,
          OR or NOT.
        * The perceptron rule $w \leftarrow w + \eta(y - \hat y)x$ converges on separable data (AND) and cycles
          on XOR, which no hyperplane separates.
        * Two ways out: a non-linear feature ($x_1 + x_2 - 2x_1x_2$) or a hidden layer
          ($[(x_1\vee x_2) - (x_1\wedge x_2) - \frac12 > 0]$).
        * Without a non-linearity, stacked layers collapse to one matrix.
        * One wide hidden layer approximates any continuous function (Cybenko): more units, finer fit.
        """),
    ]
