"""medlab.baselines: the classical methods the bars are set against."""

import json
import warnings

import numpy as np
import pytest
from scipy import ndimage

from medlab import baselines, data, metrics


@pytest.fixture(scope="module")
def scans():
    return data.make_lesion_dataset(12, images_per_patient=4, size=64, lesion_contrast=(0.2, 0.5),
                                    lesion_radius=(3, 7), seed=3)


def _square(size=24, lo=10, hi=14, value=1.0, noise=0.05, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(0, noise, (1, size, size))
    x[0, lo:hi, lo:hi] += value
    return x


# ---------------------------------------------------------------- body_mask

def test_body_mask_finds_the_body(scans):
    found = baselines.body_mask(scans["images"], erosion=0)
    assert found.shape == scans["body_masks"].shape and found.dtype == bool
    assert (found == scans["body_masks"]).mean() > 0.97


def test_body_mask_erosion_shrinks_inside_the_body(scans):
    m0 = baselines.body_mask(scans["images"][:4], erosion=0)
    m3 = baselines.body_mask(scans["images"][:4], erosion=3)
    assert m3.sum() < m0.sum() and not (m3 & ~m0).any()


def test_body_mask_erodes_each_image_on_its_own(scans):
    """The erosion runs on the whole stack at once; it must equal a 2D erosion of each image."""
    from scipy import ndimage

    m0 = baselines.body_mask(scans["images"][:6], erosion=0)
    m0[:, :, :2] = True  # a body touching the image border: the border counts as outside
    expected = np.stack([ndimage.binary_erosion(m, iterations=3) for m in m0])
    eroded = ndimage.binary_erosion(m0, structure=baselines._PLANE, iterations=3)
    assert np.array_equal(eroded, expected)
    found = baselines.body_mask(scans["images"][:6], erosion=3)
    assert np.array_equal(found, np.stack([ndimage.binary_erosion(m, iterations=3)
                                           for m in baselines.body_mask(scans["images"][:6], erosion=0)]))


def test_body_mask_results_are_independent_copies(scans):
    """Masks of a stack seen before come from a cache: changing a result must not change the next one."""
    x = scans["images"][:4]
    first = baselines.body_mask(x, erosion=0)
    first[:] = False
    assert baselines.body_mask(x, erosion=0).any()
    other = x.copy()
    other[0] = 0.0  # same shape, different content: not the cached masks
    assert not baselines.body_mask(other, erosion=0)[0].any()


def test_body_mask_keeps_the_largest_region_and_skips_constant_images():
    x = np.zeros((2, 32, 32))
    x[0, 4:20, 4:20] = 1.0  # the body
    x[0, 26:28, 26:28] = 1.0  # a speck of noise outside it
    found = baselines.body_mask(x, erosion=0, sigma=0)
    assert found[0, 10, 10] and not found[0, 27, 27]
    assert not found[1].any()  # a constant image has no body


@pytest.mark.parametrize("kwargs, message", [(dict(erosion=-1), "erosion"), (dict(erosion=1.5), "erosion"),
                                             (dict(sigma=-1.0), "sigma")])
def test_body_mask_rejects_bad_arguments(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        baselines.body_mask(np.zeros((1, 32, 32)), **kwargs)


def test_images_must_be_a_batch_of_2d_images():
    with pytest.raises(ValueError, match=r"images: expected a batch of 2D images .* got shape \(32, 32\)"):
        baselines.body_mask(np.zeros((32, 32)))


# ---------------------------------------------------------------- zscore_in_mask

def test_zscore_uses_only_the_pixels_inside_the_mask():
    rng = np.random.default_rng(1)
    x = rng.normal(5, 2, (2, 16, 16))
    m = np.zeros((2, 16, 16), bool)
    m[:, 4:12, 4:12] = True
    x[~m] = 1000.0  # air: must not set the statistics
    z = baselines.zscore_in_mask(x, m)
    assert np.allclose(z[m].reshape(2, -1).mean(axis=1), 0, atol=1e-9)
    assert np.allclose(z[m].reshape(2, -1).std(axis=1), 1, atol=1e-5)


def test_zscore_mask_shape_is_checked():
    with pytest.raises(ValueError, match="mask: expected shape"):
        baselines.zscore_in_mask(np.zeros((2, 8, 8)), np.ones((1, 8, 8), bool))


# ---------------------------------------------------------------- blob_filter / blob_score

def test_blob_filter_peaks_on_the_blob_and_polarity_flips_the_sign():
    x = _square(noise=0.0)
    bright = baselines.blob_filter(x, 2.0)
    dark = baselines.blob_filter(x, 2.0, polarity="dark")
    assert np.unravel_index(bright[0].argmax(), bright[0].shape) in {(11, 11), (11, 12), (12, 11), (12, 12)}
    assert np.allclose(dark, -bright)


def test_blob_score_ranks_a_blob_above_noise():
    x = np.concatenate([_square(value=0.0, seed=1), _square(seed=2)])
    s = baselines.blob_score(x, sigmas=(1.5, 2.0))
    assert s[1] > s[0]


@pytest.mark.parametrize("kwargs", [dict(sigmas=()), dict(sigmas=(1.0, -1.0)), dict(percentile=101.0)])
def test_blob_score_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        baselines.blob_score(np.zeros((1, 16, 16)), **kwargs)


# ---------------------------------------------------------------- intensity_score

def test_intensity_score_ranks_a_bright_spot_above_noise_and_dark_polarity_finds_dark_spots():
    plain, bright, dark = _square(value=0.0, seed=1), _square(seed=2), _square(value=-1.0, seed=3)
    x = np.concatenate([plain, bright, dark])
    s = baselines.intensity_score(x, sigma=1.0, percentile=99)
    assert s[1] > s[0] and s[1] > s[2]
    d = baselines.intensity_score(x, sigma=1.0, percentile=99, polarity="dark")
    assert d[2] > d[0] and d[2] > d[1]


def test_intensity_score_looks_only_inside_the_mask():
    x = _square(lo=2, hi=6)  # the bright spot lies outside the mask
    m = np.zeros((1, 24, 24), bool)
    m[0, 10:20, 10:20] = True
    inside = baselines.intensity_score(x, m, sigma=0, percentile=100)
    everywhere = baselines.intensity_score(x, sigma=0, percentile=100)
    assert inside[0] < 5 < everywhere[0]


def test_intensity_score_detects_lesions_in_synthetic_scans(scans):
    # the eroded body leaves out the bright fat ring; a high percentile then finds the lesion
    mask = baselines.body_mask(scans["images"], erosion=6)
    auc = metrics.roc_auc(scans["labels"], baselines.intensity_score(scans["images"], mask, sigma=1.0,
                                                                     percentile=95))
    assert auc > 0.9


def test_intensity_score_percentiles_match_numpy_inside_the_mask():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(6, 12, 12))
    m = rng.uniform(size=(6, 12, 12)) < 0.4
    m[2] = False  # an empty mask: the whole image
    z = baselines.zscore_in_mask(x, m)
    for q in (0, 12.5, 50, 95, 100):
        expected = [np.percentile(zi[mi] if mi.any() else zi, q) for zi, mi in zip(z, m)]
        assert np.allclose(baselines.intensity_score(x, m, sigma=0, percentile=q), expected)
    several = baselines.intensity_score(x, m, sigma=0, percentile=[50, 95])
    assert several.shape == (6, 2)
    assert np.allclose(several[:, 1], baselines.intensity_score(x, m, sigma=0, percentile=95))


def test_intensity_score_without_zscore_takes_the_percentile_of_the_smoothed_image():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(4, 16, 16)) * np.array([1.0, 2.0, 0.5, 3.0])[:, None, None] + 7.0
    m = rng.uniform(size=(4, 16, 16)) < 0.5
    smooth = np.stack([ndimage.gaussian_filter(img, 1.5) for img in x])
    expected = [np.percentile(s[b], 90) for s, b in zip(smooth, m)]
    assert np.allclose(baselines.intensity_score(x, m, sigma=1.5, percentile=90, zscore=False), expected)
    # z-scoring removes each image's own offset and scale; without it they stay in the score
    assert not np.allclose(baselines.intensity_score(x, m, sigma=1.5, percentile=90), expected)
    assert np.allclose(baselines.intensity_score(x, m, sigma=0, percentile=90, polarity="dark", zscore=False),
                       [np.percentile(-xi[b], 90) for xi, b in zip(x, m)])
    with pytest.raises(TypeError, match="zscore"):
        baselines.intensity_score(x, m, zscore="no")


