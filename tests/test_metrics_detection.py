"""Tests for medlab.metrics.detection: lesion matching, the FROC curve and the CPM."""

import numpy as np
import pytest

from medlab.metrics import froc, froc_from_matches, match_detections

NONE3, NONE2 = np.zeros((0, 3)), np.zeros((0, 2))


def _brute_force(dets, lesions, max_distance, t):
    """Lesions found and false positives counted directly among the detections with score >= t."""
    tp = fp = 0
    for d, m in zip(dets, lesions):
        d = d[d[:, 2] >= t] if len(d) else d
        found = set()
        for row, col, _ in d:
            if len(m):
                dist = np.hypot(m[:, 0] - row, m[:, 1] - col)
                if dist.min() <= max_distance:
                    found.add(int(dist.argmin()))
                    continue
            fp += 1
        tp += len(found)
    return tp, fp


def test_by_hand_curve_and_cpm():
    dets = [np.array([[10, 10, 0.9], [40, 40, 0.6]]), np.array([[20, 20, 0.8]]), NONE3]
    lesions = [np.array([[11, 10]]), np.array([[5, 5]]), NONE2]
    out = froc(dets, lesions, 3, fp_rates=(0.25, 0.5, 1))
    np.testing.assert_allclose(out["fp_per_image"], [0, 1 / 3, 2 / 3])
    np.testing.assert_allclose(out["sensitivity"], [0.5, 0.5, 0.5])
    np.testing.assert_allclose(out["thresholds"], [0.9, 0.8, 0.6])
    assert out["sensitivity_at"] == {0.25: 0.5, 0.5: 0.5, 1: 0.5}
    assert out["cpm"] == 0.5 and out["n_lesions"] == 2 and out["n_images"] == 3


def test_attained_points_not_interpolated():
    # found at 0 FP/image, then 2 FPs (1 per image), then the second lesion: (0, .5), (1, .5), (1.5, 1)
    dets = [np.array([[5, 5, 0.9], [30, 30, 0.8]]), np.array([[30, 30, 0.8], [5, 5, 0.5], [40, 40, 0.4]])]
    lesions = [np.array([[5, 5]]), np.array([[5, 5]])]
    out = froc(dets, lesions, 2, fp_rates=(0.5, 1, 1.5, 2))
    np.testing.assert_allclose(out["fp_per_image"], [0, 1, 1, 1.5])
    np.testing.assert_allclose(out["sensitivity"], [0.5, 0.5, 1.0, 1.0])
    # at 1 FP/image the attained point with sensitivity 1 is (1, 1): threshold 0.5 adds a hit without an FP
    assert out["sensitivity_at"] == {0.5: 0.5, 1: 1.0, 1.5: 1.0, 2: 1.0}


def test_no_detections_anywhere():
    out = froc([NONE3, []], [np.array([[3, 3]]), NONE2], 2)
    assert out["cpm"] == 0.0 and len(out["sensitivity"]) == 0
    assert set(out["sensitivity_at"]) == {0.125, 0.25, 0.5, 1, 2, 4, 8}


def test_images_without_lesions_only_add_false_positives():
    with_lesion = [np.array([[5, 5, 0.9]])], [np.array([[5, 5]])]
    alone = froc(*with_lesion, 2, fp_rates=(1,))
    extra = froc(with_lesion[0] + [np.array([[9, 9, 0.95]])], with_lesion[1] + [NONE2], 2, fp_rates=(0.25, 1))
    assert alone["cpm"] == 1.0
    np.testing.assert_allclose(extra["fp_per_image"], [0.5, 0.5])
    assert extra["sensitivity_at"] == {0.25: 0.0, 1: 1.0}


def test_no_lesion_at_all_raises():
    with pytest.raises(ValueError, match="no image has a lesion"):
        froc([np.array([[1, 1, 0.5]]), NONE3], [NONE2, []], 2)


