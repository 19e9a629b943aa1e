"""Lesion-level detection: peaks of a score map as detections, matching them to lesions, the FROC curve and the CPM."""

from __future__ import annotations

import numpy as np

from .._validate import as_array, check_range

__all__ = ["heatmap_peaks", "match_detections", "froc", "froc_from_matches"]

LUNA16_FP_RATES = (0.125, 0.25, 0.5, 1, 2, 4, 8)


def _points(x, name, width):
    """One image's points as a float (k, width) array; any empty array is (0, width)."""
    arr = as_array(x, name)
    if arr.size == 0:
        return np.zeros((0, width))
    if arr.ndim != 2 or arr.shape[1] != width:
        what = "(row, col, score)" if width == 3 else "(row, col)"
        raise ValueError(f"{name}: expected an array of shape (k, {width}), one {what} per row, got shape {arr.shape}")
    return arr.astype(float)


def _per_image(x, name):
    if isinstance(x, np.ndarray) and x.dtype != object:
        raise TypeError(f"{name}: expected a list with one array per image, got a single {x.ndim}D array of shape "
                        f"{x.shape}; wrap it as [array] for one image")
    try:
        return list(x)
    except TypeError:
        raise TypeError(f"{name}: expected a list with one array per image, got {type(x).__name__}") from None


def heatmap_peaks(heatmap, threshold=0.1, top_k=20, *, size=3):
    """Detections from a score map: its local maxima above a threshold, the ``top_k`` highest first.

    A pixel is a peak when it equals the maximum of its ``size`` x ``size`` neighbourhood
    (``scipy.ndimage.maximum_filter``, the 3x3 max-pooling "NMS" of CenterNet), so one blob gives
    one detection, not a cluster of its brightest pixels.

    Parameters
    ----------
    heatmap : array-like (H, W)
        One image's score map (a detector's centre heatmap, a blob filter's response).
    threshold : float
        Peaks with a score below it are dropped (``score >= threshold`` kept).
    top_k : int
        At most this many detections (>= 1), the highest scores.
    size : int
        Neighbourhood width of the local-maximum test, in pixels (odd, >= 3).

    Returns
    -------
    numpy.ndarray (k, 3)
        ``(row, col, score)`` per detection, sorted by decreasing score; ``(0, 3)`` when no peak
        reaches the threshold. Pixels of a flat-topped peak all count as maxima.

    Examples
    --------
    >>> h = np.zeros((7, 7)); h[2, 3], h[2, 4], h[5, 1] = 0.9, 0.8, 0.5
    >>> heatmap_peaks(h, threshold=0.3).tolist()
    [[2.0, 3.0, 0.9], [5.0, 1.0, 0.5]]
    """
    from scipy import ndimage

    h = as_array(heatmap, "heatmap", ndim=2).astype(float)
    check_range(threshold, "threshold")
    if not isinstance(top_k, (int, np.integer)) or isinstance(top_k, bool) or top_k < 1:
        raise ValueError(f"top_k: expected an int >= 1, got {top_k!r}")
    if not isinstance(size, (int, np.integer)) or isinstance(size, bool) or size < 3 or size % 2 == 0:
        raise ValueError(f"size: expected an odd int >= 3, got {size!r}")
    peak = (h == ndimage.maximum_filter(h, size=size, mode="nearest")) & (h >= threshold)
    rows, cols = np.nonzero(peak)
    scores = h[rows, cols]
    order = np.argsort(-scores, kind="stable")[:top_k]
    return np.column_stack([rows[order], cols[order], scores[order]]).astype(float).reshape(-1, 3)


