"""Lecture 6 — Building blocks in practice."""
# ruff: noqa: E501  (cell text: the lines are the notebook's lines; the notebooks' code is linted as .ipynb)
from ._common import claim, code, exercise, md

FILENAME = "06_building_blocks.ipynb"
TITLE = "6. Building blocks in practice"


def cells():
    return [
        md(r"""
        **Learning goals.** After this lecture you can

        * assemble networks for regression and for classification from layers, and pick the output and loss;
        * train a model with a Keras-like `fit` — minibatches, validation, a progress bar, learning curves;
        * recognise when a neural network is the wrong tool (small tabular data);
        * count the parameters and multiply-adds of a network, up to ResNet-152.
        """),
        code("""
        import numpy as np
        import matplotlib.pyplot as plt
        %matplotlib inline

        from course_lib import architectures, datasets, layers, losses, optim, training, plotting, widgets

        SEED = 0
        """),
        md(r"""
        ## 6.1 A network for regression

        For a real-valued target: linear layers with a non-linearity between them, a **linear output** (no
        activation) and the mean squared error. The recipe is FC → ReLU → FC → ReLU → FC.
        """),
        code("""
        Xr, yr = datasets.make_regression_1d(n=200, noise=0.1, rng=SEED)
        reg = layers.Sequential(layers.Linear(1, 32, rng=1), layers.ReLU(), layers.Linear(32, 32, rng=2),
                                layers.ReLU(), layers.Linear(32, 1, rng=3))
        hist = training.fit(reg, Xr, yr[:, None], losses.MSELoss(), optim.Adam(reg.parameters(), lr=0.01),
                            epochs=200, batch_size=32, metrics=(), progress=False, rng=SEED)
        grid = np.linspace(Xr.min(), Xr.max(), 300)[:, None]
        fig, ax = plt.subplots(figsize=(5, 3.5))
        ax.scatter(Xr, yr, s=8, alpha=0.5, label="data")
        ax.plot(grid, reg(grid), "r", label=f"network (MSE {hist.history['loss'][-1]:.3f})")
        ax.legend()
        plt.show()
        """),
        md(r"""
        Notice the fitted curve is piecewise linear — each kink is one ReLU unit switching on — and follows the
        trend without chasing the noise.

        ## 6.2 A network for classification

        For $K$ classes: the output layer has $K$ units (logits), softmax turns them into probabilities, and the
        loss is cross-entropy. We compute softmax and cross-entropy together from the logits
        (`SoftmaxCrossEntropyLoss`), which is numerically stable, and add a `Softmax` layer only to read
        probabilities. The classic stack is FC → ReLU → Dropout → FC → ReLU → Dropout → FC → Softmax.
        """),
        code("""
        Xc, yc = datasets.make_spiral(n=300, noise=0.1, rng=SEED, n_classes=3)
        clf = layers.Sequential(layers.Linear(2, 64, rng=1), layers.ReLU(), layers.Dropout(0.1, rng=2),
                                layers.Linear(64, 64, rng=3), layers.ReLU(), layers.Dropout(0.1, rng=4),
                                layers.Linear(64, 3, rng=5))
        hist = training.fit(clf, Xc, yc, losses.SoftmaxCrossEntropyLoss(), optim.Adam(clf.parameters(), lr=0.01),
                            epochs=150, batch_size=32, progress=False, rng=SEED)
        proba = layers.Softmax()(clf.eval()(Xc[:3]))
        print("probabilities of the first three points:\\n", proba.round(3), "\\nclasses:", yc[:3])
        plotting.plot_decision_boundary(clf.eval(), Xc, yc)        # the logits; regions by argmax
        plt.show()
        """),
        md(r"""
        Notice the probabilities sum to 1 per row, and the decision regions follow the three spiral arms.

        ## 6.3 A Keras-like `fit` on the digits

        `training.fit` is the loop of lectures 4 and 5 packaged: shuffled minibatches, `train()` mode for the
        updates and `eval()` mode for validation, metrics per epoch, early stopping and a progress bar.
        `Sequential.summary()` lists the layers and their parameter counts.
        """),
        code("""
        X, y = datasets.load_digits()
        (Xtr, ytr), (Xva, yva), (Xte, yte) = datasets.train_val_test_split(X, y, val=0.15, test=0.15, rng=SEED)
        model = layers.Sequential(layers.Linear(64, 64, rng=1), layers.ReLU(), layers.Linear(64, 10, rng=2))
        print(model.summary())
        """),
        md(f"""
        The model has $64 \\cdot 64 + 64 + 64 \\cdot 10 + 10 = {claim("digits_model_parameters", "4810")}$
        parameters: a weight per connection and a bias per unit.
        """),
        code("""
        history = training.fit(model, Xtr, ytr, losses.SoftmaxCrossEntropyLoss(),
                               optim.Adam(model.parameters(), lr=1e-3), epochs=30, batch_size=32,
                               validation_data=(Xva, yva), progress=True, rng=SEED)
        test_metrics = training.evaluate(model, Xte, yte, losses.SoftmaxCrossEntropyLoss(), ("accuracy",))
        print(f"test accuracy: {test_metrics['accuracy']:.1%}")
        plotting.plot_training_curves(history)
        plt.show()
        """),
        md(f"""
        The small network reaches {claim("digits_test_accuracy", "94.8%")} accuracy on the held-out test images.
        Notice in the curves that training and validation accuracy rise together and stay close: with 1257
        training images and 4810 parameters there is little overfitting.

        ## 6.4 When a neural network loses

        Neural networks shine on images, sound and text, where the input has structure (neighbouring pixels,
        word order) that layers can exploit. On **small tabular data** — a few hundred rows of heterogeneous
        columns — classic methods are often better and always cheaper: linear models with good features, and
        gradient-boosted trees. Take the diabetes data (442 patients, 10 measurements, a disease-progression
        score; it ships with scikit-learn) and compare on the same split:
        """),
        code("""
        from sklearn.datasets import load_diabetes
        from sklearn.ensemble import RandomForestRegressor
        from sklearn.linear_model import RidgeCV

        Xd, yd = load_diabetes(return_X_y=True)
        Xd = (Xd - Xd.mean(axis=0)) / Xd.std(axis=0)
        yd = (yd - yd.mean()) / yd.std()                      # standardised target: MSE 1 = predicting the mean
        perm = np.random.default_rng(SEED).permutation(len(Xd))
        tr, te = perm[:330], perm[330:]

        def r2(pred):
            return 1 - np.mean((pred - yd[te]) ** 2) / np.var(yd[te])

        scores = {"ridge regression": r2(RidgeCV(alphas=np.logspace(-3, 3, 13)).fit(Xd[tr], yd[tr]).predict(Xd[te])),
                  "random forest": r2(RandomForestRegressor(100, min_samples_leaf=5, random_state=SEED)
                                      .fit(Xd[tr], yd[tr]).predict(Xd[te]))}
        net = layers.Sequential(layers.Linear(10, 64, rng=1), layers.ReLU(), layers.Linear(64, 64, rng=2),
                                layers.ReLU(), layers.Linear(64, 1, rng=3))
        training.fit(net, Xd[tr], yd[tr, None], losses.MSELoss(), optim.Adam(net.parameters(), lr=1e-3),
                     epochs=100, batch_size=32, metrics=(), progress=False, rng=SEED)
        scores["neural network (10-64-64-1)"] = r2(net(Xd[te]).ravel())
        for name, s in scores.items():
            print(f"{name:<28} test R² = {s:.3f}")
        """),
        md(r"""
        Notice that both classic methods beat the network, which has 5 000 parameters for 330 patients and
        fits noise; getting it to match would take careful regularisation and tuning, for nothing gained.
        Rule of thumb: on tabular data, start with a linear model and gradient-boosted trees, and reach for a
        network when the data is large or has structure.

        ## 6.5 Parameters and FLOPs of famous architectures

        The cost of a layer is easy to count. A linear layer $F_{in} \to F_{out}$ has $F_{in}F_{out} + F_{out}$
        parameters and $F_{in}F_{out}$ multiply-adds per example. A convolution with a $k \times k$ kernel,
        $C_{in}$ input and $C_{out}$ output channels has $k^2C_{in}C_{out}$ (+ $C_{out}$) parameters and costs
        $k^2C_{in}C_{out}$ multiply-adds *per output pixel*, i.e. $k^2C_{in}C_{out}H_{out}W_{out}$ in total.
        `architectures.count` pushes the input shape through a list of layers and adds it all up.
        The ResNet paper reports FLOPs as multiply-adds:
        """),
        code("""
        table = architectures.resnet_table()
        print(f"{'network':<12}{'parameters':>14}{'GMACs (ours)':>14}{'lecture':>9}")
        for depth, (params, gmacs) in table.items():
            lecture = architectures.RESNET_GFLOPS_LECTURE[depth]
            print(f"ResNet-{depth:<5}{params / 1e6:>12.1f} M{gmacs:>14.2f}{lecture:>9}")
        vgg = architectures.count(architectures.vgg16(), (3, 224, 224))
        print(f"{'VGG-16':<12}{vgg.params / 1e6:>12.1f} M{vgg.gmacs:>14.2f}")
        """),
        md(f"""
        Our counts reproduce the lecture's table (1.8, 3.6, 3.8, 7.6, 11.3 GFLOPs) to rounding; ResNet-50 has
        {claim("resnet50_params_millions", "25.6")} million parameters and VGG-16
        {claim("vgg16_params_millions", "138.4")} million. Notice that ResNet-50 is *deeper* than ResNet-34 but
        barely more expensive: its bottleneck blocks do the 3×3 convolution on a quarter of the channels.
        And VGG-16 has 5 times the parameters of ResNet-50, mostly in its first linear layer
        ($25\\,088 \\times 4096 \\approx 103$ M).

        ## 6.6 The playground

        Choose a data set, the number and width of hidden layers, the activation, the learning rate and
        regularisation, then train and watch the decision boundary form — a numpy cousin of the TensorFlow
        playground.
        """),
        code("""
        widgets.Playground()
        """),
        *exercise(
            r"""How many parameters does a network $784 \to 256 \to 128 \to 10$ have?""",
            r"""$(784\cdot256 + 256) + (256\cdot128 + 128) + (128\cdot10 + 10) = 200\,960 + 32\,896 + 1\,290
            = 235\,146$. Check with `layers.Sequential(layers.Linear(784, 256), layers.ReLU(), layers.Linear(256, 128),
            layers.ReLU(), layers.Linear(128, 10)).num_parameters()`."""),
        *exercise(
            r"""A 3×3 convolution from 64 to 64 channels on a 56×56 image: how many parameters (without bias) and
            multiply-adds?""",
            r"""$9\cdot64\cdot64 = 36\,864$ parameters and $36\,864\cdot56\cdot56 \approx 115.6$ M multiply-adds:
            the same weights are reused at every pixel, which is why convolutions are cheap in parameters and
            expensive in compute."""),
        md(r"""
        ## Summary

        * Regression: linear output + MSE. Classification: $K$ logits + softmax cross-entropy (softmax only to
          read probabilities).
        * `fit` = shuffled minibatches, train/eval modes, validation metrics, early stopping, a progress bar.
        * On small tabular data a linear model or trees often beat a network.
        * Parameters and multiply-adds are counted layer by layer; ResNets trade depth for cheap bottlenecks.
        """),
    ]
