r"""Neurons and XOR (lecture 1): the McCulloch–Pitts threshold neuron, logic gates, Rosenblatt's perceptron.

The threshold neuron (McCulloch & Pitts, 1943) fires when the weighted sum of its inputs exceeds a threshold:

.. math:: a(x) = \Bigl[\,\sum_{j=1}^{n} w_j x_j - w_0 > 0\Bigr] = [\langle w, x\rangle - w_0 > 0]

One neuron computes AND, OR and NOT (:data:`LOGIC_GATES`) but not XOR, whose classes no line separates.
Two ways out are built here: a new feature :math:`x_1 + x_2 - 2x_1x_2` (:func:`xor_by_feature`), and a
second layer on top of OR and AND (:func:`xor_two_layer`). A second layer only helps because of the threshold
between the layers: without a nonlinearity, stacked linear layers collapse into one matrix
(:func:`collapse_linear`).

Shapes: an input is ``(n,)`` for one example or ``(batch, n)``; outputs are int arrays of 0/1, shape ``()``
or ``(batch,)``.
"""
from __future__ import annotations

import numpy as np

from course_lib.validation import as_rng, check_positive

__all__ = ["threshold_neuron", "LOGIC_GATES", "gate", "Perceptron", "xor_feature", "xor_by_feature",
           "xor_two_layer", "collapse_linear", "collapse_affine"]

# The lecture's weights (w, w0): AND = [x1 + x2 - 3/2 > 0], OR = [x1 + x2 - 1/2 > 0], NOT = [-x + 1/2 > 0]
LOGIC_GATES = {
    "AND": (np.array([1, 1]), 1.5),
    "OR": (np.array([1, 1]), 0.5),
    "NOT": (np.array([-1]), -0.5),
}


def _as_inputs(x, n: int, owner: str) -> np.ndarray:
    """``x`` as a float array of shape ``(n,)`` or ``(batch, n)``, or a ValueError that says what came."""
    x = np.asarray(x)
    if x.dtype.kind not in "iubf":
        raise TypeError(f"{owner}: x must hold real numbers, got an array of dtype {x.dtype}")
    x = x.astype(np.float64, copy=False)
    if x.ndim not in (1, 2) or x.shape[-1] != n:
        raise ValueError(f"{owner}: x has shape {x.shape}; expected ({n},) for one example or (batch, {n})")
    return x


def threshold_neuron(x, w, w0) -> np.ndarray:
    r"""The McCulloch–Pitts neuron :math:`a(x) = [\langle w, x\rangle - w_0 > 0]`.

    ``x``: ``(n,)`` or ``(batch, n)``; ``w``: ``(n,)``; ``w0``: the threshold. Returns 0/1 ints, shape ``()``
    or ``(batch,)``.
    """
    w = np.asarray(w, dtype=np.float64)
    if w.ndim != 1:
        raise ValueError(f"threshold_neuron: w must be a vector (n,), got shape {w.shape}")
    x = _as_inputs(x, len(w), f"threshold_neuron with {len(w)} weights")
    return (x @ w - float(w0) > 0).astype(np.int64)


def gate(name: str, x) -> np.ndarray:
    """One of :data:`LOGIC_GATES` ("AND", "OR", "NOT", any case) as a threshold neuron applied to ``x``.

    ``x``: ``(2,)`` or ``(batch, 2)`` of 0/1 for AND and OR; ``(1,)``, ``(batch, 1)`` or a number for NOT.
    """
    key = str(name).upper()
    if key not in LOGIC_GATES:
        raise ValueError(f"gate: unknown gate {name!r}; known gates: {', '.join(LOGIC_GATES)}")
    w, w0 = LOGIC_GATES[key]
    x = np.asarray(x)
    if key == "NOT" and x.ndim == 0:
        x = x.reshape(1)
    return threshold_neuron(x, w, w0)


