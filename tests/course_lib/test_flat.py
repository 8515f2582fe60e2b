"""The flat buffer's pieces: chunks that tile it, cache-line-aligned arrays, and an optimiser's chunked update
giving the same numbers as one pass over the whole buffer (optimiser rules themselves: test_optim.py)."""
import numpy as np
import pytest

from course_lib import flat
from course_lib.flat import aligned_zeros, chunk_slices, flatten_parameters
from course_lib.optim import SGD, AdaGrad, Adam, RMSProp


class Param:
    def __init__(self, data):
        self.data = np.array(data)
        self.grad = np.zeros_like(self.data)


@pytest.mark.parametrize("size, itemsize, chunk_bytes", [(10, 4, 16), (8, 4, 16), (3, 8, 64), (1, 4, 1), (0, 4, 16)])
def test_chunk_slices_tile_the_range_in_pieces_of_at_most_one_chunk(size, itemsize, chunk_bytes):
    slices = chunk_slices(size, itemsize, chunk_bytes)
    covered = [i for s in slices for i in range(s.start, s.stop)]
    assert covered == list(range(size)), f"expected the slices to cover 0..{size - 1} once in order, got {slices}"
    longest = max(1, chunk_bytes // itemsize)
    assert all(0 < s.stop - s.start <= longest for s in slices), \
        f"expected pieces of 1..{longest} elements, got {[s.stop - s.start for s in slices]}"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", [0, 1, 1000])
def test_aligned_zeros_start_on_a_cache_line_and_own_their_views(size, dtype):
    a = aligned_zeros(size, dtype)
    assert a.shape == (size,) and a.dtype == dtype, f"expected ({size},) {np.dtype(dtype)}, got {a.shape} {a.dtype}"
    assert a.ctypes.data % 64 == 0, f"expected a 64-byte aligned start, got address {a.ctypes.data} (mod 64: " \
                                    f"{a.ctypes.data % 64})"
    assert a.flags.writeable and not a.any(), "expected writable zeros"
    if size:
        a[-1] = 1.5
        view = a[size // 2:].reshape(1, -1)
        assert view.base is a, "a slice's base should be the array itself, as for an ordinary array"
        assert view[0, -1] == 1.5


def test_flattened_buffers_are_aligned(rng):
    ps = [Param(rng.normal(size=(3, 5)).astype(np.float32)), Param(rng.normal(size=7))]
    for g in flatten_parameters(ps):
        assert g.data.ctypes.data % 64 == 0 and g.grad.ctypes.data % 64 == 0, \
            f"{g.dtype}: expected cache-line aligned buffers, got addresses mod 64 " \
            f"{g.data.ctypes.data % 64}, {g.grad.ctypes.data % 64}"


OPTIMISERS = {
    "sgd": lambda ps: SGD(ps, lr=0.1),
    "nesterov-decay": lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    "adagrad": lambda ps: AdaGrad(ps, lr=0.1, weight_decay=0.01),
    "rmsprop": lambda ps: RMSProp(ps, lr=0.01),
    "adam": lambda ps: Adam(ps, lr=0.01),
    "adam-decay-uncorrected": lambda ps: Adam(ps, lr=0.01, weight_decay=0.1, bias_correction=False),
}


def _trajectory(make_opt, values, grads, chunk_bytes, monkeypatch):
    """Three steps on float32 parameters with the given gradients; the chunk size applies to this optimiser."""
    with monkeypatch.context() as m:
        m.setattr(flat, "CHUNK_BYTES", chunk_bytes)
        ps = [Param(v.copy()) for v in values]
        opt = make_opt(ps)
    out = []
    for g in grads:
        for p, gp in zip(ps, g):
            p.grad[...] = gp
        opt.step()
        out.append(np.concatenate([p.data.ravel() for p in ps]))
    return np.array(out), opt


@pytest.mark.parametrize("name", sorted(OPTIMISERS))
def test_chunked_update_equals_one_pass_over_the_whole_buffer(name, rng, monkeypatch):
    shapes = [(300, 200), (77,), (5, 3)]                  # 60,092 float32: two default chunks, the last partial
    values = [rng.normal(size=s).astype(np.float32) for s in shapes]
    grads = [[rng.normal(size=s).astype(np.float32) for s in shapes] for _ in range(3)]
    whole, _ = _trajectory(OPTIMISERS[name], values, grads, 1 << 30, monkeypatch)
    for chunk_bytes in (flat.CHUNK_BYTES, 4096 + 12):    # the default, and many chunks of an odd length
        chunked, opt = _trajectory(OPTIMISERS[name], values, grads, chunk_bytes, monkeypatch)
        n_chunks = sum(len(chunks) for _, chunks in opt._chunks)
        assert n_chunks > 1, f"{name}: expected the buffer to be cut into several chunks, got {n_chunks}"
        np.testing.assert_array_equal(chunked, whole, err_msg=f"{name}: the update in {n_chunks} chunks "
                                                              "should give exactly the numbers of one pass")
