"""Landmark localization metrics in millimetres: radial error and success detection rate."""

from __future__ import annotations

import numpy as np

from .._validate import as_array

__all__ = ["radial_error", "success_detection_rate"]


def radial_error(pred, true, spacing):
    """Euclidean distance in mm between predicted and true landmarks, per image and landmark.

    Parameters
    ----------
    pred, true : array (N, K, 2) or (K, 2)
        (row, col) positions in pixels.
    spacing : array (N, 2) or (2,)
        (row, col) pixel spacing in mm of each image (or one for all); anisotropic spacing is
        applied per axis before the distance is taken.

    Returns
    -------
    ndarray float64 (N, K) (or (K,) for a single image)
        ``sqrt((d_row * s_row)^2 + (d_col * s_col)^2)``. Its mean is the mean radial error (MRE).

    References
    ----------
    C.-W. Wang et al. A benchmark for comparison of dental radiography analysis algorithms. Medical
    Image Analysis, 2016 (the ISBI 2015 cephalometric challenge).

    Examples
    --------
    >>> radial_error([[[10.0, 10.0]]], [[[13.0, 14.0]]], [[0.5, 1.0]]).round(3).tolist()
    [[4.272]]
    """
    p = as_array(pred, "pred", ndim=(2, 3), dtype=float)
    t = as_array(true, "true", ndim=(2, 3), dtype=float)
    if p.shape != t.shape:
        raise ValueError(f"pred and true must have the same shape, got {p.shape} and {t.shape}")
    if p.shape[-1] != 2:
        raise ValueError(f"pred: expected (row, col) pairs in the last axis (size 2), got shape {p.shape}")
    s = as_array(spacing, "spacing", ndim=(1, 2), dtype=float)
    single = p.ndim == 2
    if single:
        p, t = p[None], t[None]
        s = s[None] if s.ndim == 1 else s
    if s.ndim == 1:
        s = np.broadcast_to(s, (len(p), 2))
    if s.shape != (len(p), 2):
        raise ValueError(f"spacing: expected shape ({len(p)}, 2) or (2,) of (row, col) mm, got {s.shape}")
    if not np.all(s > 0):
        raise ValueError(f"spacing: expected positive pixel spacings in mm, got minimum {s.min():g}")
    err = np.hypot((p[..., 0] - t[..., 0]) * s[:, None, 0], (p[..., 1] - t[..., 1]) * s[:, None, 1])
    return err[0] if single else err


def success_detection_rate(errors_mm, radii=(2.0, 2.5, 3.0, 4.0)):
    """Fraction of landmarks found within each radius (the ISBI 2015 success detection rate).

    Parameters
    ----------
    errors_mm : array
        Radial errors in mm (any shape; all are pooled), e.g. from :func:`radial_error`.
    radii : sequence of float
        Radii in mm; the ISBI 2015 challenge used 2, 2.5, 3 and 4 mm.

    Returns
    -------
    dict
        ``{radius: fraction of errors <= radius}``, in the order of ``radii``.

    Examples
    --------
    >>> success_detection_rate([0.5, 1.9, 2.2, 3.5, 9.0])
    {2.0: 0.4, 2.5: 0.6, 3.0: 0.6, 4.0: 0.8}
    """
    e = as_array(errors_mm, "errors_mm", dtype=float).ravel()
    if e.size == 0:
        raise ValueError("errors_mm: expected at least one error, got an empty array")
    if np.any(e < 0):
        raise ValueError(f"errors_mm: distances must be >= 0, got minimum {e.min():g}")
    r = as_array(radii, "radii", ndim=1, dtype=float)
    if r.size == 0 or np.any(r <= 0):
        raise ValueError(f"radii: expected one or more positive radii in mm, got {r.tolist()}")
    return {float(x): float(np.mean(e <= x)) for x in r}
