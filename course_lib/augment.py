"""Data augmentation for images, in numpy only (topic 5: regularisation).

Every augmentation of the lecture exists twice:

* as a deterministic function with explicit parameters (``rotate(image, 15)``, ``adjust_gamma(image, 0.5)``),
  the thing to call when you want to *see* one transformation;
* as a random transform object (``RandomRotation(15)``) that draws its parameters from a
  ``numpy.random.Generator``: ``t(image, rng=0)`` is reproducible, and ``Compose([...])`` chains transforms.

Images are ``(H, W)`` or channels-last ``(H, W, C)`` with C = 1 to 4; ``t.batch(images, rng)`` takes
``(N, H, W)`` or ``(N, H, W, C)`` and draws fresh parameters for each image. An array whose shape does not say
which it is (a 3-D stack of grey images passed as one image, a channels-first ``(C, H, W)`` image, a single
RGB image passed to ``.batch``) is an error that says what to pass instead. Pixels are float in
:math:`[0, 1]` (float32 stays float32) or ``uint8`` in :math:`[0, 255]`; the output has the input's shape and
dtype. Internally every image is float64 in :math:`[0, 1]`; results are clipped to that range, ``uint8`` is
rounded and saturated at 0 and 255.

The colour transforms of the albumentations family (``RGBShift``, ``HueSaturationValue``, ``CLAHE``,
``JpegCompression``) live in ``course_lib.augment_colour`` and are importable from here.

Geometric transforms (rotation, scaling, crop) map each output pixel back into the input with an affine map
and sample it by bilinear interpolation; pixels that fall outside the input take the value ``fill``.
"""
from __future__ import annotations

import numpy as np

from course_lib.augment_base import LUMA_WEIGHTS, Transform, image_op, to_float_image, value_range
from course_lib.augment_colour import (
    CLAHE,
    HueSaturationValue,
    JpegCompression,
    RGBShift,
    clahe,
    hue_saturation_value,
    jpeg_compression,
    rgb_shift,
)
from course_lib.validation import as_rng, check_positive

__all__ = [
    "hflip", "vflip", "rotate", "scale", "crop", "adjust_brightness", "adjust_contrast", "adjust_gamma",
    "gaussian_noise", "blur", "median_blur", "greyscale", "channel_shuffle", "rgb_shift", "hue_saturation_value",
    "clahe", "jpeg_compression", "Transform", "RandomHorizontalFlip", "RandomVerticalFlip", "RandomRotation",
    "RandomScale", "RandomBrightness", "RandomContrast", "RandomGamma", "GaussianNoise", "RandomCrop",
    "RandomBlur", "MedianBlur", "RandomGreyscale", "ChannelShuffle", "RGBShift", "HueSaturationValue", "CLAHE",
    "JpegCompression", "Compose", "to_float_image", "LUMA_WEIGHTS",
]


# --------------------------------------------------------------------------- geometry
def _affine(x, matrix, offset, fill):
    r"""Sample ``x`` (H, W, C) at :math:`p_{in} = A p_{out} + b` for every output pixel, bilinearly.

    Coordinates are (row, col) measured from the image centre.
    """
    h, w, _ = x.shape
    cy, cx = (h - 1) / 2.0, (w - 1) / 2.0
    rows, cols = np.meshgrid(np.arange(h) - cy, np.arange(w) - cx, indexing="ij")
    src_r = matrix[0, 0] * rows + matrix[0, 1] * cols + offset[0] + cy
    src_c = matrix[1, 0] * rows + matrix[1, 1] * cols + offset[1] + cx
    # tolerance so that an identity map does not lose the border to rounding
    inside = (src_r > -1e-9) & (src_r < h - 1 + 1e-9) & (src_c > -1e-9) & (src_c < w - 1 + 1e-9)
    src_r, src_c = np.clip(src_r, 0, h - 1), np.clip(src_c, 0, w - 1)
    # the top-left neighbour stays one pixel inside, so the bottom-right one is always valid
    r0 = np.clip(np.floor(src_r).astype(int), 0, max(h - 2, 0))
    c0 = np.clip(np.floor(src_c).astype(int), 0, max(w - 2, 0))
    r1, c1 = np.minimum(r0 + 1, h - 1), np.minimum(c0 + 1, w - 1)
    fr, fc = (src_r - r0)[..., None], (src_c - c0)[..., None]
    out = ((1 - fr) * (1 - fc) * x[r0, c0] + (1 - fr) * fc * x[r0, c1]
           + fr * (1 - fc) * x[r1, c0] + fr * fc * x[r1, c1])
    return np.where(inside[..., None], out, fill)


def _hflip(x):
    """Mirror left-right: :math:`y_{i,j} = x_{i, W-1-j}`."""
    return x[:, ::-1]


def _vflip(x):
    """Mirror top-bottom: :math:`y_{i,j} = x_{H-1-i, j}`."""
    return x[::-1]


