"""Confidence intervals: the percentile bootstrap, resampling whole groups (patients)."""

from __future__ import annotations

import numpy as np

from .._validate import check_range

__all__ = ["bootstrap_ci"]


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
