"""Small data sets for the lectures: 2-D toy problems, 1-D/2-D regression, the 8×8 digits, and splits.

Every generator is seeded through ``rng`` (``None``, an int or a ``numpy.random.Generator``), returns float64
``X`` of shape ``(n, 2)`` (``(n, 1)`` for 1-D regression) and integer labels ``y`` of shape ``(n,)`` with the
classes as balanced as ``n`` allows (class ``i % n_classes`` for the ``i``-th point, then shuffled).
``noise`` is the standard deviation of the Gaussian noise added to the points (or to the targets, for
regression).
"""
from __future__ import annotations

import numbers

import numpy as np

from course_lib.validation import as_rng

__all__ = [
    "make_xor", "make_circles", "make_gaussians", "make_spiral", "make_moons", "make_regression_1d",
    "make_regression_2d", "load_digits", "train_val_test_split",
]


def _check(owner: str, n, noise, n_classes=2) -> None:
    if not isinstance(n, numbers.Integral) or n <= 0:
        raise ValueError(f"{owner}: n (number of points) must be a positive integer, got {n!r}")
    if not isinstance(noise, numbers.Real) or not noise >= 0:
        raise ValueError(f"{owner}: noise (a standard deviation) must be >= 0, got {noise!r}")
    if not isinstance(n_classes, numbers.Integral) or n_classes < 2:
        raise ValueError(f"{owner}: n_classes must be an integer >= 2, got {n_classes!r}")


def _balanced_labels(n: int, n_classes: int, rng) -> np.ndarray:
    """Labels with counts differing by at most one, in random order."""
    return rng.permutation(np.arange(n) % n_classes).astype(np.int64)


