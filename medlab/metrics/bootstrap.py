"""Confidence intervals: the percentile bootstrap, resampling whole groups (patients)."""

from __future__ import annotations

import numpy as np

from .._validate import check_range

__all__ = ["bootstrap_ci", "auc_difference_ci"]


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
    >>> from medlab.metrics import roc_auc
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


def auc_difference_ci(y_true, score_a, score_b, *, groups=None, n_boot=1000, level=0.95, seed=None):
    """``roc_auc(y, a) - roc_auc(y, b)`` of two scorers on the same test set, with a paired bootstrap interval.

    Both AUCs are computed on the same resample of the patients (:func:`bootstrap_ci` with
    ``groups``), so what the two scorers share (the test set's luck) cancels out: an interval that
    excludes zero says that this test set can tell them apart.

    Parameters
    ----------
    y_true : array-like (N,)
        Binary labels.
    score_a, score_b : array-like (N,)
        The two scorers' outputs for the same N items.
    groups, n_boot, level, seed
        As in :func:`bootstrap_ci`.

    Returns
    -------
    difference, low, high : float

    Examples
    --------
    >>> y = np.array([0, 0, 1, 1] * 10)
    >>> a, b = np.r_[[0.1, 0.2, 0.8, 0.9] * 10], np.r_[[0.1, 0.4, 0.35, 0.8] * 10]
    >>> d, low, high = auc_difference_ci(y, a, b, groups=np.repeat(np.arange(20), 2), seed=0)
    >>> d, bool(low <= d <= high)
    (0.25, True)
    """
    from .classification import roc_auc

    y = np.asarray(y_true)
    for name, score in (("score_a", score_a), ("score_b", score_b)):
        if np.shape(score) != y.shape or y.ndim != 1:
            raise ValueError(f"{name}: expected one score per label, shape {y.shape} like y_true (1D), "
                             f"got {np.shape(score)}")
    return bootstrap_ci(lambda y, a, b: roc_auc(y, a) - roc_auc(y, b), y_true, score_a, score_b, groups=groups,
                        n_boot=n_boot, level=level, seed=seed)