def match_detections(detections, lesions, max_distance):
    """Match one image's detections to its lesions (the LUNA16 convention).

    A detection hits a lesion when their distance is at most ``max_distance`` (the nearest lesion,
    if several are that close). A lesion hit by several detections is found once, by its
    highest-scoring hit; the other hits are neither true nor false positives. Every detection that
    hits no lesion is a false positive.

    Parameters
    ----------
    detections : array-like (k, 3)
        ``(row, col, score)`` per detection.
    lesions : array-like (m, 2)
        ``(row, col)`` per lesion centre.
    max_distance : float
        Largest centre distance, in pixels, that still counts as a hit (> 0).

    Returns
    -------
    lesion_score : numpy.ndarray (m,)
        The score of each lesion's highest-scoring hit; ``-inf`` for a lesion no detection hits.
    fp_scores : numpy.ndarray
        Scores of the false positives.
    hit : numpy.ndarray of int (k,)
        For each detection, the index of the lesion it hits, or -1.

    Examples
    --------
    >>> dets = [[10, 10, 0.9], [11, 10, 0.8], [30, 30, 0.7]]
    >>> lesion_score, fp_scores, hit = match_detections(dets, [[10, 11], [50, 50]], max_distance=3)
    >>> lesion_score.tolist(), fp_scores.tolist(), hit.tolist()
    ([0.9, -inf], [0.7], [0, 0, -1])
    """
    d = _points(detections, "detections", 3)
    les = _points(lesions, "lesions", 2)
    check_range(max_distance, "max_distance", 0.0, lo_open=True)
    hit = np.full(len(d), -1)
    if len(les) and len(d):
        dist = np.hypot(d[:, None, 0] - les[None, :, 0], d[:, None, 1] - les[None, :, 1])
        nearest = dist.argmin(axis=1)
        close = dist[np.arange(len(d)), nearest] <= max_distance
        hit[close] = nearest[close]
    lesion_score = np.full(len(les), -np.inf)
    np.maximum.at(lesion_score, hit[hit >= 0], d[hit >= 0, 2])
    return lesion_score, d[hit < 0, 2], hit


def froc(detections, lesions, max_distance, fp_rates=LUNA16_FP_RATES):
    """Free-response ROC curve and the competition performance metric (CPM) of a lesion detector.

    Each detection is matched to the lesions of its own image (:func:`match_detections`: a hit is
    within ``max_distance`` of the nearest lesion; a lesion hit several times is found once, at its
    highest-scoring hit, and the other hits are neither true nor false positives; every other
    detection is a false positive). The threshold then sweeps the distinct detection scores from
    high to low, a detection counting when ``score >= threshold`` (tied scores enter together);
    each threshold gives one point: false positives per image and the fraction of all lesions found.

    Parameters
    ----------
    detections : list of array-like (k, 3)
        One array per image, ``(row, col, score)`` per detection; an image without detections may
        be any empty array.
    lesions : list of array-like (m, 2)
        One array per image (same length as ``detections``), ``(row, col)`` per lesion; an image
        without lesions is ordinary (its detections can only be false positives).
    max_distance : float
        Hit radius in pixels (> 0).
    fp_rates : sequence of float
        False positives per image at which sensitivity is read; default the seven LUNA16 rates
        1/8, 1/4, 1/2, 1, 2, 4, 8.

    Returns
    -------
    dict
        ``fp_per_image`` and ``sensitivity``: the curve, one point per distinct score (from the
        highest threshold down), with ``thresholds``; ``sensitivity_at``: for each rate ``r`` in
        ``fp_rates``, the highest sensitivity at a point of the curve with at most ``r`` false
        positives per image (0 if there is none). These are operating points the detector attains,
        not interpolated between them as the LUNA16 evaluation script does, so the values can be a
        little lower than that script's. ``cpm``: their mean. ``n_lesions``, ``n_images``.

    Raises
    ------
    ValueError
        When no image has a lesion (sensitivity is undefined), on lists of different lengths,
        malformed arrays or a non-positive ``max_distance``.

    References
    ----------
    D. P. Chakraborty. *Maximum likelihood analysis of free-response receiver operating
    characteristic (FROC) data.* Medical Physics, 1989.
    A. A. A. Setio et al. *Validation, comparison, and combination of algorithms for automatic
    detection of pulmonary nodules in computed tomography images: the LUNA16 challenge.*
    Medical Image Analysis, 2017.

    Examples
    --------
    >>> dets = [np.array([[10, 10, 0.9], [40, 40, 0.6]]), np.array([[20, 20, 0.8]]), np.zeros((0, 3))]
    >>> lesions = [np.array([[11, 10]]), np.array([[5, 5]]), np.zeros((0, 2))]
    >>> out = froc(dets, lesions, max_distance=3, fp_rates=(0.5, 1))
    >>> out["fp_per_image"].round(3).tolist(), out["sensitivity"].tolist()
    ([0.0, 0.333, 0.667], [0.5, 0.5, 0.5])
    >>> out["sensitivity_at"], out["cpm"]
    ({0.5: 0.5, 1: 0.5}, 0.5)
    """
    dets = _per_image(detections, "detections")
    les = _per_image(lesions, "lesions")
    if len(dets) != len(les):
        raise ValueError(f"detections and lesions: expected one entry per image in both, got {len(dets)} and "
                         f"{len(les)} images")
    if not dets:
        raise ValueError("detections: expected at least one image, got an empty list")
    rates = np.atleast_1d(as_array(fp_rates, "fp_rates", ndim=(0, 1)).astype(float))
    if rates.size == 0 or np.any(rates <= 0):
        raise ValueError(f"fp_rates: expected one or more rates > 0, got {list(np.asarray(fp_rates).ravel())}")
    lesion_scores, fp_scores, all_scores = [], [], []
    for i, (d, m) in enumerate(zip(dets, les)):
        try:
            lesion_score, fps, _ = match_detections(d, m, max_distance)
            all_scores.append(_points(d, "detections", 3)[:, 2])
        except (TypeError, ValueError) as err:
            raise type(err)(f"image {i}: {err}") from None
        lesion_scores.append(lesion_score)
        fp_scores.append(fps)
    return froc_from_matches(np.concatenate(lesion_scores), np.concatenate(fp_scores), len(dets), fp_rates,
                             scores=np.concatenate(all_scores))


