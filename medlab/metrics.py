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


# ---------------------------------------------------------------- confidence intervals

def bootstrap_ci(statistic, *arrays, groups=None, n_boot=1000, level=0.95, seed=None):
    """Percentile bootstrap confidence interval of ``statistic(*arrays)``, resampling whole groups.

    Images of one patient are correlated, so the unit to resample is the patient: pass
    ``groups=patient_ids`` and each resample draws patients with replacement and keeps all their
    images. For a paired comparison of two models on the same test set, make the statistic the
    difference (``lambda y, a, b: roc_auc(y, a) - roc_auc(y, b)``): both are computed on the same
    resample, and an interval that excludes zero is evidence that one model is better.

    Parameters
    ----------
    statistic : callable
        ``statistic(*arrays) -> float`` on aligned 1D arrays (e.g. :func:`roc_auc`).
    *arrays : array-like, each of shape (N,)
        Resampled together (same indices).
    groups : array-like (N,), optional
        Group of each item (patient id); default: every item is its own group.
    n_boot : int
        Number of resamples (>= 10).
    level : float
        Coverage of the interval, in (0, 1).
    seed : int, numpy.random.Generator or None

    Returns
    -------
    estimate : float
        ``statistic(*arrays)`` on the data as given.
    low, high : float
        The interval's bounds: percentiles ``(1 - level) / 2`` and ``(1 + level) / 2`` of the
        resampled statistics. Resamples where the statistic raises ``ValueError`` or gives NaN
        (e.g. an AUC on a resample with one class only) are skipped.

    References
    ----------
    B. Efron, R. Tibshirani. *An introduction to the bootstrap.* Chapman & Hall, 1993.

    Examples
    --------
    >>> y = np.array([0, 0, 1, 1] * 10); s = np.r_[[0.1, 0.4, 0.35, 0.8] * 10]
    >>> est, low, high = bootstrap_ci(roc_auc, y, s, groups=np.repeat(np.arange(20), 2), seed=0)
    >>> est, bool(low <= est <= high)
    (0.75, True)
    """
    if not callable(statistic):
        raise TypeError(f"statistic: expected a function of the arrays, got {type(statistic).__name__}")
    if not arrays:
        raise ValueError("arrays: expected at least one array to resample")
    data = [np.asarray(a) for a in arrays]
    n = len(data[0])
    for k, a in enumerate(data):
        if a.ndim != 1 or len(a) != n:
            raise ValueError(f"arrays: expected 1D arrays of the same length {n}; array {k} has shape {a.shape}")
    g = np.arange(n) if groups is None else np.asarray(groups)
    if g.shape != (n,):
        raise ValueError(f"groups: expected shape ({n},) like the arrays, got {g.shape}")
    if not isinstance(n_boot, (int, np.integer)) or isinstance(n_boot, bool) or n_boot < 10:
        raise ValueError(f"n_boot: expected an int >= 10, got {n_boot!r}")
    check_range(level, "level", 0.0, 1.0, lo_open=True, hi_open=True)
    rng = np.random.default_rng(seed)
    estimate = float(statistic(*data))
    unique, inverse = np.unique(g, return_inverse=True)
    members = [np.flatnonzero(inverse == k) for k in range(len(unique))]
    stats = []
    for _ in range(n_boot):
        idx = np.concatenate([members[k] for k in rng.integers(0, len(unique), len(unique))])
        try:
            value = float(statistic(*(a[idx] for a in data)))
        except ValueError:
            continue
        if value == value:
            stats.append(value)
    if not stats:
        raise ValueError("statistic: failed or gave NaN on every resample")
    low, high = np.percentile(stats, [50 * (1 - level), 50 * (1 + level)])
    return estimate, float(low), float(high)


__all__ += ["bootstrap_ci"]


# ---------------------------------------------------------------- saliency maps (notebook 07)
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


__all__ += ["pointing_game", "spearman_correlation"]


# ---------------------------------------------------------------- operating points and calibration (notebook 05)

def _binary_labels_1d(y_true, name="y_true"):
    y = as_binary(y_true, name, ndim=1)
    if y.size == 0:
        raise ValueError(f"{name}: expected at least one label, got an empty array")
    return y


