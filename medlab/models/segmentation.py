"""The U-Net and its building blocks."""

from __future__ import annotations

import keras
from keras import layers

from ._common import _check_shape

__all__ = ["conv_block", "decoder_block", "unet", "multitask_unet"]


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
    inputs, x, _ = _unet_body(input_shape, depth, base_filters, batch_norm, decoder)
    outputs = layers.Conv2D(n_outputs, 1, activation=output_activation, name="mask")(x)
    return keras.Model(inputs, outputs, name=name)


def _unet_body(input_shape, depth, base_filters, batch_norm, decoder):
    """The U-Net up to its last decoder step: returns (inputs, decoded features, bottleneck)."""
    _check_shape(input_shape)
    if not isinstance(depth, int) or depth < 1:
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
    x = bottleneck = conv_block(x, base_filters * 2**depth, batch_norm=batch_norm, name="bottleneck")
    for level in reversed(range(depth)):
        if decoder is None:
            x = decoder_block(x, skips[level], base_filters * 2**level, batch_norm=batch_norm,
                              name=f"dec{level + 1}")
        else:
            x = decoder(x, skips[level], base_filters * 2**level)
    return inputs, x, bottleneck


def multitask_unet(input_shape=(None, None, 1), *, depth=3, base_filters=16, batch_norm=True, presence_dropout=0.0,
                   name="multitask_unet"):
    """A U-Net with a second, image-level head: a lesion mask and the probability that a lesion is present.

    The presence head reads the bottleneck, where every position sees a large part of the image:
    global average and global max pooling (the max keeps a small lesion from being averaged away),
    then one sigmoid unit. Both heads share the encoder, so the segmentation task's pixel labels
    also teach the classifier where to look, and the classifier's verdict can gate the mask on
    slices without lesions.

    Parameters
    ----------
    input_shape : (H, W, C)
        H and W must be divisible by ``2 ** depth``.
    depth, base_filters, batch_norm
        As for :func:`unet`.
    presence_dropout : float in [0, 1)
        Dropout before the presence unit.

    Returns
    -------
    keras.Model
        Inputs: images (N, H, W, C). Outputs: a dict ``{"mask": (N, H, W, 1), "presence": (N, 1)}``,
        both sigmoid probabilities; compile with one loss per output name.

    Examples
    --------
    >>> model = multitask_unet((32, 32, 1), depth=2, base_filters=4)
    >>> {k: tuple(v.shape) for k, v in model.output.items()}
    {'mask': (None, 32, 32, 1), 'presence': (None, 1)}
    """
    if not 0.0 <= presence_dropout < 1.0:
        raise ValueError(f"presence_dropout: expected a value in [0, 1), got {presence_dropout!r}")
    inputs, x, bottleneck = _unet_body(input_shape, depth, base_filters, batch_norm, None)
    mask = layers.Conv2D(1, 1, activation="sigmoid", name="mask")(x)
    pooled = layers.Concatenate(name="presence_pool")([layers.GlobalAveragePooling2D(name="presence_avg")(bottleneck),
                                                       layers.GlobalMaxPooling2D(name="presence_max")(bottleneck)])
    if presence_dropout:
        pooled = layers.Dropout(presence_dropout, name="presence_dropout")(pooled)
    presence = layers.Dense(1, activation="sigmoid", name="presence")(pooled)
    return keras.Model(inputs, {"mask": mask, "presence": presence}, name=name)
