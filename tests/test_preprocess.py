"""medlab.preprocess: intensity normalization and CT windowing."""

import numpy as np
import pytest

from medlab import preprocess


def test_normalize_intensity():
    rng = np.random.default_rng(0)
    x = rng.normal(5, 3, (4, 8, 8, 1))
    z = preprocess.normalize_intensity(x)
    np.testing.assert_allclose(z.mean(axis=(1, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(z.std(axis=(1, 2, 3)), 1, atol=1e-3)
    m = preprocess.normalize_intensity(x, "minmax")
    assert m.min() == pytest.approx(0, abs=1e-6) and m.max() == pytest.approx(1, abs=1e-5)
    const = preprocess.normalize_intensity(np.ones((1, 4, 4)))
    assert np.all(const == 0)
    mask = np.zeros_like(x, bool)
    mask[:, 2:6, 2:6] = True
    zm = preprocess.normalize_intensity(x, mask=mask)
    np.testing.assert_allclose([zm[i][mask[i]].mean() for i in range(4)], 0, atol=1e-5)
    with pytest.raises(ValueError, match="method"):
        preprocess.normalize_intensity(x, "l2")
    with pytest.raises(ValueError, match="images: expected 3 or 4 dimensions"):
        preprocess.normalize_intensity(np.zeros((4, 4)))

def test_window_hu():
    out = preprocess.window_hu(np.array([-1000.0, -160.0, 40.0, 240.0, 3000.0]), level=40, width=400)
    np.testing.assert_allclose(out, [0, 0, 0.5, 1, 1])
    with pytest.raises(ValueError, match="width"):
        preprocess.window_hu(np.zeros(3), width=0)