@pytest.mark.parametrize("kwargs, message", [(dict(sigma=-1), "sigma"), (dict(percentile=-1), "percentile"),
                                             (dict(polarity="up"), "polarity"),
                                             (dict(percentile=[50, 101]), "percentile"),
                                             (dict(percentile=[]), "percentile")])
def test_intensity_score_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        baselines.intensity_score(np.zeros((1, 8, 8)), **kwargs)


# ---------------------------------------------------------------- threshold_segment / remove_small_regions

def test_remove_small_regions_drops_specks_and_fills_holes():
    m = np.zeros((1, 12, 12), np.uint8)
    m[0, 1:6, 1:6] = 1
    m[0, 3, 3] = 0  # a hole
    m[0, 9, 9] = 1  # a speck
    out = baselines.remove_small_regions(m, 2)
    assert out.dtype == np.uint8 and out[0, 3, 3] == 1 and out[0, 9, 9] == 0 and out.sum() == 25
    kept = baselines.remove_small_regions(m, 0, fill_holes=False)
    assert np.array_equal(kept, m)


@pytest.mark.parametrize("min_size", [-1, 2.5, True])
def test_remove_small_regions_rejects_bad_sizes(min_size):
    with pytest.raises(ValueError, match="min_size"):
        baselines.remove_small_regions(np.zeros((1, 4, 4)), min_size)


