"""Detection losses for Keras 3 (backend-agnostic through ``keras.ops``): CenterNet's heatmap + size loss."""

from __future__ import annotations

from keras import ops

from ._common import _check

__all__ = ["centernet_loss"]


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
