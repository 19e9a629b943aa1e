"""Input checks shared by the losses."""

from __future__ import annotations


def _check(y_true, y_pred):
    if tuple(y_true.shape) != tuple(y_pred.shape):
        raise ValueError(
            f"y_true and y_pred must have the same shape, got {tuple(y_true.shape)} and {tuple(y_pred.shape)}"
        )
    if len(y_pred.shape) < 2:
        raise ValueError(f"y_pred: expected a batch (N, ...), got shape {tuple(y_pred.shape)}")
