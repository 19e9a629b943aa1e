"""medlab.losses: soft Dice and BCE + Dice."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from medlab import losses, models


def test_soft_dice_loss_values():
    y = np.zeros((2, 4, 4, 1), "float32")
    y[0, :2, :2] = 1
    assert float(losses.soft_dice_loss(y, y)) == pytest.approx(0.0, abs=1e-6)
    assert float(losses.soft_dice_loss(y, 1 - y)) == pytest.approx(1.0, abs=1e-4)  # no overlap in either image
    p = np.full_like(y, 0.5)
    expected_0 = 1 - (2 * 2) / (4 + 8)
    expected_1 = 1 - 1e-6 / (8 + 1e-6)
    assert float(losses.soft_dice_loss(y, p)) == pytest.approx((expected_0 + expected_1) / 2, rel=1e-5)
    with pytest.raises(ValueError, match="same shape"):
        losses.soft_dice_loss(y, y[:1])

def test_bce_dice_loss_trains_a_unet_a_little():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 16, 16, 1)).astype("float32")
    y = (x > 1).astype("float32")
    keras.utils.set_random_seed(0)
    m = models.unet((16, 16, 1), depth=1, base_filters=4)
    m.compile(keras.optimizers.Adam(1e-2), losses.bce_dice_loss)
    h = m.fit(x, y, epochs=15, verbose=0)
    assert h.history["loss"][-1] < h.history["loss"][0] * 0.8
    with pytest.raises(ValueError, match="bce_weight"):
        losses.bce_dice_loss(tf.constant(y), tf.constant(y), bce_weight=2)


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
