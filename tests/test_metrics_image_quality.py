"""PSNR and SSIM (medlab.metrics.image_quality) against scikit-image and by hand."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from medlab import metrics

sizes = st.tuples(st.integers(7, 40), st.integers(7, 40))


@settings(max_examples=25, deadline=None)
@given(shape=sizes, noise=st.floats(0.001, 0.5), data_range=st.floats(0.5, 300.0), seed=st.integers(0, 10**6))
def test_psnr_agrees_with_skimage(shape, noise, data_range, seed):
    rng = np.random.default_rng(seed)
    a = rng.uniform(0, data_range, shape)
    b = a + noise * data_range * rng.standard_normal(shape)
    assert metrics.psnr(a, b, data_range=data_range) == pytest.approx(
        peak_signal_noise_ratio(a, b, data_range=data_range), rel=1e-9)


@settings(max_examples=25, deadline=None)
@given(shape=sizes, noise=st.floats(0.001, 0.5), data_range=st.floats(0.5, 300.0), seed=st.integers(0, 10**6),
       win=st.sampled_from([3, 5, 7]))
def test_ssim_agrees_with_skimage(shape, noise, data_range, seed, win):
    rng = np.random.default_rng(seed)
    a = rng.uniform(0, data_range, shape)
    b = a + noise * data_range * rng.standard_normal(shape)
    assert metrics.ssim(a, b, data_range=data_range, win_size=win) == pytest.approx(
        structural_similarity(a, b, data_range=data_range, win_size=win), abs=1e-9)


def test_ssim_gaussian_window_agrees_with_skimage():
    rng = np.random.default_rng(0)
    a = rng.random((40, 40))
    b = a + 0.1 * rng.standard_normal(a.shape)
    ours = metrics.ssim(a, b, data_range=1.0, gaussian_weights=True, use_sample_covariance=False)
    theirs = structural_similarity(a, b, data_range=1.0, gaussian_weights=True, sigma=1.5, use_sample_covariance=False)
    assert ours == pytest.approx(theirs, abs=1e-12)


def test_psnr_by_hand_and_identical():
    assert metrics.psnr(np.zeros((3, 3)), np.full((3, 3), 0.1), data_range=1.0) == pytest.approx(20.0)
    assert metrics.psnr(np.ones(5), np.ones(5), data_range=1.0) == np.inf


def test_psnr_uint8_does_not_wrap():
    a = np.array([3, 200], np.uint8)
    b = np.array([5, 100], np.uint8)
    mse = (4 + 100**2) / 2
    assert metrics.psnr(a, b, data_range=255) == pytest.approx(10 * np.log10(255**2 / mse))


def test_psnr_per_image():
    ref = np.zeros((3, 4, 4, 1))
    img = ref + np.array([0.1, 0.01, 0.0])[:, None, None, None]
    out = metrics.psnr(ref, img, data_range=1.0, axis=(1, 2, 3))
    np.testing.assert_allclose(out, [20.0, 40.0, np.inf])


def test_ssim_batch_and_channel_axis():
    rng = np.random.default_rng(1)
    a = rng.random((3, 16, 16, 1))
    b = a + 0.05 * rng.standard_normal(a.shape)
    out = metrics.ssim(a, b, data_range=1.0)
    assert out.shape == (3,)
    np.testing.assert_allclose(out, [structural_similarity(x[..., 0], y[..., 0], data_range=1.0) for x, y in zip(a, b)])
    assert metrics.ssim(a[0, ..., 0], a[0, ..., 0], data_range=1.0) == pytest.approx(1.0)


@pytest.mark.parametrize("fn", [metrics.psnr, metrics.ssim])
def test_data_range_must_be_given(fn):
    x = np.zeros((8, 8))
    with pytest.raises(TypeError, match="data_range"):
        fn(x, x)  # keyword-only and required
    with pytest.raises(ValueError, match="data_range"):
        fn(x, x, data_range=None)
    with pytest.raises(ValueError, match="data_range"):
        fn(x, x, data_range=0)


@pytest.mark.parametrize("fn", [metrics.psnr, metrics.ssim])
def test_shape_mismatch(fn):
    with pytest.raises(ValueError, match="reference and image"):
        fn(np.zeros((8, 8)), np.zeros((8, 9)), data_range=1.0)


def test_ssim_bad_shapes_and_window():
    with pytest.raises(ValueError, match="win_size"):
        metrics.ssim(np.zeros((16, 16)), np.zeros((16, 16)), data_range=1.0, win_size=4)
    lone = r"reference: shape \(16, 16, 1\) would be read as 16 items of shape \(16, 1\), one pixel wide"
    with pytest.raises(ValueError, match=lone + r"; its last axis of 1 looks like a channel"):
        metrics.ssim(np.zeros((16, 16, 1)), np.zeros((16, 16, 1)), data_range=1.0)  # not 16 images of 16x1
    with pytest.raises(ValueError, match="reference"):
        metrics.ssim(np.zeros((2, 16, 16, 3)), np.zeros((2, 16, 16, 3)), data_range=1.0)


@pytest.mark.parametrize("kwargs, match", [
    (dict(sigma=0.0), "sigma"),
    (dict(sigma=-1.0), "sigma"),
    (dict(win_size=4), "win_size"),
])
def test_ssim_argument_bounds(kwargs, match):
    x = np.random.default_rng(0).uniform(size=(16, 16))
    with pytest.raises(ValueError, match=match):
        metrics.ssim(x, x, data_range=1.0, gaussian_weights=True, **kwargs)


@pytest.mark.parametrize("kwargs", [dict(), dict(win_size=5), dict(gaussian_weights=True, use_sample_covariance=False)])
def test_ssim_of_volumes_agrees_with_skimage(kwargs):
    rng = np.random.default_rng(3)
    a = rng.random((12, 14, 13))
    b = a + 0.1 * rng.standard_normal(a.shape)
    expected = structural_similarity(a, b, data_range=1.0, **kwargs)  # every axis spatial: a 3D window
    assert metrics.ssim(a, b, data_range=1.0, spatial_ndim=3, **kwargs) == pytest.approx(expected, abs=1e-9)
    batch = metrics.ssim(np.stack([a, a])[..., None], np.stack([a, b])[..., None], data_range=1.0, spatial_ndim=3,
                         **kwargs)
    assert batch.shape == (2,) and batch[0] == pytest.approx(1.0) and batch[1] == pytest.approx(expected, abs=1e-9)


def test_ssim_3d_array_is_a_batch_of_2d_images_by_default():
    rng = np.random.default_rng(4)
    a = rng.random((3, 16, 16))
    b = a + 0.1 * rng.standard_normal(a.shape)
    per_slice = metrics.ssim(a, b, data_range=1.0)
    np.testing.assert_allclose(per_slice, [structural_similarity(x, y, data_range=1.0) for x, y in zip(a, b)])
    assert metrics.ssim(a, b, data_range=1.0, spatial_ndim=2).tolist() == per_slice.tolist()
    with pytest.raises(ValueError, match=r"reference: volumes of shape \(3, 16, 16\) are smaller than win_size = 7"):
        metrics.ssim(a, b, data_range=1.0, spatial_ndim=3)  # 3 slices are too few for a 7x7x7 window


@pytest.mark.parametrize("shape, spatial_ndim, match", [
    ((16, 16), 1, r"spatial_ndim: expected 2 or 3"),
    ((16, 16), 3, r"reference: expected \(D, H, W\) or \(N, D, H, W\) or \(N, D, H, W, 1\) for 3D volumes"),
    ((2, 8, 16, 16, 2), 3, r"got shape \(2, 8, 16, 16, 2\)"),
])
def test_ssim_spatial_ndim_checked(shape, spatial_ndim, match):
    x = np.zeros(shape)
    with pytest.raises(ValueError, match=match):
        metrics.ssim(x, x, data_range=1.0, spatial_ndim=spatial_ndim)
