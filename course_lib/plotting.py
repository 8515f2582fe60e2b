r"""Pictures for the lectures, in matplotlib only (no graphviz or other system binary).

* ``plot_activation`` / ``plot_activation_gallery`` — activation functions with their derivatives, saturation
  regions (where :math:`|f'(x)|` is below a threshold) shaded;
* ``plot_decision_boundary`` — a classifier's (or regressor's) output over a 2-D input plane, with the data;
* ``plot_training_curves`` — loss and metrics per epoch, train and validation;
* ``plot_trajectories`` — optimiser paths over the contour plot of a ``landscapes.Surface``;
* ``plot_weight_histograms`` — per layer: the weights and their gradients;
* ``plot_image_grid`` — a grid of images;
* ``draw_graph`` — a scalar ``autograd.Value`` graph laid out left to right: each value a box with its
  data above it in green and its gradient below it in red, each operation a circle (lecture 2's picture of
  :math:`f = (x + y)\,z`).

Functions that draw one panel take ``ax=None``; those that draw several take ``fig=None``. With ``None`` they
create the figure with pyplot (so a notebook shows it inline); the widgets pass a ``matplotlib.figure.Figure``
they own instead. Every function returns the figure.

Every function takes ``lang=None``: the language of its titles, axis labels and legends (``"en"`` or ``"ru"``;
``None`` is the process-wide one, ``course_lib.set_language``). Their words come from
``course_lib.language.LABELS``. Names (ReLU, Adam, Rosenbrock), symbols and the caller's own labels are drawn
as given; ``plot_decision_boundary``, ``plot_image_grid`` and ``draw_graph`` draw no words of their own, so
there ``lang`` is only checked.
"""
from __future__ import annotations

import io

import numpy as np
from matplotlib import pyplot as plt
from matplotlib.patches import Circle, FancyBboxPatch

from course_lib.autograd import node_name
from course_lib.language import label, label_or, resolve_language

DATA_COLOUR, GRAD_COLOUR, HIGHLIGHT = "#1a9641", "#d7191c", "#fdae61"