def test_threshold_segment_finds_a_bright_square_and_cleans_specks():
    x = _square(noise=0.0)
    x[0, 2, 2] = 1.0  # a single bright pixel
    raw = baselines.threshold_segment(x, 1.0, sigma=0)
    clean = baselines.threshold_segment(x, 1.0, sigma=0, min_size=4)
    assert raw[0, 2, 2] == 1 and clean[0, 2, 2] == 0
    assert clean[0, 10:14, 10:14].all() and clean.sum() == 16


def test_threshold_segment_dark_polarity_and_mask():
    x = _square(value=-1.0, noise=0.0)
    m = np.zeros((1, 24, 24), bool)
    m[0, :, :12] = True
    out = baselines.threshold_segment(x, 1.0, mask=m, sigma=0, polarity="dark")
    assert out[0, 10:14, 10:12].all() and out[0, :, 12:].sum() == 0


def test_tuned_threshold_segments_synthetic_lesions(scans):
    pos = scans["labels"] == 1
    images, masks = scans["images"][pos], scans["masks"][pos]
    body = baselines.body_mask(images, erosion=6)
    pred = baselines.threshold_segment(images, 1.0, mask=body, sigma=1.0, min_size=20)
    assert np.mean([metrics.dice_coefficient(t, p) for t, p in zip(masks, pred)]) > 0.6


# ---------------------------------------------------------------- tune_on_validation

def test_tune_on_validation_keeps_the_best_and_lists_every_trial():
    best, score, trials = baselines.tune_on_validation(lambda a, b: -(a - 2) ** 2 - (b - 1) ** 2,
                                                       {"a": [0, 2, 3], "b": [1, 5]})
    assert best == {"a": 2, "b": 1} and score == 0 and len(trials) == 6


def test_tune_on_validation_lower_is_better_and_nan_is_skipped():
    scores = {1: float("nan"), 2: 0.5, 3: 0.2}
    with pytest.warns(baselines.GridEdgeWarning):  # 3 is the grid's edge
        best, score, _ = baselines.tune_on_validation(lambda k: scores[k], {"k": [1, 2, 3]}, higher_is_better=False)
    assert best == {"k": 3} and score == 0.2
    best, score, _ = baselines.tune_on_validation(lambda k: scores[k], {"k": [1, 2, 3]})
    assert best == {"k": 2}


