"""Segmentation metrics (medlab.metrics.segmentation): Dice, IoU, Hausdorff distance; known values, empty-mask
conventions, properties, agreement with brute force."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from medlab import metrics

masks = arrays(np.bool_, st.tuples(st.integers(1, 12), st.integers(1, 12)))


def _pair(draw_shape=(8, 8)):
    return st.tuples(arrays(np.bool_, draw_shape), arrays(np.bool_, draw_shape))


@given(_pair())
def test_dice_symmetric_and_bounded(pair):
    a, b = pair
    d = metrics.dice_coefficient(a, b)
    assert 0.0 <= d <= 1.0
    assert d == pytest.approx(metrics.dice_coefficient(b, a))


@given(_pair())
def test_iou_relates_to_dice(pair):
    a, b = pair
    d, j = metrics.dice_coefficient(a, b), metrics.iou_score(a, b)
    assert j == pytest.approx(d / (2 - d))


@given(masks)
def test_dice_of_a_mask_with_itself_is_one(a):
    assert metrics.dice_coefficient(a, a) == 1.0


def test_dice_known_values_and_empty_conventions():
    a = np.zeros((4, 4), bool)
    a[:2, :2] = True
    b = np.zeros((4, 4), bool)
    b[1:3, 1:3] = True
    assert metrics.dice_coefficient(a, b) == pytest.approx(2 * 1 / 8)
    empty = np.zeros((4, 4), bool)
    assert metrics.dice_coefficient(empty, empty) == 1.0
    assert metrics.dice_coefficient(a, empty) == 0.0
    assert metrics.iou_score(empty, empty) == 1.0


def test_dice_rejects_bad_input():
    with pytest.raises(ValueError, match=r"same shape.*\(4, 4\).*\(4, 5\)"):
        metrics.dice_coefficient(np.zeros((4, 4)), np.zeros((4, 5)))
    with pytest.raises(ValueError, match="y_pred: expected a binary mask"):
        metrics.dice_coefficient(np.zeros((2, 2)), np.full((2, 2), 0.7))
    with pytest.raises(ValueError, match="y_true: expected finite"):
        metrics.dice_coefficient(np.array([np.nan, 1.0]), np.array([0, 1]))
    with pytest.raises(TypeError, match="y_true"):
        metrics.dice_coefficient(["a", "b"], [0, 1])


@given(masks)
def test_hd95_zero_for_identical(a):
    assert metrics.hausdorff_distance(a, a) == 0.0


def test_hausdorff_known_shift_spacing_and_conventions():
    a = np.zeros((10, 10), bool)
    a[2:5, 2:5] = True
    b = np.roll(a, 3, axis=1)
    assert metrics.hausdorff_distance(a, b, percentile=100) == pytest.approx(3.0)
    assert metrics.hausdorff_distance(a, b, percentile=100, spacing=(2.0, 0.5)) == pytest.approx(1.5)
    empty = np.zeros_like(a)
    assert metrics.hausdorff_distance(empty, empty) == 0.0
    assert metrics.hausdorff_distance(a, empty) == np.inf
    with pytest.raises(ValueError, match="spacing"):
        metrics.hausdorff_distance(a, b, spacing=(1.0, 1.0, 1.0))
    with pytest.raises(ValueError, match="percentile"):
        metrics.hausdorff_distance(a, b, percentile=0)


def test_hausdorff_matches_brute_force_on_surfaces():
    rng = np.random.default_rng(0)
    from scipy.ndimage import binary_erosion, gaussian_filter
    for _ in range(5):
        a = gaussian_filter(rng.normal(size=(20, 20)), 2) > 0.1
        b = gaussian_filter(rng.normal(size=(20, 20)), 2) > 0.1
        if not a.any() or not b.any():
            continue
        sa = np.argwhere(a & ~binary_erosion(a, border_value=0))
        sb = np.argwhere(b & ~binary_erosion(b, border_value=0))
        d = np.sqrt(((sa[:, None, :] - sb[None, :, :]) ** 2).sum(-1))
        brute = max(d.min(1).max(), d.min(0).max())
        assert metrics.hausdorff_distance(a, b, percentile=100) == pytest.approx(brute)


def test_hausdorff_on_3d_masks_with_spacing():
    a = np.zeros((6, 8, 8), bool)
    a[1:4, 2:5, 2:5] = True
    b = np.roll(a, 2, axis=0)  # shifted by two slices
    assert metrics.hausdorff_distance(a, b, percentile=100, spatial_ndim=3) == 2.0
    assert metrics.hausdorff_distance(a, b, percentile=100, spacing=(2.5, 1.0, 1.0), spatial_ndim=3) == 5.0
    assert metrics.hausdorff_distance(a, b, spacing=0.5, percentile=100, spatial_ndim=3) == 1.0


def test_hausdorff_3d_array_must_say_volume_or_batch():
    a = np.zeros((6, 8, 8), bool)
    a[1:4, 2:5, 2:5] = True
    with pytest.raises(ValueError, match=r"y_true: a 3D array of shape \(6, 8, 8\) is one volume or a batch of 2D "
                                         r"masks; say which with spatial_ndim=3"):
        metrics.hausdorff_distance(a, a)


def test_hausdorff_batch_of_2d_masks_is_not_a_volume():
    a = np.zeros((3, 10, 10), bool)
    a[:, 2:5, 2:5] = True
    b = a.copy()
    b[1] = np.roll(a[1], 3, axis=1)  # image 1 shifted by 3 columns
    b[2] = False  # image 2: prediction empty
    per_image = metrics.hausdorff_distance(a, b, percentile=100, spatial_ndim=2)
    assert isinstance(per_image, np.ndarray) and per_image.tolist() == [0.0, 3.0, np.inf]
    for i in range(3):  # the same as one image at a time
        assert per_image[i] == metrics.hausdorff_distance(a[i], b[i], percentile=100)
    # read as one volume, the three slices are one object: image 2's missed lesion (inf) disappears in it
    assert np.isfinite(metrics.hausdorff_distance(a, b, percentile=100, spatial_ndim=3))
    scaled = metrics.hausdorff_distance(a, b, percentile=100, spacing=(1.0, 0.5), spatial_ndim=2)
    assert scaled.tolist() == [0.0, 1.5, np.inf]
    assert metrics.hausdorff_distance(a[:0], b[:0], spatial_ndim=2).shape == (0,)


def test_hausdorff_batch_of_volumes():
    a = np.zeros((2, 6, 8, 8), bool)
    a[:, 1:4, 2:5, 2:5] = True
    b = a.copy()
    b[0] = np.roll(a[0], 2, axis=0)
    assert metrics.hausdorff_distance(a, b, percentile=100, spatial_ndim=3).tolist() == [2.0, 0.0]


@pytest.mark.parametrize("shape, spatial_ndim, match", [
    ((8, 8), 4, r"spatial_ndim: expected 2 or 3 \(the number of spatial axes"),
    ((8, 8), True, "spatial_ndim: expected 2 or 3"),
    ((8, 8), 3, r"y_true: expected \(D, H, W\) or \(N, D, H, W\) for 3D volumes \(spatial_ndim=3\), got shape "
                r"\(8, 8\)"),
    ((2, 3, 8, 8, 1), 2, r"y_true: expected \(H, W\) or \(N, H, W\) for 2D images \(spatial_ndim=2\), got shape "
                         r"\(2, 3, 8, 8, 1\)"),
    ((8, 8, 1), 2, r"y_true: shape \(8, 8, 1\) would be read as 8 items of shape \(8, 1\), one pixel wide"),
])
def test_hausdorff_spatial_ndim_checked(shape, spatial_ndim, match):
    a = np.zeros(shape, bool)
    with pytest.raises(ValueError, match=match):
        metrics.hausdorff_distance(a, a, spatial_ndim=spatial_ndim)


def test_hausdorff_default_is_the_95th_percentile():
    a = np.zeros((40, 40), bool)
    a[10:30, 10:30] = True
    b = a.copy()
    b[5, 5] = True  # one stray pixel far away: HD100 sees it, HD95 does not
    assert metrics.hausdorff_distance(a, b, percentile=100) == pytest.approx(np.hypot(5, 5))
    assert metrics.hausdorff_distance(a, b) == metrics.hausdorff_distance(a, b, percentile=95)
    assert metrics.hausdorff_distance(a, b) < 1.0


@pytest.mark.parametrize("kwargs, match", [
    (dict(percentile=101), "percentile"),
    (dict(percentile=0), "percentile"),
    (dict(spacing=0.0), "spacing: expected 2 positive numbers"),
    (dict(spacing=(1.0, -1.0)), "spacing: expected 2 positive numbers"),
    (dict(spacing=(1.0, 1.0, 1.0)), "spacing: expected 2 positive numbers"),
])
def test_hausdorff_argument_bounds(kwargs, match):
    a = np.zeros((8, 8), bool)
    a[2:5, 2:5] = True
    with pytest.raises(ValueError, match=match):
        metrics.hausdorff_distance(a, a, **kwargs)


def test_hausdorff_empty_masks_and_wrong_rank():
    a = np.zeros((8, 8), bool)
    b = a.copy()
    b[3, 3] = True
    assert metrics.hausdorff_distance(a, a) == 0.0
    assert metrics.hausdorff_distance(a, b) == float("inf")
    assert metrics.hausdorff_distance(b, a) == float("inf")
    with pytest.raises(ValueError, match="expected a 2D or 3D mask"):
        metrics.hausdorff_distance(np.ones(4, bool), np.ones(4, bool))


def test_dice_per_image_equals_dice_coefficient_image_by_image():
    rng = np.random.default_rng(3)
    truth = rng.uniform(size=(7, 9, 9)) < 0.3
    pred = rng.uniform(size=(7, 9, 9)) < 0.3
    truth[2], pred[2] = False, False  # both empty: 1.0
    truth[4] = False  # one empty: 0.0
    expected = [metrics.dice_coefficient(t, p) for t, p in zip(truth, pred)]
    got = metrics.dice_per_image(truth, pred)
    assert got.shape == (7,) and np.array_equal(got, expected)
    # and both equal the formula 2|A and B| / (|A| + |B|), written out here
    by_hand = [1.0 if t.sum() + p.sum() == 0 else 2 * (t & p).sum() / (t.sum() + p.sum()) for t, p in zip(truth, pred)]
    np.testing.assert_allclose(got, by_hand, rtol=1e-15)
    assert got[2] == 1.0 and got[4] == 0.0
    assert np.array_equal(metrics.dice_per_image(truth[..., None].astype(np.uint8), pred[..., None]), expected)


def test_dice_per_image_rejects_bad_input():
    with pytest.raises(ValueError, match="y_pred"):
        metrics.dice_per_image(np.zeros((2, 4, 4)), np.zeros((2, 4, 5)))
    with pytest.raises(ValueError, match="stack"):
        metrics.dice_per_image(np.zeros(4), np.zeros(4))
    with pytest.raises(ValueError, match="y_true"):
        metrics.dice_per_image(np.full((2, 4, 4), 2), np.zeros((2, 4, 4)))
