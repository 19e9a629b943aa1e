"""medlab.anomaly, models.conv_autoencoder and preprocess.scale_to_median (notebook 03)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medlab import anomaly, metrics, preprocess

# ---------------------------------------------------------------- anomaly_map


def test_map_without_smoothing_is_absolute_residual():
    rng = np.random.default_rng(0)
    x, r = rng.normal(size=(2, 6, 7, 1)), rng.normal(size=(2, 6, 7, 1))
    out = anomaly.anomaly_map(x, r, smooth_sigma=0)
    assert out.shape == (2, 6, 7) and out.dtype == np.float32
    np.testing.assert_allclose(out, np.abs(x - r)[..., 0], rtol=1e-6)


def test_map_accepts_3d_and_4d_alike():
    rng = np.random.default_rng(1)
    x, r = rng.normal(size=(3, 8, 8)), rng.normal(size=(3, 8, 8))
    np.testing.assert_array_equal(anomaly.anomaly_map(x, r), anomaly.anomaly_map(x[..., None], r[..., None]))


def test_map_smooths_each_image_on_its_own():
    x = np.zeros((3, 9, 9))
    x[1, 4, 4] = 1.0  # only the middle image differs from its reconstruction
    out = anomaly.anomaly_map(x, np.zeros_like(x), smooth_sigma=1.5)
    assert out[0].max() == 0 and out[2].max() == 0
    assert out[1, 4, 4] == out[1].max() > 0


def test_map_cancels_noise_before_rectifying():
    rng = np.random.default_rng(2)
    noise = rng.normal(0, 1, (4, 48, 48))
    raw = anomaly.anomaly_map(noise, np.zeros_like(noise), smooth_sigma=0).mean()
    smooth = anomaly.anomaly_map(noise, np.zeros_like(noise), smooth_sigma=3.0).mean()
    assert smooth < 0.2 * raw  # white noise averages out; a squared error would not


@pytest.mark.parametrize("args, kwargs, match", [
    ((np.zeros((2, 4, 4)), np.zeros((2, 4, 5))), {}, "same shape"),
    ((np.zeros((2, 4, 4, 3)), np.zeros((2, 4, 4, 3))), {}, "one channel"),
    ((np.zeros((4, 4)), np.zeros((4, 4))), {}, "images"),
    ((np.zeros((1, 4, 4)), np.zeros((1, 4, 4))), {"smooth_sigma": -1}, "smooth_sigma"),
    ((np.full((1, 4, 4), np.nan), np.zeros((1, 4, 4))), {}, "images"),
])
def test_map_bad_input(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        anomaly.anomaly_map(*args, **kwargs)


# ---------------------------------------------------------------- anomaly_score

def test_score_known_values():
    x = np.zeros((2, 10, 10))
    x[1, 2:4, 2:4] = 2.0
    r = np.zeros_like(x)
    assert anomaly.anomaly_score(x, r, reduce="max", smooth_sigma=0).tolist() == [0.0, 2.0]
    np.testing.assert_allclose(anomaly.anomaly_score(x, r, reduce="mean", smooth_sigma=0), [0.0, 0.08], rtol=1e-6)
    p99 = anomaly.anomaly_score(x, r, reduce="p99", smooth_sigma=0)
    np.testing.assert_allclose(p99, [0.0, np.percentile(x[1], 99)])


def test_score_respects_the_mask():
    x = np.zeros((1, 10, 10))
    x[0, 0, 0] = 9.0  # outside the mask
    mask = np.zeros((1, 10, 10), bool)
    mask[0, 5:, 5:] = True
    assert anomaly.anomaly_score(x, np.zeros_like(x), mask=mask, reduce="max", smooth_sigma=0)[0] == 0.0
    assert anomaly.anomaly_score(x, np.zeros_like(x), mask=mask[..., None], reduce="max", smooth_sigma=0)[0] == 0.0


def test_score_dark_equals_bright():
    blob = np.zeros((1, 16, 16))
    blob[0, 6:10, 6:10] = 1.0
    zero = np.zeros_like(blob)
    np.testing.assert_allclose(anomaly.anomaly_score(blob, zero), anomaly.anomaly_score(-blob, zero))


@pytest.mark.parametrize("kwargs, match", [
    ({"reduce": "median"}, "reduce"),
    ({"mask": np.zeros((2, 6, 6), bool)}, "empty"),
    ({"mask": np.ones((2, 5, 6), bool)}, "mask"),
    ({"mask": np.full((2, 6, 6), 0.5)}, "mask"),
])
def test_score_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        anomaly.anomaly_score(np.zeros((2, 6, 6)), np.zeros((2, 6, 6)), **kwargs)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 4), st.integers(6, 20), st.floats(0.0, 3.0), st.sampled_from(anomaly.REDUCTIONS),
       st.integers(0, 2**31 - 1))
def test_score_properties(n, size, sigma, reduce, seed):
    rng = np.random.default_rng(seed)
    x, r = rng.normal(size=(n, size, size, 1)), rng.normal(size=(n, size, size, 1))
    s = anomaly.anomaly_score(x, r, reduce=reduce, smooth_sigma=sigma)
    assert s.shape == (n,) and np.all(s >= 0)
    # symmetric in its two arguments, and zero for a perfect reconstruction
    np.testing.assert_allclose(s, anomaly.anomaly_score(r, x, reduce=reduce, smooth_sigma=sigma), rtol=1e-5)
    assert np.all(anomaly.anomaly_score(x, x, reduce=reduce, smooth_sigma=sigma) == 0)
    # each image is scored on its own
    np.testing.assert_allclose(s[-1:], anomaly.anomaly_score(x[-1:], r[-1:], reduce=reduce, smooth_sigma=sigma),
                               rtol=1e-5)


# ---------------------------------------------------------------- pixel_auroc

def test_pixel_auroc_matches_roc_auc_on_masked_pixels():
    rng = np.random.default_rng(4)
    maps = rng.random((3, 8, 8))
    lesions = rng.random((3, 8, 8)) < 0.2
    body = np.ones((3, 8, 8), bool)
    body[:, 0] = False
    expected = metrics.roc_auc(lesions[body].astype(int), maps[body])
    assert anomaly.pixel_auroc(maps, lesions, mask=body) == pytest.approx(expected)
    assert anomaly.pixel_auroc(lesions * 1.0, lesions) == 1.0


@pytest.mark.parametrize("lesions, match", [
    (np.zeros((2, 5, 5)), "lesion and non-lesion"),
    (np.ones((2, 5, 5)), "lesion and non-lesion"),
    (np.zeros((2, 5, 4)), "same shape"),
])
def test_pixel_auroc_bad_input(lesions, match):
    with pytest.raises(ValueError, match=match):
        anomaly.pixel_auroc(np.zeros((2, 5, 5)), lesions)


# ---------------------------------------------------------------- coarse_noise

def test_coarse_noise_shape_scale_and_seed():
    a = anomaly.coarse_noise((3, 64, 64, 1), std=0.5, grid=16, seed=0)
    assert a.shape == (3, 64, 64, 1) and a.dtype == np.float32
    np.testing.assert_array_equal(a, anomaly.coarse_noise((3, 64, 64, 1), std=0.5, grid=16, seed=0))
    assert not np.array_equal(a, anomaly.coarse_noise((3, 64, 64, 1), std=0.5, grid=16, seed=1))
    assert anomaly.coarse_noise((2, 32, 32), grid=8, seed=0).shape == (2, 32, 32)
    assert 0.3 < a.std() < 0.55  # bilinear upsampling keeps most of the coarse variance
    # smooth: neighbouring pixels are strongly correlated, unlike white noise
    corr = np.corrcoef(a[..., :-1, 0].ravel(), a[..., 1:, 0].ravel())[0, 1]
    assert corr > 0.9
    assert np.all(anomaly.coarse_noise((1, 16, 16), std=0.0, seed=0) == 0)


def test_coarse_noise_is_bilinear_upsampling_of_a_coarse_draw():
    from scipy.ndimage import zoom

    coarse = np.random.default_rng(7).normal(0.0, 0.4, (2, 8, 8, 1))
    expected = zoom(coarse, (1, 4, 4, 1), order=1, grid_mode=True, mode="nearest")
    np.testing.assert_allclose(anomaly.coarse_noise((2, 32, 32, 1), std=0.4, grid=8, seed=7), expected, atol=1e-6)
    assert anomaly.coarse_noise((1, 20, 36), grid=4, seed=0).shape == (1, 20, 36)  # any size, any ratio


@pytest.mark.parametrize("args, kwargs, match", [
    (((2, 16),), {}, "shape"),
    (((2, 16, 16),), {"grid": 32}, "grid"),
    (((2, 16, 16),), {"grid": 1}, "grid"),
    (((2, 16, 16),), {"std": -1.0}, "std"),
])
def test_coarse_noise_bad_input(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        anomaly.coarse_noise(*args, **kwargs)


# ---------------------------------------------------------------- scale_to_median

def test_scale_to_median_known_values_and_mask():
    x = np.array([[[0.0, 2.0, 4.0, 4.0, 100.0]]])
    np.testing.assert_allclose(preprocess.scale_to_median(x), [[[0.0, 0.5, 1.0, 1.0, 25.0]]], rtol=1e-5)
    mask = np.array([[[False, True, True, False, False]]])
    np.testing.assert_allclose(preprocess.scale_to_median(x, mask=mask), x / 3.0, rtol=1e-5)
    out4 = preprocess.scale_to_median(x[..., None], mask=mask)  # (N, H, W) mask for (N, H, W, 1) images
    assert out4.shape == (1, 1, 5, 1) and out4.dtype == np.float32


def test_scale_to_median_ignores_a_lesion():
    rng = np.random.default_rng(5)
    img = 1.0 + 0.01 * rng.normal(size=(1, 32, 32))
    lesion = img.copy()
    lesion[0, 10:14, 10:14] += 3.0
    a, b = preprocess.scale_to_median(img), preprocess.scale_to_median(lesion)
    assert abs(np.median(a) - 1) < 1e-5 and abs(np.median(b) - 1) < 1e-2  # unlike a z-score


@pytest.mark.parametrize("kwargs, match", [
    ({"mask": np.zeros((1, 4, 4), bool)}, "empty"),
    ({"mask": np.ones((1, 3, 4), bool)}, "same shape"),
    ({"eps": 0.0}, "eps"),
])
def test_scale_to_median_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        preprocess.scale_to_median(np.ones((1, 4, 4)), **kwargs)


# ---------------------------------------------------------------- conv_autoencoder

def test_conv_autoencoder_shapes():
    from medlab import models

    model = models.conv_autoencoder((32, 32, 1), filters=(4, 8), latent_filters=2)
    assert tuple(model.output.shape) == (None, 32, 32, 1)
    assert tuple(model.get_layer("latent").output.shape) == (None, 8, 8, 2)
    assert not any("concat" in layer.name for layer in model.layers)  # no skip connections
    x = np.random.default_rng(0).normal(size=(2, 32, 32, 1)).astype("float32")
    assert model(x, training=False).shape == (2, 32, 32, 1)
    free = models.conv_autoencoder(filters=(4, 8), latent_filters=2, batch_norm=False)
    assert free(np.zeros((1, 16, 24, 1), "float32")).shape == (1, 16, 24, 1)
    assert not any("bn" in layer.name for layer in free.layers)


@pytest.mark.parametrize("kwargs, match", [
    ({"input_shape": (30, 32, 1)}, "divisible"),
    ({"input_shape": (32, 32)}, "input_shape"),
    ({"filters": ()}, "filters"),
    ({"filters": (8, 0)}, "filters"),
    ({"latent_filters": 0}, "latent_filters"),
])
def test_conv_autoencoder_bad_input(kwargs, match):
    from medlab import models

    args = {"input_shape": (32, 32, 1), **kwargs}
    with pytest.raises(ValueError, match=match):
        models.conv_autoencoder(**args)


def test_anomaly_map_refuses_a_channel_without_a_batch_axis():
    x = np.zeros((16, 16, 1))
    with pytest.raises(ValueError, match=r"images: shape \(16, 16, 1\) would be read as 16 items of shape \(16, 1\)"):
        anomaly.anomaly_map(x, x)
