"""Image quality against a reference: PSNR and SSIM."""

from __future__ import annotations

import numpy as np

from .._validate import as_array, as_batch, check_range, check_spatial_ndim, same_shape

__all__ = ["psnr", "ssim"]


def _reference_and_image(reference, image):
    ref = as_array(reference, "reference")
    img = as_array(image, "image")
    same_shape(ref, img, "reference", "image")
    return ref.astype(np.float64), img.astype(np.float64)

def _data_range(data_range):
    if data_range is None:
        raise ValueError("data_range: expected a positive number (e.g. 1.0 for images in [0, 1], 255 for uint8, "
                         "the window width for CT), got None; the image's own range would make PSNR depend on it")
    check_range(data_range, "data_range", 0.0, lo_open=True)
    return float(data_range)

def psnr(reference, image, *, data_range, axis=None):
    """Peak signal-to-noise ratio ``10 log10(data_range² / MSE)`` in dB.

    Agrees with ``skimage.metrics.peak_signal_noise_ratio(reference, image, data_range=...)``.
    ``data_range`` is the span of values the images *can* take (1.0 for [0, 1], 255 for uint8,
    400 HU for a soft-tissue window), never the observed range of one image: that would make
    the score depend on the image's content. Differences of PSNR in dB do not depend on it.

    Parameters
    ----------
    reference, image : array-like, same shape
        Integer inputs are converted to float first (no uint8 wrap-around).
    data_range : float > 0
    axis : int or tuple of int, optional
        Axes over which the MSE is averaged; ``None`` (default) uses all elements and returns a
        float; ``axis=(1, 2, 3)`` on a batch (N, H, W, C) returns one PSNR per image.

    Returns
    -------
    float or numpy.ndarray
        ``inf`` where the images are identical.

    Examples
    --------
    >>> psnr(np.zeros((4, 4)), np.full((4, 4), 0.1), data_range=1.0)
    20.0
    >>> psnr(np.zeros((2, 4, 4, 1)), np.full((2, 4, 4, 1), 0.01), data_range=1.0, axis=(1, 2, 3)).round(6).tolist()
    [40.0, 40.0]
    """
    ref, img = _reference_and_image(reference, image)
    r = _data_range(data_range)
    mse = np.mean((ref - img) ** 2, axis=axis)
    with np.errstate(divide="ignore"):
        out = 10.0 * np.log10(r * r / mse)
    return float(out) if np.ndim(out) == 0 else out

def _ssim_one(x, y, data_range, win_size, gaussian_weights, sigma, k1, k2, use_sample_covariance):
    """Mean SSIM of one image or volume (every axis spatial), as scikit-image computes it."""
    from scipy.ndimage import gaussian_filter, uniform_filter

    if gaussian_weights:
        def smooth(a):
            return gaussian_filter(a, sigma, truncate=3.5)
    else:
        def smooth(a):
            return uniform_filter(a, size=win_size)
    n = win_size**x.ndim
    cov_norm = n / (n - 1) if use_sample_covariance else 1.0
    ux, uy = smooth(x), smooth(y)
    vx = cov_norm * (smooth(x * x) - ux * ux)
    vy = cov_norm * (smooth(y * y) - uy * uy)
    vxy = cov_norm * (smooth(x * y) - ux * uy)
    c1, c2 = (k1 * data_range) ** 2, (k2 * data_range) ** 2
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux**2 + uy**2 + c1) * (vx + vy + c2))
    pad = (win_size - 1) // 2
    return float(s[(slice(pad, -pad),) * s.ndim].mean()) if pad else float(s.mean())


def ssim(reference, image, *, data_range, spatial_ndim=2, win_size=None, gaussian_weights=False, sigma=1.5, k1=0.01,
         k2=0.03, use_sample_covariance=True):
    """Mean structural similarity (Wang et al., 2004) of 2D images or 3D volumes, as scikit-image computes it.

    SSIM compares local means (luminance), standard deviations (contrast) and correlation
    (structure) in a sliding window, and averages the map over the image minus a border of
    half a window. With the defaults it agrees with
    ``skimage.metrics.structural_similarity(reference, image, data_range=...)`` (7x7 uniform
    window, sample covariance); ``gaussian_weights=True, use_sample_covariance=False`` gives
    Wang et al.'s original 11x11 Gaussian window (sigma 1.5).

    Parameters
    ----------
    reference, image : array-like, same shape
        One image (H, W), or a batch (N, H, W) or (N, H, W, 1); with ``spatial_ndim=3``, one
        volume (D, H, W), or a batch (N, D, H, W) or (N, D, H, W, 1).
    data_range : float > 0
        As in ``psnr``: the span the values can take, not one image's range.
    spatial_ndim : {2, 3}
        The number of spatial axes, which the window spans: 2 (default) for images, so a 3D array
        is a batch of 2D images (one SSIM each); 3 for volumes (a cubic window, as
        ``structural_similarity`` on a 3D array).
    win_size : odd int, optional
        Default 7, or 11 with ``gaussian_weights`` (the window a sigma of 1.5 truncated at 3.5
        sigma covers).
    gaussian_weights, sigma, k1, k2, use_sample_covariance
        As in scikit-image.

    Returns
    -------
    float, or numpy.ndarray of shape (N,) for a batch

    Examples
    --------
    >>> x = np.tile(np.linspace(0, 1, 16), (16, 1))
    >>> ssim(x, x, data_range=1.0)
    1.0
    >>> ssim(x, 1 - x, data_range=1.0) < 0
    True
    """
    ref, img = _reference_and_image(reference, image)
    r = _data_range(data_range)
    spatial_ndim = check_spatial_ndim(spatial_ndim)
    ref, batched = as_batch(ref, "reference", spatial_ndim, channel=True)
    img = img.reshape(ref.shape)
    check_range(sigma, "sigma", 0.0, lo_open=True)  # before sigma sets the default window
    if win_size is None:
        win_size = 2 * int(3.5 * sigma + 0.5) + 1 if gaussian_weights else 7
    if not isinstance(win_size, (int, np.integer)) or win_size < 3 or win_size % 2 == 0:
        raise ValueError(f"win_size: expected an odd int >= 3, got {win_size!r}")
    if min(ref.shape[1:]) < win_size:
        kind = "images" if spatial_ndim == 2 else "volumes"
        raise ValueError(f"reference: {kind} of shape {ref.shape[1:]} are smaller than win_size = {win_size}; "
                         f"for a batch pass (N, {'H, W' if spatial_ndim == 2 else 'D, H, W'}) or (..., 1)"
                         + ("; a single volume needs spatial_ndim=3" if spatial_ndim == 2 else ""))
    args = (r, int(win_size), bool(gaussian_weights), float(sigma), float(k1), float(k2), bool(use_sample_covariance))
    out = np.array([_ssim_one(a, b, *args) for a, b in zip(ref, img)])
    return out if batched else float(out[0])