def test_tied_scores_enter_together():
    # a hit and a false positive share the score 0.7: there is no point with the hit and no FP
    dets = [np.array([[5, 5, 0.7], [20, 20, 0.7]])]
    out = froc(dets, [np.array([[5, 5]])], 2, fp_rates=(0.5, 1))
    np.testing.assert_allclose(out["fp_per_image"], [1.0])
    np.testing.assert_allclose(out["sensitivity"], [1.0])
    assert out["sensitivity_at"] == {0.5: 0.0, 1: 1.0}


def test_lesion_hit_twice_counts_once_and_extra_hit_is_not_a_false_positive():
    dets = [np.array([[5, 5, 0.9], [6, 5, 0.8], [30, 30, 0.3]])]
    score, fps, hit = match_detections(dets[0], [[5, 5]], 2)
    assert score.tolist() == [0.9] and fps.tolist() == [0.3] and hit.tolist() == [0, 0, -1]
    out = froc(dets, [np.array([[5, 5]])], 2, fp_rates=(1,))
    np.testing.assert_allclose(out["sensitivity"], [1, 1, 1])
    np.testing.assert_allclose(out["fp_per_image"], [0, 0, 1])


def test_detection_near_two_lesions_hits_the_nearest():
    score, fps, hit = match_detections([[10, 12, 0.9]], [[10, 9], [10, 14]], 4)
    assert hit.tolist() == [1] and score.tolist() == [-np.inf, 0.9] and fps.size == 0


def test_distance_is_inclusive_and_rows_are_rows():
    _, fps, hit = match_detections([[10, 13, 0.5]], [[10, 10]], 3)
    assert hit.tolist() == [0]
    _, fps, hit = match_detections([[13.01, 10, 0.5]], [[10, 10]], 3)
    assert hit.tolist() == [-1] and fps.tolist() == [0.5]


@pytest.mark.parametrize("seed", range(6))
def test_matches_brute_force_at_every_threshold(seed):
    rng = np.random.default_rng(seed)
    dets, lesions = [], []
    for _ in range(rng.integers(1, 8)):
        m = rng.uniform(0, 30, (rng.integers(0, 4), 2))
        k = rng.integers(0, 7)
        near = m[rng.integers(0, len(m), k)] + rng.normal(0, 2, (k, 2)) if len(m) else rng.uniform(0, 30, (k, 2))
        d = np.c_[np.where(rng.uniform(size=(k, 1)) < 0.5, near, rng.uniform(0, 30, (k, 2))),
                  rng.integers(0, 6, k) / 5]  # few distinct scores: many ties
        dets.append(d)
        lesions.append(m)
    if sum(len(m) for m in lesions) == 0:
        lesions[0] = np.array([[1.0, 1.0]])
    out = froc(dets, lesions, 3)
    n_lesions = sum(len(m) for m in lesions)
    for t, f, s in zip(out["thresholds"], out["fp_per_image"], out["sensitivity"]):
        tp, fp = _brute_force(dets, lesions, 3, t)
        assert s == pytest.approx(tp / n_lesions) and f == pytest.approx(fp / len(dets))
    for r, s in out["sensitivity_at"].items():
        scores = np.unique(np.concatenate([d[:, 2] for d in dets] + [np.zeros(0)]))
        attained = [_brute_force(dets, lesions, 3, t) for t in scores]
        best = max([tp / n_lesions for tp, fp in attained if fp / len(dets) <= r], default=0.0)
        assert s == pytest.approx(best)
    assert out["cpm"] == pytest.approx(np.mean(list(out["sensitivity_at"].values())))


