"""Saliency-map metrics (medlab.metrics.saliency): pointing game and Spearman rank correlation (NumPy only)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from medlab import metrics


def _mask(shape=(8, 8), box=(2, 4, 2, 4)):
    m = np.zeros(shape, bool)
    r0, r1, c0, c1 = box
    m[r0:r1, c0:c1] = True
    return m


# ---------------------------------------------------------------- pointing_game

def test_pointing_game_hit_miss_and_tolerance():
    masks = np.stack([_mask(), _mask()])
    heat = np.zeros((2, 8, 8))
    heat[0, 3, 3] = 1.0  # inside
    heat[1, 3, 6] = 1.0  # 3 px right of the mask's last column (col 3)
    assert metrics.pointing_game(heat, masks) == 0.5
    assert metrics.pointing_game(heat, masks, per_image=True).tolist() == [True, False]
    assert metrics.pointing_game(heat, masks, tolerance=2.9) == 0.5
    assert metrics.pointing_game(heat, masks, tolerance=3) == 1.0


def test_pointing_game_ties_and_flat_maps():
    masks = _mask()[None]
    assert metrics.pointing_game(np.zeros((1, 8, 8)), masks) == 0.0  # a flat map points nowhere
    heat = np.zeros((1, 8, 8))
    heat[0, 2, 2] = heat[0, 3, 3] = 1.0  # two peaks, both on the lesion
    assert metrics.pointing_game(heat, masks) == 1.0
    heat[0, 7, 7] = 1.0  # a third, off the lesion
    assert metrics.pointing_game(heat, masks) == 0.0


def test_pointing_game_bad_input():
    masks = np.stack([_mask(), np.zeros((8, 8), bool)])
    with pytest.raises(ValueError, match="masks.*\\[1\\]"):
        metrics.pointing_game(np.zeros((2, 8, 8)), masks)
    with pytest.raises(ValueError, match="heatmaps and masks"):
        metrics.pointing_game(np.zeros((1, 8, 7)), _mask()[None])
    with pytest.raises(ValueError, match="masks"):
        metrics.pointing_game(np.zeros((1, 8, 8)), 0.5 * _mask()[None])
    with pytest.raises(ValueError, match="tolerance"):
        metrics.pointing_game(np.zeros((1, 8, 8)), _mask()[None], tolerance=-1)
    with pytest.raises(ValueError, match="heatmaps"):
        metrics.pointing_game(np.zeros((8, 8)), _mask())
    with pytest.raises(ValueError, match="heatmaps"):
        metrics.pointing_game(np.full((1, 8, 8), np.nan), _mask()[None])


@given(st.integers(0, 2**32 - 1))
def test_pointing_game_properties(seed):
    rng = np.random.default_rng(seed)
    masks = rng.random((4, 10, 10)) < 0.15
    masks[:, 5, 5] = True
    heat = rng.normal(size=(4, 10, 10))
    rate = metrics.pointing_game(heat, masks, tolerance=1)
    assert 0.0 <= rate <= 1.0
    # only the position of the maximum matters: any increasing transform gives the same answer
    assert metrics.pointing_game(np.exp(3 * heat) + 7, masks, tolerance=1) == rate
    # more tolerance never loses a hit
    assert metrics.pointing_game(heat, masks, tolerance=2) >= rate
    # a map peaked on a mask pixel always hits
    peaked = heat.copy()
    peaked[:, 5, 5] = heat.max() + 1
    assert metrics.pointing_game(peaked, masks) == 1.0


# ---------------------------------------------------------------- spearman_correlation

def test_spearman_known_values():
    assert metrics.spearman_correlation([1, 2, 3, 4], [1, 4, 9, 16]) == 1.0
    assert metrics.spearman_correlation([1, 2, 3, 4], [4, 3, 2, 1]) == -1.0
    assert np.isclose(metrics.spearman_correlation([1, 2, 3, 4], [1, 3, 2, 4]), 0.8)
    assert np.isnan(metrics.spearman_correlation([1, 1, 1], [1, 2, 3]))


def test_spearman_bad_input():
    with pytest.raises(ValueError, match="a and b"):
        metrics.spearman_correlation(np.zeros((2, 2)), np.zeros(5))
    with pytest.raises(ValueError, match="a"):
        metrics.spearman_correlation([1], [2])


@given(st.lists(st.integers(-5, 5), min_size=3, max_size=40), st.integers(0, 2**32 - 1))
def test_spearman_matches_scipy_and_is_symmetric(values, seed):
    from scipy.stats import spearmanr

    a = np.asarray(values, float)
    b = np.random.default_rng(seed).integers(-3, 4, len(a)).astype(float)  # with ties
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        assert np.isnan(metrics.spearman_correlation(a, b))
        return
    r = metrics.spearman_correlation(a, b)
    assert np.isclose(r, spearmanr(a, b).statistic)
    assert np.isclose(r, metrics.spearman_correlation(b, a))
    assert np.isclose(metrics.spearman_correlation(np.exp(a), 2 * b - 1), r)  # rank-based
