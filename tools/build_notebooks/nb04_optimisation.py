"""Lecture 4 — Optimisation."""
# ruff: noqa: E501  (cell text: the lines are the notebook's lines; the notebooks' code is linted as .ipynb)
from ._common import claim, code, exercise, md

FILENAME = "04_optimisation.ipynb"
TITLE = "4. Optimisation"


def cells():
    return [
        md(r"""
        **Learning goals.** After this lecture you can

        * derive gradient descent for one-variable regression and stop it with a sensible rule;
        * compare full-batch, stochastic and minibatch gradient descent;
        * recognise ill-conditioning, saddle points, local minima and gradient noise on a landscape;
        * write the update rules of Momentum, Nesterov, AdaGrad, RMSProp and Adam, and explain Adam's bias
          correction;
        * decay the learning rate, and train a two-layer network in twenty lines of numpy.
        """),
        code("""
        import numpy as np
        import matplotlib.pyplot as plt
        %matplotlib inline

        from course_lib import datasets, landscapes, layers, losses, optim, schedules, training, plotting, widgets

        SEED = 0
        """),
        md(r"""
        ## 4.1 Gradient descent on one-variable regression

        Fit $\hat y = wx + b$ to pairs $(x_i, y_i)$ by minimising the mean squared error

        $$Q(w, b) = \frac1n\sum_{i=1}^n (wx_i + b - y_i)^2.$$

        Its gradient follows from the chain rule, with the residual $r_i = wx_i + b - y_i$:

        $$\frac{\partial Q}{\partial w} = \frac2n\sum_i r_i x_i, \qquad \frac{\partial Q}{\partial b} = \frac2n\sum_i r_i.$$

        Gradient descent repeats $\theta^{t} = \theta^{t-1} - \eta\,\nabla Q(\theta^{t-1})$. When do we stop?
        Three rules from the lecture:

        1. the step became tiny: $\|\theta^t - \theta^{t-1}\| < \varepsilon$;
        2. the gradient became tiny: $\|\nabla Q(\theta^t)\| < \varepsilon$;
        3. the loss on held-out validation data stopped falling (the rule we will use for networks, lecture 5).
        """),
        code("""
        # pairs (x_i, y_i) scattered around the line y = 1.5 x - 0.5
        X1, y1 = datasets.make_regression_1d(n=100, noise=0.3, rng=SEED, func=lambda x: 1.5 * x - 0.5, low=-2, high=2)
        x1 = X1[:, 0]

        def gd_regression(lr=0.1, eps=1e-6, rule="step", max_iter=10_000):
            theta = np.zeros(2)                               # (w, b)
            for t in range(1, max_iter + 1):
                r = theta[0] * x1 + theta[1] - y1
                grad = np.array([2 * np.mean(r * x1), 2 * np.mean(r)])
                new = theta - lr * grad
                done = np.linalg.norm(new - theta) < eps if rule == "step" else np.linalg.norm(grad) < eps
                theta = new
                if done:
                    return theta, t
            return theta, max_iter

        w_ls, b_ls = np.polyfit(x1, y1, 1)                   # the closed-form least-squares answer
        for rule in ("step", "gradient"):
            theta, t = gd_regression(rule=rule)
            print(f"stop on small {rule:>8}: w = {theta[0]:.5f}, b = {theta[1]:.5f} after {t} iterations")
        print(f"least squares:          w = {w_ls:.5f}, b = {b_ls:.5f}")
        """),
        md(r"""
        Both rules stop at the least-squares solution to five digits. The step rule fires earlier: with
        $\eta = 0.1$ the step is $\eta\|\nabla Q\|$, so $\|\Delta\theta\| < 10^{-6}$ is the weaker condition
        $\|\nabla Q\| < 10^{-5}$. A stopping rule is a trade-off between accuracy and time.
        """),
        code("""
        fig, ax = plt.subplots(figsize=(5, 3.5))
        ax.scatter(x1, y1, s=10, alpha=0.6, label="data")
        xs = np.linspace(x1.min(), x1.max(), 2)
        for lr, steps in [(0.1, 2), (0.1, 10), (0.1, 100)]:
            theta, _ = gd_regression(lr=lr, max_iter=steps, eps=0)
            ax.plot(xs, theta[0] * xs + theta[1], label=f"after {steps} steps")
        ax.legend()
        ax.set_title("Gradient descent on pair regression")
        plt.show()
        """),
        md(r"""
        Notice that the line first gets the *level* (the bias) and the slope roughly right, then converges more
        slowly: the last digits cost most of the iterations.

        ## 4.2 Full batch, SGD, minibatch

        The loss is a mean over examples, so its gradient is a mean of per-example gradients. **Full-batch** GD
        computes all $n$ of them per step; **stochastic** GD (SGD) uses one random example, an unbiased but noisy
        estimate at $1/n$ of the cost; **minibatch** GD uses a batch of $B$ examples (typically 32–256): the noise
        falls like $1/\sqrt B$ and the matrix products use the hardware well. We train the same linear model with
        the same number of *examples seen* (10 epochs):
        """),
        code("""
        fig, ax = plt.subplots(figsize=(5, 3.5))
        for name, bs in [("full batch (B = n)", len(X1)), ("minibatch (B = 10)", 10), ("SGD (B = 1)", 1)]:
            model = layers.Linear(1, 1, init="normal", rng=SEED)
            hist = training.fit(model, X1, y1[:, None], losses.MSELoss(), optim.SGD(model.parameters(), lr=0.05),
                                epochs=10, batch_size=bs, metrics=(), progress=False, rng=SEED)
            updates = int(np.ceil(len(X1) / bs)) * 10
            print(f"{name:>20}: {updates:5d} updates, final loss {hist.history['loss'][-1]:.4f}")
            ax.semilogy(range(1, 11), hist.history["loss"], marker=".", label=name)
        ax.set(xlabel="epoch (examples seen / n)", ylabel="training loss")
        ax.legend()
        plt.show()
        """),
        md(r"""
        Notice that for the same number of gradient evaluations SGD and minibatch make many more updates and
        reach a low loss much sooner than full-batch GD, which takes only 10 steps. The price is noise: SGD's
        loss fluctuates around the minimum instead of settling, unless the learning rate decays.

        ## 4.3 The problems of SGD, on landscapes

        Four 2-D test surfaces from `course_lib.landscapes` show what goes wrong:

        * **ill-conditioning**: $f = \frac12(x^2 + \kappa y^2)$. GD converges only if $\eta < 2/\kappa$, and then
          needs about $\kappa$ steps along the flat direction — it zig-zags across the valley;
        * **saddle points**: the gradient vanishes, but it is not a minimum; GD slows to a crawl near it
          (in high dimensions saddles are far more common than local minima);
        * **local minima**: GD stops in the first basin it falls into;
        * **gradient noise**: minibatch gradients are noisy, so the iterate jitters.
        """),
        code("""
        surfaces = [landscapes.get_surface("quadratic", condition_number=20), landscapes.get_surface("saddle"),
                    landscapes.get_surface("local_minima"), landscapes.get_surface("rosenbrock")]
        fig, axes = plt.subplots(1, 4, figsize=(16, 3.6))
        for ax, surf in zip(axes, surfaces):
            traj = landscapes.run_optimizer(surf, "sgd", lr=0.09 if "quadratic" in surf.name else 0.01, steps=60)
            plotting.plot_trajectories(surf, [traj], ax=ax)
            ax.set_title(surf.name)
        plt.show()
        """),
        md(r"""
        Notice the zig-zag across the narrow valley of the quadratic, the iterate stalling near the saddle, plain
        GD settling in the nearer (shallower) basin of the double well, and the slow crawl along the curved
        Rosenbrock valley.

        ## 4.4 Momentum

        Treat the iterate as a heavy ball: keep a velocity that accumulates gradients and decays with friction
        $\rho$ (typically $0.9$ or $0.99$):

        $$v_{t+1} = \rho\,v_t + \nabla f(x_t), \qquad x_{t+1} = x_t - \eta\,v_{t+1}.$$

        Along a direction where the gradient keeps its sign the steps add up, up to a factor $1/(1 - \rho)$
        ($10\times$ for $\rho = 0.9$); across the valley, where the sign alternates, they cancel. Momentum also
        carries the ball through saddles and small bumps.

        ## 4.5 Nesterov momentum

        Nesterov evaluates the gradient where momentum is about to take us, at the *look-ahead* point:
        $v_{t+1} = \rho v_t - \eta\nabla f(x_t + \rho v_t)$, $x_{t+1} = x_t + v_{t+1}$. Evaluating at a shifted
        point is awkward in code, so substitute $\tilde x_t = x_t + \rho v_t$:

        $$v_{t+1} = \rho v_t - \eta\nabla f(\tilde x_t), \qquad
          \tilde x_{t+1} = \tilde x_t - \rho v_t + (1 + \rho)\,v_{t+1}.$$

        Now the gradient is taken at the stored variable, as in every other optimiser. (PyTorch writes the same
        update with $v$ accumulating gradients: $g' = g + \rho v_{t+1}$, $x \leftarrow x - \eta g'$.)

        ## 4.6 AdaGrad and RMSProp

        Adapt the step *per coordinate*: divide by the root of the accumulated squared gradients,

        $$\text{AdaGrad: } G_{t} = G_{t-1} + g_t^2, \qquad x_{t+1} = x_t - \frac{\eta}{\sqrt{G_t} + \varepsilon}\,g_t.$$

        Steep directions get small steps, flat ones large: this fixes ill-conditioning along the axes. But $G_t$
        only grows, so the step size decays to zero. **RMSProp** replaces the sum by a leaky average,
        $G_t = \alpha G_{t-1} + (1 - \alpha)g_t^2$ with $\alpha = 0.99$, so the step size stays alive.

        ## 4.7 Adam

        Adam combines momentum (first moment) and RMSProp (second moment):

        $$m_t = \beta_1 m_{t-1} + (1 - \beta_1)g_t, \quad v_t = \beta_2 v_{t-1} + (1 - \beta_2)g_t^2, \quad
          \hat m_t = \frac{m_t}{1 - \beta_1^t}, \quad \hat v_t = \frac{v_t}{1 - \beta_2^t}, \quad
          x_{t+1} = x_t - \eta\,\frac{\hat m_t}{\sqrt{\hat v_t} + \varepsilon},$$

        with $\beta_1 = 0.9$, $\beta_2 = 0.999$ and $\eta = 10^{-3}$ or $5\cdot10^{-4}$ as good defaults.

        **Why the bias correction?** $m$ and $v$ start at 0, so early on they are biased towards 0: with a
        constant gradient $g$, $m_t = (1 - \beta_1^t)\,g$ and $v_t = (1 - \beta_2^t)\,g^2$. Dividing by
        $1 - \beta^t$ removes exactly that factor. Without it the first step is
        $\eta\,\frac{(1 - \beta_1)g}{\sqrt{1 - \beta_2}\,|g|} = \frac{0.1}{\sqrt{0.001}}\,\eta \approx 3.16\,\eta$
        """ + """instead of $\\eta$. The code measures the first steps of both versions on $f(x) = x$
        (constant gradient 1) with $\\eta = 10^{-3}$:
        """),
        code("""
        def first_steps(bias_correction, steps=5):
            p = layers.Parameter(np.zeros(1))
            opt = optim.Adam([p], lr=1e-3, bias_correction=bias_correction)
            out = []
            for _ in range(steps):
                before = p.data.copy()
                opt.zero_grad()
                p.grad[...] = 1.0
                opt.step()
                out.append(float(before[0] - p.data[0]) / 1e-3)       # step length in units of lr
            return np.round(out, 3)

        print("with bias correction:   ", first_steps(True))
        print("without bias correction:", first_steps(False))
        """),
        md(f"""
        With the correction every step has length exactly $\\eta$; without it the first step is
        {claim("adam_uncorrected_first_step", "3.162")} $\\eta$ and the following ones grow further (to about
        $6.5\\,\\eta$ at step 10), before falling back to $\\eta$ once $\\beta_2^t$ is small. The correction
        matters exactly when it should not be ignored: at the start of training.

        ## 4.8 The optimisers on the landscapes
        """),
        code("""
        racers = {"sgd": dict(lr=0.05), "momentum": dict(lr=0.05, momentum=0.9),
                  "nesterov": dict(lr=0.05, momentum=0.9), "adagrad": dict(lr=0.5),
                  "rmsprop": dict(lr=0.05), "adam": dict(lr=0.1)}
        fig, axes = plt.subplots(1, 3, figsize=(15, 4))
        for ax, surf in zip(axes, [landscapes.get_surface("quadratic", condition_number=20),
                                   landscapes.get_surface("saddle"), landscapes.get_surface("local_minima")]):
            trajs = [landscapes.run_optimizer(surf, name, steps=80, **kw) for name, kw in racers.items()]
            plotting.plot_trajectories(surf, trajs, ax=ax)
            ax.set_title(surf.name)
        plt.show()
        """),
        md(r"""
        Notice on the quadratic that momentum overshoots but gets down the valley, and the adaptive methods
        (AdaGrad, RMSProp, Adam) head almost straight to the minimum because they rescale each axis. At the
        saddle the adaptive methods escape fastest, and on the double well momentum can roll over the bump into
        the deeper basin where plain SGD stops.

        ## 4.9 Learning-rate decay

        A fixed step keeps bouncing around the minimum at the scale of the gradient noise. Decaying it lets the
        iterate settle. The three classic schedules:

        $$\text{step: } \alpha_t = \alpha_0\gamma^{\lfloor t/s\rfloor}, \qquad
          \text{exponential: } \alpha_t = \alpha_0 e^{-kt}, \qquad
          1/t\text{: } \alpha_t = \frac{\alpha_0}{1 + kt}.$$
        """),
        code("""
        t = np.arange(100)
        fig, ax = plt.subplots(figsize=(5, 3.5))
        ax.plot(t, [schedules.step_decay(0.1, ti, step_size=30, gamma=0.3) for ti in t], label="step (s=30, γ=0.3)")
        ax.plot(t, [schedules.exponential_decay(0.1, ti, k=0.03) for ti in t], label="exponential (k=0.03)")
        ax.plot(t, [schedules.inverse_time_decay(0.1, ti, k=0.1) for ti in t], label="1/t (k=0.1)")
        ax.set(xlabel="step t", ylabel="learning rate")
        ax.legend()
        plt.show()
        """),
        md(r"""
        Notice that the step schedule holds the rate then drops it, the exponential one decays fastest in the
        long run, and $1/t$ has a long tail — it is the schedule for which SGD provably converges
        ($\sum\alpha_t = \infty$, $\sum\alpha_t^2 < \infty$).

        ## 4.10 A two-layer network in twenty lines

        Everything so far, with nothing but numpy: a $2 \to 64 \to 3$ network with ReLU, softmax cross-entropy,
        backpropagation by hand (lecture 2) and plain gradient descent, on the spiral data.
        """),
        code("""
        X, y = datasets.make_spiral(n=300, noise=0.1, rng=SEED, n_classes=3)
        rng = np.random.default_rng(SEED)
        W1, b1 = rng.normal(0, np.sqrt(2 / 2), (2, 64)), np.zeros(64)
        W2, b2 = rng.normal(0, np.sqrt(2 / 64), (64, 3)), np.zeros(3)
        lr, n = 1.0, len(X)
        for _ in range(2000):
            h = np.maximum(0, X @ W1 + b1)                       # forward
            z = h @ W2 + b2
            p = np.exp(z - z.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            loss = -np.mean(np.log(p[np.arange(n), y])) + 1e-3 * 0.5 * (np.sum(W1**2) + np.sum(W2**2))
            dz = p.copy()                                        # backward: softmax + cross-entropy
            dz[np.arange(n), y] -= 1
            dz /= n
            dW2, db2 = h.T @ dz + 1e-3 * W2, dz.sum(axis=0)
            dh = dz @ W2.T
            dh[h <= 0] = 0                                       # ReLU routes the gradient
            dW1, db1 = X.T @ dh + 1e-3 * W1, dh.sum(axis=0)
            for param, grad in ((W1, dW1), (b1, db1), (W2, dW2), (b2, db2)):
                param -= lr * grad
        twenty_line_acc = np.mean(np.argmax(np.maximum(0, X @ W1 + b1) @ W2 + b2, axis=1) == y)
        print(f"final loss {loss:.3f}, training accuracy {twenty_line_acc:.1%}")
        """),
        md(f"""
        The twenty lines reach {claim("twenty_line_accuracy", "87.3%")} training accuracy on the three spirals, a
        task no linear classifier can do much better than a third on.
        """),
        code("""
        plotting.plot_decision_boundary(lambda Z: np.maximum(0, Z @ W1 + b1) @ W2 + b2, X, y)
        plt.show()
        """),
        md(r"""
        Notice the boundaries spiralling with the data: piecewise-linear pieces from 64 ReLUs.

        ## 4.11 The optimiser race

        Pick a surface, tick optimisers, set their learning rates and watch them race from the same start.
        """),
        code("""
        widgets.OptimizerRace(surface="rosenbrock", enabled=("sgd", "momentum", "nesterov", "rmsprop", "adam"))
        """),
        *exercise(
            r"""For $f = \frac12(x^2 + \kappa y^2)$, gradient descent has update $y \leftarrow (1 - \eta\kappa)\,y$.
            For which $\eta$ does it converge, and which $\eta$ is fastest for the $y$ coordinate?""",
            r"""It converges when $|1 - \eta\kappa| < 1$, i.e. $0 < \eta < 2/\kappa$; the $y$ coordinate reaches 0 in
            one step at $\eta = 1/\kappa$. But then $x$ shrinks by $1 - 1/\kappa$ per step: about $\kappa$ steps —
            that is why ill-conditioning hurts."""),
        *exercise(
            r"""Show that with momentum $\rho$ and a constant gradient $g$ the velocity tends to $g/(1 - \rho)$.""",
            r"""$v_{t+1} = \rho v_t + g$ has the fixed point $v = \rho v + g$, i.e. $v = g/(1 - \rho)$, and
            $v_t - v = \rho^t(v_0 - v) \to 0$. For $\rho = 0.9$ the effective step is $10\eta$."""),
        *exercise(
            r"""With $\beta_1 = 0.9$, $\beta_2 = 0.999$ and no bias correction, what is the length of Adam's second
            step under a constant gradient, in units of $\eta$?""",
            r"""$m_2 = (1 - 0.9^2)g = 0.19g$, $v_2 = (1 - 0.999^2)g^2 = 0.001999g^2$, so the step is
            $0.19/\sqrt{0.001999} \approx 4.25\,\eta$ — the second number printed by `first_steps(False)`."""),
        md(r"""
        ## Summary

        * Gradient descent: $\theta \leftarrow \theta - \eta\nabla Q$; stop when the step, the gradient, or the
          validation loss stop changing.
        * Minibatches trade gradient noise for many cheap updates.
        * Ill-conditioning, saddles, local minima and noise slow plain SGD.
        * Momentum averages gradients over time; Nesterov looks ahead; AdaGrad/RMSProp rescale each coordinate;
          Adam does both and needs bias correction at the start.
        * Decay the learning rate (step, $\alpha_0e^{-kt}$, $\alpha_0/(1 + kt)$) to settle at the end.
        """),
    ]
