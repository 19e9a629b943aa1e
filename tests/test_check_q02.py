"""Checkers of notebook 02: the reference passes, the stub falls back, wrong answers are rejected."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from medlab import losses, metrics, models
from medlab.check import q02


def stub(*args, **kwargs):
    raise NotImplementedError()


# ---------------------------------------------------------------- dice_coefficient

def test_dice_reference_passes():
    assert q02.dice_coefficient(metrics.dice_coefficient) is metrics.dice_coefficient


def test_dice_stub_falls_back():
    assert q02.dice_coefficient(stub) is metrics.dice_coefficient


def _dice_no_empty_rule(a, b):
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    return 2 * (a & b).sum() / (a.sum() + b.sum())  # 0/0 = NaN for two empty masks


def _iou_instead(a, b):
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    union = (a | b).sum()
    return 1.0 if union == 0 else (a & b).sum() / union


def _smoothed(a, b):
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    return (2 * (a & b).sum() + 1) / (a.sum() + b.sum() + 1)  # smoothing biases small masks


@pytest.mark.parametrize("wrong, message", [
    (_dice_no_empty_rule, "empty"),
    (_iou_instead, "partial overlap"),
    (_smoothed, "partial overlap|tiny lesion"),
])
def test_dice_wrong_answers_rejected(wrong, message):
    with pytest.raises(AssertionError, match=message):
        q02.dice_coefficient(wrong)


# ---------------------------------------------------------------- soft_dice_loss

def test_soft_dice_reference_passes():
    assert q02.soft_dice_loss(losses.soft_dice_loss) is losses.soft_dice_loss


def test_soft_dice_stub_falls_back():
    assert q02.soft_dice_loss(stub) is losses.soft_dice_loss


def _returns_dice(y, p):  # forgot "1 -"
    inter = tf.reduce_sum(y * p, axis=(1, 2, 3))
    return tf.reduce_mean((2 * inter + 1e-6) / (tf.reduce_sum(y, (1, 2, 3)) + tf.reduce_sum(p, (1, 2, 3)) + 1e-6))


def _batch_dice(y, p):  # one Dice over the whole batch
    return 1 - (2 * tf.reduce_sum(y * p) + 1e-6) / (tf.reduce_sum(y) + tf.reduce_sum(p) + 1e-6)


def _thresholded(y, p):  # hard masks: no gradient
    p = tf.cast(p > 0.5, tf.float32)
    return losses.soft_dice_loss(y, p)


@pytest.mark.parametrize("wrong, message", [
    (_returns_dice, "perfect prediction"),
    (_batch_dice, "soft predictions|per-image"),
    (_thresholded, "soft predictions|gradient"),
])
def test_soft_dice_wrong_answers_rejected(wrong, message):
    with pytest.raises(AssertionError, match=message):
        q02.soft_dice_loss(wrong)


# ---------------------------------------------------------------- decoder_block

def test_decoder_reference_passes():
    assert q02.decoder_block(models.decoder_block) is models.decoder_block


def test_decoder_stub_falls_back():
    assert q02.decoder_block(stub) is models.decoder_block


def _no_skip(x, skip, filters):
    x = keras.layers.UpSampling2D()(x)
    x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    return keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)


def _no_upsampling(x, skip, filters):
    x = keras.layers.Concatenate()([x, skip])  # shapes do not match
    return keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)


def _one_conv(x, skip, filters):
    x = keras.layers.UpSampling2D()(x)
    x = keras.layers.Concatenate()([x, skip])
    return keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)


@pytest.mark.parametrize("wrong, message", [
    (_no_skip, "skip"),
    (_no_upsampling, "raised"),
    (_one_conv, "two 3x3 convolutions"),
])
def test_decoder_wrong_answers_rejected(wrong, message):
    with pytest.raises(AssertionError, match=message):
        q02.decoder_block(wrong)
