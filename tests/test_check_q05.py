"""Notebook 05's checker case by case, beyond the contract (tests/checker_cases/q05.py): each case
rejects its own wrong answer with the exact message (numbers included) and accepts what it does not
test; the module-level case data are fixed and match their descriptions."""

import numpy as np
import pytest
from checker_cases.q05 import (
    _ceil,
    _distinct_scores,
    _lowest_positive,
    _midpoint,
    _one_too_far,
    _one_too_high,
    _unsorted,
    _wrong_direction,
)

from medlab import metrics
from medlab.check import q05
from medlab.check._core import CaseFailed

CASE = dict(q05.CASES)
BY_HAND = "threshold for 75 % sensitivity (positives score 0.9, 0.8, 0.6, 0.3): "
FIFTY_FIVE = ("threshold for 55 % sensitivity with 100 positives scoring 1.00, 0.99, ..., 0.01 "
              "(55 of 100 found at 0.46): ")
RULE = " (is the rule `score >= threshold`, and do you use the positives' scores?)"
HIGHER = " does too and keeps more specificity; return the highest one"


@pytest.mark.parametrize("case", list(CASE))
def test_each_case_passes_the_reference(case):
    CASE[case](metrics.threshold_for_sensitivity)


@pytest.mark.parametrize("case, wrong, message", [
    ("a small example by hand", _wrong_direction, BY_HAND + "expected 0.6, got 0.9"),
    ("a small example by hand", _one_too_high, BY_HAND + "expected 0.6, got 0.8"),
    ("a small example by hand", _midpoint, BY_HAND + "your threshold 0.45 is not one of the positives' scores"),
    ("a small example by hand", _one_too_far, BY_HAND + "your threshold 0.3 is the lowest positive score"),
    ("the target is reached", _wrong_direction,
     "at your threshold 0.7619 the sensitivity is 0.204, below the target 0.8" + RULE),
    ("the target is reached", _one_too_high,
     "at your threshold 0.6666 the sensitivity is 0.490, below the target 0.5" + RULE),
    ("the target is reached", _unsorted,
     "at your threshold 0.5997 the sensitivity is 0.724, below the target 0.8" + RULE),
    ("the highest such threshold", _lowest_positive,
     "target 0.5: your threshold 0.2963 reaches it, but the higher threshold 0.6642" + HIGHER),
    ("the highest such threshold", _one_too_far,
     "target 0.5: your threshold 0.6639 reaches it, but the higher threshold 0.6642" + HIGHER),
    ("the highest such threshold", _midpoint,
     "target 0.5: your threshold 0.6641 reaches it, but the higher threshold 0.6642" + HIGHER),
    ("an exact fraction (floating point)", _ceil, FIFTY_FIVE + "expected 0.46, got 0.45"),
    ("an exact fraction (floating point)", _one_too_high, FIFTY_FIVE + "expected 0.46, got 0.47"),
    ("tied scores", _distinct_scores,
     "threshold for 75 % sensitivity when three of four positives tie at 0.8: expected 0.8, got 0.2"),
    ("plain lists, unsorted", _midpoint,
     "threshold from Python lists, unsorted (positives 0.2, 0.7, 0.5): expected 0.5, got 0.35"),
    ("plain lists, unsorted", _lowest_positive,
     "threshold from Python lists, unsorted (positives 0.2, 0.7, 0.5): expected 0.5, got 0.2"),
])
def test_each_case_rejects_its_wrong_answer(case, wrong, message):
    with pytest.raises(CaseFailed) as err:
        CASE[case](wrong)
    assert str(err.value).startswith(message), str(err.value)


@pytest.mark.parametrize("case, wrong", [
    ("the target is reached", _lowest_positive), ("the target is reached", _ceil),
    ("the highest such threshold", _ceil), ("the highest such threshold", _one_too_high),
    ("an exact fraction (floating point)", _unsorted), ("tied scores", _one_too_high),
])
def test_cases_accept_what_they_do_not_test(case, wrong):
    """A case rejects only its own mistake: the first failing case names the real one."""
    CASE[case](wrong)


def test_random_scores_are_fixed():
    y, s = q05._random_scores()
    assert y.shape == s.shape == (200,) and set(np.unique(y)) == {0, 1}
    assert np.all((s >= 0) & (s <= 1)) and np.all(s == s.round(4))
    assert s[y == 1].mean() - s[y == 0].mean() > 0.2  # positives score higher, with overlap
    assert s[y == 1].min() < s[y == 0].max()


def _spy_inputs(case):
    """What a case passes to the student's function (the reference answers, so the case runs on)."""
    calls = []

    def spy(y, s, target):
        calls.append((y, s, target))
        return metrics.threshold_for_sensitivity(y, s, target)

    CASE[case](spy)
    return calls


@pytest.mark.parametrize("case", list(CASE))
def test_case_inputs_are_labels_and_probabilities(case):
    for y, s, target in _spy_inputs(case):
        y, s = np.asarray(y), np.asarray(s)
        assert set(np.unique(y)) == {0, 1} and 0 < target <= 1
        assert np.all((s >= 0) & (s <= 1)), f"{case}: scores outside [0, 1]"
        # a negative scores above some positive: an answer that ranks every score would differ
        assert s[y == 0].max() > s[y == 1].min(), case


@pytest.mark.parametrize("case, positives", [
    ("a small example by hand", [0.9, 0.8, 0.6, 0.3]),
    ("tied scores", [0.8, 0.8, 0.8, 0.2]),
    ("plain lists, unsorted", [0.7, 0.5, 0.2]),
])
def test_case_data_match_their_descriptions(case, positives):
    for y, s, _ in _spy_inputs(case):
        found = np.sort(np.asarray(s, float)[np.asarray(y) == 1])[::-1]
        np.testing.assert_allclose(found, positives)
    if case == "plain lists, unsorted":
        y, s, _ = _spy_inputs(case)[0]
        assert isinstance(y, list) and isinstance(s, list) and s != sorted(s) and s != sorted(s, reverse=True)