def _axes(ax, figsize=(5, 4)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _figure(fig, figsize):
    if fig is None:
        return plt.figure(figsize=figsize)
    fig.clear()
    fig.set_size_inches(*figsize)
    return fig


def figure_to_png(fig, dpi: int = 80) -> bytes:
    """Render ``fig`` to PNG bytes (for an ``ipywidgets.Image``) and close it if pyplot manages it."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()


# --------------------------------------------------------------------------- activations
def saturation_mask(derivative, threshold: float) -> np.ndarray:
    r"""Where the gradient (nearly) vanishes: :math:`|f'(x)| < \text{threshold}`."""
    return np.abs(derivative) < threshold


def activation_title(name: str, lang: str | None = None) -> str:
    """How a figure names activation ``name``: its registry name (a name, as ReLU), translated only where that
    is an everyday word (``identity``, ``step``, ``sign``)."""
    return label_or(f"activation.{name}", name, lang)


def plot_activation(activation, x=None, ax=None, saturation: float | None = 0.05, lang: str | None = None,
                    **params):
    """Draw one activation (a name or an ``Activation``) and its derivative over ``x``; shade saturation."""
    from course_lib.activations import get_activation

    lang = resolve_language(lang)
    act = get_activation(activation, **params) if isinstance(activation, str) else activation
    if getattr(act, "training", False):
        act.training = False          # rrelu: draw the deterministic inference-time slope
    x = np.linspace(-5, 5, 401) if x is None else np.asarray(x, dtype=float)
    ax = _axes(ax)
    y, dy = act.forward(x), act.derivative(x)
    title = activation_title(act.name, lang)
    ax.plot(x, y, color="C0", lw=2, label=label("plot.function", lang, name=title))
    ax.plot(x, dy, color="C1", lw=1.5, ls="--", label=label("plot.derivative", lang))
    if saturation is not None:
        _shade_runs(ax, x, saturation_mask(dy, saturation), label("plot.saturated", lang))
    ax.axhline(0, color="0.7", lw=0.5)
    ax.axvline(0, color="0.7", lw=0.5)
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize="small")
    return ax.figure


def saturated_intervals(x, mask) -> list:
    """``[(x_first, x_last), ...]`` for each run of consecutive True values of ``mask`` over sorted ``x``."""
    edges = np.flatnonzero(np.diff(np.r_[0, np.asarray(mask).astype(int), 0]))
    return [(float(x[start]), float(x[stop - 1])) for start, stop in zip(edges[::2], edges[1::2])]


def _shade_runs(ax, x, mask, text):
    for i, (lo, hi) in enumerate(saturated_intervals(x, mask)):
        ax.axvspan(lo, hi, color="0.85", zorder=0, label=text if i == 0 else None)


def plot_activation_gallery(names=None, x=None, ncols: int = 4, saturation: float | None = 0.05, fig=None,
                            lang: str | None = None):
    """A grid of activations (default: every registered one with a derivative), each with its derivative."""
    from course_lib import activations

    names = [n for n in activations.names() if n != "softmax"] if names is None else list(names)
    if not names:
        raise ValueError("plot_activation_gallery: names is empty; pass activation names or None for all")
    nrows = -(-len(names) // ncols)
    fig = _figure(fig, (3.2 * min(ncols, len(names)), 2.6 * nrows))
    axes = fig.subplots(nrows, min(ncols, len(names)), squeeze=False)
    for ax, name in zip(axes.ravel(), names):
        plot_activation(name, x=x, ax=ax, saturation=saturation, lang=lang)
        ax.legend().set_visible(ax is axes.flat[0])
    for ax in axes.ravel()[len(names):]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- decision boundaries
def _check_points(owner, X, y=None):
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) == 0:
        raise ValueError(f"{owner}: X must be a non-empty array of 2-D points (n, 2), got shape {X.shape}")
    if y is not None and len(y) != len(X):
        raise ValueError(f"{owner}: X has {len(X)} points but y has {len(y)} labels")
    return X


def plot_decision_boundary(predict, X, y, ax=None, resolution: int = 120, threshold: float | None = 0.5,
                           X_test=None, y_test=None, margin: float = 0.25, cmap="RdBu", lang: str | None = None):
    """Colour the plane by ``predict`` (callable or model with ``forward``) and scatter the points on top.

    ``predict(grid (m, 2))`` returns ``(m,)`` or ``(m, 1)`` scores (a probability or a regression output:
    drawn as a filled contour, with the ``threshold`` level as a black line) or ``(m, k)`` class scores (drawn
    as the ``argmax`` regions). Test points, if given, are drawn with a black edge.
    """
    resolve_language(lang)
    X = _check_points("plot_decision_boundary", X, y)
    f = predict.forward if hasattr(predict, "forward") else predict
    pts = X if X_test is None else np.vstack([X, _check_points("plot_decision_boundary", X_test, y_test)])
    lo, hi = pts.min(axis=0) - margin, pts.max(axis=0) + margin
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    out = np.asarray(f(np.c_[gx.ravel(), gy.ravel()]), dtype=float)
    ax = _axes(ax)
    if out.ndim == 2 and out.shape[1] > 1:
        Z = out.argmax(axis=1).reshape(gx.shape)
        ax.contourf(gx, gy, Z, levels=np.arange(out.shape[1] + 1) - 0.5, cmap=cmap, alpha=0.4)
    else:
        Z = out.reshape(gx.shape)
        ax.contourf(gx, gy, Z, levels=20, cmap=cmap, alpha=0.5)
        if threshold is not None and Z.min() < threshold < Z.max():
            ax.contour(gx, gy, Z, levels=[threshold], colors="k", linewidths=1.5)
    vmin, vmax = float(np.min(y)), float(np.max(y))
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap=cmap, vmin=vmin, vmax=vmax, s=14, edgecolors="w", linewidths=0.4)
    if X_test is not None:
        Xt = np.asarray(X_test, dtype=float)
        ax.scatter(Xt[:, 0], Xt[:, 1], c=y_test, cmap=cmap, vmin=vmin, vmax=vmax, s=14, edgecolors="k",
                   linewidths=0.8)
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_aspect("equal")
    return ax.figure


# --------------------------------------------------------------------------- training curves
def plot_training_curves(history, fig=None, lang: str | None = None):
    """One panel per metric (``loss`` first): the training curve and, if recorded, ``val_<metric>``.

    ``history`` is a ``training.History`` or its ``.history`` dict of lists per epoch. Panels of the metrics
    the course knows (loss, accuracy, lr) are titled in ``lang``; others keep their own name.
    """
    lang = resolve_language(lang)
    h = getattr(history, "history", history)
    if not isinstance(h, dict) or not any(len(v) for v in h.values()):
        raise ValueError("plot_training_curves: history is empty; train for at least one epoch first")
    metrics = [k for k in h if not k.startswith("val_")]
    metrics.sort(key=lambda k: k != "loss")
    fig = _figure(fig, (4.5 * len(metrics), 3.2))
    axes = fig.subplots(1, len(metrics), squeeze=False)[0]
    for ax, name in zip(axes, metrics):
        ax.plot(np.arange(1, len(h[name]) + 1), h[name], marker=".", label=label("plot.train", lang))
        if h.get(f"val_{name}"):
            ax.plot(np.arange(1, len(h[f"val_{name}"]) + 1), h[f"val_{name}"], marker=".",
                    label=label("plot.validation", lang))
        ax.set_xlabel(label("plot.epoch", lang))
        ax.set_title(label_or(f"metric.{name}", name, lang))
        ax.legend()
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- optimiser trajectories
def optimizer_title(name: str, lang: str | None = None) -> str:
    """How a legend names optimiser ``name`` (``"momentum"`` is "SGD с моментом" in Russian); other labels
    are kept."""
    return label_or(f"optimizer.{name}", name, lang)


def plot_trajectories(surface, trajectories, ax=None, levels: int = 30, upto: int | None = None,
                      lang: str | None = None):
    """Contours of ``surface`` with each trajectory's path; ``upto`` draws only the first ``upto`` steps.

    ``trajectories``: a list of ``landscapes.Trajectory`` or a dict ``{label: Trajectory or points (T, 2)}``;
    optimiser names among the labels are shown in ``lang``.
    """
    lang = resolve_language(lang)
    if not isinstance(trajectories, dict):
        trajectories = {t.optimizer: t for t in trajectories}
    items = [(name, getattr(t, "points", t)) for name, t in trajectories.items()]
    ax = _axes(ax, (6, 5))
    X, Y, Z = surface.grid(150)
    # quantile levels: Rosenbrock's values span six decades, equal spacing would hide the valley
    ax.contour(X, Y, Z, levels=np.unique(np.quantile(Z, np.linspace(0, 1, levels) ** 2)), cmap="viridis",
               linewidths=0.7)
    for m in surface.minima:
        ax.plot(*m, marker="*", color="k", ms=12, ls="none")
    for i, (name, pts) in enumerate(items):
        pts = np.asarray(pts)[: None if upto is None else upto + 1]
        ax.plot(pts[:, 0], pts[:, 1], marker=".", ms=3, lw=1.5, color=f"C{i}", label=optimizer_title(name, lang))
        ax.plot(*pts[0], marker="o", color=f"C{i}", ms=6)
    ax.set_xlim(surface.xlim)
    ax.set_ylim(surface.ylim)
    ax.set_title(surface.title(lang) if hasattr(surface, "title") else surface.name)
    if items:
        ax.legend(loc="upper right", fontsize="small")
    return ax.figure


# --------------------------------------------------------------------------- weights and gradients
def plot_weight_histograms(model, bins: int = 30, fig=None, lang: str | None = None):
    """One row per parameter (``model.named_parameters()``): histogram of the values, and of the gradients."""
    lang = resolve_language(lang)
    named = list(model.named_parameters())
    if not named:
        raise ValueError(f"plot_weight_histograms: {type(model).__name__} has no parameters")
    fig = _figure(fig, (8, 1.9 * len(named)))
    axes = fig.subplots(len(named), 2, squeeze=False)
    for (name, p), (ax_w, ax_g) in zip(named, axes):
        ax_w.hist(np.ravel(p.data), bins=bins, color="C0")
        ax_g.hist(np.ravel(p.grad), bins=bins, color="C3")
        # a bare name ("weight" of a lone Linear) is a word; a dotted one ("0.weight") reads as code
        shown = name if "." in name else label_or(f"tensor.{name}", name, lang)
        ax_w.set_title(label("plot.weights_title", lang, name=shown, std=np.std(p.data)), fontsize="small")
        ax_g.set_title(label("plot.grads_title", lang, name=shown, std=np.std(p.grad)), fontsize="small")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- images
def plot_image_grid(images, labels=None, ncols: int = 8, cmap="gray", fig=None, lang: str | None = None):
    """Show ``images`` (N, H, W[, C]) — or flattened square images (N, H*W) — in a grid, with titles."""
    resolve_language(lang)
    imgs = np.asarray(images)
    if imgs.ndim == 2:
        side = int(round(np.sqrt(imgs.shape[1])))
        if side * side != imgs.shape[1]:
            raise ValueError(f"plot_image_grid: flattened images must be square, got {imgs.shape[1]} pixels")
        imgs = imgs.reshape(len(imgs), side, side)
    if imgs.ndim not in (3, 4) or len(imgs) == 0:
        raise ValueError(f"plot_image_grid: expected a non-empty stack (N, H, W) or (N, H, W, C), "
                         f"got shape {np.shape(images)}")
    if labels is not None and len(labels) != len(imgs):
        raise ValueError(f"plot_image_grid: {len(imgs)} images but {len(labels)} labels")
    ncols = min(ncols, len(imgs))
    nrows = -(-len(imgs) // ncols)
    fig = _figure(fig, (1.3 * ncols, 1.4 * nrows))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i < len(imgs):
            ax.imshow(imgs[i], cmap=cmap if imgs.ndim == 3 else None)
            if labels is not None:
                ax.set_title(str(labels[i]), fontsize="small")
    return fig


# --------------------------------------------------------------------------- computational graphs
def graph_layout(root):
    """Columns and rows for ``draw_graph``: ``({node: (column, row)}, nodes, edges)``.

    A node's column is the length of the longest path from an input to it (an input: one before its first
    user), so data flows left to right; rows within a column follow the mean row of the node's users, so
    edges cross as little as a cheap rule allows.
    """
    from course_lib.autograd import trace

    nodes, edges = trace(root)
    col = {}
    for v in nodes:                                  # topological order: inputs first
        col[id(v)] = 1 + max((col[id(c)] for c in v._prev), default=-1)
    users = {id(v): [] for v in nodes}
    for child, parent in edges:
        users[id(child)].append(parent)
    for v in nodes:
        if not v._prev and users[id(v)]:
            # an input sits just before its first use, so that its edge does not run across other columns
            col[id(v)] = min(col[id(u)] for u in users[id(v)]) - 1
    row, pos = {}, {}
    for c in range(max(col.values()), -1, -1):
        layer = [v for v in nodes if col[id(v)] == c]
        key = {id(v): np.mean([row[id(u)] for u in users[id(v)]]) if users[id(v)] else 0.0 for v in layer}
        layer.sort(key=lambda v: key[id(v)])
        for i, v in enumerate(layer):
            row[id(v)] = i - (len(layer) - 1) / 2
            pos[id(v)] = (c, row[id(v)])
    return pos, nodes, edges


DX, DY = 2.0, 1.1   # column and row spacing of graph drawings, in data units (1 unit = 1 inch at full size)


def graph_figsize(root) -> tuple:
    """A figure size (inches) in which ``draw_graph(root)`` shows boxes and numbers at a readable size."""
    pos, _, _ = graph_layout(root)
    cols = max(c for c, _ in pos.values()) + 1
    rows = max(r for _, r in pos.values()) - min(r for _, r in pos.values()) + 1
    return (min(16.0, 0.9 * DX * cols + 0.6), min(10.0, 0.9 * DY * rows + 0.8))


def draw_graph(root, ax=None, show_data=None, show_grad=None, highlight=None, fmt="{:.4g}",
               lang: str | None = None):
    """Draw the graph of ``root`` (an ``autograd.Value``) left to right, as in lecture 2.

    Each value is a box with its label; its data is written above it in green and its gradient below in red.
    Each operation is a circle in front of the value it makes. ``show_data`` / ``show_grad`` (sets of nodes,
    default all) choose whose numbers appear, ``highlight`` (a node) gets an orange box — the backprop stepper
    fills a graph in this way.
    """
    resolve_language(lang)
    grid, nodes, edges = graph_layout(root)
    pos = {k: (c * DX, r * DY) for k, (c, r) in grid.items()}
    ax = _axes(ax, graph_figsize(root))
    shown_d = {id(v) for v in (nodes if show_data is None else show_data)}
    shown_g = {id(v) for v in (nodes if show_grad is None else show_grad)}
    half_w, half_h, radius = 0.36, 0.16, 0.2
    op_at = {id(v): (pos[id(v)][0] - DX / 2, pos[id(v)][1]) for v in nodes if v.op}
    arrow = {"arrowstyle": "->", "color": "0.4", "lw": 1, "shrinkA": 0, "shrinkB": 0}
    for child, parent in edges:
        (x0, y0), (x1, y1) = pos[id(child)], op_at[id(parent)]
        d = np.hypot(x1 - x0 - half_w, y1 - y0)
        # stop the arrow on the circle's rim, whatever direction it comes from
        tip = (x1 - radius * (x1 - x0 - half_w) / d, y1 - radius * (y1 - y0) / d)
        ax.annotate("", xy=tip, xytext=(x0 + half_w, y0), arrowprops=arrow)
    for v in nodes:
        x, y = pos[id(v)]
        if v.op:
            ox, oy = op_at[id(v)]
            ax.add_patch(Circle((ox, oy), radius, facecolor="#e0ecf4", edgecolor="0.3"))
            ax.text(ox, oy, v.op, ha="center", va="center", fontsize=11 if len(v.op) == 1 else 6)
            ax.annotate("", xy=(x - half_w, y), xytext=(ox + radius, oy), arrowprops=arrow)
        face = HIGHLIGHT if highlight is not None and v is highlight else "white"
        ax.add_patch(FancyBboxPatch((x - half_w, y - half_h), 2 * half_w, 2 * half_h,
                                    boxstyle="round,pad=0.03", facecolor=face, edgecolor="0.2"))
        ax.text(x, y, node_name(v), ha="center", va="center", fontsize=9, fontweight="bold")
        if id(v) in shown_d:
            ax.text(x, y + half_h + 0.06, fmt.format(v.data), ha="center", va="bottom", color=DATA_COLOUR,
                    fontsize=9)
        if id(v) in shown_g:
            ax.text(x, y - half_h - 0.06, fmt.format(v.grad), ha="center", va="top", color=GRAD_COLOUR,
                    fontsize=9)
    xs = [x for x, _ in pos.values()]
    ys = [y for _, y in pos.values()]
    ax.set_xlim(min(xs) - DX / 2 - 0.3, max(xs) + half_w + 0.2)
    ax.set_ylim(min(ys) - 0.55, max(ys) + 0.55)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax.figure