def froc_from_matches(lesion_scores, fp_scores, n_images, fp_rates=LUNA16_FP_RATES, *, scores=None):
    """The FROC curve and CPM of :func:`froc` from detections already matched to lesions.

    :func:`froc` matches each image's detections (:func:`match_detections`), then calls this on
    the pooled result. Matching is the slow part; a bootstrap over patients only regroups the
    images, so it can match every image once and pool the matches of each resample here.

    Parameters
    ----------
    lesion_scores : array-like (m,)
        Every lesion of every image: the score of its highest-scoring hit, ``-inf`` if missed.
    fp_scores : array-like
        Scores of all false positives.
    n_images : int
        Number of images the lesions and false positives come from (>= 1).
    fp_rates : sequence of float
        As in :func:`froc`.
    scores : array-like, optional
        All detection scores, whose distinct values are the curve's thresholds (:func:`froc`
        passes them). Default: the scores of the hits and false positives; extra hits on a found
        lesion only repeat a point of the curve, so ``sensitivity_at`` and ``cpm`` are the same.

    Returns
    -------
    dict
        As :func:`froc`.

    Examples
    --------
    >>> out = froc_from_matches([0.9, -np.inf], [0.6, 0.8], n_images=3, fp_rates=(0.5, 1))
    >>> out["sensitivity_at"], out["cpm"]
    ({0.5: 0.5, 1: 0.5}, 0.5)
    """
    lesion_score = as_array(lesion_scores, "lesion_scores", ndim=1, finite=False).astype(float)
    if np.any(np.isnan(lesion_score) | (lesion_score == np.inf)):
        raise ValueError("lesion_scores: expected finite scores, or -inf for a missed lesion; got NaN or +inf")
    fp_score = as_array(fp_scores, "fp_scores", ndim=1).astype(float)
    if len(lesion_score) == 0:
        raise ValueError("lesions: no image has a lesion, so sensitivity is undefined; FROC needs at least one "
                         "lesion (images without lesions are fine beside images with lesions)")
    if not isinstance(n_images, (int, np.integer)) or isinstance(n_images, bool) or n_images < 1:
        raise ValueError(f"n_images: expected an int >= 1, got {n_images!r}")
    rates = np.atleast_1d(as_array(fp_rates, "fp_rates", ndim=(0, 1)).astype(float))
    if rates.size == 0 or np.any(rates <= 0):
        raise ValueError(f"fp_rates: expected one or more rates > 0, got {list(np.asarray(fp_rates).ravel())}")
    found = lesion_score[np.isfinite(lesion_score)]
    if scores is None:
        scores = np.concatenate([found, fp_score])
    thresholds = np.unique(np.asarray(scores, dtype=float))[::-1]  # distinct scores, high to low
    # counts at each threshold t: items with score >= t
    tp = len(found) - np.searchsorted(np.sort(found), thresholds, side="left")
    fp = len(fp_score) - np.searchsorted(np.sort(fp_score), thresholds, side="left")
    fp_per_image = fp / n_images
    sensitivity = tp / len(lesion_score)
    sensitivity_at = {}
    keys = [k.item() if hasattr(k, "item") else k for k in np.ravel(np.asarray(fp_rates, dtype=object))]
    for r, key in zip(rates, keys):
        ok = fp_per_image <= r
        sensitivity_at[key] = float(sensitivity[ok].max()) if ok.any() else 0.0
    return {"fp_per_image": fp_per_image, "sensitivity": sensitivity, "thresholds": thresholds,
            "sensitivity_at": sensitivity_at, "cpm": float(np.mean(list(sensitivity_at.values()))),
            "n_lesions": int(len(lesion_score)), "n_images": n_images}
