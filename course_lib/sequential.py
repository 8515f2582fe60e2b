"""``Sequential``: layers applied one after another, with Keras-like ``compile``/``fit``/``predict``."""
from __future__ import annotations

import numpy as np

from course_lib.language import label
from course_lib.module import ModuleList

__all__ = ["Sequential"]


class Sequential(ModuleList):
    """Modules applied in order: ``forward`` left to right, ``backward`` right to left.

    Keras-like helpers: ``compile(loss, optimizer, metrics)``, ``fit(X, y, ...)``
    (``course_lib.training.fit``), ``predict(X)``, ``summary(input_shape)``. Supports ``len``, indexing (a
    slice gives a Sequential), iteration and ``append``.

    Each layer object may appear once: a layer caches its input for ``backward``, so one object used at two
    places would backpropagate both uses with the second one's input. Create one object per place.
    """

    def __init__(self, *modules):
        super().__init__(modules)
        self.loss = self.optimizer = None
        self.metrics = None

    def append(self, module) -> Sequential:
        super().append(module)
        try:
            check_each_module_once(self)
        except ValueError:
            self.layers.pop()
            raise
        return self

    def forward(self, x):
        r""":math:`y = f_L(\dots f_2(f_1(x)))`; x (batch, in) -> y (batch, out of the last layer)."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad_out):
        r"""The chain rule right to left: :math:`g \leftarrow f_l.\mathrm{backward}(g)` for
        :math:`l = L, \dots, 1`; returns :math:`\partial L/\partial x` (batch, in)."""
        for layer in reversed(self.layers):
            grad_out = layer.backward(grad_out)
        return grad_out

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(*self.layers[index])
        return self.layers[index]

    def summary(self, input_shape=None, lang: str | None = None) -> str:
        """A table of the layers, their output shapes (for a batch of ``None``) and parameter counts.

        ``input_shape`` is the shape of one sample, e.g. ``(64,)``; by default it is read from the first
        layer that knows its input width (Linear, Maxout, BatchNorm1d). The headers are in ``lang`` (default:
        the process-wide language, ``course_lib.set_language``); layer reprs and numbers are the same in all.
        """
        if input_shape is None:
            for m in self.modules():
                width = getattr(m, "in_features", None) or getattr(m, "num_features", None)
                if width:
                    input_shape = (width,)
                    break
        shapes = ["?"] * len(self.layers)
        if input_shape is not None:
            modes = [(m, m.training) for m in self.modules()]
            self.eval()                         # inference mode: no running stats moved, no masks drawn
            try:
                x = np.zeros((2, *input_shape))
                for i, layer in enumerate(self.layers):
                    x = layer.forward(x)
                    shapes[i] = str((None, *x.shape[1:]))
            finally:
                for m, mode in modes:
                    m.training = mode
        rows = [(f"({i}) {m!r}", s, m.num_parameters()) for i, (m, s) in enumerate(zip(self.layers, shapes))]
        layer, shape, params = (label(f"summary.{k}", lang) for k in ("layer", "output_shape", "params"))
        w1 = max([len(layer)] + [len(r[0]) for r in rows])
        w2 = max([len(shape)] + [len(r[1]) for r in rows])
        line = "-" * (w1 + w2 + 14)
        out = [line, f"{layer:<{w1}}  {shape:<{w2}}  {params:>10}", line]
        out += [f"{a:<{w1}}  {b:<{w2}}  {c:>10,}" for a, b, c in rows]
        out += [line, label("summary.total", lang, count=f"{self.num_parameters():,}"), line]
        return "\n".join(out)

    def compile(self, loss, optimizer, metrics=None) -> Sequential:
        """Remember the loss (a Loss or a name for ``losses.get_loss``), the optimiser (an Optimizer or a name
        for ``optim.get_optimizer`` with its default settings) and the metrics used by ``fit`` (``None``: as
        ``fit`` chooses by default)."""
        if isinstance(loss, str):
            from course_lib.losses import get_loss
            loss = get_loss(loss)
        if isinstance(optimizer, str):
            from course_lib.optim import get_optimizer
            optimizer = get_optimizer(optimizer, self.parameters())
        self.loss, self.optimizer, self.metrics = loss, optimizer, metrics
        return self

    def fit(self, X, y, epochs=10, batch_size=32, validation_data=None, **kwargs):
        """Train with ``course_lib.training.fit`` using what ``compile`` stored; returns its ``History``."""
        if self.loss is None or self.optimizer is None:
            raise RuntimeError("Sequential.fit: call model.compile(loss, optimizer) first, "
                               "e.g. model.compile('cross_entropy', 'adam')")
        from course_lib.training import fit
        return fit(self, X, y, self.loss, self.optimizer, epochs=epochs, batch_size=batch_size,
                   validation_data=validation_data, metrics=self.metrics, **kwargs)

    def predict(self, X, batch_size=256):
        """Outputs of the network in inference mode (``course_lib.training.predict``), shape (n, outputs)."""
        from course_lib.training import predict
        return predict(self, X, batch_size=batch_size)


def check_each_module_once(model) -> None:
    """Raise ``ValueError`` if one module object appears at two places below ``model``."""
    seen = set()
    for m in model.modules():
        if id(m) in seen:
            raise ValueError(f"{m!r} appears twice in the model: a layer caches its input for backward, so one "
                             f"object at two places computes wrong gradients; create a new {type(m).__name__}"
                             f"(...) for each place (to share weights, share the Parameter: "
                             f"l2.weight = l1.weight)")
        seen.add(id(m))
