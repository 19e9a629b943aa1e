"""Evaluating saliency maps: the pointing game, and rank correlation between two maps."""

from __future__ import annotations

import numpy as np

from .._validate import as_array, as_binary, check_range, same_shape
from ._common import _rankdata

__all__ = ["pointing_game", "spearman_correlation"]


def pointing_game(heatmaps, masks, *, tolerance=0.0, per_image=False):
    """Pointing game (Zhang et al., "Top-down neural attention by excitation backprop", ECCV 2016 /
    IJCV 2018): does each heatmap's maximum fall on the object?

    A hit is counted when the heatmap's peak lies inside the object's mask or within ``tolerance``
    pixels of it (Euclidean distance; the original uses 15 pixels at 224 x 224). When the maximum
    is attained at several pixels, the image is a hit only if **all** of them are within
    tolerance, so a flat map (all zeros) never scores. Every image must contain an object.

    Parameters
    ----------
    heatmaps : array-like, shape (N, H, W)
        Any real-valued maps; only the position of the maximum matters.
    masks : array-like of bool or {0, 1}, shape (N, H, W)
        The object (lesion) masks; none may be empty.
    tolerance : float
        Distance in pixels from the mask that still counts as a hit (>= 0).
    per_image : bool
        Return the hits per image instead of their mean.

    Returns
    -------
    float, or numpy.ndarray of bool with shape (N,) if ``per_image``
        The hit rate in [0, 1].

    Examples
    --------
    >>> mask = np.zeros((1, 5, 5), bool); mask[0, 1, 1] = True
    >>> heat = np.zeros((1, 5, 5)); heat[0, 1, 3] = 1.0
    >>> pointing_game(heat, mask), pointing_game(heat, mask, tolerance=2)
    (0.0, 1.0)
    """
    from scipy.ndimage import distance_transform_edt

    h = as_array(heatmaps, "heatmaps", ndim=3).astype(float)
    m = as_binary(masks, "masks", ndim=3)
    same_shape(h, m, "heatmaps", "masks")
    check_range(tolerance, "tolerance", 0.0)
    if len(h) == 0:
        raise ValueError("heatmaps: expected at least one map, got none")
    empty = np.flatnonzero(~m.any(axis=(1, 2)))
    if empty.size:
        raise ValueError(f"masks: the pointing game needs an object in every image; masks {empty[:10].tolist()} "
                         "are empty (evaluate only the images with a lesion)")
    hits = np.empty(len(h), bool)
    for i in range(len(h)):
        peaks = h[i] == h[i].max()
        near = distance_transform_edt(~m[i]) <= tolerance
        hits[i] = bool(np.all(near[peaks]))
    return hits if per_image else float(hits.mean())

def spearman_correlation(a, b):
    """Spearman rank correlation of two arrays of the same shape (flattened), e.g. two saliency maps.

    The Pearson correlation of the ranks (ties share their mean rank): 1 when one map is an
    increasing function of the other, whatever the scale. Adebayo et al. ("Sanity checks for
    saliency maps", NeurIPS 2018) use it to show whether a map changes when the model does.
    NaN when either array is constant.

    Examples
    --------
    >>> spearman_correlation([1, 2, 3, 4], [10, 20, 30, 400])
    1.0
    >>> spearman_correlation([1, 2, 3, 4], [4, 3, 2, 1])
    -1.0
    """
    x = as_array(a, "a").astype(float).ravel()
    y = as_array(b, "b").astype(float).ravel()
    if x.shape != y.shape:
        raise ValueError(f"a and b must have the same number of elements, got {x.size} and {y.size}")
    if x.size < 2:
        raise ValueError(f"a: expected at least 2 elements, got {x.size}")
    rx, ry = _rankdata(x), _rankdata(y)
    rx -= rx.mean()
    ry -= ry.mean()
    denom = np.sqrt((rx * rx).sum() * (ry * ry).sum())
    return float((rx * ry).sum() / denom) if denom > 0 else float("nan")
