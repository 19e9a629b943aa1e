"""Intensity preprocessing: per-image normalization and CT windowing. NumPy only."""

from __future__ import annotations

import numpy as np

from ._validate import as_array, as_binary, check_choice, check_range

__all__ = ["normalize_intensity", "window_hu", "scale_to_median"]


def normalize_intensity(images, method="zscore", *, mask=None, eps=1e-6):
    """Normalize each image on its own: z-score or min-max.

    Medical intensities have no fixed scale (MRI) or a huge one (CT), and scanners differ, so each
    image is normalized with its own statistics, never with statistics pooled over a batch.

    Parameters
    ----------
    images : array-like, shape (N, H, W) or (N, H, W, C)
        A batch of images; statistics are taken over all axes but the first.
    method : {"zscore", "minmax"}
        ``zscore``: subtract the mean, divide by the standard deviation (+ ``eps``).
        ``minmax``: map each image's [min, max] to [0, 1] (+ ``eps`` in the denominator).
    mask : array-like of bool, same shape as ``images``, optional
        Compute the statistics inside the mask only (e.g. the body, not the air around it).
    eps : float
        Keeps a constant image finite (it maps to zeros).

    Returns
    -------
    numpy.ndarray of float32, same shape

    Examples
    --------
    >>> x = np.array([[[1.0, 3.0]], [[10.0, 30.0]]])
    >>> normalize_intensity(x).round(3).tolist()
    [[[-1.0, 1.0]], [[-1.0, 1.0]]]
    """
    x = as_array(images, "images", ndim=(3, 4)).astype(np.float32)
    check_choice(method, "method", ("zscore", "minmax"))
    check_range(eps, "eps", 0.0, lo_open=True)
    axes = tuple(range(1, x.ndim))
    if mask is None:
        m = np.ones_like(x, dtype=bool)
    else:
        m = as_binary(mask, "mask")
        if m.shape != x.shape:
            raise ValueError(f"images and mask must have the same shape, got {x.shape} and {m.shape}")
    count = np.maximum(m.sum(axis=axes, keepdims=True), 1)
    if method == "zscore":
        mean = np.where(m, x, 0).sum(axis=axes, keepdims=True) / count
        var = np.where(m, (x - mean) ** 2, 0).sum(axis=axes, keepdims=True) / count
        return ((x - mean) / (np.sqrt(var) + eps)).astype(np.float32)
    lo = np.where(m, x, np.inf).min(axis=axes, keepdims=True)
    hi = np.where(m, x, -np.inf).max(axis=axes, keepdims=True)
    return ((x - lo) / (hi - lo + eps)).astype(np.float32)


def window_hu(hu, level=40.0, width=400.0):
    """Clip Hounsfield units to a display window and scale it to [0, 1].

    Parameters
    ----------
    hu : array-like
        CT values in Hounsfield units (after rescale slope and intercept).
    level, width : float
        Window centre and width, e.g. soft tissue (40, 400), lung (-600, 1500), bone (400, 1800).

    Examples
    --------
    >>> window_hu(np.array([-1000.0, 40.0, 1000.0]), level=40, width=400).tolist()
    [0.0, 0.5, 1.0]
    """
    x = as_array(hu, "hu").astype(np.float32)
    check_range(width, "width", 0.0, lo_open=True)
    lo = level - width / 2
    return np.clip((x - lo) / width, 0.0, 1.0).astype(np.float32)


# ---------------------------------------------------------------- robust scaling

def scale_to_median(images, *, mask=None, eps=1e-6):
    """Divide each image by the median of its pixels (inside ``mask``): typical tissue becomes 1.

    Unlike a z-score, the median hardly moves when a lesion is present, so a lesion does not
    rescale the rest of the image; and zero (air in MRI) stays zero. Use it when differences from
    normal must stay comparable between images, as in anomaly detection.

    Parameters
    ----------
    images : array-like, shape (N, H, W) or (N, H, W, C)
    mask : array-like of bool, same shape as ``images`` or (N, H, W), optional
        Take the median inside the mask only (e.g. the body, not the air around it).
    eps : float
        Guards against a zero median.

    Returns
    -------
    numpy.ndarray of float32, same shape

    Examples
    --------
    >>> x = np.array([[[1.0, 2.0, 2.0, 90.0]], [[10.0, 20.0, 20.0, 30.0]]])
    >>> scale_to_median(x).round(3).tolist()
    [[[0.5, 1.0, 1.0, 45.0]], [[0.5, 1.0, 1.0, 1.5]]]
    """
    x = as_array(images, "images", ndim=(3, 4)).astype(np.float32)
    check_range(eps, "eps", 0.0, lo_open=True)
    if mask is None:
        m = np.ones(x.shape, bool)
    else:
        m = as_binary(mask, "mask")
        if m.shape == x.shape[:3] and x.ndim == 4:
            m = np.broadcast_to(m[..., None], x.shape)
        if m.shape != x.shape:
            raise ValueError(f"images and mask must have the same shape, got {x.shape} and {m.shape}")
    flat_x, flat_m = x.reshape(len(x), -1), m.reshape(len(m), -1)
    empty = np.flatnonzero(~flat_m.any(axis=1))
    if empty.size:
        raise ValueError(f"mask: the masks of images {empty[:10].tolist()} are empty")
    med = np.array([np.median(xi[mi]) for xi, mi in zip(flat_x, flat_m)], np.float32)
    shape = (len(x),) + (1,) * (x.ndim - 1)
    return (x / (np.abs(med).reshape(shape) + eps)).astype(np.float32)
