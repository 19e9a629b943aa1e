"""Notebook 06's checker: the wrong answers it must reject (contract: tests/test_checkers.py)."""

import keras

from medlab import models
from medlab.check import q06


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


def _linear_head(image_shape, series_shape, n_tabular):  # a linear head on concatenated embeddings is fusion too
    return models.fusion_model(image_shape, series_shape, n_tabular, embed_dim=8, head_units=0)


def _wrapped_in_an_outer_model(image_shape, series_shape, n_tabular):
    inner = models.fusion_model(image_shape, series_shape, n_tabular, embed_dim=8)
    inputs = list(_inputs(image_shape, series_shape, n_tabular))
    return keras.Model(inputs, inner(inputs))


FUSION = r"case 'per-modality encoders, embeddings concatenated, a shared head': "


CONTRACTS = [
    dict(checker=q06.build_fusion_model, reference=q06._reference_build_fusion_model, wrong=[
        ("late fusion by averaging", _late_fusion_average,
         FUSION + r"late fusion: the image branch reaches the Average as a single number"),
        ("late fusion by stacking", _late_fusion_stacked,
         FUSION + r"late fusion: the image branch reaches the Concatenate as a single number"),
        ("late fusion with keras.ops", _late_fusion_ops,
         FUSION + r"late fusion: the image branch reaches the Stack as a single number"),
        ("no encoders", _no_encoders, FUSION + r"the image input reaches the Concatenate without an encoder"),
        ("no encoders, everything flattened", _no_encoders_flatten,
         FUSION + r"the image input reaches the Concatenate without an encoder"),
        ("raw table concatenated", _tabular_without_encoder,
         FUSION + r"the tabular input reaches the Concatenate without an encoder"),
        ("embeddings added", _added_embeddings,
         FUSION + r"the embeddings are merged by Add \(8 \+ 8 \+ 8 numbers in, 8 out\)"),
        ("no shared head", _no_shared_head, FUSION + r"nothing with weights comes after the fusion"),
        ("the bank's flattened feature maps", _bank_style,
         "case 'no flattened image feature maps': a Flatten layer turns the image feature maps"),
        ("tabular input ignored", _tabular_ignored, "the output does not depend on the tabular input"),
        ("no sigmoid", _no_sigmoid, "outputs must be probabilities in"),
        ("inputs in the wrong order", _wrong_order, "take the inputs in the order"),
        ("shapes hard-coded", _hard_coded, "build it from the arguments"),
        ("two inputs", _two_inputs, "expected 3 inputs"),
    ], accepted=[
        ("a linear head", _linear_head),
        ("wrapped in an outer model", _wrapped_in_an_outer_model),
    ]),
]