def _probabilities_1d(y_prob, y, name="y_prob"):
    p = as_array(y_prob, name, ndim=1).astype(float)
    same_shape(y, p, "y_true", name)
    if p.size and (p.min() < 0 or p.max() > 1):
        raise ValueError(f"{name}: expected probabilities in [0, 1], got values in "
                         f"[{p.min():g}, {p.max():g}]; apply a sigmoid to logits first")
    return p


def threshold_for_sensitivity(y_true, y_score, target=0.9):
    """The highest threshold whose sensitivity on ``(y_true, y_score)`` reaches ``target``.

    A sample is called positive when ``score >= threshold`` (the convention of ``roc_curve``).
    Raising the threshold can only lose positives, so the highest threshold that still finds a
    fraction ``target`` of them keeps the most specificity. It is always one of the positives'
    scores: the k-th highest, with k the smallest count for which ``k / n_positives >= target``.

    Ties: samples whose score equals the threshold are called positive, so a tie is never split.
    When several positives share the threshold's score, the sensitivity reached can exceed
    ``target``; negatives tied with it become false positives.

    Parameters
    ----------
    y_true : array-like of {0, 1} or bool, shape (N,)
        Labels, 1 = disease (the class the sensitivity is about).
    y_score : array-like of float, shape (N,)
        Scores or probabilities; higher means more likely positive.
    target : float in (0, 1]
        The sensitivity to reach, e.g. 0.9 for a screening or triage tool.

    Returns
    -------
    float
        The threshold. Apply it as ``y_score >= threshold``.

    Examples
    --------
    >>> threshold_for_sensitivity([0, 1, 1, 0, 1, 1], [0.1, 0.9, 0.6, 0.7, 0.3, 0.8], target=0.75)
    0.6
    >>> threshold_for_sensitivity([0, 1, 1, 0, 1, 1], [0.1, 0.9, 0.6, 0.7, 0.3, 0.8], target=1.0)
    0.3
    """
    y = _binary_labels_1d(y_true)
    s = as_array(y_score, "y_score", ndim=1).astype(float)
    same_shape(y, s, "y_true", "y_score")
    check_range(target, "target", 0.0, 1.0, lo_open=True)
    positives = np.sort(s[y])[::-1]
    n_pos = len(positives)
    if n_pos == 0:
        raise ValueError("y_true: expected at least one positive (label 1) to measure sensitivity, got none")
    # k / n_pos >= target, evaluated in floating point exactly as the sensitivity itself is
    # (ceil(target * n_pos) would turn 0.55 * 100 = 55.00000000000001 into 56)
    reached = np.arange(1, n_pos + 1) / n_pos >= float(target)
    return float(positives[np.argmax(reached)])


def ppv_npv(sensitivity, specificity, prevalence):
    """Positive and negative predictive values from sensitivity, specificity and prevalence (Bayes).

    ``PPV = se·π / (se·π + (1 − sp)(1 − π))`` and ``NPV = sp(1 − π) / (sp(1 − π) + (1 − se)π)``.
    Sensitivity and specificity are properties of the test; PPV and NPV also depend on how common
    the disease is where the test is used, so they must be computed for the deployment prevalence,
    not read off a test set with another case mix.

    Parameters
    ----------
    sensitivity, specificity, prevalence : float or array-like in [0, 1]
        Broadcast against each other (e.g. an array of prevalences for a curve).

    Returns
    -------
    (ppv, npv) : floats, or arrays of the broadcast shape
        NaN where the value is undefined: PPV when nobody is called positive
        (``se·π + (1 − sp)(1 − π) = 0``), NPV when nobody is called negative.

    Examples
    --------
    >>> ppv, npv = ppv_npv(0.9, 0.9, 0.01)
    >>> round(ppv, 4), round(npv, 5)
    (0.0833, 0.99888)
    >>> [round(v, 3) for v in ppv_npv(0.9, 0.9, 0.3)]
    [0.794, 0.955]
    """
    arrays = []
    for name, value in (("sensitivity", sensitivity), ("specificity", specificity), ("prevalence", prevalence)):
        a = as_array(value, name).astype(float)
        if a.size and (a.min() < 0 or a.max() > 1):
            raise ValueError(f"{name}: expected values in [0, 1], got values in [{a.min():g}, {a.max():g}]")
        arrays.append(a)
    se, sp, pi = arrays
    try:
        se, sp, pi = np.broadcast_arrays(se, sp, pi)
    except ValueError:
        raise ValueError(f"sensitivity, specificity and prevalence must broadcast together, got shapes "
                         f"{se.shape}, {sp.shape} and {pi.shape}") from None
    tp, fp = se * pi, (1 - sp) * (1 - pi)
    tn, fn = sp * (1 - pi), (1 - se) * pi
    with np.errstate(divide="ignore", invalid="ignore"):
        ppv = np.where(tp + fp > 0, tp / (tp + fp), np.nan)
        npv = np.where(tn + fn > 0, tn / (tn + fn), np.nan)
    if ppv.ndim == 0:
        return float(ppv), float(npv)
    return ppv, npv


