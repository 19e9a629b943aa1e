"""Segmentation and detection losses for Keras 3 (backend-agnostic through ``keras.ops``)."""

from __future__ import annotations

import keras
from keras import ops

__all__ = ["soft_dice_loss", "bce_dice_loss", "centernet_loss"]


def _check(y_true, y_pred):
    if tuple(y_true.shape) != tuple(y_pred.shape):
        raise ValueError(
            f"y_true and y_pred must have the same shape, got {tuple(y_true.shape)} and {tuple(y_pred.shape)}"
        )
    if len(y_pred.shape) < 2:
        raise ValueError(f"y_pred: expected a batch (N, ...), got shape {tuple(y_pred.shape)}")


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


def centernet_loss(y_true, y_pred, *, alpha=2.0, beta=4.0, size_weight=0.1, eps=1e-6):
    """CenterNet's loss (Zhou et al., 2019): penalty-reduced focal loss on the heatmap + L1 on the size.

    Channel 0 is the centre heatmap: at a centre (target 1) the loss is ``-(1 - p)**alpha log p``;
    elsewhere ``-(1 - y)**beta p**alpha log(1 - p)``, so pixels near a centre (target y close to 1)
    are barely punished for a high score, and easy background pixels hardly count. The sum is
    divided by the number of centres in the batch. Channel 1 is the radius, compared (L1) only
    where the target radius is positive, i.e. at the centres (see
    :func:`medlab.models.centre_targets`), and weighted by ``size_weight``.

    Parameters
    ----------
    y_true, y_pred : tensor (N, H, W, 2)
        Targets from :func:`medlab.models.centre_targets`; predictions of :func:`medlab.models.centernet`.
    alpha, beta : float
        The focal and penalty-reduction exponents (CenterNet's 2 and 4).
    size_weight : float
        Weight of the radius term (CenterNet's 0.1).

    Returns
    -------
    scalar tensor

    References
    ----------
    X. Zhou, D. Wang, P. Krähenbühl. *Objects as points.* arXiv:1904.07850, 2019.
    T.-Y. Lin et al. *Focal loss for dense object detection.* ICCV, 2017.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.zeros((1, 4, 4, 2), "float32"); y[0, 1, 1] = (1.0, 2.0)
    >>> good = np.full_like(y, 0.01); good[0, 1, 1] = (0.99, 2.0)
    >>> bad = np.full_like(y, 0.5); bad[0, 1, 1] = (0.5, 4.0)
    >>> float(centernet_loss(y, good)) < 0.01 < float(centernet_loss(y, bad))
    True
    """
    y_true = ops.convert_to_tensor(y_true, dtype="float32")
    y_pred = ops.convert_to_tensor(y_pred, dtype="float32")
    _check(y_true, y_pred)
    if y_pred.shape[-1] != 2:
        raise ValueError(f"y_pred: expected 2 channels (heatmap, radius), got shape {tuple(y_pred.shape)}")
    heat, p = y_true[..., 0], ops.clip(y_pred[..., 0], eps, 1.0 - eps)
    centre = ops.cast(heat >= 1.0 - 1e-4, "float32")
    pos = -centre * (1.0 - p) ** alpha * ops.log(p)
    neg = -(1.0 - centre) * (1.0 - heat) ** beta * p**alpha * ops.log(1.0 - p)
    n_centres = ops.maximum(ops.sum(centre), 1.0)
    has_size = ops.cast(y_true[..., 1] > 0, "float32")
    size = ops.sum(has_size * ops.abs(y_true[..., 1] - y_pred[..., 1])) / ops.maximum(ops.sum(has_size), 1.0)
    return (ops.sum(pos) + ops.sum(neg)) / n_centres + size_weight * size
