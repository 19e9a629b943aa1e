"""Checkers of notebook 06: the reference passes, the stub falls back, wrong answers are rejected."""

import keras
import pytest

from medlab import models
from medlab.check import q06


def stub(*args, **kwargs):
    raise NotImplementedError()


def test_build_fusion_model_reference_passes(capsys):
    assert q06.build_fusion_model(q06._reference_build_fusion_model) is q06._reference_build_fusion_model
    assert "✓" in capsys.readouterr().out


def test_build_fusion_model_stub_falls_back(capsys):
    assert q06.build_fusion_model(stub) is q06._reference_build_fusion_model
    assert "not written yet" in capsys.readouterr().out


def _inputs(image_shape, series_shape, n_tabular):
    return keras.Input(image_shape), keras.Input(series_shape), keras.Input((n_tabular,))


def _bank_style(image_shape, series_shape, n_tabular):
    """The bank's recipe: flatten the conv maps, a Dense layer over the flattened series."""
    img, ser, tab = _inputs(image_shape, series_shape, n_tabular)
    x = keras.layers.Conv2D(32, 3, activation="relu")(img)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Flatten()(x)
    s = keras.layers.Dense(64, activation="relu")(keras.layers.Flatten()(ser))
    t = keras.layers.Dense(8, activation="relu")(tab)
    out = keras.layers.Dense(1, activation="sigmoid")(keras.layers.Concatenate()([x, s, t]))
    return keras.Model([img, ser, tab], out)


def _branches(img, ser, tab):
    a = models.small_cnn(tuple(img.shape[1:]), filters=(8, 16), n_outputs=8, output_activation="relu",
                         dropout=0.0)(img)
    b = models.series_encoder(tuple(ser.shape[1:]), filters=(8,), embed_dim=8)(ser)
    c = keras.layers.Dense(8, activation="relu")(tab)
    return a, b, c


def _tabular_ignored(image_shape, series_shape, n_tabular):
    img, ser, tab = _inputs(image_shape, series_shape, n_tabular)
    a, b, c = _branches(img, ser, tab)
    c = keras.layers.Lambda(lambda z: 0.0 * z)(c)  # the table never reaches the output
    out = keras.layers.Dense(1, activation="sigmoid")(keras.layers.Concatenate()([a, b, c]))
    return keras.Model([img, ser, tab], out)


def _no_sigmoid(image_shape, series_shape, n_tabular):
    img, ser, tab = _inputs(image_shape, series_shape, n_tabular)
    out = keras.layers.Dense(1)(keras.layers.Concatenate()(list(_branches(img, ser, tab))))
    return keras.Model([img, ser, tab], out)


def _wrong_order(image_shape, series_shape, n_tabular):
    img, ser, tab = _inputs(image_shape, series_shape, n_tabular)
    out = keras.layers.Dense(1, activation="sigmoid")(keras.layers.Concatenate()(list(_branches(img, ser, tab))))
    return keras.Model([tab, ser, img], out)


def _hard_coded(image_shape, series_shape, n_tabular):
    return q06._reference_build_fusion_model((32, 32, 1), (24, 3), 5)


def _two_inputs(image_shape, series_shape, n_tabular):
    img, ser, _ = _inputs(image_shape, series_shape, n_tabular)
    a = models.small_cnn(image_shape, filters=(8,), n_outputs=8, output_activation="relu", dropout=0.0)(img)
    b = models.series_encoder(series_shape, filters=(8,), embed_dim=8)(ser)
    out = keras.layers.Dense(1, activation="sigmoid")(keras.layers.Concatenate()([a, b]))
    return keras.Model([img, ser], out)


@pytest.mark.parametrize("wrong, message", [
    (_bank_style, "Flatten"),
    (_tabular_ignored, "tabular"),
    (_no_sigmoid, "probabilities"),
    (_wrong_order, "order"),
    (_hard_coded, "arguments"),
    (_two_inputs, "3 inputs"),
])
def test_build_fusion_model_wrong_answers_rejected(wrong, message):
    with pytest.raises(AssertionError, match=message):
        q06.build_fusion_model(wrong)


def test_checker_rejects_non_callable():
    with pytest.raises(TypeError, match="student_fn"):
        q06.build_fusion_model("model")