def calibration_curve(y_true, y_prob, n_bins=10, strategy="uniform", *, return_counts=False):
    """Reliability diagram data: observed frequency of positives against mean predicted probability.

    Predictions are grouped into bins; in each non-empty bin the fraction of positives
    (``prob_true``) is compared with the mean prediction (``prob_pred``). A calibrated model lies
    on the diagonal: of the cases given 0.2, about 20 % have the disease. Bins are right-closed,
    ``(lo, hi]``, the first one also holding 0; empty bins are left out. This matches
    ``sklearn.calibration.calibration_curve``.

    Parameters
    ----------
    y_true : array-like of {0, 1} or bool, shape (N,)
    y_prob : array-like of float in [0, 1], shape (N,)
    n_bins : int
    strategy : {"uniform", "quantile"}
        ``"uniform"``: equal-width bins on [0, 1]; ``"quantile"``: edges at the quantiles of
        ``y_prob``, so every bin holds about the same number of cases (better when predictions
        crowd near 0 and 1).
    return_counts : bool
        Also return the number of cases in each returned bin.

    Returns
    -------
    prob_true, prob_pred : numpy.ndarray
        One value per non-empty bin, in increasing order of the bins.
    counts : numpy.ndarray of int
        Only with ``return_counts=True``.

    Examples
    --------
    >>> prob_true, prob_pred = calibration_curve([0, 0, 1, 1], [0.1, 0.3, 0.7, 0.9], n_bins=2)
    >>> prob_true.tolist(), prob_pred.tolist()
    ([0.0, 1.0], [0.2, 0.8])
    """
    y = _binary_labels_1d(y_true)
    p = _probabilities_1d(y_prob, y)
    if not isinstance(n_bins, (int, np.integer)) or isinstance(n_bins, bool) or n_bins < 1:
        raise ValueError(f"n_bins: expected a positive int, got {n_bins!r}")
    from ._validate import check_choice

    check_choice(strategy, "strategy", ("uniform", "quantile"))
    if strategy == "uniform":
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    else:
        edges = np.percentile(p, np.linspace(0, 1, n_bins + 1) * 100)
    bin_ids = np.searchsorted(edges[1:-1], p)  # side="left": a value on an edge joins the lower bin
    counts = np.bincount(bin_ids, minlength=n_bins)
    sums = np.bincount(bin_ids, weights=p, minlength=n_bins)
    hits = np.bincount(bin_ids, weights=y.astype(float), minlength=n_bins)
    keep = counts > 0
    prob_true, prob_pred = hits[keep] / counts[keep], sums[keep] / counts[keep]
    if return_counts:
        return prob_true, prob_pred, counts[keep]
    return prob_true, prob_pred


