"""Keras losses, one module per concern; every public name is re-exported here.

* :mod:`~medlab.losses.segmentation`: ``soft_dice_loss``, ``bce_dice_loss``;
* :mod:`~medlab.losses.detection`: ``centernet_loss`` (CenterNet's focal heatmap loss + L1 size);
* :mod:`~medlab.losses.multitask`: ``multitask_loss`` (mask and image label from one encoder).

Backend-agnostic through ``keras.ops``; where Keras ships a loss (``keras.losses``), use it rather than
adding one here.
"""

from __future__ import annotations

from .detection import centernet_loss
from .multitask import multitask_loss
from .segmentation import bce_dice_loss, soft_dice_loss

__all__ = ["soft_dice_loss", "bce_dice_loss", "multitask_loss", "centernet_loss"]
