"""Data sets: shapes, dtypes, class balance, seeding, the digits, and stratified splits."""
import numpy as np
import pytest

from course_lib.datasets import (
    load_digits,
    make_circles,
    make_gaussians,
    make_moons,
    make_regression_1d,
    make_regression_2d,
    make_spiral,
    make_xor,
    train_val_test_split,
)

CLASSIFICATION = [make_xor, make_circles, make_gaussians, make_spiral, make_moons]


@pytest.mark.parametrize("make", CLASSIFICATION, ids=lambda f: f.__name__)
def test_classification_sets_have_shapes_dtypes_and_balanced_classes(make):
    X, y = make(n=101, noise=0.1, rng=0)
    assert X.shape == (101, 2) and X.dtype == np.float64, f"{make.__name__}: X {X.shape} {X.dtype}"
    assert y.shape == (101,) and y.dtype.kind == "i", f"{make.__name__}: y {y.shape} {y.dtype}"
    counts = np.bincount(y)
    assert counts.tolist() == [51, 50], f"{make.__name__}: expected class counts [51, 50], got {counts}"


@pytest.mark.parametrize("make", [*CLASSIFICATION, make_regression_1d, make_regression_2d],
                         ids=lambda f: f.__name__)
def test_same_seed_same_data_other_seed_other_data(make):
    (X1, y1), (X2, y2), (X3, _) = make(n=50, noise=0.2, rng=7), make(n=50, noise=0.2, rng=7), \
        make(n=50, noise=0.2, rng=8)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2), f"{make.__name__}: seed 7 gave different data"
    assert not np.allclose(X1, X3), f"{make.__name__}: seeds 7 and 8 gave the same X"


@pytest.mark.parametrize("make", [*CLASSIFICATION, make_regression_1d, make_regression_2d],
                         ids=lambda f: f.__name__)
@pytest.mark.parametrize("n, noise, message", [(0, 0.1, "n .* positive integer, got 0"),
                                               (-5, 0.1, "n .* positive integer, got -5"),
                                               (10, -0.1, "noise .* must be >= 0, got -0.1")])
def test_bad_size_or_noise_is_rejected(make, n, noise, message):
    with pytest.raises(ValueError, match=f"{make.__name__}: {message}"):
        make(n=n, noise=noise, rng=0)


def test_xor_labels_are_the_exclusive_or_of_the_corner():
    X, y = make_xor(n=40, noise=0.0, rng=1)
    corners = X.astype(int)
    assert np.array_equal(X, corners), "with noise 0 every point should be a corner of the unit square"
    assert np.array_equal(y, corners[:, 0] ^ corners[:, 1]), f"labels {y} are not x1 XOR x2"
    assert len({tuple(c) for c in corners}) == 4, "all four corners should appear"


def test_circles_put_class_1_on_the_inner_circle():
    X, y = make_circles(n=60, noise=0.0, rng=2, factor=0.3)
    r = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(r[y == 1], 0.3, err_msg="inner circle radius")
    np.testing.assert_allclose(r[y == 0], 1.0, err_msg="outer circle radius")


def test_spiral_and_gaussians_take_more_classes():
    for make in (make_spiral, make_gaussians):
        _, y = make(n=90, noise=0.1, rng=0, n_classes=3)
        assert np.bincount(y).tolist() == [30, 30, 30], f"{make.__name__}: {np.bincount(y)}"


def test_regression_sets_return_float_targets():
    X, y = make_regression_1d(n=30, noise=0.0, rng=3)
    assert X.shape == (30, 1) and y.shape == (30,) and y.dtype == np.float64
    np.testing.assert_allclose(y, np.sin(X[:, 0]), err_msg="noise-free targets should be sin(x)")
    assert np.all(np.diff(X[:, 0]) >= 0), "1-D inputs should come sorted for plotting"
    X2, y2 = make_regression_2d(n=40, noise=0.0, rng=3, kind="plane")
    assert X2.shape == (40, 2)
    np.testing.assert_allclose(y2, X2.sum(axis=1) / 2, err_msg="the plane is (x1 + x2) / 2")
    _, y3 = make_regression_2d(n=40, noise=0.0, rng=3, kind="gaussians")
    assert y3.min() < 0 < y3.max(), f"signed bumps should give both signs, got [{y3.min()}, {y3.max()}]"
    with pytest.raises(ValueError, match="kind must be 'plane' or 'gaussians', got 'cube'"):
        make_regression_2d(kind="cube")


