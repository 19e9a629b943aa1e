"""Notebook 10's checkers: the wrong answers each must reject (contract: tests/test_checkers.py)."""

import numpy as np
from keras import ops

from medlab.check import q10


def _probabilities(h):
    n, height, width, k = h.shape
    flat = ops.reshape(ops.transpose(h, (0, 3, 1, 2)), (-1, k, height * width))
    return ops.reshape(ops.softmax(flat, axis=-1), (-1, k, height, width)), height, width


def _expected(p, height, width):
    rows = ops.sum(ops.sum(p, axis=3) * ops.arange(height, dtype="float32"), axis=-1)
    cols = ops.sum(ops.sum(p, axis=2) * ops.arange(width, dtype="float32"), axis=-1)
    return rows, cols


def _swapped(h):  # (col, row) instead of (row, col)
    rows, cols = _expected(*_probabilities(ops.convert_to_tensor(h)))
    return ops.stack([cols, rows], axis=-1)


def _argmax(h):  # the hard argmax: whole pixels, no gradient
    h = ops.convert_to_tensor(h)
    n, height, width, k = h.shape
    idx = ops.argmax(ops.reshape(ops.transpose(h, (0, 3, 1, 2)), (-1, k, height * width)), axis=-1)
    return ops.cast(ops.stack([idx // width, idx % width], axis=-1), "float32")


def _no_softmax(h):  # weights h / sum(h): wrong (even negative) weights for logits
    h = ops.transpose(ops.convert_to_tensor(h), (0, 3, 1, 2))
    p = h / ops.sum(h, axis=(2, 3), keepdims=True)
    rows, cols = _expected(p, h.shape[2], h.shape[3])
    return ops.stack([rows, cols], axis=-1)


def _softmax_over_landmarks(h):  # softmax over the channel axis, then a plain normalized average
    p = ops.transpose(ops.softmax(ops.convert_to_tensor(h), axis=-1), (0, 3, 1, 2))
    p = p / ops.sum(p, axis=(2, 3), keepdims=True)
    rows, cols = _expected(p, p.shape[2], p.shape[3])
    return ops.stack([rows, cols], axis=-1)


def _numpy(h):  # right values, but NumPy: no gradient reaches the network
    h = np.asarray(h, dtype=np.float64)
    n, height, width, k = h.shape
    flat = h.transpose(0, 3, 1, 2).reshape(n, k, -1)
    p = np.exp(flat - flat.max(axis=-1, keepdims=True))
    p = (p / p.sum(axis=-1, keepdims=True)).reshape(n, k, height, width)
    return np.stack([(p.sum(axis=3) * np.arange(height)).sum(-1), (p.sum(axis=2) * np.arange(width)).sum(-1)], -1)


def _stable_softmax_by_hand(h):  # another right answer: exp(h - max) / sum, with keras.ops
    h = ops.transpose(ops.convert_to_tensor(h), (0, 3, 1, 2))
    e = ops.exp(h - ops.max(h, axis=(2, 3), keepdims=True))
    p = e / ops.sum(e, axis=(2, 3), keepdims=True)
    rows, cols = _expected(p, h.shape[2], h.shape[3])
    return ops.stack([rows, cols], axis=-1)


CONTRACTS = [
    dict(checker=q10.soft_argmax, reference=q10._reference_soft_argmax, wrong=[
        ("row and column swapped", _swapped, r"case 'sharp peaks, \(row, col\)': .*got \(col, row\)"),
        ("hard argmax", _argmax, r"case 'sub-pixel': .*whole pixel"),
        ("no softmax", _no_softmax, r"case 'softmax over the pixels': .*h / sum\(h\)"),
        ("softmax over the landmarks", _softmax_over_landmarks,
         r"case 'sharp peaks, \(row, col\)': .*one softmax per channel, over its H x W pixels"),
        ("NumPy, not differentiable", _numpy, r"case 'differentiable': .*keras.ops"),
    ], accepted=[
        ("softmax written by hand", _stable_softmax_by_hand),
    ]),
]
