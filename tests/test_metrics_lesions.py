"""Tests for medlab.metrics.lesions: connected components, one-to-one matching, lesion-wise F1."""

import math

import numpy as np
import pytest
from skimage.measure import label as sk_label

from medlab.metrics import label_lesions, lesion_f1, match_lesions


def _square(shape, r0, c0, side):
    m = np.zeros(shape, np.uint8)
    m[r0:r0 + side, c0:c0 + side] = 1
    return m


def _counts(r):
    return r["tp"], r["fp"], r["fn"]


# --- label_lesions ---------------------------------------------------------------------------------

def test_label_lesions_agrees_with_skimage_for_both_connectivities():
    rng = np.random.default_rng(0)
    m = rng.random((20, 20)) > 0.7
    for connectivity in (1, 2):
        labels, n = label_lesions(m, connectivity=connectivity)
        expected, n_expected = sk_label(m, connectivity=connectivity, return_num=True)
        assert n == n_expected
        assert np.array_equal(labels, expected)  # both number components in raster order


def test_label_lesions_default_is_full_connectivity_in_3d():
    m = np.zeros((3, 3, 3), bool)
    m[0, 0, 0] = m[1, 1, 1] = True  # touch at a corner only
    assert label_lesions(m)[1] == 1
    assert label_lesions(m, connectivity=1)[1] == 2


def test_label_lesions_rejects_a_batch_and_bad_connectivity():
    with pytest.raises(ValueError, match="mask: expected 2 or 3 dimensions"):
        label_lesions(np.zeros((2, 4, 4, 1)))
    with pytest.raises(ValueError, match="connectivity"):
        label_lesions(np.zeros((4, 4)), connectivity=3)


# --- match_lesions ----------------------------------------------------------------------------------

def test_perfect_prediction():
    t = _square((16, 16), 2, 2, 4) | _square((16, 16), 10, 10, 3)
    r = match_lesions(t, t)
    assert _counts(r) == (2, 0, 0)
    assert [iou for _, _, iou in r["pairs"]] == [1.0, 1.0]


def test_no_lesions_and_no_prediction():
    z = np.zeros((8, 8))
    assert _counts(match_lesions(z, z)) == (0, 0, 0)


def test_empty_prediction_misses_every_lesion():
    t = _square((16, 16), 2, 2, 4) | _square((16, 16), 10, 10, 3)
    assert _counts(match_lesions(np.zeros_like(t), t)) == (0, 0, 2)


def test_prediction_on_a_lesion_free_image_is_a_false_positive():
    p = _square((16, 16), 2, 2, 3) | _square((16, 16), 10, 10, 2)
    assert _counts(match_lesions(p, np.zeros_like(p))) == (0, 2, 0)


def test_a_lesion_split_in_two_predictions_is_one_hit_and_one_false_positive():
    t = _square((16, 16), 4, 2, 6)  # 6 x 6 lesion
    p = np.zeros_like(t)
    p[4:10, 2:5] = 1  # left half: IoU 0.5
    p[4:10, 6:8] = 1  # right piece (column 5 left out): IoU 1/3
    r = match_lesions(p, t)
    assert _counts(r) == (1, 1, 0)
    assert r["pairs"] == [(1, 1, 0.5)]  # the piece that overlaps most


def test_two_lesions_merged_into_one_prediction_count_once():
    t = _square((16, 16), 4, 2, 4) | _square((16, 16), 4, 8, 4)
    p = np.zeros_like(t)
    p[4:8, 2:12] = 1  # one blob covering both: IoU 16/40 with each
    r = match_lesions(p, t)
    assert _counts(r) == (1, 0, 1)  # one-to-one: the blob finds one lesion, the other is missed


def test_merged_prediction_goes_to_the_lesion_with_the_higher_iou():
    t = _square((20, 20), 2, 2, 6) | _square((20, 20), 2, 12, 2)  # a big and a small lesion
    p = np.zeros_like(t)
    p[2:8, 2:14] = 1  # covers both
    r = match_lesions(p, t)
    big, small = r["true_labels"][3, 3], r["true_labels"][2, 12]
    assert [(i, j) for i, j, _ in r["pairs"]] == [(big, 1)]
    assert small != big


def test_iou_below_the_floor_is_a_miss_and_a_false_positive():
    t = _square((32, 32), 2, 2, 2)  # 4 pixels
    p = _square((32, 32), 2, 2, 8)  # 64 pixels containing it: IoU 4 / 64
    assert _counts(match_lesions(p, t, min_iou=0.1)) == (0, 1, 1)
    assert _counts(match_lesions(p, t, min_iou=0.05)) == (1, 0, 0)


def test_iou_exactly_at_the_floor_is_a_match():
    t = _square((16, 16), 0, 0, 2)  # 4 pixels
    p = np.zeros_like(t)
    p[0:2, 0:5] = 1  # 10 pixels, 4 shared: IoU 0.4
    assert _counts(match_lesions(p, t, min_iou=0.4)) == (1, 0, 0)


