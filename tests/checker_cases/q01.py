"""Notebook 01's checkers: the wrong answers each must reject (contract: tests/test_checkers.py)."""

import keras
import numpy as np

from medlab import models
from medlab.check import q01

AXES = (1, 2, 3)


def _batch_statistics(x):  # statistics pooled over the whole batch (wrong axis)
    return (x - x.mean()) / (x.std() + 1e-6)


def _min_max(x):  # min-max scaling instead of a z-score
    return (x - x.min(axis=AXES, keepdims=True)) / (np.ptp(x, axis=AXES, keepdims=True) + 1e-6)


def _sign_flipped(x):  # mean 0 and std 1 per image, but every pixel on the wrong side
    return (x.mean(axis=AXES, keepdims=True) - x) / (x.std(axis=AXES, keepdims=True) + 1e-6)


def _no_epsilon(x):  # a constant image becomes NaN
    return (x - x.mean(axis=AXES, keepdims=True)) / x.std(axis=AXES, keepdims=True)


def _in_place(x):
    x -= x.mean(axis=AXES, keepdims=True)
    x /= x.std(axis=AXES, keepdims=True) + 1e-6
    return x


def _bank_flatten_model(shape):
    return keras.Sequential([keras.Input(shape), keras.layers.Conv2D(32, 3, activation="relu"),
                             keras.layers.MaxPooling2D(), keras.layers.Flatten(),
                             keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])


def _head(shape, units, activation, filters=64, pooling=keras.layers.GlobalAveragePooling2D):
    inp = keras.Input(shape)
    x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(inp)
    x = pooling()(x)
    return keras.Model(inp, keras.layers.Dense(units, activation=activation)(x))


def _too_big(shape):  # global pooling, but a wide network: 960 k parameters for 64x64 slices
    inp = keras.Input(shape)
    x = inp
    for f in (64, 128, 256, 256):
        x = keras.layers.Conv2D(f, 3, padding="same", activation="relu")(x)
        x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inp, keras.layers.Dense(1, activation="sigmoid")(x))


CONTRACTS = [
    dict(checker=q01.normalize_intensity, reference=q01._reference_normalize, wrong=[
        ("statistics over the whole batch", _batch_statistics,
         r"case 'per-image mean 0 and std 1': each image's mean"),
        ("min-max instead of z-score", _min_max, r"case 'per-image mean 0 and std 1': each image's mean"),
        ("sign flipped", _sign_flipped, r"case 'values match the reference': the normalized batch"),
        ("no epsilon", _no_epsilon, r"case 'constant image': a constant image gave NaN or inf"),
        ("changes its input in place", _in_place,
         r"case 'per-image mean 0 and std 1': your function modified its input 'x' in place"),
        ("returns None", lambda x: None, r"case 'per-image mean 0 and std 1': your function returned None"),
    ]),
    dict(checker=q01.build_cnn, reference=q01._reference_build_cnn, wrong=[
        ("two-unit softmax", lambda s: _head(s, 2, "softmax", 16, keras.layers.GlobalMaxPooling2D),
         r"case 'a Keras model with one output': expected output shape \(batch, 1\)"),
        ("softmax over one unit", lambda s: _head(s, 1, "softmax"),
         r"case 'sigmoid probabilities': all outputs are identical"),
        ("no output activation", lambda s: _head(s, 1, None),
         r"case 'sigmoid probabilities': outputs must be probabilities in \[0, 1\]"),
        ("the bank's Flatten head", _bank_flatten_model, r"case 'global pooling, no Flatten': found a Flatten layer"),
        ("far too big", _too_big,
         r"case 'a small model': expected between 1k and 300k parameters for this task, got 960,001\n"),
    ], accepted=[
        ("global average pooling", lambda s: models.small_cnn(s, filters=(8, 16, 32), pooling="avg")),
    ]),
]
