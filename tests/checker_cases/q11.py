"""Notebook 11's checker: the wrong answers it must reject (contract: tests/test_checkers.py)."""

import numpy as np
from keras import ops

from medlab.check import q11

EPS = 1e-7


def _parts(y_true, y_pred, alpha):
    y = ops.convert_to_tensor(y_true, dtype="float32")
    p = ops.clip(ops.convert_to_tensor(y_pred, dtype="float32"), EPS, 1 - EPS)
    a = ops.convert_to_tensor(np.asarray(alpha, "float32"))
    return y, p, a


def _per_class(y_true, y_pred, alpha, gamma=2.0):  # the solution's form: a sum over the classes
    y, p, a = _parts(y_true, y_pred, alpha)
    return ops.mean(ops.sum(-a * y * ops.power(1 - p, gamma) * ops.log(p), axis=-1))


def _p_true(y_true, y_pred, alpha, gamma=2.0):  # another right answer: gather p and alpha of the true class
    y, p, a = _parts(y_true, y_pred, alpha)
    pt, at = ops.sum(y * p, axis=-1), ops.sum(y * a, axis=-1)
    return ops.mean(-at * (1 - pt) ** gamma * ops.log(pt))


def _no_exponent(y_true, y_pred, alpha, gamma=2.0):
    y, p, a = _parts(y_true, y_pred, alpha)
    return ops.mean(ops.sum(-a * y * (1 - p) * ops.log(p), axis=-1))


def _times_gamma(y_true, y_pred, alpha, gamma=2.0):
    y, p, a = _parts(y_true, y_pred, alpha)
    return ops.mean(ops.sum(-a * y * (1 - p) * gamma * ops.log(p), axis=-1))


def _log_of_logits(y_true, y_pred, alpha, gamma=2.0):  # log_softmax of what already are probabilities
    y, p, a = _parts(y_true, y_pred, alpha)
    return ops.mean(ops.sum(-a * y * ops.power(1 - p, gamma) * ops.log_softmax(p, axis=-1), axis=-1))


def _sum_over_batch(y_true, y_pred, alpha, gamma=2.0):
    y, p, a = _parts(y_true, y_pred, alpha)
    return ops.sum(-a * y * ops.power(1 - p, gamma) * ops.log(p))


def _mean_over_classes(y_true, y_pred, alpha, gamma=2.0):
    y, p, a = _parts(y_true, y_pred, alpha)
    return ops.mean(-a * y * ops.power(1 - p, gamma) * ops.log(p))


def _alpha_of_predicted_class(y_true, y_pred, alpha, gamma=2.0):
    y, p, a = _parts(y_true, y_pred, alpha)
    a_pred = ops.take(a, ops.argmax(p, axis=-1))
    return ops.mean(-a_pred * ops.sum(y * ops.power(1 - p, gamma) * ops.log(p), axis=-1))


def _binary_focal(y_true, y_pred, alpha, gamma=2.0):  # the bank's habit: a binary loss on a softmax output
    y, p, a = _parts(y_true, y_pred, alpha)
    pos = -a * y * ops.power(1 - p, gamma) * ops.log(p)
    neg = -(1 - a) * (1 - y) * ops.power(p, gamma) * ops.log(1 - p)
    return ops.mean(ops.sum(pos + neg, axis=-1))


def _no_clip(y_true, y_pred, alpha, gamma=2.0):
    y = ops.convert_to_tensor(y_true, dtype="float32")
    p = ops.convert_to_tensor(y_pred, dtype="float32")
    a = ops.convert_to_tensor(np.asarray(alpha, "float32"))
    return ops.mean(ops.sum(-a * y * ops.power(1 - p, gamma) * ops.log(p), axis=-1))


def _numpy(y_true, y_pred, alpha, gamma=2.0):  # right numbers, but NumPy cannot run inside model.fit
    y, p = np.asarray(y_true, float), np.clip(np.asarray(y_pred, float), EPS, 1 - EPS)
    return float(np.mean(np.sum(-np.asarray(alpha) * y * (1 - p) ** gamma * np.log(p), axis=-1)))


CONTRACTS = [
    dict(checker=q11.focal_loss, reference=q11._reference_focal_loss, wrong=[
        ("no exponent gamma", _no_exponent,
         r"case 'cross-entropy at gamma = 0': .*the factor \(1 - p\) \*\* gamma is 1; is the exponent gamma missing"),
        ("times gamma instead of to the power", _times_gamma,
         r"case 'cross-entropy at gamma = 0': .*\(1 - p\) \* gamma is 0; raise to the power gamma"),
        ("log of a softmax of the probabilities", _log_of_logits,
         r"case 'cross-entropy at gamma = 0': .*-log\(softmax\(y_pred\)\)\[true\]: y_pred are already probabilities"),
        ("sum over the batch", _sum_over_batch,
         r"case 'mean over the batch': .*expected the mean over the batch .*, got the sum"),
        ("mean over the classes too", _mean_over_classes,
         r"case 'cross-entropy at gamma = 0': .* = that / 3: you averaged over the classes"),
        ("alpha of the predicted class", _alpha_of_predicted_class,
         r"case 'alpha of the true class': .*alpha was taken for the predicted class"),
        ("binary focal loss on a softmax", _binary_focal,
         r"case 'alpha of the true class': .*the binary focal loss of every class"),
        ("no clipping before the log", _no_clip,
         r"case 'probabilities of 0': .*clip the probabilities"),
        ("NumPy instead of keras.ops", _numpy,
         r"case 'inside model.fit \(traced, differentiable\)': .*Write it with keras.ops"),
    ], accepted=[
        ("sum over the classes, keras.ops", _per_class),
        ("p_true and alpha_true gathered first", _p_true),
    ]),
]
