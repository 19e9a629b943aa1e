"""Multimodal fusion: encoders for a time series and a tabular row, modality dropout, the fusion model."""

from __future__ import annotations

import keras
from keras import layers

from ._common import _check_shape
from .classification import small_cnn

__all__ = ["series_encoder", "tabular_encoder", "ModalityDropout", "fusion_model"]


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