@pytest.mark.parametrize("seed", range(4))
def test_froc_from_matches_pooled_per_image_gives_froc_on_any_resample(seed):
    # a bootstrap matches each image once and pools the matches of each resample of images
    rng = np.random.default_rng(seed)
    lesions = [rng.uniform(0, 30, (rng.integers(0, 4), 2)) for _ in range(12)]
    lesions[0] = np.array([[5.0, 5.0]])
    dets = [np.c_[np.r_[m + rng.normal(0, 2, m.shape), m[:1] + 1, rng.uniform(0, 30, (3, 2))],
                  rng.integers(0, 8, len(m) + min(len(m), 1) + 3) / 7] for m in lesions]  # extra hits and ties
    matched = [match_detections(d, m, 3)[:2] for d, m in zip(dets, lesions)]
    for index in [np.arange(12), rng.integers(0, 12, 12), np.r_[0, 0, 0]]:
        want = froc([dets[i] for i in index], [lesions[i] for i in index], 3)
        got = froc_from_matches(np.concatenate([matched[i][0] for i in index]),
                                np.concatenate([matched[i][1] for i in index]), len(index))
        assert got["sensitivity_at"] == want["sensitivity_at"] and got["cpm"] == want["cpm"]
        assert got["n_lesions"] == want["n_lesions"] and got["n_images"] == want["n_images"]


def test_froc_from_matches_bad_inputs():
    with pytest.raises(ValueError, match="no image has a lesion"):
        froc_from_matches([], [0.5], 2)
    with pytest.raises(ValueError, match="n_images: expected an int >= 1, got 0"):
        froc_from_matches([0.5], [], 0)
    with pytest.raises(ValueError, match="lesion_scores: expected finite scores, or -inf"):
        froc_from_matches([np.nan], [], 1)
    with pytest.raises(ValueError, match="fp_scores: expected finite values"):
        froc_from_matches([0.5], [np.inf], 1)


def test_bad_inputs_name_the_argument():
    one = [np.array([[1, 1, 0.5]])], [np.array([[1, 1]])]
    with pytest.raises(ValueError, match="one entry per image in both, got 1 and 2"):
        froc(one[0], one[1] * 2, 2)
    with pytest.raises(ValueError, match=r"image 0: detections: expected an array of shape \(k, 3\)"):
        froc([np.array([[1, 1]])], one[1], 2)
    with pytest.raises(ValueError, match=r"image 0: lesions: expected an array of shape \(k, 2\)"):
        froc(one[0], [np.array([1, 1])], 2)
    with pytest.raises(ValueError, match="max_distance"):
        froc(*one, 0)
    with pytest.raises(ValueError, match="fp_rates"):
        froc(*one, 2, fp_rates=(0, 1))
    with pytest.raises(ValueError, match="NaN"):
        froc([np.array([[1, 1, np.nan]])], one[1], 2)
    with pytest.raises(TypeError, match="one array per image"):
        froc(np.array([[1, 1, 0.5]]), one[1], 2)
    with pytest.raises(ValueError, match="at least one image"):
        froc([], [], 2)


def test_heatmap_peaks_nms_threshold_top_k_and_errors():
    from medlab.metrics import heatmap_peaks

    h = np.zeros((6, 8))
    h[1, 2], h[1, 3], h[4, 7], h[0, 0] = 0.9, 0.8, 0.6, 0.3
    np.testing.assert_allclose(heatmap_peaks(h, 0.2), [[1, 2, 0.9], [4, 7, 0.6], [0, 0, 0.3]])
    np.testing.assert_allclose(heatmap_peaks(h, 0.5, 1), [[1, 2, 0.9]])
    assert heatmap_peaks(h, 0.95).shape == (0, 3)
    h[3, 3] = 0.85  # two rows below the higher (1, 2): a 3x3 window keeps it, a 5x5 one suppresses it
    np.testing.assert_allclose(heatmap_peaks(h, 0.7)[:, :2], [[1, 2], [3, 3]])
    np.testing.assert_allclose(heatmap_peaks(h, 0.7, size=5)[:, :2], [[1, 2]])
    with pytest.raises(ValueError, match="heatmap: expected 2 dimensions"):
        heatmap_peaks(np.zeros((1, 4, 4)))
    with pytest.raises(ValueError, match="top_k"):
        heatmap_peaks(h, top_k=0)
    with pytest.raises(ValueError, match="size: expected an odd int >= 3"):
        heatmap_peaks(h, size=4)
