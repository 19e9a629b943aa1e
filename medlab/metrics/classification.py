"""Binary classification: ROC analysis, confusion counts, operating points and predictive values."""

from __future__ import annotations

import numpy as np

from .._validate import as_array, as_binary, check_range, same_shape
from ._common import _binary_labels_1d, _rankdata

__all__ = ["roc_curve", "roc_auc", "sensitivity_specificity", "confusion_counts", "threshold_for_sensitivity",
           "ppv_npv"]


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
