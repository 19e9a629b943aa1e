"""Evaluation metrics: overlap, surface distance, ROC analysis.

NumPy in, NumPy (or float) out; this module imports neither TensorFlow nor SciPy at import time.

Conventions for empty masks follow the segmentation literature (e.g. Maier-Hein et al.,
"Metrics reloaded", Nature Methods 2024, which asks that they be stated):

* ``dice_coefficient`` and ``iou_score`` of two empty masks is 1.0 (perfect agreement that
  there is nothing), and 0.0 when exactly one mask is empty;
* ``hausdorff_distance`` of two empty masks is 0.0 and ``inf`` when exactly one is empty.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_array, as_binary, check_range, same_shape

__all__ = ["dice_coefficient", "iou_score", "hausdorff_distance", "roc_curve", "roc_auc",
           "sensitivity_specificity", "confusion_counts"]


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
    total = int(a.sum()) + int(b.sum())
    if total == 0:
        return 1.0
    return float(2 * np.logical_and(a, b).sum() / total)


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


def hausdorff_distance(y_true, y_pred, percentile=95, spacing=None):
    """Symmetric (percentile) Hausdorff distance between the surfaces of two binary masks.

    For each surface voxel of one mask, the distance to the nearest surface voxel of the other is
    taken; the result is the larger of the two directed ``percentile``-th percentiles (the
    convention of MONAI and of the Medical Segmentation Decathlon). ``percentile=100`` gives the
    classic Hausdorff distance, 95 the robust HD95.

    Parameters
    ----------
    y_true, y_pred : array-like of bool or {0, 1}, same shape, 2D or 3D
    percentile : float in (0, 100]
    spacing : float or sequence of float, optional
        Voxel size per axis (e.g. mm); the distance is returned in those units. Default 1.

    Returns
    -------
    float
        0.0 if both masks are empty, ``inf`` if exactly one is.

    Examples
    --------
    >>> a = np.zeros((8, 8), bool); a[2:5, 2:5] = True
    >>> b = np.roll(a, 2, axis=1)
    >>> hausdorff_distance(a, b, percentile=100)
    2.0
    >>> hausdorff_distance(a, b, percentile=100, spacing=(1.0, 0.5))
    1.0
    """
    a, b = _pair_of_masks(y_true, y_pred)
    if a.ndim not in (2, 3):
        raise ValueError(f"y_true: expected a 2D or 3D mask, got shape {a.shape}")
    check_range(percentile, "percentile", 0, 100, lo_open=True)
    if spacing is None:
        spacing = (1.0,) * a.ndim
    elif np.isscalar(spacing):
        spacing = (float(spacing),) * a.ndim
    spacing = as_array(spacing, "spacing", ndim=1).astype(float)
    if spacing.shape != (a.ndim,) or np.any(spacing <= 0):
        raise ValueError(f"spacing: expected {a.ndim} positive numbers, got {spacing.tolist()}")
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


def _labels_and_scores(y_true, y_score):
    y = as_array(y_true, "y_true", ndim=1)
    s = as_array(y_score, "y_score", ndim=1).astype(float)
    same_shape(y, s, "y_true", "y_score")
    if y.size and not np.all((y == 0) | (y == 1)):
        raise ValueError(f"y_true: expected binary labels 0/1, got values {np.unique(y)[:5].tolist()}")
    y = y.astype(bool)
    if y.all() or not y.any():
        raise ValueError(
            f"y_true: ROC analysis needs both classes, got {int(y.sum())} positives and "
            f"{int((~y).sum())} negatives"
        )
    return y, s


def roc_curve(y_true, y_score):
    """Receiver operating characteristic: false and true positive rates per threshold.

    Returns
    -------
    fpr, tpr, thresholds : numpy.ndarray
        Thresholds decrease; a sample is called positive when ``score >= threshold``. The curve
        starts at (0, 0) with threshold ``inf``.

    Examples
    --------
    >>> fpr, tpr, thr = roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> fpr.tolist(), tpr.tolist()
    ([0.0, 0.0, 0.5, 0.5, 1.0], [0.0, 0.5, 0.5, 1.0, 1.0])
    """
    y, s = _labels_and_scores(y_true, y_score)
    order = np.argsort(-s, kind="mergesort")
    s, y = s[order], y[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]
    tp = np.cumsum(y)[last_of_tie]
    fp = (last_of_tie + 1) - tp
    tpr = np.r_[0.0, tp / y.sum()]
    fpr = np.r_[0.0, fp / (~y).sum()]
    return fpr, tpr, np.r_[np.inf, s[last_of_tie]]


def roc_auc(y_true, y_score):
    """Area under the ROC curve, equal to P(score of a positive > score of a negative).

    Ties count one half (the Mann-Whitney U statistic), so the AUC is invariant to any strictly
    increasing transform of the scores.

    Examples
    --------
    >>> roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """
    y, s = _labels_and_scores(y_true, y_score)
    from_ranks = _rankdata(s)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    u = from_ranks[y].sum() - n_pos * (n_pos + 1) / 2
    return float(u / (n_pos * n_neg))


def _rankdata(x):
    """Average ranks (1-based), ties sharing the mean rank."""
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    ranks = np.empty(len(x), float)
    starts = np.r_[0, np.flatnonzero(np.diff(xs)) + 1]
    ends = np.r_[starts[1:], len(xs)]
    for st, en in zip(starts, ends):
        ranks[order[st:en]] = (st + en + 1) / 2
    return ranks


def confusion_counts(y_true, y_pred):
    """True/false positive/negative counts of binary labels and predictions.

    Returns
    -------
    dict
        ``{"tp": int, "fp": int, "tn": int, "fn": int}``

    Examples
    --------
    >>> confusion_counts([1, 1, 0, 0], [1, 0, 1, 0])
    {'tp': 1, 'fp': 1, 'tn': 1, 'fn': 1}
    """
    y = as_binary(y_true, "y_true", ndim=1)
    p = as_binary(y_pred, "y_pred", ndim=1)
    same_shape(y, p, "y_true", "y_pred")
    return {"tp": int((y & p).sum()), "fp": int((~y & p).sum()),
            "tn": int((~y & ~p).sum()), "fn": int((y & ~p).sum())}


def sensitivity_specificity(y_true, y_pred):
    """Sensitivity (recall of positives) and specificity (recall of negatives).

    Parameters
    ----------
    y_true, y_pred : array-like of {0, 1}, shape (N,)
        Labels and *thresholded* predictions (``scores >= threshold``).

    Returns
    -------
    (float, float)
        NaN for a rate whose class is absent.

    Examples
    --------
    >>> sensitivity_specificity([1, 1, 1, 0, 0], [1, 1, 0, 0, 1])
    (0.6666666666666666, 0.5)
    """
    c = confusion_counts(y_true, y_pred)
    pos, neg = c["tp"] + c["fn"], c["tn"] + c["fp"]
    sens = c["tp"] / pos if pos else float("nan")
    spec = c["tn"] / neg if neg else float("nan")
    return float(sens), float(spec)
