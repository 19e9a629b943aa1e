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


def _unimodal(image_shape, series_shape, n_tabular):
    """Three single-modality models, each ending in its own prediction."""
    img, ser, tab = _inputs(image_shape, series_shape, n_tabular)
    a, b, c = _branches(img, ser, tab)
    heads = [keras.layers.Dense(1, activation="sigmoid")(e) for e in (a, b, c)]
    return (img, ser, tab), heads


def _late_fusion_average(image_shape, series_shape, n_tabular):
    """Late fusion inside the model: average the three per-modality probabilities."""
    inputs, heads = _unimodal(image_shape, series_shape, n_tabular)
    return keras.Model(list(inputs), keras.layers.Average()(heads))


def _late_fusion_stacked(image_shape, series_shape, n_tabular):
    """Late fusion by stacking: concatenate the three predictions, a Dense(1) on top."""
    inputs, heads = _unimodal(image_shape, series_shape, n_tabular)
    out = keras.layers.Dense(1, activation="sigmoid")(keras.layers.Concatenate()(heads))
    return keras.Model(list(inputs), out)


def _late_fusion_ops(image_shape, series_shape, n_tabular):
    """Late fusion with keras.ops: the mean of the three probabilities."""
    inputs, heads = _unimodal(image_shape, series_shape, n_tabular)
    return keras.Model(list(inputs), keras.ops.mean(keras.ops.stack(heads, axis=0), axis=0))


def _no_encoders(image_shape, series_shape, n_tabular):
    """Raw inputs flattened and concatenated: a head, but no encoder per modality."""
    img, ser, tab = _inputs(image_shape, series_shape, n_tabular)
    img_pooled = keras.layers.GlobalAveragePooling2D()(img)
    x = keras.layers.Concatenate()([img_pooled, keras.layers.Flatten()(ser), tab])
    out = keras.layers.Dense(1, activation="sigmoid")(keras.layers.Dense(16, activation="relu")(x))
    return keras.Model([img, ser, tab], out)


def _no_encoders_flatten(image_shape, series_shape, n_tabular):
    """Every raw input flattened into one vector (the image too): no encoder at all."""
    img, ser, tab = _inputs(image_shape, series_shape, n_tabular)
    x = keras.layers.Concatenate()([keras.layers.Flatten()(img), keras.layers.Flatten()(ser), tab])
    out = keras.layers.Dense(1, activation="sigmoid")(keras.layers.Dense(16, activation="relu")(x))
    return keras.Model([img, ser, tab], out)


def _tabular_without_encoder(image_shape, series_shape, n_tabular):
    """Image and series encoded, the raw table concatenated as it is."""
    img, ser, tab = _inputs(image_shape, series_shape, n_tabular)
    a, b, _ = _branches(img, ser, tab)
    out = keras.layers.Dense(1, activation="sigmoid")(keras.layers.Dense(8, activation="relu")(
        keras.layers.Concatenate()([a, b, tab])))
    return keras.Model([img, ser, tab], out)


def _added_embeddings(image_shape, series_shape, n_tabular):
    """Embeddings summed instead of concatenated."""
    img, ser, tab = _inputs(image_shape, series_shape, n_tabular)
    out = keras.layers.Dense(1, activation="sigmoid")(keras.layers.Dense(8, activation="relu")(
        keras.layers.Add()(list(_branches(img, ser, tab)))))
    return keras.Model([img, ser, tab], out)


def _no_shared_head(image_shape, series_shape, n_tabular):
    """Embeddings concatenated, then averaged: nothing with weights after the fusion."""
    img, ser, tab = _inputs(image_shape, series_shape, n_tabular)
    x = keras.layers.Concatenate()(list(_branches(img, ser, tab)))
    out = keras.layers.Activation("sigmoid")(keras.ops.mean(x, axis=-1, keepdims=True))
    return keras.Model([img, ser, tab], out)


def test_linear_head_fusion_passes():
    def mine(image_shape, series_shape, n_tabular):
        return models.fusion_model(image_shape, series_shape, n_tabular, embed_dim=8, head_units=0)

    assert q06.build_fusion_model(mine) is mine  # a linear head on concatenated embeddings is fusion too


def test_fusion_wrapped_in_an_outer_model_passes():
    def mine(image_shape, series_shape, n_tabular):
        inner = models.fusion_model(image_shape, series_shape, n_tabular, embed_dim=8)
        inputs = list(_inputs(image_shape, series_shape, n_tabular))
        return keras.Model(inputs, inner(inputs))

    assert q06.build_fusion_model(mine) is mine


@pytest.mark.parametrize("wrong, message", [
    (_late_fusion_average, r"late fusion: the image branch reaches the Average as a single number"),
    (_late_fusion_stacked, r"late fusion: the image branch reaches the Concatenate as a single number"),
    (_late_fusion_ops, r"late fusion: the image branch reaches the Stack as a single number"),
    (_no_encoders, r"the image input reaches the Concatenate without an encoder"),
    (_no_encoders_flatten, r"the image input reaches the Concatenate without an encoder"),
    (_tabular_without_encoder, r"the tabular input reaches the Concatenate without an encoder"),
    (_added_embeddings, r"the embeddings are merged by Add \(8 \+ 8 \+ 8 numbers in, 8 out\)"),
    (_no_shared_head, r"nothing with weights comes after the fusion"),
])
def test_build_fusion_model_rejects_wrong_fusion(wrong, message):
    with pytest.raises(AssertionError, match=r"case 'per-modality encoders, embeddings concatenated, a shared "
                                             r"head': " + message):
        q06.build_fusion_model(wrong)


@pytest.mark.parametrize("wrong, message", [
    (_bank_style, "case 'no flattened image feature maps': a Flatten layer turns the image feature maps"),
    (_tabular_ignored, "the output does not depend on the tabular input"),
    (_no_sigmoid, "outputs must be probabilities in"),
    (_wrong_order, "take the inputs in the order"),
    (_hard_coded, "build it from the arguments"),
    (_two_inputs, "expected 3 inputs"),
])
def test_build_fusion_model_wrong_answers_rejected(wrong, message):
    with pytest.raises(AssertionError, match=message):
        q06.build_fusion_model(wrong)


def test_checker_rejects_non_callable():
    with pytest.raises(TypeError, match="student_fn"):
        q06.build_fusion_model("model")
