"""Misuse of modules that once gave wrong answers silently: layers hidden in plain containers, one layer at two
places, mis-shaped upstream gradients. Each is now a clear error (or, with ModuleList, the right answer)."""
import numpy as np
import pytest

from course_lib import layers as L


# ------------------------------------------------------------------------------------------------ API traps
def test_modulelist_exposes_its_layers_to_parameters_zero_grad_and_eval():
    from course_lib.module import ModuleList

    class Blocks(L.Module):
        def __init__(self):
            self.blocks = ModuleList([L.Linear(2, 3, rng=0), L.Dropout(0.5), L.Linear(3, 1, rng=1)])

        def forward(self, x):
            for block in self.blocks:
                x = block.forward(x)
            return x

    model = Blocks()
    assert len(model.parameters()) == 4, f"expected the two Linear layers' W and b, got {model.parameters()}"
    model.eval()
    assert not model.blocks[1].training, "eval() must reach a Dropout inside a ModuleList"
    model.blocks[0].weight.grad[...] = 1.0
    model.zero_grad()
    assert not model.blocks[0].weight.grad.any()


@pytest.mark.parametrize("container", [list, tuple, lambda ms: dict(enumerate(ms))], ids=["list", "tuple", "dict"])
def test_layers_hidden_in_a_plain_container_are_a_clear_error(container):
    class Hidden(L.Module):
        def __init__(self):
            self.layers_kept = container([L.Linear(2, 2, rng=0), L.Dropout(0.5)])

    with pytest.raises(TypeError, match=r"Hidden\.layers_kept is a plain .* ModuleList"):
        Hidden().parameters()
    with pytest.raises(TypeError, match="ModuleList"):
        Hidden().eval()


@pytest.mark.parametrize("make", [
    lambda: (lambda act: L.Sequential(L.Linear(2, 3, rng=0), act, L.Linear(3, 3, rng=1), act))(L.ReLU()),
    lambda: (lambda lin: L.Sequential(lin, L.Tanh(), lin))(L.Linear(3, 3, rng=0)),
    lambda: (lambda act: L.Sequential(L.Sequential(L.Linear(2, 2, rng=0), act), act))(L.Tanh()),
], ids=["activation twice", "linear twice", "nested"])
def test_one_layer_object_at_two_places_is_a_clear_error(make):
    with pytest.raises(ValueError, match=r"appears twice in the model.*create a new"):
        make()


def test_appending_a_layer_already_in_the_model_is_refused_and_leaves_the_model_unchanged():
    act = L.ReLU()
    net = L.Sequential(L.Linear(2, 2, rng=0), act)
    with pytest.raises(ValueError, match="appears twice"):
        net.append(act)
    assert len(net) == 2


@pytest.mark.parametrize("layer, x", [
    (L.Linear(3, 2, rng=0), np.ones((4, 3))),
    (L.PReLU(), np.ones((4, 3))),
    (L.PReLU(3), np.ones((4, 3))),
    (L.Dropout(0.5, rng=0), np.ones((4, 3))),
    (L.Dropout(0.0), np.ones((4, 3))),
    (L.BatchNorm1d(3), np.arange(12.0).reshape(4, 3)),
    (L.ReLU(), np.ones((4, 3))),
    (L.Maxout(3, 2, rng=0), np.ones((4, 3))),
], ids=lambda v: repr(v) if not isinstance(v, np.ndarray) else "")
def test_every_layer_rejects_a_mis_shaped_grad_out_the_same_way(layer, x):
    y = layer.forward(x)
    for bad in (np.ones((1,) + y.shape[1:]), np.ones(y.shape[1:]), np.ones((y.shape[0], 1))):
        with pytest.raises(ValueError, match=r"grad_out .*shape"):
            layer.backward(bad)
    assert layer.backward(np.ones_like(y)).shape == x.shape
