"""The U-Net and its building blocks."""

from __future__ import annotations

import keras
from keras import layers

from ._common import _check_shape

__all__ = ["conv_block", "decoder_block", "unet", "unet_with_classifier"]


def conv_block(x, filters, *, batch_norm=True, name=None):
    """Two 3x3 convolutions, each followed by (batch norm and) ReLU: the U-Net's unit.

    Examples
    --------
    >>> x = keras.Input((32, 32, 1))
    >>> tuple(conv_block(x, 8).shape)
    (None, 32, 32, 8)
    """
    for i in range(2):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=not batch_norm,
                          name=None if name is None else f"{name}_conv{i + 1}")(x)
        if batch_norm:
            x = layers.BatchNormalization(momentum=0.9, name=None if name is None else f"{name}_bn{i + 1}")(x)
        x = layers.Activation("relu", name=None if name is None else f"{name}_relu{i + 1}")(x)
    return x

def decoder_block(x, skip, filters, *, batch_norm=True, name=None):
    """One U-Net decoder step: upsample ``x`` by 2, concatenate the encoder's ``skip``, convolve.

    The skip connection carries the encoder's high-resolution detail that the bottleneck lost;
    without it the decoder can only produce blurry, badly placed boundaries.

    Examples
    --------
    >>> x = keras.Input((8, 8, 32)); skip = keras.Input((16, 16, 16))
    >>> tuple(decoder_block(x, skip, 16).shape)
    (None, 16, 16, 16)
    """
    x = layers.Conv2DTranspose(filters, 2, strides=2, padding="same",
                               name=None if name is None else f"{name}_up")(x)
    x = layers.Concatenate(name=None if name is None else f"{name}_concat")([x, skip])
    return conv_block(x, filters, batch_norm=batch_norm, name=name)

def unet(input_shape=(None, None, 1), *, depth=3, base_filters=16, n_outputs=1,
         output_activation="sigmoid", batch_norm=True, decoder=None, name="unet"):
    """A U-Net (Ronneberger et al., 2015): encoder, bottleneck, decoder with skip connections.

    Parameters
    ----------
    input_shape : (H, W, C)
        H and W must be divisible by ``2 ** depth``.
    depth : int
        Number of down-sampling steps.
    base_filters : int
        Channels at full resolution; doubled at every step down.
    n_outputs : int
        Output channels (1 for a binary mask).
    output_activation : str or None
    decoder : callable, optional
        ``decoder(x, skip, filters) -> tensor`` for each decoder step; default ``decoder_block``.

    Examples
    --------
    >>> model = unet((64, 64, 1), depth=2, base_filters=8)
    >>> tuple(model.output.shape)
    (None, 64, 64, 1)
    """
    inputs, _, x = _unet_graph(input_shape, depth, base_filters, batch_norm, decoder)
    outputs = layers.Conv2D(n_outputs, 1, activation=output_activation, name="mask")(x)
    return keras.Model(inputs, outputs, name=name)


def _unet_graph(input_shape, depth, base_filters, batch_norm, decoder, stop_level=0):
    """The U-Net's tensors: (inputs, bottleneck, last decoder feature map); checks the arguments.

    The decoder climbs back to level ``stop_level`` (0: full resolution; k: 1 / 2**k of it).
    """
    _check_shape(input_shape)
    if not isinstance(depth, int) or isinstance(depth, bool) or depth < 1:
        raise ValueError(f"depth: expected a positive int, got {depth!r}")
    for side in input_shape[:2]:
        if side is not None and side % (2**depth):
            raise ValueError(
                f"input_shape: height and width must be divisible by 2**depth = {2**depth}, got {input_shape}"
            )
    inputs = keras.Input(input_shape, name="image")
    skips, x = [], inputs
    for level in range(depth):
        x = conv_block(x, base_filters * 2**level, batch_norm=batch_norm, name=f"enc{level + 1}")
        skips.append(x)
        x = layers.MaxPooling2D(name=f"enc{level + 1}_pool")(x)
    bottleneck = x = conv_block(x, base_filters * 2**depth, batch_norm=batch_norm, name="bottleneck")
    for level in reversed(range(stop_level, depth)):
        if decoder is None:
            x = decoder_block(x, skips[level], base_filters * 2**level, batch_norm=batch_norm,
                              name=f"dec{level + 1}")
        else:
            x = decoder(x, skips[level], base_filters * 2**level)
    return inputs, bottleneck, x


