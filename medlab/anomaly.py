"""Anomaly detection from reconstructions: residual maps, image scores, pixel-level AUROC, and
the coarse noise that trains a denoising autoencoder.

A model trained on normal images only (an autoencoder) reconstructs what normal anatomy explains;
whatever it cannot reconstruct is a candidate anomaly. The functions here turn images and their
reconstructions into an **anomaly map** (where), an **anomaly score** per image (whether) and a
pixel-level AUROC against known lesion masks (how well the map localizes).

NumPy in, NumPy out; SciPy is imported inside the functions that need it.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_array, as_binary, as_generator, check_choice, check_range, refuse_lone_channel

__all__ = ["anomaly_map", "anomaly_score", "pixel_auroc", "coarse_noise", "REDUCTIONS"]

#: How ``anomaly_score`` reduces a map to one number per image.
REDUCTIONS = ("p99", "max", "mean")


def _images(x, name):
    """(N, H, W) or (N, H, W, 1) -> float64 (N, H, W)."""
    arr = as_array(x, name, ndim=(3, 4)).astype(np.float64)
    if arr.ndim == 4:
        if arr.shape[-1] != 1:
            raise ValueError(f"{name}: expected one channel (N, H, W, 1), got shape {arr.shape}")
        arr = arr[..., 0]
    refuse_lone_channel(arr, name, "pass a batch of 2D images (N, H, W) or (N, H, W, 1)")
    return arr


def _masks(mask, shape, name="mask"):
    if mask is None:
        return np.ones(shape, bool)
    m = as_binary(mask, name, ndim=(3, 4))
    if m.ndim == 4:
        if m.shape[-1] != 1:
            raise ValueError(f"{name}: expected one channel (N, H, W, 1), got shape {m.shape}")
        m = m[..., 0]
    if m.shape != shape:
        raise ValueError(f"{name}: expected shape {shape} (one mask per image), got {m.shape}")
    empty = np.flatnonzero(~m.reshape(len(m), -1).any(axis=1))
    if empty.size:
        raise ValueError(f"{name}: the masks of images {empty[:10].tolist()} are empty; every image needs "
                         "at least one pixel to score")
    return m


def anomaly_map(images, reconstructions, *, smooth_sigma=2.0):
    """Pixel-wise anomaly map: the absolute value of the Gaussian-smoothed residual.

    The residual ``image - reconstruction`` is smoothed *before* the absolute value is taken.
    Pixel noise has zero mean, so averaging it over a neighbourhood cancels it, while a lesion
    (a coherent blob of one sign) survives; squaring first would turn the noise into a positive
    floor that no smoothing removes. Bright and dark anomalies both give high values.

    Parameters
    ----------
    images, reconstructions : array-like, shape (N, H, W) or (N, H, W, 1), same shape
    smooth_sigma : float
        Standard deviation of the Gaussian, in pixels, applied to each image separately (never
        across the batch); about the radius of the smallest lesion to find. 0 gives ``|residual|``.

    Returns
    -------
    numpy.ndarray of float32, shape (N, H, W)

    Examples
    --------
    >>> x = np.zeros((1, 5, 5)); x[0, 2, 2] = 1.0
    >>> float(anomaly_map(x, np.zeros_like(x), smooth_sigma=0)[0, 2, 2])
    1.0
    >>> m = anomaly_map(x, np.zeros_like(x), smooth_sigma=1.0)
    >>> m.shape, bool(m[0, 2, 2] == m.max())
    ((1, 5, 5), True)
    """
    x = _images(images, "images")
    r = _images(reconstructions, "reconstructions")
    if x.shape != r.shape:
        raise ValueError(f"images and reconstructions must have the same shape, got {np.shape(images)} "
                         f"and {np.shape(reconstructions)}")
    check_range(smooth_sigma, "smooth_sigma", 0.0)
    residual = x - r
    if smooth_sigma > 0:
        from scipy.ndimage import gaussian_filter

        residual = gaussian_filter(residual, sigma=(0, smooth_sigma, smooth_sigma))
    return np.abs(residual).astype(np.float32)


def anomaly_score(images, reconstructions, *, mask=None, reduce="p99", smooth_sigma=2.0):
    """One anomaly score per image, from its reconstruction: the anomaly map reduced inside a mask.

    Parameters
    ----------
    images, reconstructions : array-like, shape (N, H, W) or (N, H, W, 1), same shape
    mask : array-like of bool, shape (N, H, W) or (N, H, W, 1), optional
        Pixels that count (e.g. the body: the air around it says nothing about disease). None
        uses every pixel. Each image's mask must hold at least one pixel.
    reduce : {"p99", "max", "mean"}
        ``p99``: the 99th percentile of the map inside the mask (robust to a few hot pixels, yet
        sensitive to a lesion covering 1 % of the body); ``max``: the hottest pixel; ``mean``:
        the average error, which small lesions barely move.
    smooth_sigma : float
        Passed to ``anomaly_map``.

    Returns
    -------
    numpy.ndarray of float, shape (N,)
        Higher means more anomalous.

    Examples
    --------
    >>> x = np.zeros((2, 8, 8)); x[1, 3:5, 3:5] = 1.0      # image 1 has a bright square
    >>> anomaly_score(x, np.zeros_like(x), reduce="max", smooth_sigma=0).tolist()
    [0.0, 1.0]
    """
    check_choice(reduce, "reduce", REDUCTIONS)
    maps = anomaly_map(images, reconstructions, smooth_sigma=smooth_sigma)
    m = _masks(mask, maps.shape)
    out = np.empty(len(maps))
    for i, (a, keep) in enumerate(zip(maps, m)):
        values = a[keep]
        if reduce == "p99":
            out[i] = np.percentile(values, 99)
        elif reduce == "max":
            out[i] = values.max()
        else:
            out[i] = values.mean()
    return out


def pixel_auroc(maps, lesion_masks, *, mask=None):
    """Pixel-level AUROC of anomaly maps against lesion masks: how well the map *localizes*.

    Every pixel inside ``mask`` (e.g. the body) of every image is one sample: lesion pixels are
    positives, the others negatives, and the map's value is the score. Images without lesions
    contribute negatives only, so false alarms on normal images count.

    Parameters
    ----------
    maps : array-like, shape (N, H, W)
    lesion_masks : array-like of bool or {0, 1}, shape (N, H, W)
    mask : array-like of bool, shape (N, H, W), optional
        Pixels to evaluate; default all.

    Returns
    -------
    float

    Examples
    --------
    >>> lesion = np.zeros((1, 4, 4), bool); lesion[0, 1, 1] = True
    >>> pixel_auroc(lesion * 2.0, lesion)
    1.0
    """
    from .metrics import roc_auc

    a = as_array(maps, "maps", ndim=3).astype(float)
    y = as_binary(lesion_masks, "lesion_masks", ndim=3)
    if y.shape != a.shape:
        raise ValueError(f"maps and lesion_masks must have the same shape, got {a.shape} and {y.shape}")
    keep = _masks(mask, a.shape) if mask is not None else np.ones(a.shape, bool)
    y_in = y[keep]
    if y_in.all() or not y_in.any():
        raise ValueError(f"lesion_masks: pixel AUROC needs lesion and non-lesion pixels inside the mask, got "
                         f"{int(y_in.sum())} lesion and {int((~y_in).sum())} other pixels")
    return roc_auc(y_in.astype(np.int64), a[keep])


def coarse_noise(shape, *, std=0.4, grid=16, seed=None):
    """Smooth random blobs: Gaussian noise drawn on a coarse grid and upsampled bilinearly.

    Added to normal images, it makes the training input of a *denoising* autoencoder (Kascenas
    et al., 2022): to undo blob-shaped changes of intensity, the network must learn what normal
    anatomy looks like, so at test time it also "removes" a lesion, which then shows up in the
    residual. Pixel-wise (white) noise would only teach it to smooth.

    Parameters
    ----------
    shape : tuple of int
        ``(N, H, W)`` or ``(N, H, W, C)``; H and W at least ``grid``.
    std : float
        Standard deviation of the noise on the coarse grid (in the images' units).
    grid : int
        Size of the coarse grid; ``H / grid`` pixels is the blobs' scale.
    seed : int, numpy.random.Generator or None

    Returns
    -------
    numpy.ndarray of float32, shape ``shape``

    Examples
    --------
    >>> noise = coarse_noise((2, 32, 32, 1), std=0.5, grid=8, seed=0)
    >>> noise.shape, noise.dtype.name
    ((2, 32, 32, 1), 'float32')
    """
    if not isinstance(shape, (tuple, list)) or len(shape) not in (3, 4) or not all(
            isinstance(s, (int, np.integer)) and s > 0 for s in shape):
        raise ValueError(f"shape: expected (N, H, W) or (N, H, W, C) of positive ints, got {shape!r}")
    check_range(std, "std", 0.0)
    if not isinstance(grid, (int, np.integer)) or isinstance(grid, bool) or grid < 2:
        raise ValueError(f"grid: expected an int >= 2, got {grid!r}")
    n, h, w = shape[:3]
    if h < grid or w < grid:
        raise ValueError(f"grid: expected at most the image size {h} x {w}, got {grid}")
    rng = as_generator(seed)
    channels = shape[3] if len(shape) == 4 else 1
    coarse = rng.normal(0.0, std, (n, grid, grid, channels))
    rows, cols = _linear_upsampling(h, grid), _linear_upsampling(w, grid)
    fine = np.einsum("hg,ngwc->nhwc", rows, np.einsum("wk,ngkc->ngwc", cols, coarse)).astype(np.float32)
    return fine if len(shape) == 4 else fine[..., 0]


def _linear_upsampling(n_out, n_in):
    """(n_out, n_in) weights of linear interpolation with aligned pixel centres, edges clamped."""
    pos = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, n_in - 1)
    frac = pos - lo
    weights = np.zeros((n_out, n_in))
    np.add.at(weights, (np.arange(n_out), lo), 1 - frac)
    np.add.at(weights, (np.arange(n_out), hi), frac)
    return weights
