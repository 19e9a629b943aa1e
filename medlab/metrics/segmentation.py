"""Overlap and surface distance of segmentation masks.

Conventions for empty masks follow the segmentation literature (e.g. Maier-Hein et al.,
"Metrics reloaded", Nature Methods 2024, which asks that they be stated):

* ``dice_coefficient`` and ``iou_score`` of two empty masks is 1.0 (perfect agreement that
  there is nothing), and 0.0 when exactly one mask is empty;
* ``hausdorff_distance`` of two empty masks is 0.0 and ``inf`` when exactly one is empty.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_array, as_batch, as_binary, check_range, check_spatial_ndim, same_shape

__all__ = ["dice_coefficient", "dice_per_image", "iou_score", "hausdorff_distance"]


def _pair_of_masks(y_true, y_pred):
    a = as_binary(y_true, "y_true")
    b = as_binary(y_pred, "y_pred")
    same_shape(a, b, "y_true", "y_pred")
    return a, b

def dice_coefficient(y_true, y_pred):
    """Dice similarity coefficient ``2|A∩B| / (|A| + |B|)`` of two binary masks.

    Parameters
    ----------
    y_true, y_pred : array-like of bool or {0, 1}, same shape
        The masks; all elements count (pass one image at a time for a per-image Dice).

    Returns
    -------
    float
        In [0, 1]; 1.0 when both masks are empty.

    Examples
    --------
    >>> a = np.array([[1, 1, 0, 0]]); b = np.array([[0, 1, 1, 0]])
    >>> dice_coefficient(a, b)
    0.5
    >>> dice_coefficient(np.zeros((2, 2)), np.zeros((2, 2)))
    1.0
    """
    a, b = _pair_of_masks(y_true, y_pred)
    return float(_dice_rows(a.reshape(1, -1), b.reshape(1, -1))[0])

def dice_per_image(y_true, y_pred):
    """:func:`dice_coefficient` of each image of a stack, in one pass.

    Parameters
    ----------
    y_true, y_pred : array-like of bool or {0, 1}, same shape (N, ...)
        N masks each; everything after the first axis is one image.

    Returns
    -------
    numpy.ndarray (N,)
        Per-image Dice, 1.0 where both masks of an image are empty.

    Examples
    --------
    >>> a = np.array([[1, 1, 0, 0], [0, 0, 0, 0]]); b = np.array([[0, 1, 1, 0], [0, 0, 0, 0]])
    >>> dice_per_image(a, b)
    array([0.5, 1. ])
    """
    a, b = _pair_of_masks(y_true, y_pred)
    if a.ndim < 2:
        raise ValueError(f"y_true: expected a stack of masks (N, ...), got shape {a.shape}")
    return _dice_rows(a.reshape(len(a), -1), b.reshape(len(b), -1))


def _dice_rows(a, b):
    """Dice of each row of two (N, P) masks; 1.0 where both rows are empty."""
    a, b = a.astype(bool), b.astype(bool)
    total = a.sum(axis=1) + b.sum(axis=1)
    return np.where(total == 0, 1.0, 2 * (a & b).sum(axis=1) / np.maximum(total, 1))

def iou_score(y_true, y_pred):
    """Intersection over union (Jaccard index) ``|A∩B| / |A∪B|`` of two binary masks.

    Related to Dice by ``IoU = D / (2 - D)``. 1.0 when both masks are empty.

    Examples
    --------
    >>> iou_score(np.array([1, 1, 0, 0]), np.array([0, 1, 1, 0]))
    0.3333333333333333
    """
    a, b = _pair_of_masks(y_true, y_pred)
    union = int(np.logical_or(a, b).sum())
    if union == 0:
        return 1.0
    return float(np.logical_and(a, b).sum() / union)

def _surface(mask):
    from scipy.ndimage import binary_erosion

    return mask & ~binary_erosion(mask, border_value=0)

def hausdorff_distance(y_true, y_pred, percentile=95, spacing=None, *, spatial_ndim=None):
    """Symmetric (percentile) Hausdorff distance between the surfaces of two binary masks.

    For each surface voxel of one mask, the distance to the nearest surface voxel of the other is
    taken; the result is the larger of the two directed ``percentile``-th percentiles (the
    convention of MONAI and of the Medical Segmentation Decathlon). ``percentile=100`` gives the
    classic Hausdorff distance, 95 the robust HD95.

    Parameters
    ----------
    y_true, y_pred : array-like of bool or {0, 1}, same shape
        One mask with ``spatial_ndim`` axes, or a batch of them (one more, leading, axis).
    percentile : float in (0, 100]
    spacing : float or sequence of float, optional
        Voxel size per spatial axis (e.g. mm); the distance is returned in those units. Default 1.
    spatial_ndim : {2, 3}, optional
        The number of spatial axes: 2 for images, 3 for volumes. It decides what a 3D array is: one
        volume (``spatial_ndim=3``) or a batch of 2D masks (``spatial_ndim=2``), whose surfaces are
        never joined across images. Default: 2 for a 2D array; a 3D array must say which it is.

    Returns
    -------
    float, or numpy.ndarray of shape (N,) for a batch
        0.0 if both masks are empty, ``inf`` if exactly one is.

    Examples
    --------
    >>> a = np.zeros((8, 8), bool); a[2:5, 2:5] = True
    >>> b = np.roll(a, 2, axis=1)
    >>> hausdorff_distance(a, b, percentile=100)
    2.0
    >>> hausdorff_distance(a, b, percentile=100, spacing=(1.0, 0.5))
    1.0
    >>> hausdorff_distance(np.stack([a, a]), np.stack([a, b]), percentile=100, spatial_ndim=2).tolist()
    [0.0, 2.0]
    """
    a, b = _pair_of_masks(y_true, y_pred)
    if spatial_ndim is None:
        if a.ndim == 3:
            raise ValueError(f"y_true: a 3D array of shape {a.shape} is one volume or a batch of 2D masks; say which "
                             "with spatial_ndim=3 (one volume) or spatial_ndim=2 (one distance per 2D mask)")
        if a.ndim != 2:
            raise ValueError(f"y_true: expected a 2D or 3D mask (or a batch, with spatial_ndim), got shape {a.shape}")
        spatial_ndim = 2
    spatial_ndim = check_spatial_ndim(spatial_ndim)
    a, batched = as_batch(a, "y_true", spatial_ndim)
    b = b.reshape(a.shape)
    check_range(percentile, "percentile", 0, 100, lo_open=True)
    if spacing is None:
        spacing = (1.0,) * spatial_ndim
    elif np.isscalar(spacing):
        spacing = (float(spacing),) * spatial_ndim
    spacing = as_array(spacing, "spacing", ndim=1).astype(float)
    if spacing.shape != (spatial_ndim,) or np.any(spacing <= 0):
        raise ValueError(f"spacing: expected {spatial_ndim} positive numbers, got {spacing.tolist()}")
    out = np.array([_hausdorff_one(x, y, percentile, spacing) for x, y in zip(a, b)])
    return out if batched else float(out[0])


def _hausdorff_one(a, b, percentile, spacing):
    if not a.any() and not b.any():
        return 0.0
    if not a.any() or not b.any():
        return float("inf")
    from scipy.ndimage import distance_transform_edt

    sa, sb = _surface(a), _surface(b)
    dist_to_b = distance_transform_edt(~sb, sampling=spacing)
    dist_to_a = distance_transform_edt(~sa, sampling=spacing)
    d_ab = dist_to_b[sa]
    d_ba = dist_to_a[sb]
    return float(max(np.percentile(d_ab, percentile), np.percentile(d_ba, percentile)))
