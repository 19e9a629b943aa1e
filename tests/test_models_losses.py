"""medlab.models and medlab.losses."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from medlab import losses, models


def test_small_cnn_accepts_any_size_and_outputs_probabilities():
    m = models.small_cnn()
    for size in (32, 48):
        out = m(np.random.default_rng(0).normal(size=(2, size, size, 1)).astype("float32")).numpy()
        assert out.shape == (2, 1) and np.all((out >= 0) & (out <= 1))
    assert models.small_cnn((64, 64, 1), n_outputs=3, output_activation="softmax").output.shape[-1] == 3


def test_unet_shapes_custom_decoder_and_errors():
    m = models.unet((32, 32, 1), depth=2, base_filters=4)
    assert tuple(m.output.shape) == (None, 32, 32, 1)
    calls = []

    def decoder(x, skip, filters):
        calls.append(filters)
        return models.decoder_block(x, skip, filters)

    models.unet((32, 32, 1), depth=3, base_filters=4, decoder=decoder)
    assert calls == [16, 8, 4]
    with pytest.raises(ValueError, match="divisible by 2\\*\\*depth = 8"):
        models.unet((36, 36, 1), depth=3)
    with pytest.raises(ValueError, match="input_shape"):
        models.small_cnn((64, 64))


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