def test_tune_on_validation_first_of_equal_scores_wins():
    best, _, _ = baselines.tune_on_validation(lambda k: 1.0, {"k": [4, 5]})
    assert best == {"k": 4}


def test_tune_on_validation_flags_a_choice_on_the_edge_of_its_grid(tmp_path, monkeypatch):
    record = tmp_path / "events.jsonl"
    monkeypatch.setenv("MEDLAB_RECORD", str(record))
    with pytest.warns(baselines.GridEdgeWarning, match=r"k=0.5, the smallest value of its grid \[1, 2, 0.5\]"):
        best, _, _ = baselines.tune_on_validation(lambda k, b: -k + b, {"k": [1, 2, 0.5], "b": [0, 1]})
    assert best == {"k": 0.5, "b": 1}  # b has two values only: any choice is an edge, so it is not flagged
    events = [json.loads(line) for line in record.read_text().splitlines()]
    assert events == [{"event": "grid_edge", "parameter": "k", "value": 0.5, "grid": [1, 2, 0.5]}]
    with pytest.warns(baselines.GridEdgeWarning, match="largest"):
        baselines.tune_on_validation(lambda k: k, {"k": [0, 1, 2]})


def test_tune_on_validation_inside_the_grid_or_at_a_declared_limit_is_quiet(tmp_path, monkeypatch):
    record = tmp_path / "events.jsonl"
    monkeypatch.setenv("MEDLAB_RECORD", str(record))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert baselines.tune_on_validation(lambda k: -(k - 1) ** 2, {"k": [0, 1, 2]})[0] == {"k": 1}
        assert baselines.tune_on_validation(lambda sigma: -sigma, {"sigma": [0, 1, 2]},
                                            limits={"sigma": [0]})[0] == {"sigma": 0}
        assert baselines.tune_on_validation(lambda m: m == "b", {"m": ["a", "b", "c"]})[0] == {"m": "b"}
        assert baselines.tune_on_validation(lambda m: m == "c", {"m": ["a", "b", "c"]})[0] == {"m": "c"}  # not numeric
        assert baselines.tune_on_validation(lambda f: f, {"f": [True, False]})[0] == {"f": True}
    assert not record.exists()
    with pytest.raises(ValueError, match="limits"):
        baselines.tune_on_validation(lambda k: k, {"k": [0, 1, 2]}, limits={"q": [0]})


@pytest.mark.parametrize("score, grid, error", [
    (42, {"k": [1]}, TypeError),
    (lambda k: k, {}, ValueError),
    (lambda k: k, {"k": []}, ValueError),
    (lambda k: float("nan"), {"k": [1, 2]}, ValueError),
])
def test_tune_on_validation_rejects_bad_input(score, grid, error):
    with pytest.raises(error):
        baselines.tune_on_validation(score, grid)


def test_lesion_features_shape_and_columns(scans):
    f = baselines.lesion_features(scans["images"], sigmas=(1.5, 2.5, 3.5), n_peaks=3)
    assert f.shape == (len(scans["images"]), 4 + 3 * 3) and np.all(np.isfinite(f))
    p50, p90, p99 = f[:, 0], f[:, 1], f[:, 2]
    assert np.all(p50 <= p90) and np.all(p90 <= p99) and np.all(f[:, 3] >= 0)
    peaks = f[:, 4:7]  # strongest first
    assert np.all(np.diff(peaks, axis=1) <= 0)


def test_lesion_features_are_gain_invariant_and_see_lesions(scans):
    x = scans["images"]
    np.testing.assert_allclose(baselines.lesion_features(3.0 * x), baselines.lesion_features(x), rtol=1e-5)
    normal = x[scans["labels"] == 0][:6, ..., 0].astype(np.float64)
    rr, cc = np.mgrid[:64, :64]
    blob = np.median(normal[baselines.body_mask(normal)]) * np.exp(-((rr - 32) ** 2 + (cc - 32) ** 2) / (2 * 3.0**2))
    before, after = baselines.lesion_features(normal), baselines.lesion_features(normal + blob)
    assert np.all(after[:, 4:8].sum(axis=1) > before[:, 4:8].sum(axis=1))  # one more strong blob at sigma 2


