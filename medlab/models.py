"""Small Keras models used across the workbook. Each is a plain function returning a
``keras.Model``; sizes are keyword arguments with CPU-friendly defaults."""

from __future__ import annotations

import keras
from keras import layers

__all__ = ["small_cnn", "conv_block", "decoder_block", "unet"]


def _check_shape(input_shape):
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3:
        raise ValueError(f"input_shape: expected (height, width, channels), got {input_shape!r}")


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
    x = conv_block(x, base_filters * 2**depth, batch_norm=batch_norm, name="bottleneck")
    for level in reversed(range(depth)):
        if decoder is None:
            x = decoder_block(x, skips[level], base_filters * 2**level, batch_norm=batch_norm,
                              name=f"dec{level + 1}")
        else:
            x = decoder(x, skips[level], base_filters * 2**level)
    outputs = layers.Conv2D(n_outputs, 1, activation=output_activation, name="mask")(x)
    return keras.Model(inputs, outputs, name=name)


# ---------------------------------------------------------------- anomaly detection (notebook 03)

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


__all__ += ["conv_autoencoder"]


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


__all__ += ["dncnn", "patchgan_discriminator"]


def series_encoder(series_shape=(48, 3), *, filters=(16, 32), kernel_size=5, embed_dim=16,
                   name="series_branch"):
    """A temporal convolutional encoder for a fixed window of a multichannel time series
    (e.g. 48 hourly vital signs).

    Each ``Conv1D`` block shares its weights over time (a local rise or dip is recognised at any
    hour, and noise is averaged out), then max-pooling halves the time axis. The short pooled
    sequence is flattened into a small dense layer, so the embedding still knows *when* in the
    window something happened: a trend is a comparison of late with early values. Feed
    standardized channels (each vital sign on its own scale, with training-set statistics).

    Parameters
    ----------
    series_shape : (T, C)
        Time steps (a fixed window, at least ``2 ** len(filters)``) and channels.
    filters : sequence of int
        Channels of each ``Conv1D`` block.
    kernel_size : int
        Width of the temporal filters, in time steps.
    embed_dim : int
        Size of the output embedding (ReLU).

    Examples
    --------
    >>> enc = series_encoder((48, 3), embed_dim=8)
    >>> tuple(enc.output.shape)
    (None, 8)
    """
    import numbers

    if (not isinstance(series_shape, (tuple, list)) or len(series_shape) != 2
            or not all(isinstance(v, numbers.Integral) and v > 0 for v in series_shape)):
        raise ValueError(f"series_shape: expected (time steps, channels) as two positive ints, got {series_shape!r}")
    if series_shape[0] < 2 ** len(filters):
        raise ValueError(f"series_shape: need at least 2**len(filters) = {2 ** len(filters)} time steps, "
                         f"got {series_shape[0]}")
    inputs = keras.Input(series_shape, name="series")
    x = inputs
    for i, f in enumerate(filters):
        x = layers.Conv1D(f, kernel_size, padding="same", use_bias=False, name=f"{name}_conv{i + 1}")(x)
        x = layers.BatchNormalization(momentum=0.9, name=f"{name}_bn{i + 1}")(x)
        x = layers.Activation("relu", name=f"{name}_relu{i + 1}")(x)
        x = layers.MaxPooling1D(name=f"{name}_pool{i + 1}")(x)
    x = layers.Flatten(name=f"{name}_flatten")(x)
    outputs = layers.Dense(embed_dim, activation="relu", name=f"{name}_embed")(x)
    return keras.Model(inputs, outputs, name=name)


def tabular_encoder(n_features, *, units=(32,), embed_dim=16, dropout=0.1, name="tabular_branch"):
    """A small MLP for standardized tabular features (age, lab values...).

    Parameters
    ----------
    n_features : int
    units : sequence of int
        Hidden layers (ReLU, each followed by dropout).
    embed_dim : int
        Size of the output embedding (ReLU).
    dropout : float

    Examples
    --------
    >>> enc = tabular_encoder(4, embed_dim=8)
    >>> tuple(enc.output.shape)
    (None, 8)
    """
    import numbers

    if not isinstance(n_features, numbers.Integral) or isinstance(n_features, bool):
        raise TypeError(f"n_features: expected an int, got {type(n_features).__name__}")
    if n_features < 1:
        raise ValueError(f"n_features: expected a positive int, got {n_features}")
    inputs = keras.Input((n_features,), name="tabular")
    x = inputs
    for i, u in enumerate(units):
        x = layers.Dense(u, activation="relu", name=f"{name}_dense{i + 1}")(x)
        if dropout:
            x = layers.Dropout(dropout, name=f"{name}_dropout{i + 1}")(x)
    outputs = layers.Dense(embed_dim, activation="relu", name=f"{name}_embed")(x)
    return keras.Model(inputs, outputs, name=name)


