"""Checker of notebook 05: the reference passes, the stub falls back, wrong answers are rejected."""

import numpy as np
import pytest

from medlab import metrics
from medlab.check import q05


def stub(*args, **kwargs):
    raise NotImplementedError()


def test_reference_passes(capsys):
    fn = q05.threshold_for_sensitivity(metrics.threshold_for_sensitivity)
    assert fn is metrics.threshold_for_sensitivity
    assert "✓" in capsys.readouterr().out


def test_stub_falls_back(capsys):
    fn = q05.threshold_for_sensitivity(stub)
    assert fn is metrics.threshold_for_sensitivity
    assert "not written yet" in capsys.readouterr().out


def test_student_solution_passes():
    def mine(y_true, y_score, target=0.9):
        y, s = np.asarray(y_true, bool), np.asarray(y_score, float)
        pos = np.sort(s[y])[::-1]
        k = np.argmax(np.arange(1, len(pos) + 1) / len(pos) >= target)
        return pos[k]

    assert q05.threshold_for_sensitivity(mine) is mine


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


@pytest.mark.parametrize("wrong, message", [
    (_quantile, r"case 'a small example by hand': .*your threshold 0.525 is not one of the positives' scores"),
    (_ceil, r"case 'an exact fraction \(floating point\)': .*expected 0.46, got 0.45"),
    (_all_scores, r"case 'a small example by hand': .*your threshold 0.3 is the lowest positive score"),
    (_one_too_far, r"case 'a small example by hand': .*your threshold 0.3 is the lowest positive score"),
    (_lowest_positive, r"case 'a small example by hand': .*your threshold 0.3 is the lowest positive score"),
    (_sklearn_default, r"case 'a small example by hand': .*your threshold 0.3 is the lowest positive score"),
])
def test_wrong_answers_rejected(wrong, message):
    with pytest.raises(AssertionError, match=message):
        q05.threshold_for_sensitivity(wrong)


def test_crashing_answer_reported():
    def crashes(y, s, target):
        return s[y]  # lists cannot be indexed by lists

    message = r"case 'a small example by hand': .*expected shape \(\), got shape \(6,\)"
    with pytest.raises(AssertionError, match=message):
        q05.threshold_for_sensitivity(crashes)
