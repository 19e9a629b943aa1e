"""A compact classification CNN."""

from __future__ import annotations

import keras
from keras import layers

from ._common import _check_shape

__all__ = ["small_cnn"]


def small_cnn(input_shape=(None, None, 1), *, filters=(16, 32, 64), n_outputs=1,
              output_activation="sigmoid", dropout=0.2, pooling="avg", name="small_cnn"):
    """A compact classification CNN: conv blocks with pooling, global (average or max) pooling, a dense head.

    Global pooling (instead of ``Flatten``) keeps the parameter count independent of the image
    size, accepts any input size and makes the model look for a pattern *anywhere* in the image.
    Batch norm uses momentum 0.9 (Keras' default 0.99 needs thousands of steps before its moving
    statistics are usable, so short runs validate badly).

    Parameters
    ----------
    input_shape : (H, W, C)
        ``None`` for H and W accepts any size.
    filters : sequence of int
        Channels of each block; every block but the last halves the resolution.
    n_outputs : int
    output_activation : str
        ``"sigmoid"`` for binary or multi-label, ``"softmax"`` for multi-class, ``None`` for logits.
    dropout : float
    pooling : {"avg", "max"}
        Global average pooling (the pattern's mean strength over the image) or global max pooling
        (its strongest occurrence: "is there a small lesion anywhere?").

    Examples
    --------
    >>> model = small_cnn((64, 64, 1))
    >>> tuple(model.output.shape)
    (None, 1)
    """
    _check_shape(input_shape)
    if pooling not in ("avg", "max"):
        raise ValueError(f"pooling: expected 'avg' or 'max', got {pooling!r}")
    inputs = keras.Input(input_shape, name="image")
    x = inputs
    for i, f in enumerate(filters):
        x = layers.Conv2D(f, 3, padding="same", use_bias=False, name=f"block{i + 1}_conv")(x)
        x = layers.BatchNormalization(momentum=0.9, name=f"block{i + 1}_bn")(x)
        x = layers.Activation("relu", name=f"block{i + 1}_relu")(x)
        if i < len(filters) - 1:
            x = layers.MaxPooling2D(name=f"block{i + 1}_pool")(x)
    x = (layers.GlobalMaxPooling2D(name="gmp") if pooling == "max" else layers.GlobalAveragePooling2D(name="gap"))(x)
    if dropout:
        x = layers.Dropout(dropout, name="dropout")(x)
    outputs = layers.Dense(n_outputs, activation=output_activation, name="head")(x)
    return keras.Model(inputs, outputs, name=name)
