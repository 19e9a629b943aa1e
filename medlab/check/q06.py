"""Checkers for notebook 06 (multimodal fusion)."""

from __future__ import annotations

import numpy as np

from ._core import expect, run_checks

_NAMES = ("image", "series", "tabular")


def _reference_build_fusion_model(image_shape, series_shape, n_tabular):
    from ..models import fusion_model

    return fusion_model(image_shape, series_shape, n_tabular)


def _all_layers(model):
    """Every layer of ``model``, descending into nested models (the branches)."""
    import keras

    out = []
    for layer in model.layers:
        out.append(layer)
        if isinstance(layer, keras.Model):
            out += _all_layers(layer)
    return out


def build_fusion_model(student_fn):
    """Check ``build_fusion_model(image_shape, series_shape, n_tabular) -> keras.Model``:
    intermediate fusion of an image, a multichannel time series and a tabular row into one
    outcome probability.

    The model must take ``[image, series, tabular]`` in that order, return one probability per
    patient, let every input reach the output (non-zero gradient), keep the image branch from
    flattening its feature maps into thousands of features, and build from its arguments.
    """
    import keras
    import tensorflow as tf

    shapes = ((32, 32, 1), (24, 3), 5)
    other = ((40, 40, 1), (16, 2), 3)
    rng = np.random.default_rng(6)
    built = {}

    def batch(s, n=8):
        image, series, n_tab = s
        return [rng.normal(size=(n,) + image).astype(np.float32),
                rng.normal(size=(n,) + series).astype(np.float32),
                rng.normal(size=(n, n_tab)).astype(np.float32)]

    def model_for(f, s=shapes):
        if s not in built:
            built[s] = f(*s)
        return built[s]

    def three_inputs(f):
        model = model_for(f)
        expect(isinstance(model, keras.Model), f"expected a keras.Model, got {type(model).__name__}")
        n = len(model.inputs)
        expect(n == 3, f"expected 3 inputs (image, series, tabular), got {n}")

    def input_order(f):
        model = model_for(f)
        image, series, n_tab = shapes
        for name, inp, want in zip(_NAMES, model.inputs, ((None,) + image, (None,) + series, (None, n_tab))):
            got = tuple(inp.shape)
            expect(got == want, f"input '{name}' should have shape {want}, got {got}: take the inputs in the "
                                "order [image, series, tabular] with the shapes you were given")

    def probabilities(f):
        model = model_for(f)
        xs = batch(shapes)
        out = np.asarray(model([x * 3 for x in xs], training=False))
        expect(out.shape == (8, 1),
               f"expected one probability per patient, shape (8, 1) for 8 patients; got {out.shape}")
        expect(np.all((out >= 0) & (out <= 1)),
               f"outputs must be probabilities in [0, 1] (a sigmoid), got range [{out.min():.3g}, {out.max():.3g}]")
        expect(np.ptp(out) > 0, "all outputs are identical: a softmax over a single unit always gives 1.0")

    def uses_every_input(f):
        model = model_for(f)
        xs = [tf.convert_to_tensor(x) for x in batch(shapes)]
        with tf.GradientTape() as tape:
            tape.watch(xs)
            total = tf.reduce_sum(model(xs, training=False))
        grads = tape.gradient(total, xs)
        for name, g in zip(_NAMES, grads):
            size = 0.0 if g is None else float(np.abs(np.asarray(g)).max())
            expect(size > 0, f"the output does not depend on the {name} input (its gradient is zero): "
                             f"connect the {name} branch to the fused layer")

    def no_flattened_image(f):
        model = model_for(f)
        for layer in _all_layers(model):
            if isinstance(layer, keras.layers.Flatten):
                try:
                    shape = tuple(layer.input.shape)
                except (AttributeError, ValueError):
                    continue
                if len(shape) == 4:
                    n = int(np.prod([d for d in shape[1:] if d is not None]))
                    expect(False, f"a Flatten layer turns the image feature maps {shape} into {n:,} features, "
                                  "against a few dozen from the series and the table: the image drowns the "
                                  "other modalities. End the image branch with GlobalAveragePooling2D and a "
                                  "small Dense embedding")

    def from_arguments(f):
        model = f(*other)
        out = np.asarray(model(batch(other), training=False))
        expect(out.shape == (8, 1), f"built with image_shape={other[0]}, series_shape={other[1]}, "
                                    f"n_tabular={other[2]}, the model returned shape {out.shape}: build it from "
                                    "the arguments, not from hard-coded shapes")

    def small(f):
        n = model_for(f).count_params()
        expect(1_000 <= n <= 500_000, f"expected between 1k and 500k parameters for this task, got {n:,}")

    cases = [("a Keras model with three inputs", three_inputs),
             ("inputs in the order image, series, tabular", input_order),
             ("one probability per patient", probabilities),
             ("every modality reaches the output", uses_every_input),
             ("no flattened image feature maps", no_flattened_image),
             ("built from its arguments", from_arguments),
             ("a small model", small)]
    return run_checks("build_fusion_model", student_fn, _reference_build_fusion_model, cases,
                      hint="one keras.Input per modality; an encoder per modality that ends in a small "
                           "embedding (CNN + global pooling, Conv1D, Dense); Concatenate the three "
                           "embeddings; Dense layers; Dense(1, activation='sigmoid').")