class Perceptron:
    r"""Rosenblatt's perceptron (1958): a threshold neuron with its own learning rule, labels 0/1.

    For each example in turn (shuffled every epoch with ``rng``), predict :math:`\hat y = [\langle w, x\rangle
    - w_0 > 0]`; if it is wrong, move the separating line towards the example:

    .. math:: w \leftarrow w + \eta\,(y - \hat y)\,x, \qquad w_0 \leftarrow w_0 - \eta\,(y - \hat y)

    It stops after the first epoch without a mistake (``converged = True``), which happens in finitely many
    steps exactly when the classes are linearly separable (Novikoff, 1962); otherwise after ``max_epochs``.

    Attributes after ``fit``: ``w`` ``(n,)``, ``w0``, ``converged``, ``epochs`` (epochs run), ``mistakes``
    (per epoch) and ``updates``: one dict per update with ``epoch``, ``index`` (row of X), ``x``, ``y`` and
    the new ``w``, ``w0`` -- the record the lecture's animation plots.
    """

    def __init__(self, n_features: int, lr: float = 1.0, max_epochs: int = 100, rng=None):
        if not isinstance(n_features, (int, np.integer)) or n_features < 1:
            raise ValueError(f"Perceptron: n_features must be a positive int, got {n_features!r}")
        check_positive("Perceptron", "lr", lr)
        if not isinstance(max_epochs, (int, np.integer)) or max_epochs < 1:
            raise ValueError(f"Perceptron: max_epochs must be a positive int, got {max_epochs!r}")
        self.n_features, self.lr, self.max_epochs = int(n_features), float(lr), int(max_epochs)
        self.rng = as_rng(rng)
        self._reset()

    def _reset(self):
        self.w = np.zeros(self.n_features)
        self.w0 = 0.0
        self.converged = False
        self.epochs = 0
        self.mistakes: list[int] = []
        self.updates: list[dict] = []

    def predict(self, X) -> np.ndarray:
        r"""0/1 predictions :math:`[\langle w, x\rangle - w_0 > 0]` for ``X`` ``(n,)`` or ``(batch, n)``."""
        X = _as_inputs(X, self.n_features, f"Perceptron({self.n_features}).predict")
        return threshold_neuron(X, self.w, self.w0)

    def fit(self, X, y) -> Perceptron:
        """Learn from ``X`` ``(m, n)`` and 0/1 labels ``y`` ``(m,)``, starting again from zero weights."""
        X = _as_inputs(X, self.n_features, f"Perceptron({self.n_features}).fit")
        X = X.reshape(-1, self.n_features)
        y = np.asarray(y)
        if y.shape != (len(X),):
            raise ValueError(f"Perceptron.fit: y has shape {y.shape}; expected ({len(X)},), one label per "
                             f"row of X")
        labels = sorted(set(np.unique(y).tolist()))
        if not set(labels) <= {0, 1}:
            raise ValueError(f"Perceptron.fit: y must hold 0/1 labels, got values {labels}; map -1/+1 labels "
                             f"with (y > 0).astype(int)")
        self._reset()
        y = y.astype(np.int64)
        for epoch in range(1, self.max_epochs + 1):
            self.epochs = epoch
            errors = 0
            for i in self.rng.permutation(len(X)):
                step = self.lr * (y[i] - int(X[i] @ self.w - self.w0 > 0))
                if step != 0:
                    errors += 1
                    self.w = self.w + step * X[i]
                    self.w0 = self.w0 - step
                    self.updates.append({"epoch": epoch, "index": int(i), "x": X[i].copy(), "y": int(y[i]),
                                         "w": self.w.copy(), "w0": self.w0})
            self.mistakes.append(errors)
            if errors == 0:
                self.converged = True
                break
        return self

    def __repr__(self) -> str:
        return (f"Perceptron(n_features={self.n_features}, lr={self.lr}, max_epochs={self.max_epochs}; "
                f"w={self.w.tolist()}, w0={self.w0}, converged={self.converged})")


