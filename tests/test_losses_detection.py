"""medlab.losses.detection: CenterNet's heatmap and size loss (notebook 09)."""

import numpy as np
import pytest

from medlab import losses, models


def test_centernet_loss_focal_and_size_terms():
    y = models.centre_targets([[(4, 4, 3.0)]], (9, 9), sigma=1.0)
    perfect = y.copy()
    perfect[..., 0] = np.clip(perfect[..., 0] * (perfect[..., 0] >= 1), 1e-4, 1 - 1e-4)
    assert float(losses.centernet_loss(y, perfect)) < 1e-3
    # a high score next to the centre costs less than the same score far from it (penalty reduction)
    near, far = perfect.copy(), perfect.copy()
    near[0, 4, 5, 0] = 0.5
    far[0, 0, 0, 0] = 0.5
    assert 0 < float(losses.centernet_loss(y, near)) < float(losses.centernet_loss(y, far))
    # the radius counts at the centre only, with weight 0.1
    wrong_size = perfect.copy()
    wrong_size[0, 4, 4, 1] = 5.0
    wrong_size[0, 0, 0, 1] = 9.0  # ignored: not a centre
    assert float(losses.centernet_loss(y, wrong_size)) == pytest.approx(0.1 * 2.0, abs=1e-3)
    assert float(losses.centernet_loss(y, wrong_size, size_weight=0.0)) < 1e-3
    with pytest.raises(ValueError, match="2 channels"):
        losses.centernet_loss(y[..., :1], perfect[..., :1])