def test_lesion_features_erosion_drops_the_fat_ring():
    x = np.zeros((1, 40, 40))
    x[0, 5:35, 5:35] = 1.0
    x[0, 5:35, 5:7] = 1.3  # a bright band on the body's edge
    ring = baselines.lesion_features(x, erosion=0)[0, 2]
    inner = baselines.lesion_features(x, erosion=4)[0, 2]
    assert ring > 1.1 > 1.02 > inner  # 99th percentile with and without the band


@pytest.mark.parametrize("kwargs, message", [
    (dict(erosion=-1), "erosion"), (dict(n_peaks=0), "n_peaks"), (dict(sigmas=()), "sigmas"),
    (dict(sigmas=(2.0, 0.0)), "sigmas"),
])
def test_lesion_features_rejects_bad_arguments(scans, kwargs, message):
    with pytest.raises(ValueError, match=message):
        baselines.lesion_features(scans["images"], **kwargs)


def test_a_channel_without_a_batch_axis_is_refused():
    """(H, W, 1) is one image with a channel, not H images one pixel wide."""
    with pytest.raises(ValueError, match=r"images: shape \(64, 64, 1\) would be read as 64 items of shape \(64, 1\)"):
        baselines.body_mask(np.zeros((64, 64, 1)))


def _disc_patch(radius, value, size=32, background=0.5, rim=None):
    yy, xx = np.mgrid[:size, :size]
    dist = np.hypot(yy - (size - 1) / 2, xx - (size - 1) / 2)
    patch = np.full((size, size), background)
    patch[dist <= radius] = value
    if rim is not None:
        patch[(dist <= radius) & (dist > radius - rim[0])] = rim[1]
    return patch


def test_lesion_roi_features_measure_size_contrast_and_rim():
    dark = _disc_patch(6, 0.3)
    small_bright = _disc_patch(2, 1.0)
    ring = _disc_patch(8, 0.4, rim=(3, 0.75))
    f = baselines.lesion_roi_features(np.stack([dark, small_bright, ring]), sigma=0)
    col = {name: f[:, i] for i, name in enumerate(baselines.ROI_FEATURES)}
    assert f.shape == (3, len(baselines.ROI_FEATURES))
    np.testing.assert_allclose(col["area"][0], np.pi * 36, rtol=0.1)
    np.testing.assert_allclose(col["mean contrast"][:2], [-0.4, 1.0], atol=1e-6)
    assert col["area"][1] < col["area"][0] < col["area"][2]
    assert col["rim minus core"][2] > 0.5 and abs(col["rim minus core"][0]) < 1e-6
    assert col["solidity"][0] > 0.9 and 0 <= col["eccentricity"][0] < 0.3


def test_lesion_roi_features_are_gain_invariant_and_pick_the_central_region():
    patch = _disc_patch(4, 0.8)
    patch[:6, :6] = 1.5  # a brighter, larger-contrast region in a corner is not the lesion
    f1, f3 = baselines.lesion_roi_features(np.stack([patch, 3.0 * patch]), sigma=0)
    np.testing.assert_allclose(f1, f3, rtol=1e-6)
    np.testing.assert_allclose(f1[baselines.ROI_FEATURES.index("max contrast")], 0.6, atol=1e-6)


def test_lesion_roi_features_without_a_lesion_keep_only_the_window_columns():
    f = baselines.lesion_roi_features(np.full((1, 32, 32, 1), 0.5))
    assert np.all(f == 0)


@pytest.mark.parametrize("kwargs, message", [
    (dict(threshold=0), "threshold: expected a value in"),
    (dict(sigma=-1), "sigma: expected a value in"),
    (dict(centre=0), "centre: expected a value in"),
])
def test_lesion_roi_features_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        baselines.lesion_roi_features(np.ones((1, 32, 32)), **kwargs)