def xor_feature(X) -> np.ndarray:
    r"""The feature :math:`x_1 + x_2 - 2x_1x_2`: 0 on (0,0) and (1,1), 1 on (0,1) and (1,0).

    ``X``: ``(2,)`` or ``(batch, 2)``; returns floats, shape ``()`` or ``(batch,)``.
    """
    X = _as_inputs(X, 2, "xor_feature")
    x1, x2 = X[..., 0], X[..., 1]
    return x1 + x2 - 2 * x1 * x2


def xor_by_feature(X) -> np.ndarray:
    r"""XOR by one neuron on the new feature: :math:`[x_1 + x_2 - 2x_1x_2 - 1/2 > 0]`."""
    feature = xor_feature(X)
    return threshold_neuron(feature[..., None], np.array([1.0]), 0.5)


def xor_two_layer(X) -> np.ndarray:
    r"""XOR by a two-layer threshold network: :math:`[(x_1 \lor x_2) - (x_1 \land x_2) - 1/2 > 0]`.

    The hidden layer is the OR and the AND neuron; the output neuron has weights (1, -1) and threshold 1/2.
    """
    X = _as_inputs(X, 2, "xor_two_layer")
    hidden = np.stack([gate("OR", X), gate("AND", X)], axis=-1)
    return threshold_neuron(hidden, np.array([1.0, -1.0]), 0.5)


def collapse_affine(weights, biases):
    r"""Fold affine layers :math:`h_i = W_i h_{i-1} + b_i` (applied in list order) into one :math:`(W, b)`.

    ``weights[i]`` has shape ``(out_i, in_i)`` as in ``Linear`` (:math:`y = x W^\top + b`), with
    :math:`in_i = out_{i-1}`; ``biases[i]`` has shape ``(out_i,)``. Returns
    :math:`W = W_k \cdots W_2 W_1` and :math:`b = W_k(\cdots(W_2 b_1 + b_2)\cdots) + b_k`, so that
    ``x @ W.T + b`` equals applying the layers in turn: without a nonlinearity, depth adds nothing.
    """
    weights = [np.asarray(W, dtype=np.float64) for W in weights]
    biases = [np.asarray(b, dtype=np.float64) for b in biases]
    if not weights or len(weights) != len(biases):
        raise ValueError(f"collapse_affine: need one bias per weight matrix and at least one layer, got "
                         f"{len(weights)} weights and {len(biases)} biases")
    W, b = None, None
    for i, (Wi, bi) in enumerate(zip(weights, biases), start=1):
        if Wi.ndim != 2:
            raise ValueError(f"collapse_affine: layer {i} has weight shape {Wi.shape}; expected a matrix "
                             f"(out, in)")
        if bi.shape != (Wi.shape[0],):
            raise ValueError(f"collapse_affine: layer {i} has weight shape {Wi.shape} but bias shape "
                             f"{bi.shape}; expected ({Wi.shape[0]},)")
        if W is not None and Wi.shape[1] != W.shape[0]:
            raise ValueError(f"collapse_affine: layer {i} has weight shape {Wi.shape} but layer {i - 1} "
                             f"outputs {W.shape[0]} features; W_i must be (out_i, in_i), in_i = out_(i-1)")
        W, b = (Wi, bi) if W is None else (Wi @ W, Wi @ b + bi)
    return W, b


def collapse_linear(weights) -> np.ndarray:
    r"""The single matrix :math:`W = W_k \cdots W_2 W_1` of linear layers applied in list order (no biases).

    ``weights[i]``: ``(out_i, in_i)``; the result is ``(out_k, in_1)``. See :func:`collapse_affine`.
    """
    weights = [np.asarray(W, dtype=np.float64) for W in weights]
    return collapse_affine(weights, [np.zeros(W.shape[:1]) for W in weights])[0]
