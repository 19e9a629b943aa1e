"""Checkers for notebook 05 (operating point: threshold for a target sensitivity)."""

from __future__ import annotations

import numpy as np

from ..metrics import threshold_for_sensitivity as _reference_threshold
from ._core import expect, expect_close, run_checks


def _sensitivity(y, s, threshold):
    y = np.asarray(y, bool)
    return float(np.mean(np.asarray(s)[y] >= threshold))


def _random_scores():
    """200 cases, about half positive; positives score higher on average, with overlap."""
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 200)
    s = np.clip(rng.normal(0.35 + 0.3 * y, 0.15), 0, 1).round(4)
    return y, s


def _by_hand(f):
    # positives score 0.9, 0.8, 0.6, 0.3: three of four (0.75) are found at 0.6 and above
    y, s = [0, 1, 1, 0, 1, 1], [0.1, 0.9, 0.6, 0.7, 0.3, 0.8]
    what = "threshold for 75 % sensitivity (positives score 0.9, 0.8, 0.6, 0.3)"
    got = f(np.array(y), np.array(s), 0.75)
    if np.ndim(got) == 0 and isinstance(got, (int, float, np.number)) and np.isfinite(got):
        t = float(got)
        expect(np.any(np.isclose(t, [0.9, 0.8, 0.6, 0.3])),
               f"{what}: your threshold {t:.4g} is not one of the positives' scores (interpolated between them, "
               "as np.quantile does?); the highest threshold that reaches the target sits exactly at a "
               "positive's score, expected 0.6")
        expect(not np.isclose(t, 0.3),
               f"{what}: your threshold 0.3 is the lowest positive score: it finds 4 of 4 positives where 3 of 4 "
               "were asked, and the higher threshold 0.6 finds 3 of 4 with fewer false alarms. Do you rank every "
               "score rather than only the positives', or step one positive too far?")
    expect_close(got, 0.6, what)
    expect_close(f(np.array(y), np.array(s), 1.0), 0.3,
                 "threshold for 100 % sensitivity (the lowest positive score)")


def _reaches_target(f):
    y, s = _random_scores()
    for target in (0.5, 0.8, 0.9, 0.95):
        t = float(f(y, s, target))
        sens = _sensitivity(y, s, t)
        expect(sens >= target, f"at your threshold {t:.4g} the sensitivity is {sens:.3f}, below the target "
               f"{target} (is the rule `score >= threshold`, and do you use the positives' scores?)")


def _highest(f):
    y, s = _random_scores()
    for target in (0.5, 0.8, 0.9, 0.95):
        t = float(f(y, s, target))
        better = [u for u in np.unique(s[s > t]) if _sensitivity(y, s, u) >= target]
        if better:
            expect(False, f"target {target}: your threshold {t:.4g} reaches it, but the higher threshold "
                   f"{max(better):.4g} does too and keeps more specificity; return the highest one")


def _exact_fraction(f):
    # 55 of 100 positives is exactly 0.55, but 0.55 * 100 is 55.00000000000001 in floating point
    y = np.r_[np.ones(100, int), np.zeros(20, int)]
    s = np.r_[np.linspace(1.0, 0.01, 100), np.linspace(0.0, 0.6, 20)].round(3)
    expect_close(f(y, s, 0.55), 0.46,
                 "threshold for 55 % sensitivity with 100 positives scoring 1.00, 0.99, ..., 0.01 "
                 "(55 of 100 found at 0.46)")


def _ties(f):
    # three positives share the score 0.8: a threshold cannot split them
    y = np.array([1, 1, 1, 1, 0, 0])
    s = np.array([0.8, 0.8, 0.8, 0.2, 0.8, 0.1])
    expect_close(f(y, s, 0.75), 0.8, "threshold for 75 % sensitivity when three of four positives tie at 0.8")


def _lists_and_unsorted(f):
    y = [1, 0, 1, 0, 1]
    s = [0.2, 0.9, 0.7, 0.4, 0.5]
    expect_close(f(y, s, 2 / 3), 0.5, "threshold from Python lists, unsorted (positives 0.2, 0.7, 0.5)")


#: (description, case) in the order they run; each case raises ``CaseFailed`` on a wrong answer
CASES = [("a small example by hand", _by_hand), ("the target is reached", _reaches_target),
         ("the highest such threshold", _highest), ("an exact fraction (floating point)", _exact_fraction),
         ("tied scores", _ties), ("plain lists, unsorted", _lists_and_unsorted)]


def threshold_for_sensitivity(student_fn):
    """Check ``threshold_for_sensitivity(y_true, y_score, target) -> float``: the highest threshold
    whose sensitivity (``score >= threshold`` called positive) reaches ``target``.

    Examples
    --------
    >>> from medlab.check import q05
    >>> fn = q05.threshold_for_sensitivity(_reference_threshold)
    ✓ threshold_for_sensitivity: all 6 cases pass.
    """
    return run_checks("threshold_for_sensitivity", student_fn, _reference_threshold, CASES,
                      hint="sort the positives' scores from high to low; the threshold is the k-th of them, "
                           "with k the smallest count such that k / n_positives >= target (compare the "
                           "fractions, do not compute ceil(target * n)).")
