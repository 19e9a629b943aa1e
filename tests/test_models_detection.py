"""medlab.models.detection: the CenterNet-style detector and its targets."""

import numpy as np
import pytest

from medlab import models


def test_centernet_shape_prior_and_errors():
    m = models.centernet((32, 32, 1), depth=2, base_filters=4, prior=0.01)
    assert tuple(m.output.shape) == (None, 32, 32, 2)
    out = m.predict(np.zeros((1, 32, 32, 1), "float32"), verbose=0)
    assert out[..., 0].mean() == pytest.approx(0.01, abs=0.01)  # the heatmap starts near the prior
    assert out[..., 1].min() >= 0  # the radius is a ReLU
    with pytest.raises(ValueError, match="divisible by 2\\*\\*depth = 4"):
        models.centernet((30, 30, 1), depth=2)
    with pytest.raises(ValueError, match="prior"):
        models.centernet((32, 32, 1), prior=1.0)
    with pytest.raises(ValueError, match="depth"):
        models.centernet((32, 32, 1), depth=0)


def test_centre_targets_peaks_radius_and_overlap():
    lesions = [[{"center": (3.4, 5.6), "radius": 2.0}, {"center": (3.4, 8.0), "radius": 3.0}], [], [(10, 1, 4.5)]]
    t = models.centre_targets(lesions, (12, 10), sigma=1.0)
    assert t.shape == (3, 12, 10, 2) and t.dtype == np.float32
    assert t[0, 3, 6, 0] == 1.0 and t[0, 3, 8, 0] == 1.0  # the pixel nearest each centre
    assert t[0, 3, 7, 0] == pytest.approx(np.exp(-0.5))  # between the two: the larger Gaussian, not the sum
    assert t[0, 3, 6, 1] == 2.0 and t[0, 3, 8, 1] == 3.0 and np.count_nonzero(t[0, ..., 1]) == 2
    assert not t[1].any()
    assert t[2, 10, 1, 0] == 1.0 and t[2, 10, 1, 1] == 4.5
    with pytest.raises(ValueError, match="image 0, lesion 0: centre \\(20, 1\\) outside the 12x10 image"):
        models.centre_targets([[(20, 1, 2)]], (12, 10))
    with pytest.raises(ValueError, match="sigma"):
        models.centre_targets([[]], (12, 10), sigma=0)
    with pytest.raises(TypeError, match="shape"):
        models.centre_targets([[]], 12)
