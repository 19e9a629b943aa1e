"""Checkers of notebook 01: the reference passes, the stub falls back, wrong answers are rejected."""

import keras
import numpy as np
import pytest

from medlab import models
from medlab.check import q01


def stub(*args, **kwargs):
    raise NotImplementedError()


# ---------------------------------------------------------------- normalize_intensity

def test_normalize_reference_passes(capsys):
    fn = q01.normalize_intensity(q01._reference_normalize)
    assert fn is q01._reference_normalize
    assert "✓" in capsys.readouterr().out


def test_normalize_stub_falls_back(capsys):
    fn = q01.normalize_intensity(stub)
    assert fn is q01._reference_normalize
    assert "not written yet" in capsys.readouterr().out


def _sign_flipped(x):  # mean 0 and std 1 per image, but every pixel on the wrong side
    return (x.mean(axis=(1, 2, 3), keepdims=True) - x) / (x.std(axis=(1, 2, 3), keepdims=True) + 1e-6)


def _in_place(x):
    x -= x.mean(axis=(1, 2, 3), keepdims=True)
    x /= x.std(axis=(1, 2, 3), keepdims=True) + 1e-6
    return x


@pytest.mark.parametrize("wrong, message", [
    # statistics pooled over the whole batch (wrong axis)
    (lambda x: (x - x.mean()) / (x.std() + 1e-6), r"case 'per-image mean 0 and std 1': each image's mean"),
    # min-max instead of z-score
    (lambda x: (x - x.min(axis=(1, 2, 3), keepdims=True))
     / (np.ptp(x, axis=(1, 2, 3), keepdims=True) + 1e-6), r"case 'per-image mean 0 and std 1': each image's mean"),
    (_sign_flipped, r"case 'values match the reference': the normalized batch"),
    # no epsilon: a constant image becomes NaN
    (lambda x: (x - x.mean(axis=(1, 2, 3), keepdims=True)) / x.std(axis=(1, 2, 3), keepdims=True),
     r"case 'constant image': a constant image gave NaN or inf"),
    (_in_place, r"case 'per-image mean 0 and std 1': your function modified its input 'x' in place"),
    (lambda x: None, r"case 'per-image mean 0 and std 1': your function returned None"),
])
def test_normalize_wrong_answers_rejected(wrong, message):
    with pytest.raises(AssertionError, match=message):
        q01.normalize_intensity(wrong)


def test_checker_rejects_non_callable():
    with pytest.raises(TypeError, match="student_fn"):
        q01.normalize_intensity(42)


# ---------------------------------------------------------------- build_cnn

def test_build_cnn_reference_passes():
    assert q01.build_cnn(q01._reference_build_cnn) is q01._reference_build_cnn


def test_build_cnn_stub_falls_back():
    assert q01.build_cnn(stub) is q01._reference_build_cnn


def _bank_flatten_model(shape):
    return keras.Sequential([keras.Input(shape), keras.layers.Conv2D(32, 3, activation="relu"),
                             keras.layers.MaxPooling2D(), keras.layers.Flatten(),
                             keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])


def _softmax_single_unit(shape):
    inp = keras.Input(shape)
    x = keras.layers.Conv2D(64, 3, padding="same", activation="relu")(inp)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inp, keras.layers.Dense(1, activation="softmax")(x))


def _no_activation(shape):
    inp = keras.Input(shape)
    x = keras.layers.Conv2D(64, 3, padding="same", activation="relu")(inp)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inp, keras.layers.Dense(1)(x))


def _two_unit_softmax(shape):
    inp = keras.Input(shape)
    x = keras.layers.Conv2D(16, 3, padding="same", activation="relu")(inp)
    x = keras.layers.GlobalMaxPooling2D()(x)
    return keras.Model(inp, keras.layers.Dense(2, activation="softmax")(x))


def _too_big(shape):  # global pooling, but a wide network: 960 k parameters for 64x64 slices
    inp = keras.Input(shape)
    x = inp
    for f in (64, 128, 256, 256):
        x = keras.layers.Conv2D(f, 3, padding="same", activation="relu")(x)
        x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inp, keras.layers.Dense(1, activation="sigmoid")(x))


def _global_average(shape):  # average instead of max pooling: accepted
    return models.small_cnn(shape, filters=(8, 16, 32), pooling="avg")


@pytest.mark.parametrize("wrong, message", [
    (_two_unit_softmax, r"case 'a Keras model with one output': expected output shape \(batch, 1\)"),
    (_softmax_single_unit, r"case 'sigmoid probabilities': all outputs are identical"),
    (_no_activation, r"case 'sigmoid probabilities': outputs must be probabilities in \[0, 1\]"),
    (_bank_flatten_model, r"case 'global pooling, no Flatten': found a Flatten layer"),
    (_too_big, r"case 'a small model': expected between 1k and 300k parameters for this task, got 960,001\n"),
])
def test_build_cnn_wrong_answers_rejected(wrong, message):
    with pytest.raises(AssertionError, match=message):
        q01.build_cnn(wrong)


def test_build_cnn_accepts_global_average_pooling():
    assert q01.build_cnn(_global_average) is _global_average
