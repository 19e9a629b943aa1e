"""Operating points of binary classifiers (medlab.metrics.classification): threshold_for_sensitivity and ppv_npv,
against scikit-learn and by hand."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.metrics import precision_score
from sklearn.metrics import roc_curve as sk_roc_curve

from medlab import metrics

# labels with both classes, and scores on a coarse grid so that ties are common
labelled_scores = st.integers(2, 60).flatmap(lambda n: st.tuples(
    st.lists(st.integers(0, 1), min_size=n, max_size=n).filter(lambda y: 0 < sum(y) < len(y)),
    st.lists(st.integers(0, 10).map(lambda v: v / 10), min_size=n, max_size=n),
))


# ---------------------------------------------------------------- threshold_for_sensitivity

def test_threshold_by_hand():
    y, s = [0, 1, 1, 0, 1, 1], [0.1, 0.9, 0.6, 0.7, 0.3, 0.8]
    assert metrics.threshold_for_sensitivity(y, s, 0.75) == 0.6
    assert metrics.threshold_for_sensitivity(y, s, 0.76) == 0.3
    assert metrics.threshold_for_sensitivity(y, s, 1.0) == 0.3
    assert metrics.threshold_for_sensitivity(y, s, 0.25) == 0.9


def test_threshold_ties_are_not_split():
    y, s = [1, 1, 1, 1, 0], [0.8, 0.8, 0.8, 0.2, 0.8]
    t = metrics.threshold_for_sensitivity(y, s, 0.5)
    assert t == 0.8
    assert metrics.sensitivity_specificity(y, np.array(s) >= t) == (0.75, 0.0)


def test_threshold_floating_point_fraction():
    # 0.55 * 100 == 55.00000000000001: a ceil() would pick the 56th positive
    y = np.ones(100, int)
    s = np.linspace(1.0, 0.01, 100)
    assert metrics.threshold_for_sensitivity(y, s, 0.55) == s[54]


@settings(max_examples=200, deadline=None)
@given(labelled_scores, st.sampled_from([0.1, 0.5, 0.8, 0.9, 0.95, 1.0, 1 / 3]))
def test_threshold_matches_sklearn_and_is_highest(data, target):
    y, s = (np.array(v) for v in data)
    t = metrics.threshold_for_sensitivity(y, s, target)
    _, tpr, thr = sk_roc_curve(y, s, drop_intermediate=False)
    assert t == thr[np.argmax(tpr >= target)]
    sens = lambda u: np.mean(s[y == 1] >= u)  # noqa: E731
    assert sens(t) >= target
    assert all(sens(u) < target for u in np.unique(s[s > t]))


@pytest.mark.parametrize("args, match", [
    (([0, 0, 0], [0.1, 0.2, 0.3]), "y_true.*positive"),
    (([0, 1, 2], [0.1, 0.2, 0.3]), "y_true"),
    (([0, 1], [0.1, 0.2, 0.3]), "same shape"),
    (([0, 1], [0.1, np.nan]), "y_score"),
    (([0, 1], [0.1, 0.2], 0.0), "target"),
    (([0, 1], [0.1, 0.2], 1.2), "target"),
    (([], []), "y_true"),
])
def test_threshold_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        metrics.threshold_for_sensitivity(*args)


# ---------------------------------------------------------------- ppv_npv

def test_ppv_npv_by_hand():
    ppv, npv = metrics.ppv_npv(0.9, 0.9, 0.5)
    assert ppv == pytest.approx(0.9) and npv == pytest.approx(0.9)
    ppv, npv = metrics.ppv_npv(0.9, 0.9, 0.01)
    assert ppv == pytest.approx(0.009 / (0.009 + 0.099))
    assert npv == pytest.approx(0.891 / (0.891 + 0.001))
    assert isinstance(ppv, float)


@pytest.mark.parametrize("tp, fn, tn, fp", [(45, 5, 90, 10), (9, 1, 891, 99), (1, 0, 3, 7), (30, 70, 100, 0)])
def test_ppv_npv_matches_counts(tp, fn, tn, fp):
    # a confusion matrix with these counts has exactly these rates and prevalence
    y = np.r_[np.ones(tp + fn), np.zeros(tn + fp)].astype(int)
    pred = np.r_[np.ones(tp), np.zeros(fn), np.zeros(tn), np.ones(fp)].astype(int)
    se, sp = tp / (tp + fn), tn / (tn + fp)
    ppv, npv = metrics.ppv_npv(se, sp, (tp + fn) / len(y))
    assert ppv == pytest.approx(precision_score(y, pred))
    assert npv == pytest.approx(precision_score(1 - y, 1 - pred))


def test_ppv_npv_broadcast_and_undefined():
    pis = np.array([0.001, 0.01, 0.1, 0.5])
    ppv, npv = metrics.ppv_npv(0.95, 0.9, pis)
    assert ppv.shape == npv.shape == (4,)
    assert np.all(np.diff(ppv) > 0) and np.all(np.diff(npv) < 0)
    ppv, npv = metrics.ppv_npv(0.0, 1.0, 0.2)  # nobody flagged
    assert np.isnan(ppv) and npv == pytest.approx(0.8)


@settings(max_examples=100, deadline=None)
@given(st.floats(0.01, 1), st.floats(0.01, 0.99), st.floats(0.001, 0.999))
def test_ppv_above_prevalence_for_an_informative_test(se, sp, pi):
    ppv, npv = metrics.ppv_npv(se, sp, pi)
    if se + sp > 1 + 1e-9:  # better than chance: a positive call raises, a negative lowers the odds
        assert ppv >= pi - 1e-12 and npv >= 1 - pi - 1e-12


@pytest.mark.parametrize("args, match", [
    ((1.2, 0.9, 0.1), "sensitivity"),
    ((0.9, -0.1, 0.1), "specificity"),
    ((0.9, 0.9, [0.1, 1.5]), "prevalence"),
    ((0.9, [0.9, 0.8], [0.1, 0.2, 0.3]), "broadcast"),
])
def test_ppv_npv_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        metrics.ppv_npv(*args)


# ---------------------------------------------------------------- ROC analysis and confusion counts

# two-decimal scores: strictly monotone maps stay strictly monotone in floating point (no subnormals)
scores = arrays(np.float64, st.integers(4, 40), elements=st.integers(-500, 500).map(lambda v: v / 100))


@settings(max_examples=60)
@given(scores, st.integers(0, 2**31 - 1))
def test_auc_matches_sklearn_and_is_invariant_to_monotone_transforms(s, seed):
    from sklearn.metrics import roc_auc_score

    y = np.random.default_rng(seed).integers(0, 2, len(s))
    if y.min() == y.max():
        y[0], y[1] = 0, 1
    auc = metrics.roc_auc(y, s)
    assert auc == pytest.approx(roc_auc_score(y, s))
    assert metrics.roc_auc(y, np.exp(s)) == pytest.approx(auc)
    assert metrics.roc_auc(y, 3 * s - 7) == pytest.approx(auc)
    assert metrics.roc_auc(y, -s) == pytest.approx(1 - auc)


def test_roc_curve_matches_sklearn():
    from sklearn.metrics import roc_curve

    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 200)
    s = np.round(rng.normal(size=200) + y, 1)  # ties on purpose
    fpr, tpr, thr = metrics.roc_curve(y, s)
    f2, t2, th2 = roc_curve(y, s, drop_intermediate=False)
    np.testing.assert_allclose(fpr, f2)
    np.testing.assert_allclose(tpr, t2)
    np.testing.assert_allclose(thr[1:], th2[1:])


def test_auc_needs_both_classes():
    with pytest.raises(ValueError, match="both classes"):
        metrics.roc_auc([1, 1, 1], [0.2, 0.3, 0.4])
    with pytest.raises(ValueError, match="y_true: expected binary"):
        metrics.roc_auc([0, 1, 2], [0.2, 0.3, 0.4])
    with pytest.raises(ValueError, match="same shape"):
        metrics.roc_auc([0, 1], [0.2, 0.3, 0.4])


def test_sensitivity_specificity():
    sens, spec = metrics.sensitivity_specificity([1, 1, 1, 0, 0], [1, 1, 0, 0, 1])
    assert (sens, spec) == (pytest.approx(2 / 3), 0.5)
    sens, spec = metrics.sensitivity_specificity([0, 0], [0, 1])
    assert np.isnan(sens) and spec == 0.5
    assert metrics.confusion_counts([1, 0, 1, 0], [1, 1, 0, 0]) == {"tp": 1, "fp": 1, "tn": 1, "fn": 1}
    with pytest.raises(ValueError, match="y_pred: expected a binary mask"):
        metrics.sensitivity_specificity([1, 0], [0.9, 0.1])


@pytest.mark.parametrize("x", [np.array([]), np.array([3.0]), np.array([2.0, 2.0, 2.0]),
                               np.array([0.5, 0.1, 0.5, 0.9, 0.1, 0.5]),
                               np.round(np.random.default_rng(0).normal(size=300), 1)])
def test_ranks_behind_the_auc_give_ties_their_mean_rank(x):
    from scipy.stats import rankdata

    from medlab.metrics._common import _rankdata

    np.testing.assert_array_equal(_rankdata(x), rankdata(x))
