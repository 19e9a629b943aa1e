"""Calibration of predicted probabilities: reliability diagram data and the Brier score."""

from __future__ import annotations

import numpy as np

from ._common import _binary_labels_1d, _probabilities_1d

__all__ = ["calibration_curve", "brier_score"]


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
    from .._validate import check_choice

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
