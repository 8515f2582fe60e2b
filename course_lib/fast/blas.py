r"""The OpenBLAS warm-up: one large matrix product per process before the first large layer.

Measured on an AVX2 host of the course's 2-core machines (numpy's bundled OpenBLAS, one thread): in a fresh
process the single-precision product :math:`(128\times784)\cdot(784\times256)` ran at about 12 GFLOP/s, and at
about 42 GFLOP/s once the process had done one product of :math:`400^3` or larger — the difference between the
784-256-128-10 network training 1.25x slower than PyTorch and in 0.75x its time. On an AVX-512 (SkylakeX)
host the same product runs at 50-60 GFLOP/s from the start and the warm-up changes nothing, so the effect
depends on the CPU; ``bench/training.py:blas_warm_up_effect`` measures it wherever the benchmarks run.
One product of :math:`512^3` costs :math:`2\cdot512^3 \approx 0.27` GFLOP, a few milliseconds, once.

The hook for layers is one boolean test per call while nothing is warm, and none after::

    if blas.cold and x.shape[0] * self.in_features * self.out_features >= blas.MIN_WORK:
        blas.warm_up()
"""
from __future__ import annotations

import numpy as np

__all__ = ["cold", "MIN_WORK", "SIZE", "warm_up", "skip_warm_up", "is_warm"]

#: True until :func:`warm_up` (or :func:`skip_warm_up`) has run in this process
cold = True

#: a product of ``batch * in * out`` multiply-adds at least this large triggers the warm-up (128^3, about
#: 2 million): the playground and digits networks stay far below it and never pay for the warm-up, while the
#: 784-wide layer (128 x 784 x 256, 26 million) is where the slow start was measured
MIN_WORK = 128 * 128 * 128

#: side of the square float32 product done once; the slow start ends after one product of 400^3 or more
SIZE = 512


def warm_up(size: int = SIZE) -> bool:
    r"""Do one ``size`` x ``size`` float32 product, once per process; later calls return at once.

    Returns True if this call did the product. ``size`` must be an integer >= 1.
    """
    global cold
    if not cold:
        return False
    if not isinstance(size, (int, np.integer)) or isinstance(size, bool) or size < 1:
        raise ValueError(f"blas.warm_up: size must be a positive integer, got {size!r}")
    a = np.ones((int(size), int(size)), dtype=np.float32)
    a @ a
    cold = False
    return True


def skip_warm_up() -> None:
    """Mark the process as warm without doing the product (for the benchmark that measures its effect)."""
    global cold
    cold = False


def is_warm() -> bool:
    return not cold
