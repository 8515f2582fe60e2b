r"""Colour and compression augmentations (the albumentations names): RGB shift, hue/saturation/value, CLAHE and
JPEG compression, in numpy only. Importable from ``course_lib.augment`` like the others.

Each exists as a deterministic function on an image (``rgb_shift(image, (0.1, 0, -0.1))``) and as a random
``Transform`` (``RGBShift(0.1)``). Images are channels-last ``(H, W, C)`` (or ``(H, W)`` for grey), pixels
float in :math:`[0, 1]` or uint8; the output has the input's shape and dtype. Shifts and amounts are in units
of the full range (0.1 = 10 %), not of 255 as in albumentations.
"""
from __future__ import annotations

import numpy as np

from course_lib.augment_base import LUMA_WEIGHTS, Transform, image_op, value_range
from course_lib.validation import check_positive

__all__ = ["rgb_shift", "hue_saturation_value", "clahe", "jpeg_compression", "rgb_to_hsv", "hsv_to_rgb",
           "RGBShift", "HueSaturationValue", "CLAHE", "JpegCompression"]


def needs_rgb(x, who: str) -> None:
    if x.shape[-1] != 3:
        raise ValueError(f"{who}: needs an RGB image (H, W, 3), got {x.shape[-1]} channel(s)")


# --------------------------------------------------------------------------- RGB shift
def shift_channels(x, shifts):
    r"""Add a constant to each channel: :math:`y_{..., c} = x_{..., c} + \delta_c` (``shifts`` one per
    channel, e.g. ``(r, g, b)``)."""
    shifts = np.asarray(shifts, dtype=np.float64)
    if shifts.shape != (x.shape[-1],):
        raise ValueError(f"rgb_shift: give one shift per channel ({x.shape[-1]}), got {shifts.tolist()}")
    return x + shifts


# --------------------------------------------------------------------------- HSV
def rgb_to_hsv(rgb):
    r"""RGB in [0, 1] (..., 3) to HSV: :math:`V = \max`, :math:`S = (\max - \min)/\max` (0 for black),
    :math:`H \in [0, 1)` the angle on the colour circle as a fraction of a turn (red 0, green 1/3, blue 2/3)."""
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    v = rgb.max(axis=-1)
    spread = v - rgb.min(axis=-1)
    s = np.divide(spread, v, out=np.zeros_like(v), where=v > 0)
    safe = np.where(spread > 0, spread, 1.0)
    h = np.where(v == r, (g - b) / safe, np.where(v == g, 2.0 + (b - r) / safe, 4.0 + (r - g) / safe))
    h = np.where(spread > 0, (h / 6.0) % 1.0, 0.0)
    return np.stack([h, s, v], axis=-1)


def hsv_to_rgb(hsv):
    r"""The inverse of :func:`rgb_to_hsv`: the colour circle in six sectors of 1/6 turn."""
    h, s, v = hsv[..., 0] % 1.0, hsv[..., 1], hsv[..., 2]
    sector = np.floor(h * 6.0)
    f = h * 6.0 - sector
    p, q, t = v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))
    sector = sector.astype(int) % 6
    choices = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]
    out = [np.choose(sector, [c[i] for c in choices]) for i in range(3)]
    return np.stack(out, axis=-1)


def shift_hsv(x, hue, saturation, value):
    r"""In HSV: :math:`H \leftarrow H + \Delta H` (a fraction of a turn, wraps round), :math:`S \leftarrow
    \mathrm{clip}(S + \Delta S)`, :math:`V \leftarrow \mathrm{clip}(V + \Delta V)`, then back to RGB."""
    needs_rgb(x, "hue_saturation_value")
    hsv = rgb_to_hsv(x)
    hsv[..., 0] = (hsv[..., 0] + hue) % 1.0
    hsv[..., 1] = np.clip(hsv[..., 1] + saturation, 0.0, 1.0)
    hsv[..., 2] = np.clip(hsv[..., 2] + value, 0.0, 1.0)
    return hsv_to_rgb(hsv)


# --------------------------------------------------------------------------- CLAHE
def equalise_locally(x, clip_limit=2.0, tiles=(8, 8), bins=256):
    r"""Contrast-limited adaptive histogram equalisation (CLAHE) of the brightness.

    The image is cut into ``tiles`` (rows, cols); in each tile the histogram of the brightness (``bins``
    bins) is clipped at ``clip_limit`` times its mean height, the excess spread evenly over all bins, and its
    cumulative sum, scaled to [0, 1], is the tile's mapping. Each pixel takes the bilinear blend of the
    mappings of the four nearest tile centres, so no tile edges show. Grey images are mapped directly; for
    RGB the HSV value is mapped and the hue and saturation kept. ``clip_limit`` near 1 changes little;
    large values approach plain histogram equalisation.
    """
    check_positive("clahe", "clip_limit", clip_limit)
    rows, cols = (int(t) for t in tiles)
    if rows < 1 or cols < 1:
        raise ValueError(f"clahe: tiles must be two positive integers, got {tiles!r}")
    if x.shape[-1] == 3:
        hsv = rgb_to_hsv(x)
        hsv[..., 2] = equalise_channel(hsv[..., 2], clip_limit, rows, cols, bins)
        return hsv_to_rgb(hsv)
    if x.shape[-1] != 1:
        raise ValueError(f"clahe: needs a grey or RGB image, got {x.shape[-1]} channels")
    return equalise_channel(x[..., 0], clip_limit, rows, cols, bins)[..., None]


