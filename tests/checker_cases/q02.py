"""Notebook 02's checkers: the wrong answers each must reject (contract: tests/test_checkers.py)."""

import keras
import numpy as np
import tensorflow as tf

from medlab import losses, metrics, models
from medlab.check import q02

# ---------------------------------------------------------------- dice_coefficient

def _unnormalized(a, b):  # forgot to divide
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    return 2.0 * (a & b).sum()


def _iou_instead(a, b):
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    union = (a | b).sum()
    return 1.0 if union == 0 else (a & b).sum() / union


def _recall_instead(a, b):  # overlap over the ground truth only: not symmetric
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    return 1.0 if a.sum() == 0 else float((a & b).sum() / a.sum())


def _smoothed(a, b):
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    return (2 * (a & b).sum() + 1) / (a.sum() + b.sum() + 1)  # smoothing biases small masks


def _dice_no_empty_rule(a, b):
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    with np.errstate(invalid="ignore"):
        return 2 * (a & b).sum() / (a.sum() + b.sum())  # 0/0 = NaN for two empty masks


def _any_empty_is_perfect(a, b):  # the empty-mask convention applied to one empty mask
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    if not a.any() or not b.any():
        return 1.0
    return 2 * (a & b).sum() / (a.sum() + b.sum())


def _as_text(a, b):
    return f"{metrics.dice_coefficient(a, b):.6f}"


def _no_return(a, b):
    metrics.dice_coefficient(a, b)


def _in_place(y_true, y_pred):  # right value, but the intersection is computed in y_true's memory
    total = y_true.sum() + y_pred.sum()
    y_true &= y_pred
    return 1.0 if total == 0 else float(2 * y_true.sum() / total)


# ---------------------------------------------------------------- soft_dice_loss

def _per_image_vector(y, p):  # forgot the mean over the batch
    inter = tf.reduce_sum(y * p, axis=(1, 2, 3))
    return 1 - (2 * inter + 1e-6) / (tf.reduce_sum(y, (1, 2, 3)) + tf.reduce_sum(p, (1, 2, 3)) + 1e-6)


def _returns_dice(y, p):  # forgot "1 -"
    inter = tf.reduce_sum(y * p, axis=(1, 2, 3))
    return tf.reduce_mean((2 * inter + 1e-6) / (tf.reduce_sum(y, (1, 2, 3)) + tf.reduce_sum(p, (1, 2, 3)) + 1e-6))


def _thresholded(y, p):  # hard masks: no gradient, and the value of hard masks
    p = tf.cast(p > 0.5, tf.float32)
    return losses.soft_dice_loss(y, p)


def _batch_dice(y, p):  # one Dice over the whole batch
    return 1 - (2 * tf.reduce_sum(y * p) + 1e-6) / (tf.reduce_sum(y) + tf.reduce_sum(p) + 1e-6)


def _numpy_loss(y, p):  # right value, computed in NumPy: no gradient reaches the model
    y, p = np.asarray(y), np.asarray(p)
    inter = (y * p).sum(axis=(1, 2, 3))
    return float(np.mean(1 - (2 * inter + 1e-6) / (y.sum(axis=(1, 2, 3)) + p.sum(axis=(1, 2, 3)) + 1e-6)))


# ---------------------------------------------------------------- decoder_block

def _no_skip(x, skip, filters):
    x = keras.layers.UpSampling2D()(x)
    x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    return keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)


def _no_upsampling(x, skip, filters):
    x = keras.layers.Concatenate()([x, skip])  # shapes do not match
    return keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)


def _add_instead(x, skip, filters):
    x = keras.layers.Conv2DTranspose(filters, 2, strides=2, padding="same")(x)
    x = keras.layers.Add()([x, skip])
    for _ in range(2):
        x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    return x


def _skip_pooled_down(x, skip, filters):  # merged at x's resolution, then upsampled
    x = keras.layers.Concatenate()([x, keras.layers.MaxPooling2D()(skip)])
    for _ in range(2):
        x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    return keras.layers.UpSampling2D()(x)


def _convs_before_merge(x, skip, filters):
    x = keras.layers.UpSampling2D()(x)
    for _ in range(2):
        x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    x = keras.layers.Concatenate()([x, skip])
    return keras.layers.Conv2D(filters, 1)(x)  # back to `filters` channels: the shape is right


