"""Calibration metrics (medlab.metrics.calibration): calibration_curve and brier_score, against scikit-learn and
by hand."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.calibration import calibration_curve as sk_calibration_curve
from sklearn.metrics import brier_score_loss

from medlab import metrics

# labels with both classes, and scores on a coarse grid so that ties are common
labelled_scores = st.integers(2, 60).flatmap(lambda n: st.tuples(
    st.lists(st.integers(0, 1), min_size=n, max_size=n).filter(lambda y: 0 < sum(y) < len(y)),
    st.lists(st.integers(0, 10).map(lambda v: v / 10), min_size=n, max_size=n),
))


# ---------------------------------------------------------------- calibration_curve and brier_score

def test_calibration_by_hand():
    prob_true, prob_pred, counts = metrics.calibration_curve(
        [0, 0, 1, 1, 1], [0.1, 0.2, 0.6, 0.8, 0.9], n_bins=2, return_counts=True)
    np.testing.assert_allclose(prob_true, [0.0, 1.0])
    np.testing.assert_allclose(prob_pred, [0.15, 2.3 / 3])
    assert counts.tolist() == [2, 3]


@settings(max_examples=150, deadline=None)
@given(labelled_scores, st.integers(1, 12), st.sampled_from(["uniform", "quantile"]))
def test_calibration_matches_sklearn(data, n_bins, strategy):
    y, p = (np.array(v) for v in data)
    ours = metrics.calibration_curve(y, p, n_bins, strategy)
    theirs = sk_calibration_curve(y, p, n_bins=n_bins, strategy=strategy)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b)


def test_calibration_counts_add_up():
    rng = np.random.default_rng(0)
    p = rng.uniform(size=500)
    y = (rng.uniform(size=500) < p).astype(int)
    prob_true, prob_pred, counts = metrics.calibration_curve(y, p, 10, return_counts=True)
    assert counts.sum() == 500
    assert np.all(np.diff(prob_pred) > 0)
    assert np.max(np.abs(prob_true - prob_pred)) < 0.2  # calibrated by construction


@pytest.mark.parametrize("kwargs, match", [
    (dict(y_true=[0, 1], y_prob=[0.1, 1.2]), "y_prob.*\\[0, 1\\]"),
    (dict(y_true=[0, 2], y_prob=[0.1, 0.2]), "y_true"),
    (dict(y_true=[0, 1], y_prob=[0.1, 0.2], n_bins=0), "n_bins"),
    (dict(y_true=[0, 1], y_prob=[0.1, 0.2], strategy="equal"), "strategy"),
    (dict(y_true=[0, 1, 1], y_prob=[0.1, 0.2]), "same shape"),
])
def test_calibration_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        metrics.calibration_curve(**kwargs)


@settings(max_examples=100, deadline=None)
@given(labelled_scores)
def test_brier_matches_sklearn(data):
    y, p = (np.array(v) for v in data)
    assert metrics.brier_score(y, p) == pytest.approx(brier_score_loss(y, p))


def test_brier_reference_values():
    y = np.r_[np.ones(30), np.zeros(70)].astype(int)
    assert metrics.brier_score(y, np.full(100, 0.3)) == pytest.approx(0.3 * 0.7)
    assert metrics.brier_score(y, y.astype(float)) == 0.0
    with pytest.raises(ValueError, match="y_prob"):
        metrics.brier_score([0, 1], [0.5, -0.5])
