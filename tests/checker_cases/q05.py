"""Notebook 05's checker: the wrong answers it must reject (contract: tests/test_checkers.py).

The functions here are also the wrong answers that ``tests/test_check_q05.py`` feeds each case on its own.
"""

import numpy as np

from medlab import metrics
from medlab.check import q05


def _student_threshold(y_true, y_score, target=0.9):  # a student's own, right, answer
    y, s = np.asarray(y_true, bool), np.asarray(y_score, float)
    pos = np.sort(s[y])[::-1]
    k = np.argmax(np.arange(1, len(pos) + 1) / len(pos) >= target)
    return pos[k]


def _quantile(y, s, target):  # interpolates between scores
    return np.quantile(np.asarray(s)[np.asarray(y) == 1], 1 - target)


def _ceil(y, s, target):  # ceil(0.9 * 10) == 10 in floating point
    pos = np.sort(np.asarray(s)[np.asarray(y) == 1])[::-1]
    return pos[int(np.ceil(target * len(pos))) - 1]


def _all_scores(y, s, target):  # ranks every sample, not the positives
    ordered = np.sort(np.asarray(s))[::-1]
    return ordered[int(np.ceil(target * len(ordered))) - 1]


def _one_too_far(y, s, target):  # the next positive below: the rule `score > threshold`
    pos = np.sort(np.asarray(s)[np.asarray(y) == 1])[::-1]
    k = np.argmax(np.arange(1, len(pos) + 1) / len(pos) >= target)
    return pos[min(k + 1, len(pos) - 1)]


def _lowest_positive(y, s, target):  # always reaches the target, throws specificity away
    return np.min(np.asarray(s)[np.asarray(y) == 1])


def _sklearn_default(y, s, target):  # drop_intermediate=True removes points on straight segments
    from sklearn.metrics import roc_curve

    _, tpr, thr = roc_curve(y, s)
    return thr[np.argmax(tpr >= target)]


def _wrong_direction(y, s, target):  # np.quantile at `target` instead of `1 - target`
    return np.quantile(np.asarray(s)[np.asarray(y) == 1], target, method="higher")


def _one_too_high(y, s, target):  # the rule `score > threshold`: stops one positive early
    pos = np.sort(np.asarray(s, float)[np.asarray(y, bool)])[::-1]
    k = np.argmax(np.arange(1, len(pos) + 1) / len(pos) >= target)
    return pos[max(k - 1, 0)]


def _unsorted(y, s, target):  # assumes the scores arrive sorted
    pos = np.asarray(s, float)[np.asarray(y, bool)]
    return pos[np.argmax(np.arange(1, len(pos) + 1) / len(pos) >= target)]


def _distinct_scores(y, s, target):  # counts distinct scores as if each were one positive
    pos = np.unique(np.asarray(s, float)[np.asarray(y, bool)])[::-1]
    return pos[np.argmax(np.arange(1, len(pos) + 1) / len(pos) >= target)]


def _midpoint(y, s, target):  # halfway to the next positive below
    pos = np.sort(np.asarray(s, float)[np.asarray(y, bool)])[::-1]
    k = np.argmax(np.arange(1, len(pos) + 1) / len(pos) >= target)
    return (pos[k] + pos[min(k + 1, len(pos) - 1)]) / 2


def _crashes(y, s, target):
    return s[y]  # lists cannot be indexed by lists


CONTRACTS = [
    dict(checker=q05.threshold_for_sensitivity, reference=metrics.threshold_for_sensitivity, wrong=[
        ("interpolating quantile", _quantile,
         r"case 'a small example by hand': .*your threshold 0.525 is not one of the positives' scores"),
        ("ceil in floating point", _ceil, r"case 'an exact fraction \(floating point\)': .*expected 0.46, got 0.45"),
        ("ranks every score", _all_scores,
         r"case 'a small example by hand': .*your threshold 0.3 is the lowest positive score"),
        ("one positive too far", _one_too_far,
         r"case 'a small example by hand': .*your threshold 0.3 is the lowest positive score"),
        ("the lowest positive", _lowest_positive,
         r"case 'a small example by hand': .*your threshold 0.3 is the lowest positive score"),
        ("scikit-learn's roc_curve with drop_intermediate", _sklearn_default,
         r"case 'a small example by hand': .*your threshold 0.3 is the lowest positive score"),
        ("crashes on lists", _crashes, r"case 'a small example by hand': .*expected shape \(\), got shape \(6,\)"),
        ("distinct scores counted as positives", _distinct_scores, r"case 'tied scores': .*expected 0.8, got 0.2"),
    ], accepted=[
        ("a student's own answer", _student_threshold),
    ]),
]