def _skip_times_zero(x, skip, filters):  # wired like the reference, but the skip is multiplied by 0
    x = keras.layers.UpSampling2D()(x)
    x = keras.layers.Concatenate()([x, skip * 0.0])  # a zero gradient, not a missing one
    for _ in range(2):
        x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    return x


def _one_conv(x, skip, filters):
    x = keras.layers.UpSampling2D()(x)
    x = keras.layers.Concatenate()([x, skip])
    return keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)


def _wrong_filters(x, skip, filters):  # keeps the concatenated width instead of `filters`
    x = keras.layers.UpSampling2D()(x)
    x = keras.layers.Concatenate()([x, skip])
    for _ in range(2):
        x = keras.layers.Conv2D(x.shape[-1], 3, padding="same", activation="relu")(x)
    return x


def _ops_concatenate_skip_first(x, skip, filters):
    x = keras.layers.UpSampling2D()(x)
    x = keras.ops.concatenate([skip, x], axis=-1)
    for _ in range(2):
        x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    return x


def _nested_conv_block(x, skip, filters):
    x = keras.layers.concatenate([keras.layers.UpSampling2D(interpolation="bilinear")(x), skip])
    block = keras.Sequential([keras.layers.Conv2D(filters, 3, padding="same"), keras.layers.ReLU(),
                              keras.layers.Conv2D(filters, 3, padding="same"), keras.layers.ReLU()])
    return block(x)


CONTRACTS = [
    dict(checker=q02.dice_coefficient, reference=metrics.dice_coefficient, wrong=[
        ("forgot to divide", _unnormalized,
         r"case 'identical masks': Dice of a mask with itself: expected 1, got 200"),
        ("IoU instead of Dice", _iou_instead, r"case 'partial overlap': .* expected 0\.64, got 0\.470588"),
        ("recall instead of Dice", _recall_instead, r"case 'symmetric': .* expected 0\.780488, got 1"),
        ("smoothed", _smoothed, r"case 'tiny lesion': .* expected 0\.666667, got 0\.75"),
        ("no rule for two empty masks", _dice_no_empty_rule, r"case 'both masks empty': .* got NaN"),
        ("one empty mask is perfect", _any_empty_is_perfect, r"case 'one mask empty': .* expected 0, got 1"),
        ("returns text", _as_text, r"case 'identical masks': .* got str '1\.000000'.*not its text"),
        ("returns None", _no_return, r"case 'identical masks': your function returned None"),
        ("changes its input in place", _in_place,
         r"case 'partial overlap': your function modified its input 'y_true' in place"),
    ]),
    dict(checker=q02.soft_dice_loss, reference=losses.soft_dice_loss, wrong=[
        ("one loss per image, no mean", _per_image_vector,
         r"case 'a scalar': expected a scalar loss .* got shape \(2,\)"),
        ("returns the Dice, not 1 - Dice", _returns_dice, r"case 'perfect prediction': .* expected 0, got 1"),
        ("thresholded predictions", _thresholded, r"case 'soft predictions': .* got 0"),
        ("one Dice over the whole batch", _batch_dice, r"case 'per-image average': .* one Dice per image"),
        ("computed in NumPy", _numpy_loss, r"case 'gradient flows': the loss is a float, not a tensor"),
    ]),
    dict(checker=q02.decoder_block, reference=models.decoder_block, wrong=[
        ("no skip connection", _no_skip, r"case 'skip connection used': the output does not depend on the skip"),
        ("no upsampling", _no_upsampling, r"case 'skip connection used': your function raised ValueError"),
        ("skip multiplied by zero", _skip_times_zero,
         r"case 'skip connection used': the output does not depend on the skip"),
        ("Add instead of Concatenate", _add_instead,
         r"case 'upsample, .*': x and skip are merged with Add, not concatenated"),
        ("skip pooled down to x", _skip_pooled_down,
         r"case 'upsample, .*': the skip is concatenated at 8x8, not at its own resolution 16x16"),
        ("convolutions before the merge", _convs_before_merge,
         r"found 0 \(2 before it: convolutions before the merge never see the skip"),
        ("one convolution", _one_conv,
         r"case 'upsample, .*': expected two 3x3 convolutions after the concatenation, found 1\nHint"),
        ("keeps the concatenated width", _wrong_filters, r"case 'output shape': .* got \(None, 16, 16, 48\)"),
    ], accepted=[
        ("keras.ops.concatenate, skip first", _ops_concatenate_skip_first),
        ("convolutions in a nested Sequential", _nested_conv_block),
    ]),
]
