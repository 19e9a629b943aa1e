"""medlab.losses.segmentation: soft Dice and BCE + Dice."""

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
