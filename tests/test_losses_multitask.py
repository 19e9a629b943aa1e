"""medlab.losses.multitask: the segmentation + classification loss of notebook 15."""

import numpy as np
import pytest

from medlab import losses


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
