"""Image augmentations: shape, dtype, reproducibility, and what each transformation does to pixels."""
import numpy as np
import pytest

from course_lib import augment as A

ALL_RANDOM = [
    A.RandomHorizontalFlip(p=1.0), A.RandomVerticalFlip(p=1.0), A.RandomRotation(30), A.RandomScale(),
    A.RandomBrightness(), A.RandomContrast(), A.RandomGamma(), A.GaussianNoise(0.1), A.RandomCrop(),
    A.RandomBlur(), A.MedianBlur(3), A.RandomGreyscale(p=1.0), A.ChannelShuffle(),
]


@pytest.fixture
def image(rng):
    return rng.random((12, 15, 3))


@pytest.mark.parametrize("transform", ALL_RANDOM, ids=lambda t: type(t).__name__)
@pytest.mark.parametrize("dtype", ["float64", "float32", "uint8"])
def test_every_augmentation_keeps_shape_and_dtype_and_is_reproducible_for_a_seed(transform, dtype, image):
    img = (image * 255).astype(np.uint8) if dtype == "uint8" else image.astype(dtype)
    out = transform(img, rng=7)
    assert out.shape == img.shape and out.dtype == img.dtype, \
        f"{transform!r}: expected {img.shape} {img.dtype}, got {out.shape} {out.dtype}"
    again = transform(img, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(out, again, err_msg=f"{transform!r} differs for the same seed")
    if dtype != "uint8":
        assert out.min() >= 0 and out.max() <= 1, f"{transform!r} left [0, 1]: [{out.min()}, {out.max()}]"


def test_compose_chains_all_transforms_reproducibly_and_different_seeds_differ(image):
    chain = A.Compose(ALL_RANDOM)
    a, b, c = chain(image, rng=1), chain(image, rng=1), chain(image, rng=2)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c), "two seeds gave the same augmented image"


def test_grey_images_without_channel_axis_are_supported(rng):
    grey = rng.random((10, 10))
    chain = A.Compose([A.RandomRotation(20), A.RandomBlur(), A.MedianBlur(3), A.RandomGreyscale(1.0)])
    out = chain(grey, rng=0)
    assert out.shape == (10, 10), f"expected (10, 10), got {out.shape}"


def test_batch_draws_fresh_parameters_per_image(rng):
    one = rng.random((6, 6, 3))
    batch = np.stack([one] * 4)
    out = A.RandomBrightness(0.3).batch(batch, rng=3)
    assert out.shape == batch.shape
    shifts = (out - batch).mean(axis=(1, 2, 3))
    assert len(np.unique(np.round(shifts, 6))) == 4, f"expected 4 different shifts, got {shifts}"


def test_flips_mirror_pixels(image):
    np.testing.assert_array_equal(A.hflip(image), image[:, ::-1])
    np.testing.assert_array_equal(A.vflip(image), image[::-1])


def test_rotation_by_90_degrees_equals_numpy_rot90_on_a_square_image(rng):
    sq = rng.random((9, 9, 2))
    np.testing.assert_allclose(A.rotate(sq, 90), np.rot90(sq), atol=1e-12)
    np.testing.assert_allclose(A.rotate(sq, 0), sq, atol=1e-12)


def test_scale_zooms_about_the_centre_and_pads_with_fill():
    img = np.zeros((21, 21))
    img[8:13, 8:13] = 1.0                               # a 5x5 square in the centre
    big = A.scale(img, 2.0)
    assert 80 <= big.sum() <= 120, f"a 5x5 square zoomed x2 should cover ~100 pixels, got {big.sum()}"
    small = A.scale(np.ones((21, 21)), 0.5, fill=0.0)
    assert small[0, 0] == 0 and small[10, 10] == 1, "shrinking must pad the border with the fill value"


def test_crop_of_the_full_window_is_the_identity_and_a_corner_crop_enlarges_that_corner(image):
    np.testing.assert_allclose(A.crop(image, 0, 0, 12, 15), image, atol=1e-12)
    corner = A.crop(image, 0, 0, 6, 8)
    np.testing.assert_allclose(corner[0, 0], image[0, 0], atol=1e-12)
    np.testing.assert_allclose(corner[-1, -1], image[5, 7], atol=1e-12)


def test_photometric_formulas(image):
    np.testing.assert_allclose(A.adjust_brightness(image * 0.5, 0.1), image * 0.5 + 0.1)
    mean = image.mean()
    np.testing.assert_allclose(A.adjust_contrast(image, 0.5), mean + 0.5 * (image - mean))
    np.testing.assert_allclose(A.adjust_gamma(image, 2.0), image ** 2)
    grey = A.greyscale(image)
    np.testing.assert_allclose(grey[..., 0], image @ np.array([0.299, 0.587, 0.114]))
    assert np.allclose(grey[..., 0], grey[..., 2])


def test_uint8_saturates_instead_of_wrapping():
    img = np.full((4, 4), 250, dtype=np.uint8)
    out = A.adjust_brightness(img, 0.2)
    assert out.dtype == np.uint8 and np.all(out == 255), f"250 + 51 should saturate at 255, got {out[0, 0]}"


def test_blur_keeps_a_constant_image_and_smooths_an_impulse():
    np.testing.assert_allclose(A.blur(np.full((9, 9), 0.4), 1.0), 0.4, atol=1e-12)
    impulse = np.zeros((15, 15))
    impulse[7, 7] = 1.0
    out = A.blur(impulse, 1.0)
    assert abs(out.sum() - 1.0) < 1e-9 and out[7, 7] < 0.2, "blur must spread an impulse and keep its mass"


def test_median_blur_removes_salt_and_pepper(rng):
    img = np.full((10, 10), 0.5)
    img[3, 4], img[6, 2] = 1.0, 0.0
    np.testing.assert_allclose(A.median_blur(img, 3), 0.5)


def test_gaussian_noise_has_the_requested_standard_deviation():
    out = A.gaussian_noise(np.full((200, 200), 0.5), 0.05, rng=0)
    assert abs(out.std() - 0.05) < 0.005, f"expected std 0.05, got {out.std():.4f}"


def test_channel_shuffle_is_a_permutation_of_channels(image):
    out = A.ChannelShuffle()(image, rng=5)
    sums = sorted(out.sum(axis=(0, 1)))
    np.testing.assert_allclose(sums, sorted(image.sum(axis=(0, 1))))


@pytest.mark.parametrize("bad, match", [
    (np.zeros(5), r"shape \(H, W\) or \(H, W, C\).*\(5,\)"),
    (np.zeros((2, 3, 4, 3)), r"use \.batch"),
    (np.full((3, 3), 2.0), r"\[0, 1\].*divide by 255"),
    (np.zeros((0, 4)), "empty"),
])
def test_bad_images_get_a_clear_message(bad, match):
    with pytest.raises(ValueError, match=match):
        A.RandomRotation(10)(bad, rng=0)


def test_wrong_dtype_and_bad_parameters_are_named():
    with pytest.raises(TypeError, match="uint8 or float"):
        A.hflip(np.zeros((3, 3), dtype=np.int64))
    with pytest.raises(ValueError, match="odd integer"):
        A.MedianBlur(4)
    with pytest.raises(ValueError, match="greyscale: needs 1 or 3 channels"):
        A.greyscale(np.zeros((3, 3, 4)))
    with pytest.raises(ValueError, match="p must be in"):
        A.RandomHorizontalFlip(p=1.5)