def equalise_channel(v, clip_limit, rows, cols, bins):
    """CLAHE of one (H, W) channel in [0, 1] (see :func:`equalise_locally`)."""
    h, w = v.shape
    rows, cols = min(rows, h), min(cols, w)
    level = np.minimum((v * bins).astype(int), bins - 1)
    row_edges = np.linspace(0, h, rows + 1).astype(int)
    col_edges = np.linspace(0, w, cols + 1).astype(int)
    maps = np.empty((rows, cols, bins))
    for i in range(rows):
        for j in range(cols):
            tile = level[row_edges[i]:row_edges[i + 1], col_edges[j]:col_edges[j + 1]]
            hist = np.bincount(tile.ravel(), minlength=bins).astype(np.float64)
            limit = clip_limit * tile.size / bins
            excess = np.maximum(hist - limit, 0.0).sum()
            hist = np.minimum(hist, limit) + excess / bins
            maps[i, j] = np.cumsum(hist) / tile.size
    # position of each pixel between tile centres: tile i covers rows around centre_i
    centres_r = (row_edges[:-1] + row_edges[1:] - 1) / 2.0
    centres_c = (col_edges[:-1] + col_edges[1:] - 1) / 2.0
    r = np.interp(np.arange(h), centres_r, np.arange(rows))
    c = np.interp(np.arange(w), centres_c, np.arange(cols))
    r0, c0 = np.floor(r).astype(int), np.floor(c).astype(int)
    r1, c1 = np.minimum(r0 + 1, rows - 1), np.minimum(c0 + 1, cols - 1)
    fr, fc = (r - r0)[:, None], (c - c0)[None, :]
    R0, C0, R1, C1 = r0[:, None], c0[None, :], r1[:, None], c1[None, :]
    return ((1 - fr) * (1 - fc) * maps[R0, C0, level] + (1 - fr) * fc * maps[R0, C1, level]
            + fr * (1 - fc) * maps[R1, C0, level] + fr * fc * maps[R1, C1, level])


# --------------------------------------------------------------------------- JPEG
#: the JPEG standard's example quantisation tables (ITU T.81, Annex K) for brightness and colour
LUMA_TABLE = np.array([
    [16, 11, 10, 16, 24, 40, 51, 61], [12, 12, 14, 19, 26, 58, 60, 55], [14, 13, 16, 24, 40, 57, 69, 56],
    [14, 17, 22, 29, 51, 87, 80, 62], [18, 22, 37, 56, 68, 109, 103, 77], [24, 35, 55, 64, 81, 104, 113, 92],
    [49, 64, 78, 87, 103, 121, 120, 101], [72, 92, 95, 98, 112, 100, 103, 99]], dtype=np.float64)
CHROMA_TABLE = np.full((8, 8), 99.0)
CHROMA_TABLE[:4, :4] = [[17, 18, 24, 47], [18, 21, 26, 66], [24, 26, 56, 99], [47, 66, 99, 99]]


def dct_matrix(n=8):
    r"""The orthonormal DCT-II matrix :math:`D_{ki} = c_k \cos\frac{(2i+1)k\pi}{2n}`: a block's transform is
    :math:`D B D^\top`, its inverse :math:`D^\top C D`."""
    k, i = np.arange(n)[:, None], np.arange(n)[None, :]
    d = np.sqrt(2.0 / n) * np.cos((2 * i + 1) * k * np.pi / (2 * n))
    d[0] /= np.sqrt(2.0)
    return d


def quality_scale(quality):
    """The IJG (libjpeg) rule turning quality 1..100 into a factor on the quantisation tables."""
    return (5000.0 / quality if quality < 50 else 200.0 - 2.0 * quality) / 100.0