def _rotate(x, degrees, fill=0.0):
    r"""Rotate by ``degrees`` counter-clockwise about the centre; the shape is kept, corners take ``fill``.

    Output pixel :math:`p` reads input pixel :math:`R(-\theta)\,p` (the inverse map).
    """
    t = np.deg2rad(degrees)
    # rows point down, so a counter-clockwise turn on screen is R(-theta) in (row, col) coordinates
    inverse = np.array([[np.cos(t), np.sin(t)], [-np.sin(t), np.cos(t)]])
    return _affine(x, inverse, (0.0, 0.0), fill)


def _scale(x, factor, fill=0.0):
    r"""Zoom by ``factor`` about the centre (> 1 enlarges and crops, < 1 shrinks and pads with ``fill``).

    Output pixel :math:`p` reads input pixel :math:`p / s`.
    """
    check_positive("scale", "factor", factor)
    return _affine(x, np.eye(2) / factor, (0.0, 0.0), fill)


def _crop(x, top, left, height, width):
    """Cut the window ``[top:top+height, left:left+width]`` and resize it back to the full (H, W)."""
    h, w, _ = x.shape
    if not (0 <= top <= top + height - 1 < h and 0 <= left <= left + width - 1 < w):
        raise ValueError(f"crop: window top={top}, left={left}, height={height}, width={width} "
                         f"does not fit in an image of size {h}x{w}")
    sr = (height - 1) / (h - 1) if h > 1 else 0.0
    sc = (width - 1) / (w - 1) if w > 1 else 0.0
    offset = (top + (height - 1) / 2 - (h - 1) / 2, left + (width - 1) / 2 - (w - 1) / 2)
    return _affine(x, np.diag([sr, sc]), offset, 0.0)


# --------------------------------------------------------------------------- photometric
def _brightness(x, delta):
    r"""Shift every pixel: :math:`y = x + \delta` (``delta`` in units of the full range, e.g. 0.1 = 10 %)."""
    return x + delta


def _contrast(x, factor):
    r"""Stretch about the mean grey level: :math:`y = \bar{x} + \alpha (x - \bar{x})`."""
    check_positive("contrast", "factor", factor, allow_zero=True)
    return x.mean() + factor * (x - x.mean())


def _gamma(x, gamma):
    r"""Gamma correction :math:`y = x^{\gamma}` (:math:`\gamma < 1` brightens the shadows)."""
    check_positive("gamma", "gamma", gamma)
    return x ** gamma


def _noise(x, sigma, rng=None):
    r"""Add Gaussian noise :math:`y = x + \varepsilon,\ \varepsilon \sim \mathcal{N}(0, \sigma^2)`."""
    check_positive("gaussian_noise", "sigma", sigma, allow_zero=True)
    return x + as_rng(rng).normal(0.0, sigma, size=x.shape)


def _check_window(owner, size):
    if not (isinstance(size, (int, np.integer)) and size >= 1 and size % 2 == 1):
        raise ValueError(f"{owner}: size must be an odd integer >= 1, got {size!r}")


def _windows(x, size):
    """All ``size x size`` neighbourhoods of each pixel, edges reflected: shape (H, W, C, size, size)."""
    _check_window("median_blur", size)
    r = size // 2
    padded = np.pad(x, ((r, r), (r, r), (0, 0)), mode="reflect" if min(x.shape[:2]) > r else "edge")
    return np.lib.stride_tricks.sliding_window_view(padded, (size, size), axis=(0, 1))


def _blur(x, sigma):
    r"""Gaussian blur with kernel :math:`k_i \propto e^{-i^2 / 2\sigma^2}`, separable: rows, then columns."""
    check_positive("blur", "sigma", sigma, allow_zero=True)
    if sigma == 0:
        return x.copy()
    r = max(1, int(np.ceil(3 * sigma)))
    k = np.exp(-np.arange(-r, r + 1) ** 2 / (2 * sigma ** 2))
    k /= k.sum()
    mode = "reflect" if min(x.shape[:2]) > r else "edge"
    for axis in (0, 1):
        pad = [(0, 0)] * 3
        pad[axis] = (r, r)
        win = np.lib.stride_tricks.sliding_window_view(np.pad(x, pad, mode=mode), 2 * r + 1, axis=axis)
        x = win @ k
    return x


def _median_blur(x, size=3):
    """Replace every pixel by the median of its ``size x size`` neighbourhood (removes salt-and-pepper)."""
    return np.median(_windows(x, size), axis=(-2, -1))


def _greyscale(x):
    r"""Luma :math:`Y = 0.299 R + 0.587 G + 0.114 B`, copied into every channel (the shape is kept)."""
    c = x.shape[-1]
    if c == 1:
        return x.copy()
    if c != 3:
        raise ValueError(f"greyscale: needs 1 or 3 channels (RGB), got {c}")
    return np.repeat((x @ LUMA_WEIGHTS)[..., None], 3, axis=-1)


def _channel_shuffle(x, order):
    """Reorder the channels: ``y[..., k] = x[..., order[k]]``."""
    order = np.asarray(order)
    if sorted(order.tolist()) != list(range(x.shape[-1])):
        raise ValueError(f"channel_shuffle: order must be a permutation of 0..{x.shape[-1] - 1}, got {order}")
    return x[..., order]


