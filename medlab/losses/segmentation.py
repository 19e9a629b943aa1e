"""Segmentation losses for Keras 3 (backend-agnostic through ``keras.ops``): soft Dice, BCE + Dice."""

from __future__ import annotations

import keras
from keras import ops

from ._common import _check

__all__ = ["soft_dice_loss", "bce_dice_loss"]


def soft_dice_loss(y_true, y_pred, smooth=1e-6):
    """Soft Dice loss ``1 - (2 Σ y p + s) / (Σ y + Σ p + s)``, per image, averaged over the batch.

    Probabilities are used as they are (no threshold), so the loss is differentiable. Computing it
    per image keeps small lesions from being drowned by large ones in the same batch. An image
    with an empty mask and an empty prediction scores a loss of 0.

    Parameters
    ----------
    y_true : tensor, shape (N, ...)
        Binary ground truth.
    y_pred : tensor, same shape
        Probabilities in [0, 1] (after the sigmoid).
    smooth : float
        Keeps the ratio defined for empty images.

    Returns
    -------
    scalar tensor

    Examples
    --------
    >>> import numpy as np
    >>> y = np.ones((1, 2, 2, 1), "float32")
    >>> float(soft_dice_loss(y, y))
    0.0
    """
    y_true = ops.convert_to_tensor(y_true, dtype="float32")
    y_pred = ops.convert_to_tensor(y_pred, dtype="float32")
    _check(y_true, y_pred)
    axes = tuple(range(1, len(y_pred.shape)))
    inter = ops.sum(y_true * y_pred, axis=axes)
    total = ops.sum(y_true, axis=axes) + ops.sum(y_pred, axis=axes)
    return ops.mean(1.0 - (2.0 * inter + smooth) / (total + smooth))


def bce_dice_loss(y_true, y_pred, bce_weight=0.5):
    """``bce_weight * BCE + (1 - bce_weight) * soft Dice``.

    BCE gives smooth, well-scaled per-pixel gradients from the first step; Dice counters the
    imbalance between a small lesion and a large background.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.zeros((1, 4, 4, 1), "float32"); y[0, :2] = 1
    >>> round(float(bce_dice_loss(y, np.clip(y, 0.01, 0.99))), 2)
    0.01
    """
    if not 0.0 <= bce_weight <= 1.0:
        raise ValueError(f"bce_weight: expected a value in [0, 1], got {bce_weight}")
    y_true = ops.convert_to_tensor(y_true, dtype="float32")
    y_pred = ops.convert_to_tensor(y_pred, dtype="float32")
    bce = ops.mean(keras.losses.binary_crossentropy(y_true, y_pred))
    return bce_weight * bce + (1.0 - bce_weight) * soft_dice_loss(y_true, y_pred)