def unet_with_classifier(input_shape=(None, None, 1), *, depth=3, base_filters=16, n_outputs=1, n_classes=1,
                         class_activation="sigmoid", pooling="avg", dropout=0.2, batch_norm=True, decoder=None,
                         head="label", name="unet_with_classifier"):
    """A U-Net whose encoder also feeds an image-level classification head: one shared encoder, two tasks.

    The mask head is the U-Net's (:func:`unet`); the classification head pools the bottleneck
    globally (average or max), applies dropout and a dense layer. Both heads read the same encoder
    features, so a loss on either task trains the encoder (multi-task learning). The model has two
    named outputs, ``"mask"`` (N, H, W, n_outputs) and ``head`` (default ``"label"``, (N, n_classes)); the classifier
    alone (encoder and class head, no decoder) is ``keras.Model(model.input, model.get_layer("label").output)``.

    Parameters
    ----------
    input_shape, depth, base_filters, n_outputs, batch_norm, decoder
        As for :func:`unet`; the mask head has a sigmoid.
    n_classes : int
        Units of the classification head (1 for a binary label).
    class_activation : str or None
        ``"sigmoid"`` (binary or multi-label), ``"softmax"`` (multi-class) or ``None`` (logits).
    pooling : {"avg", "max", "avg+max"}
        Global pooling of the bottleneck before the classification head; ``"avg+max"`` concatenates
        both (the max keeps a small lesion from being averaged away, e.g. for a lesion-present head).
    dropout : float
        Dropout rate before the classification head's dense layer (0 switches it off).
    head : str
        The classification output's name (and its dense layer's), e.g. ``"label"`` or ``"presence"``.

    References
    ----------
    R. Caruana. Multitask learning. Machine Learning, 1997.
    O. Ronneberger, P. Fischer, T. Brox. U-Net: convolutional networks for biomedical image segmentation. MICCAI, 2015.

    Examples
    --------
    >>> import numpy as np
    >>> model = unet_with_classifier((32, 32, 1), depth=2, base_filters=4)
    >>> out = model(np.zeros((2, 32, 32, 1), "float32"))
    >>> tuple(out["mask"].shape), tuple(out["label"].shape)
    ((2, 32, 32, 1), (2, 1))
    """
    if pooling not in ("avg", "max", "avg+max"):
        raise ValueError(f"pooling: expected 'avg', 'max' or 'avg+max', got {pooling!r}")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout: expected a rate in [0, 1), got {dropout!r}")
    if not isinstance(head, str) or not head or head == "mask":
        raise ValueError(f"head: expected a name for the classification output other than 'mask', got {head!r}")
    inputs, bottleneck, x = _unet_graph(input_shape, depth, base_filters, batch_norm, decoder)
    mask = layers.Conv2D(n_outputs, 1, activation="sigmoid", name="mask")(x)
    if pooling == "avg+max":
        pooled = layers.Concatenate(name=f"{head}_pool")([layers.GlobalAveragePooling2D(name=f"{head}_avg")(bottleneck),
                                                          layers.GlobalMaxPooling2D(name=f"{head}_max")(bottleneck)])
    else:
        pool = layers.GlobalAveragePooling2D if pooling == "avg" else layers.GlobalMaxPooling2D
        pooled = pool(name="pool")(bottleneck)
    if dropout:
        pooled = layers.Dropout(dropout, name=f"{head}_dropout")(pooled)
    label = layers.Dense(n_classes, activation=class_activation, name=head)(pooled)
    return keras.Model(inputs, {"mask": mask, head: label}, name=name)