def make_xor(n=200, noise=0.1, rng=None):
    r"""Points scattered around the four corners of the unit square, labelled :math:`x_1 \oplus x_2`.

    Corner :math:`(a, b) \in \{0,1\}^2` gets label :math:`a + b - 2ab`; returns ``X (n, 2)``, ``y (n,)``.
    """
    _check("make_xor", n, noise)
    rng = as_rng(rng)
    corner = rng.permutation(np.arange(n) % 4)
    bits = np.stack([corner // 2, corner % 2], axis=1)
    X = bits + noise * rng.standard_normal((n, 2))
    return X.astype(np.float64), (bits[:, 0] ^ bits[:, 1]).astype(np.int64)


def make_circles(n=200, noise=0.05, rng=None, factor=0.5):
    """A small circle (radius ``factor``, label 1) inside a unit circle (label 0)."""
    _check("make_circles", n, noise)
    if not 0 < factor < 1:
        raise ValueError(f"make_circles: factor (inner radius / outer radius) must be in (0, 1), "
                         f"got {factor!r}")
    rng = as_rng(rng)
    y = _balanced_labels(n, 2, rng)
    angle = rng.uniform(0, 2 * np.pi, n)
    radius = np.where(y == 1, factor, 1.0)
    X = radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return X + noise * rng.standard_normal((n, 2)), y


def make_gaussians(n=200, noise=0.5, rng=None, n_classes=2):
    """Isotropic Gaussian blobs of standard deviation ``noise``, centres evenly spaced on a circle of
    radius 1.5 (two classes: at (1.06, 1.06) and (-1.06, -1.06))."""
    _check("make_gaussians", n, noise, n_classes)
    rng = as_rng(rng)
    y = _balanced_labels(n, n_classes, rng)
    angle = np.pi / 4 + 2 * np.pi * np.arange(n_classes) / n_classes
    centres = 1.5 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return centres[y] + noise * rng.standard_normal((n, 2)), y


def make_spiral(n=200, noise=0.1, rng=None, n_classes=2, turns=1.0):
    r"""Interleaved spiral arms, one per class (cs231n's spiral; the TensorFlow playground's for two classes).

    Arm :math:`c`, position :math:`r \in [0, 1]`: angle :math:`2\pi(\text{turns}\cdot r + c/C)`, radius
    :math:`r`, plus Gaussian noise of standard deviation ``noise`` on each coordinate.
    """
    _check("make_spiral", n, noise, n_classes)
    rng = as_rng(rng)
    y = _balanced_labels(n, n_classes, rng)
    r = rng.uniform(0.05, 1.0, n)
    angle = 2 * np.pi * (turns * r + y / n_classes)
    X = r[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return X + noise * rng.standard_normal((n, 2)), y


def make_moons(n=200, noise=0.1, rng=None):
    """Two interleaving half circles: the upper one (label 0) centred at the origin, the lower one (label 1)
    centred at (1, 0.5)."""
    _check("make_moons", n, noise)
    rng = as_rng(rng)
    y = _balanced_labels(n, 2, rng)
    angle = rng.uniform(0, np.pi, n)
    X = np.where(y[:, None] == 0,
                 np.stack([np.cos(angle), np.sin(angle)], axis=1),
                 np.stack([1 - np.cos(angle), 0.5 - np.sin(angle)], axis=1))
    return X + noise * rng.standard_normal((n, 2)), y


def make_regression_1d(n=100, noise=0.1, rng=None, func=np.sin, low=-np.pi, high=np.pi):
    r"""A noisy 1-D function: :math:`x \sim U[\text{low}, \text{high}]`, :math:`y = f(x) + \epsilon`.

    Returns ``X (n, 1)`` sorted by :math:`x` (convenient for plotting a fitted curve) and ``y (n,)`` float64.
    """
    _check("make_regression_1d", n, noise)
    if not low < high:
        raise ValueError(f"make_regression_1d: need low < high, got low={low!r}, high={high!r}")
    rng = as_rng(rng)
    x = np.sort(rng.uniform(low, high, n))
    y = np.asarray(func(x), dtype=np.float64) + noise * rng.standard_normal(n)
    return x[:, None], y


def make_regression_2d(n=200, noise=0.1, rng=None, kind="plane"):
    r"""The TensorFlow playground's regression sets on :math:`[-1, 1]^2`; returns ``X (n, 2)``, ``y (n,)``.

    ``kind="plane"``: :math:`y = (x_1 + x_2)/2`; ``kind="gaussians"``: a sum of six signed Gaussian bumps
    (positive and negative hills), values in about :math:`[-1, 1]`; plus noise of standard deviation
    ``noise``.
    """
    _check("make_regression_2d", n, noise)
    rng = as_rng(rng)
    X = rng.uniform(-1, 1, (n, 2))
    if kind == "plane":
        y = X.sum(axis=1) / 2
    elif kind == "gaussians":
        centres = np.array([[-0.6, 0.6], [0.0, 0.6], [0.6, 0.6], [-0.6, -0.6], [0.0, -0.6], [0.6, -0.6]])
        signs = np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0])
        d2 = ((X[:, None, :] - centres[None]) ** 2).sum(axis=2)
        y = (signs * np.exp(-d2 / (2 * 0.2**2))).sum(axis=1)
    else:
        raise ValueError(f"make_regression_2d: kind must be 'plane' or 'gaussians', got {kind!r}")
    return X, y + noise * rng.standard_normal(n)


def load_digits(flatten=True, normalise=True):
    """The 1797 handwritten 8×8 digits bundled with scikit-learn (no download).

    Returns ``X`` float64 of shape ``(1797, 64)`` (``(1797, 8, 8)`` with ``flatten=False``), scaled from the
    original grey levels 0..16 to [0, 1] when ``normalise``, and ``y (1797,)`` int64 in 0..9.
    """
    from sklearn.datasets import load_digits as _sk_load_digits

    bunch = _sk_load_digits()
    X = np.asarray(bunch.images if not flatten else bunch.data, dtype=np.float64)
    if normalise:
        X = X / 16.0
    return X, np.asarray(bunch.target, dtype=np.int64)


def _check_fraction(name, value) -> None:
    if not isinstance(value, numbers.Real) or not 0 <= value < 1:
        raise ValueError(f"train_val_test_split: {name} is a fraction of the data and must be in [0, 1), "
                         f"got {value!r}")


def class_labels(y):
    """The class of each sample if ``y`` holds class labels — integers or booleans (batch,), floats that are
    all 0 or 1 (binary targets), or one-hot rows (batch, C) — else ``None`` (regression targets)."""
    y = np.asarray(y)
    if y.ndim == 1 and (y.dtype.kind in "iub" or (y.dtype.kind == "f" and np.isin(y, (0, 1)).all())):
        return y
    if y.ndim == 2 and y.shape[1] > 1 and np.isin(y, (0, 1)).all() and (y.sum(axis=1) == 1).all():
        return y.argmax(axis=1)
    if y.ndim == 2 and y.shape[1] == 1:
        return class_labels(y[:, 0])
    return None


def train_val_test_split(X, y, val=0.15, test=0.15, rng=None, stratify=None):
    """Split into training, validation and test sets, shuffled with ``rng``.

    ``val`` and ``test`` are fractions of the data (``val + test < 1``; either may be 0 for an empty split).
    With ``stratify`` each class is split in these proportions separately (rounded per class), so the three
    sets keep the class balance of ``y``. ``stratify=None`` (the default) stratifies when ``y`` holds class
    labels (:func:`class_labels`: integers, booleans, 0/1 floats, one-hot rows) and not for regression
    targets (other real numbers). Returns ``(Xtr, ytr), (Xva, yva), (Xte, yte)``.
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.shape[:1] != y.shape[:1]:
        raise ValueError(f"train_val_test_split: X has {X.shape[0] if X.ndim else 0} rows but y has "
                         f"{y.shape[0] if y.ndim else 0}; they must have the same length")
    _check_fraction("val", val)
    _check_fraction("test", test)
    if val + test >= 1:
        raise ValueError(f"train_val_test_split: val + test = {val} + {test} = {val + test} leaves no "
                         f"training data; they must sum to less than 1")
    rng = as_rng(rng)
    labels = class_labels(y)
    if stratify is None:
        stratify = labels is not None
    if stratify and labels is None:
        raise ValueError(f"train_val_test_split: stratify=True needs class labels (integers (batch,) or one-hot "
                         f"rows), but y of shape {y.shape} and dtype {y.dtype} looks like regression targets; "
                         f"pass stratify=False")
    if stratify:
        groups = [np.flatnonzero(labels == c) for c in np.unique(labels)]
    else:
        groups = [np.arange(len(y))]
    parts = ([], [], [])
    for idx in groups:
        idx = rng.permutation(idx)
        n_test = round(len(idx) * test)
        n_val = min(round(len(idx) * val), len(idx) - n_test)
        parts[2].append(idx[:n_test])
        parts[1].append(idx[n_test:n_test + n_val])
        parts[0].append(idx[n_test + n_val:])
    out = []
    for name, frac, pieces in zip(("training", "validation", "test"), (1 - val - test, val, test), parts):
        idx = rng.permutation(np.concatenate(pieces))
        if frac > 0 and idx.size == 0:
            raise ValueError(f"train_val_test_split: the {name} split is empty ({len(y)} samples, "
                             f"{name} fraction {frac:g}{', per class' if stratify else ''}); "
                             f"use more data or a larger fraction")
        out.append((X[idx], y[idx]))
    return tuple(out)