def test_lesion_roi_features_rejects_negative_intensities():
    with pytest.raises(ValueError, match="images: expected positive intensities"):
        baselines.lesion_roi_features(-np.ones((1, 32, 32)))


def test_template_match_landmarks_finds_a_bright_corner():
    from medlab.baselines import template_match_landmarks

    rng = np.random.default_rng(0)
    imgs = rng.normal(0, 0.05, (6, 32, 32))
    pts = np.zeros((6, 1, 2))
    for i in range(6):
        r, c = 12 + i % 3, 14 + i // 3
        imgs[i, r:r + 6, c:c + 6] += 1.0  # a square whose top-left corner is the landmark
        pts[i, 0] = r, c
    got = template_match_landmarks(imgs[:4], pts[:4], imgs[4:], half_size=4, radius=6)
    np.testing.assert_allclose(got, pts[4:], atol=0.6)
    far = template_match_landmarks(imgs[:4], pts[:4], imgs[4:], half_size=4, radius=0.5)  # only the mean position
    assert np.abs(far - pts[:4].mean(axis=0)).max() <= 1.0


def test_template_match_landmarks_bad_input():
    from medlab.baselines import template_match_landmarks

    with pytest.raises(ValueError, match="train_landmarks"):
        template_match_landmarks(np.zeros((2, 16, 16)), np.zeros((3, 1, 2)), np.zeros((1, 16, 16)))
    with pytest.raises(ValueError, match="half_size"):
        template_match_landmarks(np.zeros((2, 16, 16)), np.zeros((2, 1, 2)), np.zeros((1, 16, 16)), half_size=0)
    with pytest.raises(ValueError, match="training size"):
        template_match_landmarks(np.zeros((2, 16, 16)), np.zeros((2, 1, 2)), np.zeros((1, 8, 8)))


def test_shape_features_of_a_disc_and_a_star():
    yy, xx = np.mgrid[:40, :40]
    r2 = (yy - 20) ** 2 + (xx - 20) ** 2
    disc = r2 <= 100
    star = (disc & (np.cos(5 * np.arctan2(yy - 20, xx - 20)) > 0.3)) | (r2 <= 25)
    f = dict(zip(baselines.SHAPE_FEATURES, baselines.shape_features(np.stack([disc, star])).T))
    assert f["area"][0] == disc.sum() and f["area"][1] == star.sum()
    assert f["circularity"][0] > 0.8 and f["circularity"][1] < 0.5
    assert f["solidity"][0] > 0.9 and f["solidity"][1] < 0.7
    assert f["convexity"][0] > 0.9 and f["convexity"][1] < 0.8
    assert f["eccentricity"][0] < 0.2


def test_shape_features_equal_regionprops_of_the_largest_region():
    from skimage.measure import label, regionprops

    rng = np.random.default_rng(0)
    masks = rng.random((30, 24, 24)) > 0.55  # ragged regions of every shape, several per mask
    masks[0] = False
    for got, mask in zip(baselines.shape_features(masks), masks):
        regions = regionprops(label(mask, connectivity=2))
        if not regions:
            assert np.all(got == 0)
            continue
        r = max(regions, key=lambda region: region.area)
        perimeter = max(r.perimeter, 1e-6)
        hull = regionprops(r.image_convex.astype(np.uint8))[0].perimeter
        want = (r.area, min(4 * np.pi * r.area / perimeter**2, 1.0), r.solidity, hull / perimeter, r.eccentricity,
                r.extent)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_shape_features_keep_the_largest_region_and_zero_empty_masks():
    m = np.zeros((2, 20, 20, 1), np.uint8)
    m[0, 2:10, 2:10] = 1
    m[0, 15, 15] = 1  # a speck
    f = baselines.shape_features(m)
    assert f[0, baselines.SHAPE_FEATURES.index("area")] == 64
    assert f[0, baselines.SHAPE_FEATURES.index("extent")] == 1.0
    assert np.all(f[1] == 0)
    with pytest.raises(ValueError, match="masks"):
        baselines.shape_features(np.zeros((20, 20)))
