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


def _gauss(landmarks, sig_rows, sig_cols, shape):
    """Reference-style Gaussians with the given sigmas in pixels, (N, K) each."""
    rows = np.arange(shape[0])[None, :, None] - landmarks[:, None, :, 0]
    cols = np.arange(shape[1])[None, :, None] - landmarks[:, None, :, 1]
    gr = np.exp(-rows ** 2 / (2 * sig_rows[:, None, :] ** 2))
    gc = np.exp(-cols ** 2 / (2 * sig_cols[:, None, :] ** 2))
    return gr[:, :, None, :] * gc[:, None, :, :]


def _right_targets(landmarks, spacing, shape, sigma_mm):
    k = landmarks.shape[1]
    return _gauss(landmarks, np.repeat(sigma_mm / spacing[:, :1], k, 1), np.repeat(sigma_mm / spacing[:, 1:], k, 1),
                  shape)


def _sigma_in_pixels(landmarks, spacing, shape, sigma_mm):
    return _right_targets(landmarks, np.ones_like(spacing), shape, sigma_mm)


def _spacing_swapped(landmarks, spacing, shape, sigma_mm):
    return _right_targets(landmarks, spacing[:, ::-1], shape, sigma_mm)


def _rounded_centres(landmarks, spacing, shape, sigma_mm):
    return _right_targets(np.round(landmarks), spacing, shape, sigma_mm)


def _xy_order(landmarks, spacing, shape, sigma_mm):  # landmarks read as (x, y)
    return _right_targets(landmarks[..., ::-1], spacing, shape, sigma_mm)


def _channels_first(landmarks, spacing, shape, sigma_mm):
    return _right_targets(landmarks, spacing, shape, sigma_mm).transpose(0, 3, 1, 2)


def _loop_per_landmark(landmarks, spacing, shape, sigma_mm):  # another right answer: loops and np.meshgrid
    out = np.zeros((len(landmarks),) + tuple(shape) + (landmarks.shape[1],))
    rr, cc = np.meshgrid(np.arange(shape[0]), np.arange(shape[1]), indexing="ij")
    for n in range(len(landmarks)):
        for k in range(landmarks.shape[1]):
            sr, sc = sigma_mm / spacing[n]
            r, c = landmarks[n, k]
            out[n, :, :, k] = np.exp(-0.5 * (((rr - r) / sr) ** 2 + ((cc - c) / sc) ** 2))
    return out


CONTRACTS.append(
    dict(checker=q10.gaussian_targets, reference=q10._reference_gaussian_targets, wrong=[
        ("sigma in pixels", _sigma_in_pixels,
         r"case 'sigma in mm, anisotropic spacing': .*sigma taken in pixels \(the spacing is ignored\)"),
        ("spacing axes swapped", _spacing_swapped, r"case 'sigma in mm, anisotropic spacing': .*axes swapped"),
        ("rounded centres", _rounded_centres, r"case 'sub-pixel centre': .*centred on a whole pixel"),
        ("(x, y) order", _xy_order, r"case 'peak at \(row, col\)': .*peak is at \(row 5, col 2\)"),
        ("channels first", _channels_first, r"case 'peak at \(row, col\)': .*channels last"),
    ], accepted=[("loops and meshgrid", _loop_per_landmark)]))