hflip, vflip, rotate, scale, crop = map(image_op, (_hflip, _vflip, _rotate, _scale, _crop))
adjust_brightness, adjust_contrast, adjust_gamma = map(image_op, (_brightness, _contrast, _gamma))
gaussian_noise, blur, median_blur = map(image_op, (_noise, _blur, _median_blur))
greyscale, channel_shuffle = map(image_op, (_greyscale, _channel_shuffle))


class RandomHorizontalFlip(Transform):
    op, default_p = staticmethod(_hflip), 0.5


class RandomVerticalFlip(Transform):
    op, default_p = staticmethod(_vflip), 0.5


class RandomRotation(Transform):
    """Rotate by an angle drawn uniformly from ``degrees`` (a or (lo, hi), in degrees)."""
    op = staticmethod(_rotate)

    def __init__(self, degrees=15.0, fill=0.0, p=1.0):
        super().__init__(p)
        self.degrees, self.fill = value_range("RandomRotation", "degrees", degrees, True), fill

    def draw(self, rng, x):
        return {"degrees": rng.uniform(*self.degrees), "fill": self.fill}


class RandomScale(Transform):
    """Zoom by a factor drawn uniformly from ``factor=(lo, hi)``."""
    op = staticmethod(_scale)

    def __init__(self, factor=(0.8, 1.2), fill=0.0, p=1.0):
        super().__init__(p)
        self.factor, self.fill = value_range("RandomScale", "factor", factor, False), fill
        check_positive("RandomScale", "factor low", self.factor[0])

    def draw(self, rng, x):
        return {"factor": rng.uniform(*self.factor), "fill": self.fill}


class RandomBrightness(Transform):
    op = staticmethod(_brightness)

    def __init__(self, delta=0.2, p=1.0):
        super().__init__(p)
        self.delta = value_range("RandomBrightness", "delta", delta, True)

    def draw(self, rng, x):
        return {"delta": rng.uniform(*self.delta)}


class RandomContrast(Transform):
    op = staticmethod(_contrast)

    def __init__(self, factor=(0.7, 1.3), p=1.0):
        super().__init__(p)
        self.factor = value_range("RandomContrast", "factor", factor, False)

    def draw(self, rng, x):
        return {"factor": rng.uniform(*self.factor)}


class RandomGamma(Transform):
    op = staticmethod(_gamma)

    def __init__(self, gamma=(0.7, 1.5), p=1.0):
        super().__init__(p)
        self.gamma = value_range("RandomGamma", "gamma", gamma, False)
        check_positive("RandomGamma", "gamma low", self.gamma[0])

    def draw(self, rng, x):
        return {"gamma": rng.uniform(*self.gamma)}


class GaussianNoise(Transform):
    op = staticmethod(_noise)

    def __init__(self, sigma=0.05, p=1.0):
        super().__init__(p)
        check_positive("GaussianNoise", "sigma", sigma, allow_zero=True)
        self.sigma = sigma

    def draw(self, rng, x):
        return {"sigma": self.sigma, "rng": rng}


class RandomCrop(Transform):
    """Crop a window covering a fraction ``area`` of the image (aspect kept) and resize it back."""
    op = staticmethod(_crop)

    def __init__(self, area=(0.6, 1.0), p=1.0):
        super().__init__(p)
        self.area = value_range("RandomCrop", "area", area, False)
        if not 0 < self.area[0] <= self.area[1] <= 1:
            raise ValueError(f"RandomCrop: area must lie in (0, 1], got {self.area}")

    def draw(self, rng, x):
        h, w, _ = x.shape
        side = np.sqrt(rng.uniform(*self.area))
        ch, cw = max(1, int(round(side * h))), max(1, int(round(side * w)))
        return {"top": int(rng.integers(0, h - ch + 1)), "left": int(rng.integers(0, w - cw + 1)),
                "height": ch, "width": cw}


class RandomBlur(Transform):
    op = staticmethod(_blur)

    def __init__(self, sigma=(0.1, 1.5), p=1.0):
        super().__init__(p)
        self.sigma = value_range("RandomBlur", "sigma", sigma, False)

    def draw(self, rng, x):
        return {"sigma": rng.uniform(*self.sigma)}


class MedianBlur(Transform):
    op = staticmethod(_median_blur)

    def __init__(self, size=3, p=1.0):
        super().__init__(p)
        _check_window("MedianBlur", size)
        self.size = size

    def draw(self, rng, x):
        return {"size": self.size}


class RandomGreyscale(Transform):
    op, default_p = staticmethod(_greyscale), 0.2


class ChannelShuffle(Transform):
    op = staticmethod(_channel_shuffle)

    def draw(self, rng, x):
        return {"order": rng.permutation(x.shape[-1])}


class Compose(Transform):
    """Apply ``transforms`` in order, all drawing from the same generator."""

    def __init__(self, transforms):
        super().__init__(1.0)
        self.transforms = list(transforms)
        bad = [t for t in self.transforms if not isinstance(t, Transform)]
        if bad:
            raise TypeError(f"Compose: every element must be a Transform, got {bad!r}")

    def _apply(self, x, rng):
        for t in self.transforms:
            x = t._apply(x, rng)
        return x
