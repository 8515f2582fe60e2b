"""Parameter and FLOP counting: the lecture's ResNet table, VGG-16, and the counting rules per layer."""
import pytest

from course_lib import architectures as A

IMAGENET = (3, 224, 224)
# Published parameter counts (ResNet paper / torchvision model cards; VGG paper): in millions.
PUBLISHED_PARAMS_M = {18: 11.7, 34: 21.8, 50: 25.6, 101: 44.5, 152: 60.2}


@pytest.mark.parametrize("depth", [18, 34, 50, 101, 152])
def test_resnet_multiply_adds_match_the_lecture_table_within_5_percent(depth):
    got = A.count(A.resnet(depth), IMAGENET).gmacs
    want = A.RESNET_GFLOPS_LECTURE[depth]
    assert abs(got - want) / want < 0.05, f"ResNet-{depth}: lecture says {want} GFLOPs, counted {got:.3f}"


@pytest.mark.parametrize("depth", [18, 34, 50, 101, 152])
def test_resnet_parameter_counts_match_the_published_ones(depth):
    got = A.count(A.resnet(depth), IMAGENET).params / 1e6
    want = PUBLISHED_PARAMS_M[depth]
    assert abs(got - want) / want < 0.01, f"ResNet-{depth}: published {want}M parameters, counted {got:.3f}M"


def test_vgg16_has_138M_parameters_and_15_5_gigamultiply_adds():
    s = A.count(A.vgg16(), IMAGENET)
    assert abs(s.params / 1e6 - 138.4) < 0.5, f"VGG-16: expected ~138.4M params, got {s.params / 1e6:.2f}M"
    assert abs(s.gmacs - 15.5) / 15.5 < 0.05, f"VGG-16: expected ~15.5 GMACs, got {s.gmacs:.2f}"
    assert s.output_shape == (1000,)


def test_moving_the_stride_to_the_3x3_convolution_costs_more_but_keeps_parameters():
    paper, v15 = (A.count(A.resnet(50, stride_on=s), IMAGENET) for s in ("1x1", "3x3"))
    assert paper.params == v15.params
    assert 3.9 < v15.gmacs < 4.2 and v15.gmacs > paper.gmacs, \
        f"ResNet-50 v1.5 should cost ~4.1 GMACs, more than the paper's {paper.gmacs:.2f}; got {v15.gmacs:.2f}"


def test_convolution_counts_follow_the_formula_by_hand():
    # 3x3 kernel, 2 -> 4 channels, 5x5 input, padding 1: output 4x5x5
    s = A.count([A.Conv2d(2, 4, 3, 1, 1)], (2, 5, 5))
    assert s.output_shape == (4, 5, 5)
    assert s.params == 3 * 3 * 2 * 4 + 4, f"expected 76 parameters, got {s.params}"
    assert s.macs == 3 * 3 * 2 * 4 * 5 * 5, f"expected 1800 multiply-adds, got {s.macs}"


def test_stride_pooling_batchnorm_and_linear_shapes():
    specs = [A.Conv2d(1, 8, 3, stride=2), A.BatchNorm2d(8), A.ReLU(), A.MaxPool2d(2), A.Flatten(),
             A.Linear(8 * 3 * 3, 10)]
    s = A.count(specs, (1, 15, 15))
    assert [r[1] for r in s.rows] == [(8, 7, 7), (8, 7, 7), (8, 7, 7), (8, 3, 3), (72,), (10,)]
    assert s.params == (9 * 8 + 8) + 16 + (72 * 10 + 10)
    assert s.other_ops > 0 and "total" in s.table()


def test_mismatched_layers_get_a_message_naming_the_layer_and_shapes():
    with pytest.raises(ValueError, match=r"Conv2d.*got an input with 3 channels; expected 4"):
        A.count([A.Conv2d(4, 8, 3)], (3, 8, 8))
    with pytest.raises(ValueError, match=r"Linear.*got an input of shape \(10,\); expected \(12,\)"):
        A.count([A.Linear(12, 2)], (10,))
    with pytest.raises(ValueError, match="does not fit"):
        A.count([A.Conv2d(1, 1, 7)], (1, 3, 3))
    with pytest.raises(ValueError, match="depth must be one of"):
        A.resnet(20)
    with pytest.raises(TypeError, match="not a layer specification"):
        A.count(["conv"], (1, 3, 3))