def brier_score(y_true, y_prob):
    """Brier score: the mean squared difference between predicted probability and outcome.

    0 is perfect; a model that always predicts the prevalence π scores ``π(1 − π)``, the
    reference a useful model must beat. It rewards both discrimination and calibration.

    Parameters
    ----------
    y_true : array-like of {0, 1} or bool, shape (N,)
    y_prob : array-like of float in [0, 1], shape (N,)

    Returns
    -------
    float

    Examples
    --------
    >>> brier_score([0, 1, 1, 0], [0.0, 1.0, 0.5, 0.5])
    0.125
    """
    y = _binary_labels_1d(y_true)
    p = _probabilities_1d(y_prob, y)
    return float(np.mean((p - y) ** 2))


__all__ += ["threshold_for_sensitivity", "ppv_npv", "calibration_curve", "brier_score"]


# ---------------------------------------------------------------------------------------------
# Image quality: PSNR and SSIM (notebook 04)


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


def _ssim_2d(x, y, data_range, win_size, gaussian_weights, sigma, k1, k2, use_sample_covariance):
    from scipy.ndimage import gaussian_filter, uniform_filter

    if gaussian_weights:
        def smooth(a):
            return gaussian_filter(a, sigma, truncate=3.5)
    else:
        def smooth(a):
            return uniform_filter(a, size=win_size)
    n = win_size**2
    cov_norm = n / (n - 1) if use_sample_covariance else 1.0
    ux, uy = smooth(x), smooth(y)
    vx = cov_norm * (smooth(x * x) - ux * ux)
    vy = cov_norm * (smooth(y * y) - uy * uy)
    vxy = cov_norm * (smooth(x * y) - ux * uy)
    c1, c2 = (k1 * data_range) ** 2, (k2 * data_range) ** 2
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux**2 + uy**2 + c1) * (vx + vy + c2))
    pad = (win_size - 1) // 2
    return float(s[pad:-pad, pad:-pad].mean()) if pad else float(s.mean())


def ssim(reference, image, *, data_range, win_size=None, gaussian_weights=False, sigma=1.5, k1=0.01, k2=0.03,
         use_sample_covariance=True):
    """Mean structural similarity (Wang et al., 2004) of 2D images, as scikit-image computes it.

    SSIM compares local means (luminance), standard deviations (contrast) and correlation
    (structure) in a sliding window, and averages the map over the image minus a border of
    half a window. With the defaults it agrees with
    ``skimage.metrics.structural_similarity(reference, image, data_range=...)`` (7x7 uniform
    window, sample covariance); ``gaussian_weights=True, use_sample_covariance=False`` gives
    Wang et al.'s original 11x11 Gaussian window (sigma 1.5).

    Parameters
    ----------
    reference, image : array-like, same shape
        One image (H, W), or a batch (N, H, W) or (N, H, W, 1).
    data_range : float > 0
        As in ``psnr``: the span the values can take, not one image's range.
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
    if ref.ndim == 4:
        if ref.shape[-1] != 1:
            raise ValueError(f"reference: expected (H, W), (N, H, W) or (N, H, W, 1), got shape {ref.shape}")
        ref, img = ref[..., 0], img[..., 0]
    if ref.ndim not in (2, 3):
        raise ValueError(f"reference: expected (H, W), (N, H, W) or (N, H, W, 1), got shape {ref.shape}")
    check_range(sigma, "sigma", 0.0, lo_open=True)  # before sigma sets the default window
    if win_size is None:
        win_size = 2 * int(3.5 * sigma + 0.5) + 1 if gaussian_weights else 7
    if not isinstance(win_size, (int, np.integer)) or win_size < 3 or win_size % 2 == 0:
        raise ValueError(f"win_size: expected an odd int >= 3, got {win_size!r}")
    if min(ref.shape[-2:]) < win_size:
        raise ValueError(f"reference: images of shape {ref.shape[-2:]} are smaller than win_size = {win_size}; "
                         "for a batch pass (N, H, W) or (N, H, W, 1)")
    args = (r, int(win_size), bool(gaussian_weights), float(sigma), float(k1), float(k2), bool(use_sample_covariance))
    if ref.ndim == 2:
        return _ssim_2d(ref, img, *args)
    return np.array([_ssim_2d(a, b, *args) for a, b in zip(ref, img)])


__all__ += ["psnr", "ssim"]
