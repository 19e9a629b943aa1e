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


def test_multitask_loss_is_mask_loss_plus_weighted_label_bce():
    import keras

    m = np.zeros((2, 6, 6, 1), "float32")
    m[0, 1:4, 1:4] = 1
    p = np.clip(m, 0.1, 0.9).astype("float32")
    y = np.array([[1.0], [0.0]], "float32")
    q = np.array([[0.7], [0.4]], "float32")
    seg = float(losses.multitask_loss(m, p, y, q, 0.0))
    expected_seg = float(losses.soft_dice_loss(m, p, smooth=1.0)) + float(
        np.mean(keras.losses.binary_crossentropy(m, p)))
    assert np.isclose(seg, expected_seg, atol=1e-6)
    bce = -np.mean([np.log(0.7), np.log(0.6)])
    assert np.isclose(float(losses.multitask_loss(m, p, y, q, 2.5)) - seg, 2.5 * bce, atol=1e-5)
    assert np.isfinite(float(losses.multitask_loss(np.zeros_like(m), np.zeros_like(m), y, y)))
    with pytest.raises(ValueError, match="weight"):
        losses.multitask_loss(m, p, y, q, -1.0)
    with pytest.raises(ValueError, match="same shape"):
        losses.multitask_loss(m, p, y, q[:1])
