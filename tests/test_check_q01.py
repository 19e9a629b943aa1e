"""Checkers of notebook 01: the reference passes, the stub falls back, wrong answers are rejected."""

import keras
import numpy as np
import pytest

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


@pytest.mark.parametrize("wrong, message", [
    # statistics pooled over the whole batch (wrong axis)
    (lambda x: (x - x.mean()) / (x.std() + 1e-6), "each image's mean"),
    # no epsilon: a constant image becomes NaN
    (lambda x: (x - x.mean(axis=(1, 2, 3), keepdims=True)) / x.std(axis=(1, 2, 3), keepdims=True), "constant image"),
    # min-max instead of z-score
    (lambda x: (x - x.min(axis=(1, 2, 3), keepdims=True))
     / (np.ptp(x, axis=(1, 2, 3), keepdims=True) + 1e-6), "mean"),
])
def test_normalize_wrong_answers_rejected(wrong, message):
    with pytest.raises(AssertionError, match=message):
        q01.normalize_intensity(wrong)


def test_normalize_in_place_rejected():
    def in_place(x):
        x -= x.mean(axis=(1, 2, 3), keepdims=True)
        x /= x.std(axis=(1, 2, 3), keepdims=True) + 1e-6
        return x

    with pytest.raises(AssertionError, match="in place"):
        q01.normalize_intensity(in_place)


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


@pytest.mark.parametrize("wrong, message", [
    (_bank_flatten_model, "Flatten"),
    (_softmax_single_unit, "identical"),
    (_no_activation, "probabilities"),
])
def test_build_cnn_wrong_answers_rejected(wrong, message):
    with pytest.raises(AssertionError, match=message):
        q01.build_cnn(wrong)