class ModalityDropout(layers.Layer):
    """Zero whole modality embeddings at random while training, and append "present" flags.

    Called on ``[embedding_1, ..., embedding_M, present]``, where ``present`` (batch, M) is 1 for
    an available modality and 0 for a missing one. Missing modalities are always zeroed; while
    training, each available modality is also dropped with probability ``rate`` (but never all
    of a sample's modalities). Returns the masked embeddings concatenated with the flags that
    were used, so the head knows what it did not see. At inference only truly missing
    modalities are zeroed.

    Examples
    --------
    >>> import numpy as np
    >>> out = ModalityDropout(0.5)([np.ones((2, 3)), np.ones((2, 2)), np.array([[1., 0.], [1., 1.]])])
    >>> np.asarray(out).tolist()
    [[1.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]]
    """

    def __init__(self, rate=0.3, *, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 <= float(rate) < 1.0:
            raise ValueError(f"rate: expected a value in [0, 1), got {rate}")
        self.rate = float(rate)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=False):
        from keras import ops

        *embeddings, present = inputs
        keep = ops.cast(present, "float32")
        if training and self.rate > 0:
            drop = ops.cast(keras.random.uniform(ops.shape(keep), seed=self.seed_generator) < self.rate, "float32")
            dropped = keep * (1.0 - drop)
            none_left = ops.sum(dropped, axis=1, keepdims=True) == 0
            keep = ops.where(none_left, keep, dropped)
        masked = [ops.cast(e, "float32") * keep[:, i:i + 1] for i, e in enumerate(embeddings)]
        return ops.concatenate(masked + [keep], axis=-1)

    def compute_output_shape(self, input_shapes):
        *emb, present = input_shapes
        dims = [s[-1] for s in emb] + [present[-1]]
        total = None if any(d is None for d in dims) else sum(dims)
        return (emb[0][0], total)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


def fusion_model(image_shape=(64, 64, 1), series_shape=(48, 3), n_tabular=4, *, embed_dim=16,
                 image_filters=(8, 16, 32), series_filters=(16, 32), tabular_units=(32,),
                 head_units=16, dropout=0.2, modality_dropout=None, seed=None, name="fusion"):
    """Intermediate (joint) fusion: one encoder per modality, concatenated embeddings, one head.

    Each modality keeps the architecture that suits it: a CNN with global pooling for the image
    (``small_cnn``), temporal convolutions for the time series (``series_encoder``), an MLP for
    the tabular row (``tabular_encoder``). Every branch ends in an embedding of the same size
    ``embed_dim``, so no modality drowns the others by sheer number of features, and the whole
    model is trained end to end on the outcome.

    Parameters
    ----------
    image_shape : (H, W, C)
    series_shape : (T, C)
    n_tabular : int
    embed_dim : int
        Size of each modality's embedding.
    head_units : int
        Hidden units of the head on the fused embedding (0 for a linear head).
    dropout : float
        Dropout on the fused embedding.
    modality_dropout : float or None
        ``None``: the model takes ``[image, series, tabular]``. A rate in [0, 1): the model takes
        a fourth input ``present`` (batch, 3) of 0/1 flags; missing modalities are zeroed and,
        while training, each modality is dropped with this probability (see ``ModalityDropout``).
    seed : int, optional
        Seed of the modality dropout.

    Returns
    -------
    keras.Model
        Outputs the outcome probability, shape (batch, 1).

    Examples
    --------
    >>> model = fusion_model((32, 32, 1), (24, 3), 4, embed_dim=8)
    >>> [tuple(i.shape) for i in model.inputs], tuple(model.output.shape)
    ([(None, 32, 32, 1), (None, 24, 3), (None, 4)], (None, 1))
    """
    _check_shape(image_shape)
    image_in = keras.Input(image_shape, name="image")
    series_in = keras.Input(series_shape, name="series")
    tabular_in = keras.Input((n_tabular,), name="tabular")
    embeddings = [
        small_cnn(image_shape, filters=image_filters, n_outputs=embed_dim, output_activation="relu",
                  dropout=0.0, name="image_branch")(image_in),
        series_encoder(series_shape, filters=series_filters, embed_dim=embed_dim)(series_in),
        tabular_encoder(n_tabular, units=tabular_units, embed_dim=embed_dim)(tabular_in),
    ]
    inputs = [image_in, series_in, tabular_in]
    if modality_dropout is None:
        x = layers.Concatenate(name="fused")(embeddings)
    else:
        present = keras.Input((3,), name="present")
        inputs.append(present)
        x = ModalityDropout(modality_dropout, seed=seed, name="modality_dropout")(embeddings + [present])
    if dropout:
        x = layers.Dropout(dropout, name="fused_dropout")(x)
    if head_units:
        x = layers.Dense(head_units, activation="relu", name="head_hidden")(x)
    outputs = layers.Dense(1, activation="sigmoid", name="outcome")(x)
    return keras.Model(inputs, outputs, name=name)


__all__ += ["series_encoder", "tabular_encoder", "ModalityDropout", "fusion_model"]
