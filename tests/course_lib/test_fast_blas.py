"""The OpenBLAS warm-up: done once per process, cheap to ask about, and skippable for the benchmark."""
import pytest

from course_lib.fast import blas


@pytest.fixture
def cold(monkeypatch):
    monkeypatch.setattr(blas, "cold", True)


def test_warm_up_does_the_product_once_then_returns_at_once(cold):
    assert blas.warm_up(size=64) is True, "the first call should do the product"
    assert blas.is_warm(), "after warm_up the process should count as warm"
    assert blas.warm_up(size=64) is False, "a second call should do nothing"


def test_skip_warm_up_marks_the_process_warm_without_work(cold):
    blas.skip_warm_up()
    assert blas.is_warm() and blas.warm_up() is False, "after skip_warm_up, warm_up should do nothing"


@pytest.mark.parametrize("size", [0, -3, 2.5, True])
def test_warm_up_rejects_a_size_that_is_not_a_positive_integer(cold, size):
    with pytest.raises(ValueError, match=f"size must be a positive integer, got {size!r}"):
        blas.warm_up(size=size)
    assert not blas.is_warm(), "a rejected call must leave the process cold"


def test_a_large_linear_layer_warms_blas_up_by_itself_and_a_small_one_does_not():
    import subprocess
    import sys

    probe = ("import numpy as np\nfrom course_lib.fast import blas\nfrom course_lib.fast.layers import Linear\n"
             "Linear(2, 8, dtype=np.float32)(np.ones((10, 2), np.float32)); small = blas.is_warm()\n"
             "Linear(784, 256, dtype=np.float32)(np.ones((128, 784), np.float32)); print(small, blas.is_warm())")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "True"], f"expected (small layer: cold, large layer: warm), got {out}"
