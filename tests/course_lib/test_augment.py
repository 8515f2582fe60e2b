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


# --------------------------------------------------------------------------- ambiguous shapes
def test_a_stack_of_grey_images_passed_as_one_image_is_an_error_that_names_batch(rng):
    stack = rng.random((5, 28, 28))
    with pytest.raises(ValueError, match=r"not an \(H, W, C\) image.*stack of 5 grey images use \.batch"):
        A.RandomRotation(10)(stack, rng=0)
    out = A.RandomRotation(10).batch(stack, rng=0)
    assert out.shape == stack.shape


def test_a_channels_first_image_is_an_error_that_says_how_to_move_the_axis(rng):
    with pytest.raises(ValueError, match=r"looks channels-first.*np\.moveaxis\(image, 0, -1\)"):
        A.hflip(rng.random((3, 16, 16)))
    with pytest.raises(ValueError, match=r"looks channels-first.*np\.moveaxis\(images, 1, -1\)"):
        A.RandomGreyscale(p=1.0).batch(rng.random((4, 3, 16, 16)))


def test_batch_of_a_single_rgb_image_is_an_error_not_h_grey_images(rng):
    with pytest.raises(ValueError, match=r"looks like one colour image \(H, W, 3\).*images\[None\]"):
        A.RandomBrightness().batch(rng.random((16, 16, 3)))
    out = A.RandomBrightness().batch(rng.random((16, 16, 3))[None], rng=0)
    assert out.shape == (1, 16, 16, 3)


# --------------------------------------------------------------------------- colour and compression
COLOUR = [A.RGBShift(), A.HueSaturationValue(), A.CLAHE(), A.JpegCompression()]


@pytest.mark.parametrize("transform", COLOUR, ids=lambda t: type(t).__name__)
@pytest.mark.parametrize("dtype", ["float64", "float32", "uint8"])
def test_colour_transforms_keep_shape_dtype_range_and_are_reproducible(transform, dtype, rng):
    image = rng.random((19, 21, 3))
    img = (image * 255).astype(np.uint8) if dtype == "uint8" else image.astype(dtype)
    out = transform(img, rng=3)
    assert out.shape == img.shape and out.dtype == img.dtype, f"{transform!r}: {out.shape} {out.dtype}"
    np.testing.assert_array_equal(out, transform(img, rng=3), err_msg=f"{transform!r} differs for the same seed")
    assert not np.array_equal(out, img), f"{transform!r} left the image unchanged"
    if dtype != "uint8":
        assert 0 <= out.min() and out.max() <= 1, f"{transform!r} left [0, 1]"
    assert transform.batch(np.stack([img, img]), rng=3).shape == (2, *img.shape)


def test_rgb_shift_adds_one_constant_per_channel(rng):
    image = 0.2 + 0.6 * rng.random((8, 9, 3))
    np.testing.assert_allclose(A.rgb_shift(image, (0.1, 0.0, -0.15)), image + [0.1, 0.0, -0.15], atol=1e-15)
    out = A.RGBShift(r_shift=0.1, g_shift=0.0, b_shift=(0.05, 0.1))(image, rng=0)
    delta = (out - image).reshape(-1, 3)
    assert np.allclose(delta, delta[0]), "the shift must be the same for every pixel of a channel"
    assert abs(delta[0, 0]) <= 0.1 and delta[0, 1] == 0 and 0.05 <= delta[0, 2] <= 0.1, f"shifts {delta[0]}"
    with pytest.raises(ValueError, match="needs an RGB image"):
        A.RGBShift()(rng.random((8, 8)), rng=0)


def test_hsv_round_trip_hue_turn_and_desaturation(rng):
    from course_lib.augment_colour import hsv_to_rgb, rgb_to_hsv
    image = rng.random((10, 10, 3))
    np.testing.assert_allclose(hsv_to_rgb(rgb_to_hsv(image)), image, atol=1e-12, err_msg="RGB -> HSV -> RGB")
    np.testing.assert_allclose(A.hue_saturation_value(image, 0.0, 0.0, 0.0), image, atol=1e-12)
    red = np.array([[[1.0, 0.0, 0.0]]])
    np.testing.assert_allclose(A.hue_saturation_value(red, 1 / 3, 0, 0), [[[0.0, 1.0, 0.0]]], atol=1e-12,
                               err_msg="a third of a turn takes red to green")
    grey = A.hue_saturation_value(image, 0.0, -1.0, 0.0)
    np.testing.assert_allclose(grey, np.repeat(image.max(axis=-1, keepdims=True), 3, axis=-1), atol=1e-12,
                               err_msg="no saturation leaves the value V = max(R, G, B) in every channel")


def test_clahe_raises_the_contrast_of_a_dull_image_and_keeps_a_flat_one_flat(rng):
    dull = 0.4 + 0.1 * rng.random((32, 32))
    out = A.clahe(dull, clip_limit=4.0, tiles=(4, 4))
    assert out.std() > 1.5 * dull.std(), f"contrast {dull.std():.3f} -> {out.std():.3f}"
    flat = np.full((16, 16), 0.5)
    assert np.ptp(A.clahe(flat, 2.0)) < 1e-12, "a flat image has nothing to equalise: it must stay flat"
    order = np.argsort(dull.ravel())
    one_tile = A.clahe(dull, clip_limit=1e6, tiles=(1, 1)).ravel()
    assert np.all(np.diff(one_tile[order]) >= -1e-12), "one tile: the mapping must keep the grey levels' order"


def test_jpeg_compression_loses_more_at_lower_quality_and_keeps_a_smooth_image(rng):
    image = rng.random((24, 24, 3))
    errors = [np.abs(A.jpeg_compression(image, q) - image).mean() for q in (10, 50, 95)]
    assert errors[0] > errors[1] > errors[2], f"mean error by quality 10/50/95: {errors}"
    smooth = np.broadcast_to(np.linspace(0.2, 0.8, 16)[None, :, None], (16, 16, 3)).copy()
    assert np.abs(A.jpeg_compression(smooth, 90) - smooth).max() < 0.02, "a smooth ramp survives quality 90"
    with pytest.raises(ValueError, match=r"quality must be an integer in \[1, 100\], got 0"):
        A.jpeg_compression(image, 0)