def test_a_lesion_does_not_fall_back_to_its_second_best_component():
    t = _square((20, 20), 2, 2, 4) | _square((20, 20), 2, 9, 6)  # lesion A (16 px), lesion B (36 px)
    p = np.zeros_like(t)
    p[2:8, 4:15] = 1  # blob: half of A (8 px, IoU 8/74) and all of B (IoU 36/66)
    p[2:6, 2] = 1  # a sliver on A's left column (4 px, IoU 0.25), apart from the blob
    r = match_lesions(p, t)
    # A's most-overlapping component is the blob, which B matches better: A is missed and the sliver
    # is a false positive (a best-IoU assignment would have paired A with the sliver instead)
    assert _counts(r) == (1, 1, 1)


def test_match_lesions_checks_its_inputs():
    with pytest.raises(ValueError, match="pred_mask and true_mask must have the same shape"):
        match_lesions(np.zeros((4, 4)), np.zeros((4, 5)))
    with pytest.raises(ValueError, match="pred_mask: expected a binary mask"):
        match_lesions(np.full((4, 4), 0.7), np.zeros((4, 4)))
    with pytest.raises(ValueError, match="min_iou"):
        match_lesions(np.zeros((4, 4)), np.zeros((4, 4)), min_iou=0)


def test_match_lesions_in_3d():
    t = np.zeros((6, 8, 8), bool)
    t[1:4, 1:4, 1:4] = True
    p = np.roll(t, 1, axis=0)  # shifted by one slice: IoU 18 / 36
    r = match_lesions(p, t)
    assert _counts(r) == (1, 0, 0)
    assert r["pairs"][0][2] == pytest.approx(0.5)


# --- lesion_f1 ----------------------------------------------------------------------------------------

def test_lesion_f1_counts_false_positives_on_lesion_free_slices():
    t = np.zeros((4, 16, 16), np.uint8)
    t[0] = _square((16, 16), 2, 2, 4)
    t[1] = _square((16, 16), 8, 8, 4)
    p = t.copy()
    p[2] = _square((16, 16), 4, 4, 3)  # a false positive on a lesion-free slice
    r = lesion_f1(p, t)
    assert (r["tp"], r["fp"], r["fn"], r["n_images"]) == (2, 1, 0, 4)
    assert r["precision"] == pytest.approx(2 / 3)
    assert r["recall"] == 1.0
    assert r["f1"] == pytest.approx(0.8)
    assert r["fp_per_slice"] == 0.25


def test_lesion_f1_is_the_harmonic_mean_of_precision_and_recall():
    t = np.zeros((3, 16, 16), np.uint8)
    t[0] = _square((16, 16), 1, 1, 3) | _square((16, 16), 10, 10, 3)
    t[1] = _square((16, 16), 5, 5, 4)
    p = np.zeros_like(t)
    p[0] = _square((16, 16), 1, 1, 3)  # one of two found
    p[2] = _square((16, 16), 5, 5, 2)  # a false positive
    r = lesion_f1(p, t)
    assert (r["tp"], r["fp"], r["fn"]) == (1, 1, 2)
    assert r["f1"] == pytest.approx(2 * r["precision"] * r["recall"] / (r["precision"] + r["recall"]))


def test_lesion_f1_with_no_lesions_anywhere():
    z = np.zeros((3, 8, 8))
    r = lesion_f1(z, z)
    assert r["f1"] == 1.0 and math.isnan(r["precision"]) and math.isnan(r["recall"])
    p = z.copy()
    p[1, 2:4, 2:4] = 1
    r = lesion_f1(p, z)
    assert r["f1"] == 0.0 and r["precision"] == 0.0 and math.isnan(r["recall"]) and r["fp"] == 1


def test_lesion_f1_with_empty_predictions():
    t = np.zeros((2, 8, 8))
    t[0, 2:4, 2:4] = 1
    r = lesion_f1(np.zeros_like(t), t)
    assert r["f1"] == 0.0 and r["recall"] == 0.0 and math.isnan(r["precision"]) and r["fp_per_slice"] == 0.0


def test_lesion_f1_accepts_lists_of_differently_sized_masks():
    t = [_square((8, 8), 1, 1, 3), _square((12, 10), 5, 5, 3)]
    assert lesion_f1(t, t)["f1"] == 1.0


def test_lesion_f1_checks_its_inputs():
    with pytest.raises(ValueError, match="one prediction per image"):
        lesion_f1(np.zeros((2, 4, 4)), np.zeros((3, 4, 4)))
    with pytest.raises(ValueError, match="at least one image"):
        lesion_f1([], [])
    with pytest.raises(ValueError, match="expected a batch"):
        lesion_f1(np.zeros((4, 4)), np.zeros((4, 4)))
    with pytest.raises(ValueError, match="image 1: pred_mask: expected a binary mask"):
        lesion_f1(np.stack([np.zeros((4, 4)), np.full((4, 4), 0.5)]), np.zeros((2, 4, 4)))
