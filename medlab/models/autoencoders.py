"""A convolutional autoencoder (for anomaly detection by reconstruction)."""

from __future__ import annotations

import keras
from keras import layers

from ._common import _check_shape

__all__ = ["conv_autoencoder"]


def conv_autoencoder(input_shape=(None, None, 1), *, filters=(16, 32, 64), latent_filters=8, batch_norm=True,
                     name="conv_autoencoder"):
    """A convolutional autoencoder: strided convolutions down to a narrow spatial code, and back.

    The encoder halves the resolution at every step (``Conv2D`` with stride 2), a 1x1 convolution
    squeezes the features into ``latent_filters`` channels (the bottleneck), and transposed
    convolutions mirror the encoder back to the input's size. There are no skip connections: all
    information must pass the bottleneck. The output is linear, so it reconstructs any intensity
    scale.

    Trained on normal images only, it learns to reproduce normal anatomy; regions it cannot
    reproduce are candidate anomalies (``medlab.anomaly``).

    Parameters
    ----------
    input_shape : (H, W, C)
        H and W (when given) must be divisible by ``2 ** len(filters)``.
    filters : sequence of int
        Channels of each encoder step (mirrored in the decoder).
    latent_filters : int
        Channels of the bottleneck code, of size ``H / 2**len(filters)`` squared.
    batch_norm : bool
        Batch norm (momentum 0.9) after each convolution but the last; it speeds up training.
    name : str

    Returns
    -------
    keras.Model
        Maps (N, H, W, C) to (N, H, W, C).

    Examples
    --------
    >>> model = conv_autoencoder((64, 64, 1), filters=(8, 16), latent_filters=4)
    >>> tuple(model.output.shape), tuple(model.get_layer("latent").output.shape)
    ((None, 64, 64, 1), (None, 16, 16, 4))
    """
    _check_shape(input_shape)
    if (not isinstance(filters, (tuple, list)) or not filters
            or not all(isinstance(f, int) and not isinstance(f, bool) and f > 0 for f in filters)):
        raise ValueError(f"filters: expected a non-empty sequence of positive ints, got {filters!r}")
    if not isinstance(latent_filters, int) or isinstance(latent_filters, bool) or latent_filters < 1:
        raise ValueError(f"latent_filters: expected a positive int, got {latent_filters!r}")
    factor = 2 ** len(filters)
    for side in input_shape[:2]:
        if side is not None and side % factor:
            raise ValueError(f"input_shape: height and width must be divisible by 2**len(filters) = {factor}, "
                             f"got {tuple(input_shape)}")
    channels = input_shape[-1]
    if channels is None:
        raise ValueError(f"input_shape: the number of channels must be given, got {tuple(input_shape)}")

    def unit(x, f, kind, i):
        conv = layers.Conv2D if kind == "enc" else layers.Conv2DTranspose
        x = conv(f, 3, strides=2, padding="same", use_bias=not batch_norm, name=f"{kind}{i}_conv")(x)
        if batch_norm:
            x = layers.BatchNormalization(momentum=0.9, name=f"{kind}{i}_bn")(x)
        return layers.Activation("relu", name=f"{kind}{i}_relu")(x)

    inputs = keras.Input(input_shape, name="image")
    x = inputs
    for i, f in enumerate(filters):
        x = unit(x, f, "enc", i + 1)
    x = layers.Conv2D(latent_filters, 1, name="latent")(x)
    for i, f in reversed(list(enumerate(filters))):
        x = unit(x, f, "dec", i + 1)
    outputs = layers.Conv2D(channels, 3, padding="same", name="reconstruction")(x)
    return keras.Model(inputs, outputs, name=name)
