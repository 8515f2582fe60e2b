"""The flat buffer's pieces: chunks that tile it, cache-line-aligned arrays, and an optimiser's chunked update
giving the same numbers as one pass over the whole buffer (optimiser rules themselves: test_optim.py)."""
import numpy as np
import pytest

from course_lib.fast import flat
from course_lib.fast.flat import aligned_zeros, chunk_slices, flatten_parameters
from course_lib.fast.optim import SGD, AdaGrad, Adam, RMSProp


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


# --------------------------------------------------------------------------------------------- the flat buffer
def test_parameters_become_views_of_one_contiguous_buffer(rng):
    ps = [Param(rng.normal(size=(3, 4))), Param(rng.normal(size=3)), Param(rng.normal(size=(2, 2)))]
    values = [p.data.copy() for p in ps]
    Adam(ps)
    bases = {id(p.data.base) for p in ps}
    assert len(bases) == 1, f"expected every p.data to view one buffer, got {len(bases)} buffers"
    buf = ps[0].data.base
    assert buf.ndim == 1 and buf.size == 12 + 3 + 4, f"expected a flat buffer of 19 values, got {buf.shape}"
    assert len({id(p.grad.base) for p in ps}) == 1 and ps[0].grad.base is not buf
    for p, v in zip(ps, values):
        np.testing.assert_array_equal(p.data, v, err_msg="flattening must keep the parameter values")


def test_step_sees_gradients_written_in_place_after_construction():
    p, q = Param([1.0, 2.0]), Param([[3.0]])
    opt = SGD([p, q], lr=0.5)
    p.grad += [2.0, 4.0]             # how a layer's backward accumulates
    q.grad += 1.0
    opt.step()
    np.testing.assert_allclose(p.data, [0.0, 0.0], err_msg="p should move by -lr * grad")
    np.testing.assert_allclose(q.data, [[2.5]], err_msg="q should move by -lr * grad")


def test_step_adopts_arrays_rebound_after_construction():
    p = Param([1.0, 2.0])
    opt = SGD([p], lr=0.5)
    p.data = np.array([10.0, 20.0])   # a student's p.data = ... must not be silently ignored
    p.grad = np.array([2.0, 2.0])
    opt.step()
    np.testing.assert_allclose(p.data, [9.0, 19.0], err_msg="the rebound values and gradient should be used")


def test_second_optimiser_shares_the_buffer_and_keeps_the_first_working():
    ps = [Param([1.0, 2.0]), Param([3.0])]
    first = SGD(ps, lr=0.1)
    buf = ps[0].data.base
    second = SGD(ps, lr=1.0)
    assert ps[0].data.base is buf and ps[1].data.base is buf, "the second optimiser must reuse the buffer"
    for p in ps:
        p.grad[...] = 1.0
    first.step()
    np.testing.assert_allclose(ps[0].data, [0.9, 1.9], err_msg="the first optimiser's step must reach p.data")
    second.step()
    np.testing.assert_allclose(ps[1].data, [3.0 - 0.1 - 1.0], err_msg="both optimisers must update p.data")


def test_optimiser_on_a_contiguous_subset_shares_memory_with_the_full_one():
    ps = [Param([1.0]), Param([2.0, 3.0]), Param([4.0])]
    SGD(ps, lr=0.1)
    buf = ps[0].data.base
    part = SGD(ps[1:], lr=1.0)
    ps[1].grad[...] = 1.0
    part.step()
    assert ps[1].data.base is buf, "the subset optimiser should reuse the full buffer, not copy"
    np.testing.assert_allclose(ps[1].data, [1.0, 2.0])


def test_float32_parameters_stay_float32():
    p = Param(np.ones(3, dtype=np.float32))
    opt = Adam([p], lr=0.1)
    p.grad[...] = 1.0
    opt.step()
    assert p.data.dtype == np.float32 and p.grad.dtype == np.float32, f"got {p.data.dtype}, {p.grad.dtype}"
    assert all(b.dtype == np.float32 for k, b in opt.state[p].items() if k != "step"), "state buffers: float32 too"


def test_mixed_dtypes_get_one_buffer_each():
    a, b, c = Param(np.ones(2, np.float32)), Param(np.ones(3)), Param(np.ones(1, np.float32))
    groups = flatten_parameters([a, b, c])
    assert [g.dtype for g in groups] == [np.float32, np.float64], f"got {[g.dtype for g in groups]}"
    assert a.data.base is c.data.base is groups[0].data and b.data.base is groups[1].data
    opt = SGD([a, b, c], lr=0.5)
    for p in (a, b, c):
        p.grad[...] = 1.0
    opt.step()
    for p in (a, b, c):
        np.testing.assert_allclose(p.data, 0.5, err_msg=f"every group must be updated ({p.data.dtype})")


def test_tied_parameter_is_updated_once():
    p = Param([1.0])
    opt = SGD([p, p], lr=0.1)
    p.grad[...] = 1.0
    opt.step()
    assert p.data[0] == pytest.approx(0.9), f"a repeated parameter moved twice: {p.data}"


def test_state_holds_per_parameter_buffers_of_its_shape():
    p, q = Param(np.ones((2, 3))), Param(np.ones(4))
    opt = SGD([p, q], lr=0.1, momentum=0.9)
    p.grad[...] = 1.0
    q.grad[...] = 2.0
    opt.step()
    np.testing.assert_allclose(opt.state[p]["momentum_buffer"], np.ones((2, 3)))
    np.testing.assert_allclose(opt.state[q]["momentum_buffer"], 2 * np.ones(4))


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, momentum=0.9), lambda ps: Adam(ps)], ids=["sgd", "adam"])
def test_fast_state_is_read_only_for_every_rule(make):
    p = Param([1.0, 2.0])
    opt = make([p])
    p.grad[...] = 1.0
    opt.step()
    for name, value in opt.state[p].items():
        if name != "step":
            with pytest.raises(ValueError, match="read-only"):
                value[...] = 0.0
