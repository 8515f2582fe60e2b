"""Lecture 5 — Regularisation."""
# ruff: noqa: E501  (cell text: the lines are the notebook's lines; the notebooks' code is linted as .ipynb)
from ._common import claim, code, exercise, md

FILENAME = "05_regularisation.ipynb"
TITLE = "5. Regularisation"


def cells():
    return [
        md(r"""
        **Learning goals.** After this lecture you can

        * recognise overfitting in training and validation curves;
        * derive L2 weight decay and an entropy penalty on predictions, and add them to a loss;
        * implement dropout in both conventions and explain why they agree in expectation;
        * explain batch normalisation in training and at inference, including the unbiased variance and how it
          folds into an affine map;
        * augment images and stop training early; compare all of it on one task.
        """),
        code("""
        import numpy as np
        import matplotlib.pyplot as plt
        %matplotlib inline

        from course_lib import augment, datasets, gradcheck, layers, losses, optim, training, plotting

        SEED = 0
        """),
        md(r"""
        ## 5.1 Overfitting, shown

        The digits data set (1797 images of 8×8 pixels, shipped with scikit-learn) is easy with all of it.
        To *see* overfitting we train on only 150 images and keep a validation set to watch. A network
        $64 \to 128 \to 128 \to 10$ has about 26 000 parameters — far more than it needs to memorise 150 images.
        """),
        code("""
        X, y = datasets.load_digits()
        (Xtr, ytr), (Xva, yva), (Xte, yte) = datasets.train_val_test_split(X, y, val=0.2, test=0.3, rng=SEED)
        Xs, ys = Xtr[:150], ytr[:150]                       # the small training set
        print("train", Xs.shape, " validation", Xva.shape, " test", Xte.shape)

        def mlp(dropout=0.0, input_dropout=0.0, batchnorm=False, seed=SEED):
            mods = [layers.Dropout(input_dropout, rng=seed)] if input_dropout else []
            for i, (n_in, n_out) in enumerate([(64, 128), (128, 128)]):
                mods.append(layers.Linear(n_in, n_out, rng=seed + i))
                if batchnorm:
                    mods.append(layers.BatchNorm1d(n_out))
                mods.append(layers.ReLU())
                if dropout:
                    mods.append(layers.Dropout(dropout, rng=seed + 10 + i))
            return layers.Sequential(*mods, layers.Linear(128, 10, rng=seed + 2))

        def train(model, X=Xs, y=ys, loss=None, weight_decay=0.0, epochs=100, early_stopping=None):
            opt = optim.Adam(model.parameters(), lr=1e-3, weight_decay=weight_decay)
            hist = training.fit(model, X, y, loss or losses.SoftmaxCrossEntropyLoss(), opt, epochs=epochs,
                                batch_size=32, validation_data=(Xva, yva), early_stopping=early_stopping,
                                progress=False, rng=SEED)
            test = training.evaluate(model, Xte, yte, losses.SoftmaxCrossEntropyLoss(), ("accuracy",))["accuracy"]
            return hist, test

        results = {}
        base_model = mlp()
        hist, results["no regularisation"] = train(base_model)
        plotting.plot_training_curves(hist)
        plt.show()
        """),
        md(r"""
        Notice the gap: training accuracy reaches 100% within a few dozen epochs and the training loss keeps
        falling towards 0, while the validation loss bottoms out and then *rises* — the network grows more and
        more confident on images it memorised. Everything below tries to close this gap.

        ## 5.2 L2 regularisation is weight decay

        Add the squared norm of the weights to the loss:

        $$\tilde Q(w) = Q(w) + \frac{\lambda}{2}\|w\|^2, \qquad \nabla\tilde Q = \nabla Q + \lambda w.$$

        One gradient step becomes

        $$w \leftarrow w - \eta(\nabla Q + \lambda w) = (1 - \eta\lambda)\,w - \eta\nabla Q:$$

        before each ordinary step the weights *shrink* by the factor $1 - \eta\lambda$ — hence "weight decay".
        Large weights are what let a network draw wiggly boundaries through single points; L2 keeps them small.
        The penalty and the optimiser's `weight_decay` are the same update for SGD:
        """),
        code("""
        rng = np.random.default_rng(SEED)
        w_init, g = rng.normal(size=5), rng.normal(size=5)
        a, b = layers.Parameter(w_init.copy()), layers.Parameter(w_init.copy())
        a.grad[...] = g
        b.grad[...] = g
        losses.l2_penalty([a], lam=0.1, add_grad=True)          # adds lam * w to the gradient
        optim.SGD([a], lr=0.5).step()
        optim.SGD([b], lr=0.5, weight_decay=0.1).step()
        print("penalty + SGD:     ", a.data.round(6))
        print("SGD(weight_decay): ", b.data.round(6))
        print("(1 - lr*lam) w - lr g:", ((1 - 0.5 * 0.1) * w_init - 0.5 * g).round(6))
        """),
        md(r"""
        All three lines agree. (For Adam the two differ: the penalty's gradient gets rescaled by Adam's
        denominator; *decoupled* weight decay, AdamW, shrinks the weights directly.)
        """),
        code("""
        hist_l2, results["L2 (weight decay 1e-2)"] = train(mlp(), weight_decay=1e-2)
        """),
        md(r"""
        ## 5.3 An entropy penalty on predictions

        A second idea penalises the *predictions* instead of the weights. Let $p = \operatorname{softmax}(z)$ and
        $H(p) = -\sum_j p_j\log p_j$ its entropy. An over-fitted network is over-confident: $H \to 0$ on the
        training set. The *confidence penalty* subtracts $\beta H(p)$ from the loss, rewarding predictions that
        keep some doubt. Its gradient with respect to the logits follows from
        $\partial p_j/\partial z_k = p_j([j = k] - p_k)$:

        $$\frac{\partial H}{\partial z_k} = -\sum_j (\log p_j + 1)\,p_j([j = k] - p_k) = -p_k(\log p_k + H).$$

        `losses.entropy_penalty(z, lam)` returns $\lambda\,\overline{H}$ (the batch mean) and this gradient;
        a negative `lam` gives the confidence penalty. The derivation, checked:
        """),
        code("""
        z = np.random.default_rng(SEED).normal(size=(4, 10))
        value, grad = losses.entropy_penalty(z, lam=-0.5)
        num = gradcheck.numerical_gradient(lambda v: losses.entropy_penalty(v, lam=-0.5)[0], z.copy())
        print(f"penalty {value:.4f}; gradient relative error {gradcheck.relative_error(grad, num):.1e}")

        class ConfidencePenalised(losses.SoftmaxCrossEntropyLoss):
            # cross-entropy - beta * mean entropy of the predictions
            def __init__(self, beta):
                super().__init__()
                self.beta = beta
            def forward(self, pred, target):
                self._pen, self._pen_grad = losses.entropy_penalty(pred, lam=-self.beta)
                return super().forward(pred, target) + self._pen
            def backward(self):
                return super().backward() + self._pen_grad

        hist_ent, results["entropy penalty (β = 0.5)"] = train(mlp(), loss=ConfidencePenalised(0.5))
        """),
        md(r"""
        ## 5.4 Dropout, in both conventions

        During training, dropout sets each unit to 0 with probability $p$, independently for every example:
        $\tilde h = m \odot h$, $m_j \sim \text{Bernoulli}(1 - p)$. Every minibatch trains a different thinned
        network, so no unit can rely on a particular other unit being there. At inference we want the
        *expected* output, $\mathbb E[\tilde h] = (1 - p)\,h$. Two conventions get it:

        * **original (Srivastava et al., 2014)**: train with $m \odot h$; at inference multiply by $(1 - p)$;
        * **inverted dropout** (what libraries do): train with $m \odot h / (1 - p)$; at inference do nothing.

        Both have the same expectation in training as at inference; inverted dropout keeps the inference code
        free of any dropout logic. The backward pass multiplies by the same mask (and scale).
        """),
        code("""
        h = np.ones((20000, 4)) * np.array([1.0, 2.0, 3.0, 4.0])
        for mode in ("scale_at_inference", "inverted"):
            d = layers.Dropout(p=0.4, mode=mode, rng=SEED)
            train_mean = d.train()(h).mean(axis=0)
            infer = d.eval()(h[:1])[0]
            print(f"{mode:>19}: mean in training {train_mean.round(2)}, output at inference {infer.round(2)}")
        """),
        md(r"""
        In the original convention both numbers are $0.6\,h$; in the inverted one both are $h$. Either way
        training and inference agree on average.

        **Dropout on inputs** (typically $p = 0.2$) is a form of data augmentation: each image is shown with a
        random fifth of its pixels missing.
        """),
        code("""
        hist_do, results["dropout 0.5 (+ 0.2 on inputs)"] = train(mlp(dropout=0.5, input_dropout=0.2))
        """),
        md(r"""
        ## 5.5 Batch normalisation

        For a minibatch of $m$ pre-activations of one unit, batch norm standardises and re-scales:

        $$\mu_B = \frac1m\sum_i x_i, \quad \sigma_B^2 = \frac1m\sum_i(x_i - \mu_B)^2, \quad
          \hat x_i = \frac{x_i - \mu_B}{\sqrt{\sigma_B^2 + \varepsilon}}, \quad y_i = \gamma\hat x_i + \beta.$$

        At inference there is no batch (or a batch of one), so batch norm uses **running averages** kept during
        training: $\mu \leftarrow (1 - a)\mu + a\,\mu_B$ and $\sigma^2 \leftarrow (1 - a)\sigma^2 + a\,\frac{m}{m - 1}\sigma_B^2$,
        with momentum $a = 0.1$. The factor $\frac{m}{m-1}$ makes the batch variance an *unbiased* estimate of
        the population variance. At inference everything is fixed, so batch norm is an **affine map** that
        folds into the preceding linear layer:

        $$y = \underbrace{\frac{\gamma}{\sqrt{\sigma^2 + \varepsilon}}}_{a}\,x
            + \underbrace{\beta - \frac{\gamma\,\mu}{\sqrt{\sigma^2 + \varepsilon}}}_{c}.$$
        """),
        code("""
        rng = np.random.default_rng(SEED)
        bn = layers.BatchNorm1d(3)
        for _ in range(200):                       # training: batches with mean 5 and std 2 per feature
            bn.train()(rng.normal(5.0, 2.0, size=(16, 3)))
        batch = rng.normal(5.0, 2.0, size=(4, 3))
        print("running mean", bn.running_mean.round(2), " running var", bn.running_var.round(2))
        print("training mode, batch statistics:", bn.train()(batch).mean(axis=0).round(3), "(mean exactly 0)")
        out_eval = bn.eval()(batch)
        a = bn.gamma.data / np.sqrt(bn.running_var + bn.eps)
        c = bn.beta.data - a * bn.running_mean
        print("eval mode = affine map a x + c: max difference", np.max(np.abs(out_eval - (batch * a + c))))
        """),
        md(r"""
        Notice that the running statistics estimate the true mean 5 and variance 4, that in training mode every
        batch comes out with mean exactly 0, and that in eval mode batch norm *is* the affine map $ax + c$.
        """),
        code("""
        hist_bn, results["batch norm"] = train(mlp(batchnorm=True))
        """),
        md(r"""
        ## 5.6 Data augmentation on the digits

        If we know a transformation does not change the label, we can apply it to create new training examples.
        For images: flips, rotation, scaling, brightness, contrast, gamma, noise, crops, blur, channel shuffle,
        greyscale. For digits, small rotations and scalings and a little noise are safe — but **not** flips
        (a mirrored 2 is not a 2). We grow the 150 training images to 600 with random rotations ($\pm 12°$),
        scalings ($\pm 10\%$) and noise.
        """),
        code("""
        aug = augment.Compose([augment.RandomRotation(12), augment.RandomScale((0.9, 1.1)),
                               augment.GaussianNoise(0.05)])
        images = Xs.reshape(-1, 8, 8)
        extra = np.concatenate([aug.batch(images, rng=SEED + k) for k in range(3)])
        X_aug = np.concatenate([Xs, extra.reshape(-1, 64)])
        y_aug = np.concatenate([ys] * 4)
        plotting.plot_image_grid(np.concatenate([images[:8], extra[:8], extra[150:158]]), ncols=8)
        plt.show()
        """),
        md(r"""
        Top row: originals; below: two augmented versions of each. Notice that they remain clearly the same
        digits — the transformation is label-preserving, which is the one rule of augmentation.
        """),
        code("""
        hist_aug, results["augmentation (×4)"] = train(mlp(), X=X_aug, y=y_aug, epochs=30)
        """),
        md(r"""
        ## 5.7 Early stopping

        The simplest regulariser of all: watch the validation loss and stop when it has not improved for
        `patience` epochs, keeping the best weights. The number of epochs becomes a hyper-parameter tuned on
        validation data, and training time is saved.
        """),
        code("""
        hist_es, results["early stopping (patience 10)"] = train(mlp(), early_stopping=10)
        print("stopped early:", hist_es.stopped_early, " best epoch:", hist_es.best_epoch, " of", hist_es.epochs)
        """),
        md(r"""
        ## 5.8 All of it in one table

        Test accuracy (on 539 held-out images) of the same network trained on the same 150 images:
        """),
        code("""
        print(f"{'method':<32}{'test accuracy':>14}")
        for name, acc in results.items():
            print(f"{name:<32}{acc:>14.1%}")
        """),
        md(f"""
        Without regularisation the network reaches {claim("regularisation_baseline_accuracy", "90.0%")} test
        accuracy. Notice how close the numbers are: with 539 test images one image is 0.19 points, and a
        different seed moves each line by about a point. On this small, clean data set, Adam for 100 epochs
        is already hard to beat, and no single method wins clearly; what the curves of section 5.1 showed — the
        validation *loss* climbing while the accuracy stalls — is what regularisation fixes first. An honest
        comparison averages several seeds and picks hyper-parameters on validation data, never on the test
        set; in practice the methods are combined.
        """),
        *exercise(
            r"""With $\eta = 0.1$ and $\lambda = 10^{-2}$, by what factor does weight decay shrink a weight that
            gets no gradient, after 1000 steps?""",
            r"""$(1 - \eta\lambda)^{1000} = 0.999^{1000} \approx e^{-1} \approx 0.37$."""),
        *exercise(
            r"""A layer uses the original dropout convention with $p = 0.5$ but someone forgets the scaling at
            inference. What goes wrong?""",
            r"""At inference each unit outputs $h$ instead of the expected $0.5\,h$: the next layer sees inputs
            twice as large as in training, and its outputs (and the network's predictions) are off."""),
        *exercise(
            r"""Why is the variance used at inference multiplied by $m/(m-1)$, and what happens for $m = 1$?""",
            r"""$\frac1m\sum(x_i - \mu_B)^2$ underestimates the variance by the factor $(m - 1)/m$ because $\mu_B$
            is fitted to the same samples (Bessel's correction). For $m = 1$ the batch variance is 0 and the
            correction divides by 0: batch norm needs batches of at least 2 in training."""),
        md(r"""
        ## Summary

        * Overfitting shows as a growing gap between training and validation curves.
        * L2: $\nabla Q + \lambda w$, i.e. weights decay by $1 - \eta\lambda$ every step.
        * The entropy (confidence) penalty fights over-confident predictions; its gradient is $-p_k(\log p_k + H)$.
        * Dropout: mask in training; scale by $1 - p$ at inference, or by $1/(1 - p)$ in training (inverted).
        * Batch norm: batch statistics in training, running averages (unbiased variance) at inference, where it
          is an affine map.
        * Label-preserving augmentation adds data; early stopping picks the number of epochs on validation data.
        """),
    ]
