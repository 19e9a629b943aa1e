"""medlab.metrics.bootstrap_ci: confidence intervals resampled by patient."""

import numpy as np
import pytest

from medlab import metrics


def test_bootstrap_ci_of_a_mean_is_close_to_the_normal_interval():
    x = np.random.default_rng(0).normal(1.0, 2.0, 400)
    est, low, high = metrics.bootstrap_ci(np.mean, x, n_boot=2000, seed=1)
    half = 1.96 * x.std() / np.sqrt(len(x))
    assert est == pytest.approx(x.mean())
    assert low == pytest.approx(x.mean() - half, abs=0.05) and high == pytest.approx(x.mean() + half, abs=0.05)


def test_bootstrap_ci_is_reproducible_and_level_widens_it():
    x = np.random.default_rng(2).normal(size=100)
    assert metrics.bootstrap_ci(np.mean, x, seed=3) == metrics.bootstrap_ci(np.mean, x, seed=3)
    _, low90, high90 = metrics.bootstrap_ci(np.mean, x, level=0.90, seed=3)
    _, low99, high99 = metrics.bootstrap_ci(np.mean, x, level=0.99, seed=3)
    assert low99 < low90 < high90 < high99


def test_bootstrap_resamples_whole_groups():
    # every group holds two identical values: resampling groups keeps them paired, so every
    # resampled mean is a mean of pairs, i.e. a multiple of 1/len(groups) (here 0, 1/4, ..., 1)
    x = np.array([0, 0, 1, 1, 0, 0, 1, 1], float)
    groups = np.array([0, 0, 1, 1, 2, 2, 3, 3])
    seen = []
    metrics.bootstrap_ci(lambda a: seen.append(a.mean()) or a.mean(), x, groups=groups, n_boot=200, seed=0)
    assert np.allclose(np.array(seen[1:]) * 4, np.round(np.array(seen[1:]) * 4))
    # resampling single items instead gives eighths
    seen.clear()
    metrics.bootstrap_ci(lambda a: seen.append(a.mean()) or a.mean(), x, n_boot=200, seed=0)
    assert not np.allclose(np.array(seen[1:]) * 4, np.round(np.array(seen[1:]) * 4))


def test_grouped_interval_is_wider_when_images_of_a_patient_agree():
    rng = np.random.default_rng(5)
    per_patient = rng.normal(size=30)
    x = np.repeat(per_patient, 4) + rng.normal(0, 0.1, 120)
    groups = np.repeat(np.arange(30), 4)
    _, lo_g, hi_g = metrics.bootstrap_ci(np.mean, x, groups=groups, seed=0)
    _, lo_i, hi_i = metrics.bootstrap_ci(np.mean, x, seed=0)
    assert hi_g - lo_g > 1.5 * (hi_i - lo_i)


def test_paired_auc_difference_and_skipped_resamples():
    y = np.array([0, 1] * 20)
    good = y + np.random.default_rng(1).normal(0, 0.3, 40)
    bad = np.random.default_rng(2).normal(size=40)
    diff, low, high = metrics.bootstrap_ci(lambda t, a, b: metrics.roc_auc(t, a) - metrics.roc_auc(t, b),
                                           y, good, bad, seed=0)
    assert low > 0 and low <= diff <= high
    # tiny groups: some resamples have one class only; roc_auc raises there and they are skipped
    est, low, high = metrics.bootstrap_ci(metrics.roc_auc, np.array([0, 1, 1]), np.array([0.1, 0.9, 0.8]),
                                          n_boot=50, seed=0)
    assert est == 1.0 and low == high == 1.0


@pytest.mark.parametrize("args, kwargs, error, match", [
    ((42, np.zeros(3)), {}, TypeError, "statistic"),
    ((np.mean,), {}, ValueError, "arrays"),
    ((np.mean, np.zeros(3), np.zeros(4)), {}, ValueError, "same length 3"),
    ((np.mean, np.zeros((3, 2))), {}, ValueError, "1D arrays"),
    ((np.mean, np.zeros(3)), dict(groups=[0, 1]), ValueError, "groups"),
    ((np.mean, np.zeros(3)), dict(n_boot=5), ValueError, "n_boot"),
    ((np.mean, np.zeros(3)), dict(level=1.0), ValueError, "level"),
    ((lambda a: float("nan"), np.zeros(3)), {}, ValueError, "every resample"),
])
def test_bootstrap_ci_rejects_bad_input(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        metrics.bootstrap_ci(*args, **kwargs)


def test_auc_difference_ci_is_the_paired_bootstrap_of_the_auc_difference():
    rng = np.random.default_rng(7)
    y = np.repeat([0, 1], 60)
    a, b = y + rng.normal(0, 0.6, 120), y + rng.normal(0, 1.2, 120)
    groups = np.arange(120) // 3
    d, low, high = metrics.auc_difference_ci(y, a, b, groups=groups, n_boot=300, seed=4)
    assert d == pytest.approx(metrics.roc_auc(y, a) - metrics.roc_auc(y, b))
    assert (d, low, high) == metrics.bootstrap_ci(lambda t, s, u: metrics.roc_auc(t, s) - metrics.roc_auc(t, u),
                                                  y, a, b, groups=groups, n_boot=300, seed=4)
    assert 0 < low < d < high  # the better scorer is clearly better here
    d, low, high = metrics.auc_difference_ci(y, b, a, groups=groups, n_boot=300, seed=4)
    assert low < d < high < 0  # and the order of the two is the sign
    assert metrics.auc_difference_ci(y, a, a, n_boot=50, seed=0) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize(("args", "match"), [
    (([0, 1, 0, 1], [0.1, 0.9, 0.2], [0.1, 0.9, 0.2, 0.8]), "score_a"),
    (([0, 1, 0, 1], [0.1, 0.9, 0.2, 0.8], [[0.1, 0.9, 0.2, 0.8]]), "score_b"),
    (([0, 2, 0, 1], [0.1, 0.9, 0.2, 0.8], [0.1, 0.9, 0.2, 0.8]), "y_true"),
])
def test_auc_difference_ci_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        metrics.auc_difference_ci(*args, n_boot=20, seed=0)