def compress_jpeg(x, quality):
    r"""What JPEG compression does to an image, without the file: to YCbCr, 8x8 blocks, DCT, each coefficient
    rounded to a multiple of the quantisation table scaled by ``quality`` (1..100; lower = coarser), back.

    :math:`C = D B D^\top`, :math:`\hat C = Q\,\mathrm{round}(C / Q)`, :math:`\hat B = D^\top \hat C D`. The
    blocky artefacts and lost fine detail of a low quality are what the network learns to ignore. (No chroma
    subsampling; grey images use the brightness table only.)
    """
    if not (isinstance(quality, (int, np.integer)) and 1 <= quality <= 100):
        raise ValueError(f"jpeg_compression: quality must be an integer in [1, 100], got {quality!r}")
    h, w, c = x.shape
    if c == 3:
        y = x @ LUMA_WEIGHTS
        planes = [y, (x[..., 2] - y) / 1.772 + 0.5, (x[..., 0] - y) / 1.402 + 0.5]
        tables = [LUMA_TABLE, CHROMA_TABLE, CHROMA_TABLE]
    elif c == 1:
        planes, tables = [x[..., 0]], [LUMA_TABLE]
    else:
        raise ValueError(f"jpeg_compression: needs a grey or RGB image, got {c} channels")
    d, scale = dct_matrix(8), quality_scale(quality)
    out = []
    for plane, table in zip(planes, tables):
        q = np.maximum(np.floor(table * scale + 0.5), 1.0) / 255.0        # tables are for pixels 0..255
        padded = np.pad(plane - 0.5, ((0, -h % 8), (0, -w % 8)), mode="edge")
        blocks = padded.reshape(padded.shape[0] // 8, 8, padded.shape[1] // 8, 8).swapaxes(1, 2)
        coeffs = d @ blocks @ d.T
        restored = d.T @ (np.round(coeffs / q) * q) @ d
        out.append(restored.swapaxes(1, 2).reshape(padded.shape)[:h, :w] + 0.5)
    if c == 1:
        return out[0][..., None]
    y, cb, cr = out
    r, b = y + 1.402 * (cr - 0.5), y + 1.772 * (cb - 0.5)
    g = (y - LUMA_WEIGHTS[0] * r - LUMA_WEIGHTS[2] * b) / LUMA_WEIGHTS[1]
    return np.stack([r, g, b], axis=-1)


rgb_shift, hue_saturation_value = image_op(shift_channels), image_op(shift_hsv)
clahe, jpeg_compression = image_op(equalise_locally), image_op(compress_jpeg)
rgb_shift.__name__, hue_saturation_value.__name__ = "rgb_shift", "hue_saturation_value"
clahe.__name__, jpeg_compression.__name__ = "clahe", "jpeg_compression"


# --------------------------------------------------------------------------- random transforms
class RGBShift(Transform):
    """Shift each channel by its own amount drawn uniformly from ``r_shift``, ``g_shift``, ``b_shift`` (a or
    (lo, hi), in units of the full range)."""
    op = staticmethod(shift_channels)

    def __init__(self, r_shift=0.08, g_shift=0.08, b_shift=0.08, p=1.0):
        super().__init__(p)
        self.shifts = [value_range("RGBShift", n, v, True)
                       for n, v in (("r_shift", r_shift), ("g_shift", g_shift), ("b_shift", b_shift))]

    def draw(self, rng, x):
        needs_rgb(x, "RGBShift")
        return {"shifts": [rng.uniform(lo, hi) for lo, hi in self.shifts]}


class HueSaturationValue(Transform):
    """Turn the hue by an amount from ``hue_shift`` (a fraction of the colour circle) and shift saturation and
    value by amounts from ``sat_shift`` and ``val_shift`` (each a or (lo, hi))."""
    op = staticmethod(shift_hsv)

    def __init__(self, hue_shift=0.05, sat_shift=0.12, val_shift=0.08, p=1.0):
        super().__init__(p)
        self.hue_shift = value_range("HueSaturationValue", "hue_shift", hue_shift, True)
        self.sat_shift = value_range("HueSaturationValue", "sat_shift", sat_shift, True)
        self.val_shift = value_range("HueSaturationValue", "val_shift", val_shift, True)

    def draw(self, rng, x):
        return {"hue": rng.uniform(*self.hue_shift), "saturation": rng.uniform(*self.sat_shift),
                "value": rng.uniform(*self.val_shift)}


class CLAHE(Transform):
    """Contrast-limited adaptive histogram equalisation with a clip limit drawn from ``clip_limit`` (a means
    (1, a), as albumentations) on a ``tiles`` grid."""
    op = staticmethod(equalise_locally)

    def __init__(self, clip_limit=4.0, tiles=(8, 8), p=1.0):
        super().__init__(p)
        lo, hi = value_range("CLAHE", "clip_limit", (1.0, clip_limit) if np.isscalar(clip_limit) else clip_limit,
                             False)
        check_positive("CLAHE", "clip_limit low", lo)
        self.clip_limit, self.tiles = (lo, hi), tuple(tiles)

    def draw(self, rng, x):
        return {"clip_limit": rng.uniform(*self.clip_limit), "tiles": self.tiles}


class JpegCompression(Transform):
    """JPEG compression artefacts at a quality drawn uniformly from the integers in ``quality=(lo, hi)``."""
    op = staticmethod(compress_jpeg)

    def __init__(self, quality=(50, 95), p=1.0):
        super().__init__(p)
        lo, hi = value_range("JpegCompression", "quality", quality, False)
        if not (1 <= lo <= hi <= 100 and lo == int(lo) and hi == int(hi)):
            raise ValueError(f"JpegCompression: quality must be integers in [1, 100], got {quality!r}")
        self.quality = (int(lo), int(hi))

    def draw(self, rng, x):
        return {"quality": int(rng.integers(self.quality[0], self.quality[1] + 1))}
