"""Notebook 15's checker: the wrong answers it must reject (contract: tests/test_checkers.py)."""

import keras
from keras import ops

from medlab.check import q15

AXES = (1, 2, 3)


def _dice(m, p, axes=AXES, smooth=1.0):
    inter = ops.sum(m * p, axis=axes)
    total = ops.sum(m, axis=axes) + ops.sum(p, axis=axes)
    return ops.mean(1.0 - (2.0 * inter + smooth) / (total + smooth))


def _bce(y, p, from_logits=False):
    return ops.mean(keras.losses.binary_crossentropy(y, p, from_logits=from_logits))


def _right(m, mp, y, yp, weight):
    return _dice(m, mp) + _bce(m, mp) + weight * _bce(y, yp)


def _right_written_out(m, mp, y, yp, weight):  # BCE by hand with Keras' clipping, Dice as a sum of ratios
    def bce(t, p):
        p = ops.clip(p, 1e-7, 1 - 1e-7)
        return -ops.mean(t * ops.log(p) + (1 - t) * ops.log(1 - p))
    return _dice(m, mp) + bce(m, mp) + weight * bce(y, yp)


def _weight_on_mask(m, mp, y, yp, weight):
    return weight * (_dice(m, mp) + _bce(m, mp)) + _bce(y, yp)


def _no_smoothing(m, mp, y, yp, weight):
    return _dice(m, mp, smooth=0.0) + _bce(m, mp) + weight * _bce(y, yp)


def _batch_dice(m, mp, y, yp, weight):  # one Dice over the whole batch
    return _dice(m, mp, axes=None) + _bce(m, mp) + weight * _bce(y, yp)


def _logits(m, mp, y, yp, weight):
    return _dice(m, mp) + _bce(m, mp) + weight * _bce(y, yp, from_logits=True)


def _bank_mask_only(m, mp, y, yp, weight):  # the bank's model: one sigmoid mask, binary cross-entropy, no class
    return _bce(m, mp)


def _no_class_term(m, mp, y, yp, weight):
    return _dice(m, mp) + _bce(m, mp)


CONTRACTS = [
    dict(checker=q15.multitask_loss, reference=q15._reference_multitask_loss, wrong=[
        ("weight on the mask term", _weight_on_mask,
         r"case 'weight 3': the same batch, weight 3: expected .* It matches the loss where the weight multiplies "
         r"the mask term"),
        ("Dice without smoothing", _no_smoothing,
         r"case 'a batch, weight 1': .*the Dice has no smoothing constant"),
        ("one Dice over the whole batch", _batch_dice,
         r"case 'a batch, weight 1': .*the Dice is computed once over the whole batch"),
        ("BCE on logits with sigmoid outputs", _logits,
         r"case 'a batch, weight 1': .*treats the sigmoid's probabilities as logits"),
        ("the bank's mask BCE only", _bank_mask_only,
         r"case 'a batch, weight 1': .*only the mask's binary cross-entropy counts \(the bank's loss\)"),
        ("no classification term", _no_class_term,
         r"case 'a batch, weight 1': .*the classification term is missing"),
        ("returns None", lambda *a: None, r"case 'a batch, weight 1': your function returned None"),
    ], accepted=[
        ("Keras' losses", _right),
        ("written out by hand", _right_written_out),
    ]),
]
