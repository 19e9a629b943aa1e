"""Checkers for notebook 01 (CNN classification)."""

from __future__ import annotations

import numpy as np

from ..preprocess import normalize_intensity as _normalize_ref
from ._core import expect, expect_close, run_checks


def _reference_normalize(images):
    return _normalize_ref(images, "zscore")


def normalize_intensity(student_fn):
    """Check a per-image z-score normalization ``normalize_intensity(images) -> images``.

    Examples
    --------
    >>> from medlab.check import q01
    >>> fn = q01.normalize_intensity(lambda x: _reference_normalize(x))
    ✓ normalize_intensity: all 3 cases pass.
    """
    rng = np.random.default_rng(7)
    batch = np.concatenate([rng.normal(100, 20, (1, 8, 8, 1)), rng.normal(0.2, 0.01, (1, 8, 8, 1)),
                            rng.normal(-500, 300, (1, 8, 8, 1))]).astype(np.float32)
    const = np.full((2, 4, 4, 1), 3.0, np.float32)
    axes = (1, 2, 3)

    def per_image_stats(f):
        out = np.asarray(f(batch.copy()), dtype=float)
        expect(out.shape == batch.shape, f"expected the shape to stay {batch.shape}, got {out.shape}")
        expect_close(out.mean(axis=axes), np.zeros(3), "each image's mean after normalization", atol=1e-3)
        expect_close(out.std(axis=axes), np.ones(3), "each image's standard deviation", atol=1e-2)

    def matches_reference(f):
        expect_close(f(batch.copy()), _reference_normalize(batch), "the normalized batch ((x - mean) / std, "
                     "pixel by pixel)", rtol=1e-3, atol=1e-3)

    def constant_image(f):
        out = np.asarray(f(const.copy()), dtype=float)
        expect(np.all(np.isfinite(out)), "a constant image gave NaN or inf: add a small eps to the denominator")
        expect_close(out, np.zeros_like(const), "a constant image (should map to zeros)", atol=1e-3)

    # A function that changes its input in place is stopped by the guard of run_checks (first case).
    cases = [("per-image mean 0 and std 1", per_image_stats),
             ("values match the reference", matches_reference),
             ("constant image", constant_image)]
    return run_checks("normalize_intensity", student_fn, _reference_normalize, cases,
                      hint="take the mean and std over axes (1, 2, 3) with keepdims=True, one pair per image, "
                           "and divide by (std + 1e-6).")


def _reference_build_cnn(input_shape):
    from ..models import small_cnn

    return small_cnn(input_shape, filters=(16, 32, 64, 64), dropout=0.2, pooling="max")  # the solution's network


def build_cnn(student_fn):
    """Check ``build_cnn(input_shape) -> keras.Model``: a small CNN with global pooling and a
    sigmoid output for binary classification."""
    import keras

    shape = (64, 64, 1)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4,) + shape).astype(np.float32) * 3

    def is_model(f):
        model = f(shape)
        expect(isinstance(model, keras.Model), f"expected a keras.Model, got {type(model).__name__}")
        out = np.asarray(model(x, training=False))
        expect(out.shape == (4, 1),
               f"expected output shape (batch, 1): one probability per image; got {out.shape} for a batch of 4")

    def probabilities(f):
        # a linear output scales with the input (ReLU features, zero biases): at 1000 x it leaves [0, 1]
        out = np.asarray(f(shape)(np.concatenate([x, 50 * x, 1000 * x]), training=False))
        expect(np.all((out >= 0) & (out <= 1)),
               f"outputs must be probabilities in [0, 1] (a sigmoid), got range [{out.min():.3g}, {out.max():.3g}]")
        expect(np.ptp(out) > 0, "all outputs are identical: a softmax over a single unit always gives 1.0")

    def global_pooling(f):
        model = f(shape)
        kinds = {type(layer).__name__ for layer in model.layers}
        expect("Flatten" not in kinds, "found a Flatten layer: use GlobalAveragePooling2D, so the head does "
               "not depend on where the lesion is or on the image size")
        expect(bool(kinds & {"GlobalAveragePooling2D", "GlobalMaxPooling2D"}),
               "no global pooling layer (GlobalAveragePooling2D or GlobalMaxPooling2D) found")

    def small(f):
        n = f(shape).count_params()
        expect(1_000 <= n <= 300_000, f"expected between 1k and 300k parameters for this task, got {n:,}")

    cases = [("a Keras model with one output", is_model), ("sigmoid probabilities", probabilities),
             ("global pooling, no Flatten", global_pooling), ("a small model", small)]
    return run_checks("build_cnn", student_fn, _reference_build_cnn, cases,
                      hint="Conv2D -> BatchNormalization -> ReLU -> MaxPooling2D a few times, then "
                           "GlobalMaxPooling2D (or GlobalAveragePooling2D) and Dense(1, activation='sigmoid').")
