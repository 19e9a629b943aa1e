"""Checkers for notebook 02 (U-Net segmentation)."""

from __future__ import annotations

import numpy as np

from ..metrics import dice_coefficient as _dice_ref
from ._core import expect, expect_close, run_checks


def dice_coefficient(student_fn):
    """Check ``dice_coefficient(y_true, y_pred) -> float`` on binary NumPy masks.

    Examples
    --------
    >>> from medlab.check import q02
    >>> from medlab.metrics import dice_coefficient as ref
    >>> fn = q02.dice_coefficient(ref)
    ✓ dice_coefficient: all 6 cases pass.
    """
    a = np.zeros((6, 6), np.uint8)
    a[1:4, 1:4] = 1  # 9 pixels
    b = np.zeros((6, 6), np.uint8)
    b[2:5, 2:5] = 1  # 9 pixels, 4 shared
    tiny_a = np.zeros((6, 6), np.uint8)
    tiny_a[0, 0] = 1
    tiny_b = np.zeros((6, 6), np.uint8)
    tiny_b[0, 0:2] = 1
    empty = np.zeros((6, 6), np.uint8)

    cases = [
        ("identical masks", lambda f: expect_close(f(a, a), 1.0, "Dice of a mask with itself")),
        ("partial overlap", lambda f: expect_close(f(a, b), 8 / 18, "Dice of two 3x3 squares sharing 4 pixels")),
        ("symmetric", lambda f: expect_close(f(b, a), f(a, b), "dice(b, a) compared with dice(a, b)")),
        ("tiny lesion", lambda f: expect_close(f(tiny_a, tiny_b), 2 / 3, "Dice of 1 pixel vs 2 pixels",
                                               rtol=1e-4)),
        ("both masks empty", lambda f: expect_close(f(empty, empty), 1.0, "Dice of two empty masks "
                                                    "(convention: 1.0, perfect agreement)")),
        ("one mask empty", lambda f: expect_close(f(a, empty), 0.0, "Dice when the prediction is empty")),
    ]
    return run_checks("dice_coefficient", student_fn, _dice_ref, cases,
                      hint="2 * |A and B| / (|A| + |B|); return 1.0 when both are empty; no smoothing "
                           "constant in a metric (it biases small lesions).")


def soft_dice_loss(student_fn):
    """Check ``soft_dice_loss(y_true, y_pred) -> scalar tensor`` (per image, averaged over the batch)."""
    import tensorflow as tf

    from ..losses import soft_dice_loss as ref

    y = np.zeros((2, 8, 8, 1), np.float32)
    y[0, 2:6, 2:6] = 1  # 16 px
    y[1, 0:2, 0:2] = 1  # 4 px: small lesion
    rng = np.random.default_rng(5)
    p = np.clip(y * 0.7 + rng.uniform(0, 0.3, y.shape), 0, 1).astype(np.float32)
    p_empty_pred = np.zeros_like(p)
    p_empty_pred[0] = p[0]

    def perfect(f):
        expect_close(f(tf.constant(y), tf.constant(y)), 0.0, "loss for a perfect prediction", atol=1e-4)

    def value(f):
        expect_close(f(tf.constant(y), tf.constant(p)), ref(y, p), "loss on soft predictions", rtol=1e-3, atol=1e-4)

    def per_image(f):
        expect_close(f(tf.constant(y), tf.constant(p_empty_pred)), ref(y, p_empty_pred),
                     "loss when the small lesion of image 2 is missed (per-image mean)", rtol=1e-3, atol=1e-4)

    def differentiable(f):
        pv = tf.Variable(p)
        with tf.GradientTape() as tape:
            loss = f(tf.constant(y), pv)
        grad = tape.gradient(loss, pv)
        expect(grad is not None and float(tf.reduce_sum(tf.abs(grad))) > 0,
               "no gradient flows to y_pred: do not threshold or round the predictions inside a loss")

    def scalar(f):
        out = f(tf.constant(y), tf.constant(p))
        expect(len(getattr(out, "shape", ())) == 0, f"expected a scalar loss, got shape {tuple(out.shape)}")

    cases = [("perfect prediction", perfect), ("a scalar", scalar), ("soft predictions", value),
             ("per-image average", per_image), ("gradient flows", differentiable)]
    return run_checks("soft_dice_loss", student_fn, ref, cases,
                      hint="sum over axes (1, 2, 3) per image: 1 - (2*sum(y*p) + 1e-6) / (sum(y) + sum(p) + 1e-6), "
                           "then the mean over the batch; use probabilities, not thresholded masks.")


def decoder_block(student_fn):
    """Check ``decoder_block(x, skip, filters) -> tensor``: upsample, concatenate the skip, convolve."""
    import keras

    from ..models import decoder_block as ref

    def build(f):
        x = keras.Input((8, 8, 32))
        skip = keras.Input((16, 16, 16))
        return keras.Model([x, skip], f(x, skip, 16))

    def shape(f):
        model = build(f)
        expect(tuple(model.output.shape) == (None, 16, 16, 16),
               f"expected output shape (None, 16, 16, 16) for x (8, 8, 32), skip (16, 16, 16), filters 16; "
               f"got {tuple(model.output.shape)}")

    def uses_both_inputs(f):
        import tensorflow as tf

        model = build(f)
        rng = np.random.default_rng(0)
        x = tf.Variable(rng.normal(size=(1, 8, 8, 32)).astype(np.float32))
        s = tf.Variable(rng.normal(size=(1, 16, 16, 16)).astype(np.float32))
        with tf.GradientTape() as tape:
            out = tf.reduce_sum(model([x, s], training=False) ** 2)
        gx, gs = tape.gradient(out, [x, s])
        expect(gs is not None and float(tf.reduce_sum(tf.abs(gs))) > 0,
               "the output does not depend on the skip tensor: concatenate it after upsampling")
        expect(gx is not None and float(tf.reduce_sum(tf.abs(gx))) > 0,
               "the output does not depend on x")

    def has_convolutions(f):
        model = build(f)
        convs = [layer for layer in model.layers if type(layer).__name__ == "Conv2D"]
        expect(len(convs) >= 2, f"expected two 3x3 convolutions after the concatenation, found {len(convs)}")

    cases = [("output shape", shape), ("skip connection used", uses_both_inputs),
             ("convolutions after the merge", has_convolutions)]
    return run_checks("decoder_block", student_fn, ref, cases,
                      hint="Conv2DTranspose(filters, 2, strides=2) (or UpSampling2D), Concatenate()([x, skip]), "
                           "then two Conv2D(filters, 3, padding='same') with ReLU.")