def test_digits_are_1797_flat_images_in_unit_range():
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64, f"got {X.shape} {X.dtype}"
    assert X.min() == 0.0 and X.max() == 1.0, f"expected values in [0, 1], got [{X.min()}, {X.max()}]"
    assert y.shape == (1797,) and set(np.unique(y)) == set(range(10))
    images, _ = load_digits(flatten=False, normalise=False)
    assert images.shape == (1797, 8, 8) and images.max() == 16.0
    np.testing.assert_allclose(images.reshape(1797, 64) / 16, X)


def test_split_is_stratified_disjoint_and_seeded():
    X = np.arange(200, dtype=float)[:, None]
    y = np.repeat([0, 1, 2, 3], [80, 60, 40, 20])
    (Xtr, ytr), (Xva, yva), (Xte, yte) = train_val_test_split(X, y, val=0.25, test=0.25, rng=0)
    assert (len(Xtr), len(Xva), len(Xte)) == (100, 50, 50), f"got {len(Xtr), len(Xva), len(Xte)}"
    for part, yy in (("train", ytr), ("val", yva), ("test", yte)):
        expected = [40, 30, 20, 10] if part == "train" else [20, 15, 10, 5]
        assert np.bincount(yy).tolist() == expected, f"{part}: class counts {np.bincount(yy)}"
    ids = np.concatenate([Xtr[:, 0], Xva[:, 0], Xte[:, 0]])
    assert np.array_equal(np.sort(ids), X[:, 0]), "every sample should land in exactly one split"
    assert np.array_equal(y[Xtr[:, 0].astype(int)], ytr), "rows of X and y must stay paired"
    again = train_val_test_split(X, y, val=0.25, test=0.25, rng=0)
    assert np.array_equal(again[0][0], Xtr), "the same seed should give the same split"


@pytest.mark.parametrize("kw, message", [
    ({"val": 0.5, "test": 0.5}, r"val \+ test = 0.5 \+ 0.5 = 1.0 leaves no training data"),
    ({"val": -0.1}, r"val is a fraction .* \[0, 1\), got -0.1"),
    ({"test": 0.01}, "the test split is empty"),
])
def test_split_rejects_impossible_fractions(kw, message):
    X, y = np.zeros((20, 2)), np.repeat([0, 1], 10)
    with pytest.raises(ValueError, match=message):
        train_val_test_split(X, y, **kw)


def test_split_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="X has 5 rows but y has 4"):
        train_val_test_split(np.zeros((5, 2)), np.zeros(4))


def test_split_of_regression_targets_is_not_stratified_by_default(rng):
    X, y = rng.normal(size=(40, 2)), rng.normal(size=40)            # 40 distinct real targets
    (Xtr, ytr), (Xva, yva), (Xte, yte) = train_val_test_split(X, y, val=0.2, test=0.2, rng=0)
    assert (len(ytr), len(yva), len(yte)) == (24, 8, 8), f"sizes {len(ytr)}, {len(yva)}, {len(yte)}"
    assert sorted(np.concatenate([ytr, yva, yte])) == sorted(y)
    with pytest.raises(ValueError, match="stratify=True needs class labels.*pass stratify=False"):
        train_val_test_split(X, y, stratify=True)


def test_split_of_one_hot_labels_is_stratified_by_class(rng):
    classes = np.repeat([0, 1, 2, 3], 10)
    y = np.eye(4)[classes]
    X = rng.normal(size=(40, 2))
    (_, ytr), (_, yva), (_, yte) = train_val_test_split(X, y, val=0.2, test=0.2, rng=0)
    for part, n in ((ytr, 6), (yva, 2), (yte, 2)):
        assert part.shape[1] == 4 and (part.sum(axis=0) == n).all(), f"per-class counts {part.sum(axis=0)}"
