"""What every image augmentation shares: dtype and shape handling, and the ``Transform`` base class.

See ``course_lib.augment`` for the conventions (images ``(H, W)`` or channels-last ``(H, W, C)``, pixels
float in [0, 1] or uint8).
"""
from __future__ import annotations

import numpy as np

from course_lib.validation import as_rng

# ITU-R BT.601 luma weights: the usual RGB -> grey conversion.
LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114])

#: the channel counts of a channels-last image: grey, grey + alpha, RGB, RGBA
CHANNELS = (1, 2, 3, 4)


# --------------------------------------------------------------------------- dtype and shape handling
def to_float_image(image, owner: str, batch: bool = False):
    """Return ``(float64 (..., H, W, C), restore)``; ``restore`` maps a result back to the input's form."""
    arr = np.asarray(image)
    ranks = (3, 4) if batch else (2, 3)
    what = "(N, H, W) or (N, H, W, C)" if batch else "(H, W) or (H, W, C)"
    if arr.ndim not in ranks:
        raise ValueError(f"{owner}: expected an image of shape {what}, got shape {arr.shape}"
                         + ("" if batch else "; use .batch(images) for a stack of images"))
    if arr.size == 0:
        raise ValueError(f"{owner}: the image is empty (shape {arr.shape})")
    check_layout(arr.shape, owner, batch)
    if arr.dtype == np.uint8:
        x = arr.astype(np.float64) / 255.0
    elif np.issubdtype(arr.dtype, np.floating):
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{owner}: the image contains NaN or infinity")
        lo, hi = float(arr.min()), float(arr.max())
        if lo < 0.0 or hi > 1.0:
            raise ValueError(f"{owner}: float images must lie in [0, 1], got values in [{lo:.4g}, {hi:.4g}]; "
                             "divide by 255 or clip first")
        x = arr.astype(np.float64)
    else:
        raise TypeError(f"{owner}: images must be uint8 or float in [0, 1], got dtype {arr.dtype}")
    no_channel = arr.ndim == ranks[0]
    if no_channel:
        x = x[..., None]

    def restore(y):
        if no_channel:
            y = y[..., 0]
        y = np.clip(y, 0.0, 1.0)
        if arr.dtype == np.uint8:
            return np.clip(np.rint(y * 255.0), 0, 255).astype(np.uint8)
        return y.astype(arr.dtype)

    return x, restore


def image_op(fn):
    """Lift ``fn(x (H, W, C) float64, *args)`` to the public dtype- and shape-preserving function."""
    def wrapper(image, *args, **kwargs):
        x, restore = to_float_image(image, fn.__name__)
        return restore(fn(x, *args, **kwargs))
    wrapper.__name__, wrapper.__qualname__, wrapper.__doc__ = fn.__name__, fn.__qualname__, fn.__doc__
    return wrapper


# --------------------------------------------------------------------------- random transforms
class Transform:
    """A random augmentation: ``t(image, rng)`` draws its parameters with ``rng`` and applies them.

    Subclasses set ``op`` (one of the private float functions above) and ``draw(rng, x)`` -> kwargs.
    ``p`` is the probability of applying the transform at all.
    """

    op = None
    default_p = 1.0

    def __init__(self, p: float | None = None):
        p = type(self).default_p if p is None else p
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"{type(self).__name__}: p must be in [0, 1], got {p!r}")
        self.p = p

    def draw(self, rng, x) -> dict:
        return {}

    def _apply(self, x, rng):
        if rng.random() >= self.p:
            return x
        # clipped after every step, so that e.g. gamma never sees the negative pixels noise can create
        return np.clip(type(self).op(x, **self.draw(rng, x)), 0.0, 1.0)

    def __call__(self, image, rng=None):
        x, restore = to_float_image(image, type(self).__name__)
        return restore(self._apply(x, as_rng(rng)))

    def batch(self, images, rng=None):
        """Apply to each image of ``(N, H, W[, C])`` with its own random parameters."""
        x, restore = to_float_image(images, type(self).__name__, batch=True)
        rng = as_rng(rng)
        return restore(np.stack([self._apply(xi, rng) for xi in x]))

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


def value_range(owner, name, value, symmetric):
    """Turn ``a`` into ``(-a, a)`` (symmetric) and check that ``(lo, hi)`` is ordered."""
    lo, hi = (-value, value) if np.isscalar(value) and symmetric else value
    if lo > hi:
        raise ValueError(f"{owner}: {name} range must satisfy low <= high, got ({lo}, {hi})")
    return float(lo), float(hi)




def check_layout(shape, owner: str, batch: bool) -> None:
    """Refuse the shapes that would be read the wrong way: the channel axis must be last and hold 1, 3 or 4."""
    channels_last = len(shape) == (4 if batch else 3)
    if channels_last and shape[-1] not in CHANNELS:
        first = shape[1] if batch else shape[0]
        if first in CHANNELS:
            fix = ("np.moveaxis(images, 1, -1)" if batch else "np.moveaxis(image, 0, -1)")
            raise ValueError(f"{owner}: shape {shape} looks channels-first; images are channels-last "
                             f"(H, W, C), pass {fix}")
        if not batch:
            raise ValueError(f"{owner}: a 3-D array of shape {shape} is not an (H, W, C) image (C must be 1 to 4"
                             f"); for a stack of {shape[0]} grey images use .batch(images)")
        raise ValueError(f"{owner}: a batch must be (N, H, W) or (N, H, W, C) with C from 1 to 4, got {shape}")
    if batch and len(shape) == 3 and shape[-1] in (3, 4):
        raise ValueError(f"{owner}: shape {shape} looks like one colour image (H, W, {shape[-1]}), not a batch of "
                         f"{shape[0]} grey images; call the transform on it directly, or pass images[None] for a "
                         f"batch of one")
