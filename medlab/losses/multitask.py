"""Losses of models with several heads (notebook 15: a mask and an image label from one encoder)."""

from __future__ import annotations

import keras
from keras import ops

from ._common import _check
from .segmentation import soft_dice_loss

__all__ = ["multitask_loss"]


def multitask_loss(mask_true, mask_pred, y_true, y_pred, weight=1.0):
    """Loss of a segmentation + classification model: ``Dice + BCE`` on the mask ``+ weight * BCE`` on the label.

    The mask term is the soft Dice loss (:func:`soft_dice_loss`, per image, smoothed so that an
    empty mask and an empty prediction score 0) plus the mean per-pixel binary cross-entropy; the
    classification term is the mean binary cross-entropy of the image labels. ``weight`` sets how
    much the classification task pulls on the shared encoder: 0 trains a pure segmentation model.
    Both predictions are probabilities (after a sigmoid).

    Parameters
    ----------
    mask_true, mask_pred : tensor (N, H, W, 1)
        Binary masks and predicted probabilities.
    y_true, y_pred : tensor (N, 1)
        Binary labels and predicted probabilities.
    weight : float
        Weight of the classification term (>= 0).

    Returns
    -------
    scalar tensor

    Examples
    --------
    >>> import numpy as np
    >>> m = np.zeros((2, 4, 4, 1), "float32"); m[0, :2] = 1
    >>> y = np.array([[1.0], [0.0]], "float32")
    >>> round(float(multitask_loss(m, m, y, y)), 4)  # perfect predictions: only Keras' clipping is left
    0.0
    """
    if not weight >= 0:
        raise ValueError(f"weight: expected a number >= 0, got {weight!r}")
    mask_true = ops.convert_to_tensor(mask_true, dtype="float32")
    mask_pred = ops.convert_to_tensor(mask_pred, dtype="float32")
    y_true = ops.convert_to_tensor(y_true, dtype="float32")
    y_pred = ops.convert_to_tensor(y_pred, dtype="float32")
    _check(mask_true, mask_pred)
    _check(y_true, y_pred)
    mask_bce = ops.mean(keras.losses.binary_crossentropy(mask_true, mask_pred))
    label_bce = ops.mean(keras.losses.binary_crossentropy(y_true, y_pred))
    return soft_dice_loss(mask_true, mask_pred, smooth=1.0) + mask_bce + weight * label_bce
