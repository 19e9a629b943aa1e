"""Image denoising: a residual denoising CNN (DnCNN) and a conditional PatchGAN discriminator."""

from __future__ import annotations

import keras
from keras import layers

from ._common import _check_shape

__all__ = ["dncnn", "patchgan_discriminator"]


def dncnn(input_shape=(None, None, 1), *, depth=5, filters=24, batch_norm=False, name="dncnn"):
    """A residual denoising CNN in the style of DnCNN (Zhang et al., 2017).

    ``depth`` 3x3 convolutions (ReLU between them, linear at the end) estimate the *noise*, and
    the output is ``input - noise`` (residual learning): the network only has to model the
    noise, which is simpler than the image, and the identity path carries the anatomy through
    untouched. The paper uses 17 layers of 64 filters with batch norm; this CPU-sized default
    (5 layers, 24 filters, receptive field 11x11) drops batch norm, which helps deep nets but
    slows the first few hundred steps of a short run.

    Parameters
    ----------
    input_shape : (H, W, C)
        ``None`` for H and W accepts any size (train on patches, apply to whole images).
    depth : int >= 2
        Number of convolutions.
    filters : int
        Channels of the hidden layers.
    batch_norm : bool
        Batch norm after the hidden convolutions, as in the paper.

    Examples
    --------
    >>> model = dncnn((32, 32, 1))
    >>> tuple(model.output.shape), model.count_params()
    ((None, 32, 32, 1), 16081)
    """
    _check_shape(input_shape)
    if not isinstance(depth, int) or depth < 2:
        raise ValueError(f"depth: expected an int >= 2, got {depth!r}")
    if not isinstance(filters, int) or filters < 1:
        raise ValueError(f"filters: expected a positive int, got {filters!r}")
    inputs = keras.Input(input_shape, name="noisy")
    x = layers.Conv2D(filters, 3, padding="same", activation="relu", name="conv1")(inputs)
    for i in range(2, depth):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=not batch_norm, name=f"conv{i}")(x)
        if batch_norm:
            x = layers.BatchNormalization(momentum=0.9, name=f"bn{i}")(x)
        x = layers.Activation("relu", name=f"relu{i}")(x)
    noise = layers.Conv2D(input_shape[-1], 3, padding="same", name="noise")(x)
    outputs = layers.Subtract(name="denoised")([inputs, noise])
    return keras.Model(inputs, outputs, name=name)

def patchgan_discriminator(input_shape=(None, None, 1), *, filters=(16, 32), name="patchgan"):
    """A conditional PatchGAN discriminator (Isola et al., 2017, pix2pix), CPU-sized.

    It takes the pair ``[condition, image]`` (the low-dose input and either the real clean
    image or the generator's output), concatenates them and returns a map of *logits*, one
    per overlapping patch: "is this patch of the image a real clean patch, given this input?".
    Judging patches rather than the whole image focuses it on local texture and sharpness,
    and conditioning on the input makes it also judge consistency with the input.
    Each stride-2 convolution (4x4, LeakyReLU 0.2) halves the resolution; all but the first
    are followed by instance normalization (``GroupNormalization(groups=-1)``), which pix2pix
    gets from batch norm at batch size 1, and which lets a small discriminator pick up faint
    texture differences quickly. A last 4x4 convolution gives one logit per patch (no sigmoid:
    use a loss ``from_logits=True``).

    Parameters
    ----------
    input_shape : (H, W, C)
        Shape of each of the two inputs.
    filters : sequence of int
        Channels of the stride-2 convolutions; with two of them a 64x64 pair gives a 16x16
        logit map, each logit seeing a 22x22 patch.

    Examples
    --------
    >>> d = patchgan_discriminator((64, 64, 1))
    >>> tuple(d.output.shape), [tuple(t.shape) for t in d.inputs]
    ((None, 16, 16, 1), [(None, 64, 64, 1), (None, 64, 64, 1)])
    """
    _check_shape(input_shape)
    if not filters or not all(isinstance(f, int) and f > 0 for f in filters):
        raise ValueError(f"filters: expected a non-empty sequence of positive ints, got {filters!r}")
    condition = keras.Input(input_shape, name="condition")
    image = keras.Input(input_shape, name="image")
    x = layers.Concatenate(name="pair")([condition, image])
    for i, f in enumerate(filters):
        x = layers.Conv2D(f, 4, strides=2, padding="same", name=f"down{i + 1}")(x)
        if i > 0:
            x = layers.GroupNormalization(groups=-1, name=f"norm{i + 1}")(x)
        x = layers.LeakyReLU(0.2, name=f"lrelu{i + 1}")(x)
    logits = layers.Conv2D(1, 4, padding="same", name="patch_logits")(x)
    return keras.Model([condition, image], logits, name=name)
