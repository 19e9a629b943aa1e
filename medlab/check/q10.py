"""Checkers for notebook 10 (landmark localization: soft-argmax, Gaussian heatmap targets in mm)."""

from __future__ import annotations

import numpy as np

from ..data import gaussian_heatmaps as _gaussian_heatmaps
from ..models import soft_argmax as _reference_soft_argmax
from ._core import CaseFailed, expect, expect_close, run_checks


def _as_numpy(out):
    if hasattr(out, "numpy"):
        out = out.numpy()
    try:
        return np.asarray(out, dtype=float)
    except (TypeError, ValueError):
        raise CaseFailed(f"expected an array or tensor of shape (N, K, 2), got {type(out).__name__}") from None


def _reference(h):
    return _as_numpy(_reference_soft_argmax(np.asarray(h, np.float32)))


def _peaks(shape, points, height=40.0):
    h = np.zeros(shape, np.float32)
    for k, (r, c) in enumerate(points):
        h[0, r, c, k] = height
    return h


def _sharp_peaks(f):
    # one sharp peak per channel on a 6 x 9 map: the output is (row, col) of each peak
    h = _peaks((1, 6, 9, 2), [(1, 7), (4, 2)])
    what = "two channels with sharp peaks at (row 1, col 7) and (row 4, col 2) on a 6 x 9 heatmap"
    out = _as_numpy(f(h))
    expect(out.shape == (1, 2, 2), f"{what}: expected shape (N, K, 2) = (1, 2, 2), got {out.shape}")
    if np.allclose(out, [[[7, 1], [2, 4]]], atol=0.05):
        raise CaseFailed(f"{what}: got (col, row) = {out[0].round(2).tolist()}: the pair must be (row, col), the "
                         "order of the landmarks and of array indexing")
    expect_close(out, [[[1, 7], [4, 2]]], f"{what} (one softmax per channel, over its H x W pixels)", atol=0.02)


def _sub_pixel(f):
    # two equal peaks side by side: the expected position lies half-way, which no argmax can return
    h = np.full((1, 5, 6, 1), -30.0, np.float32)
    h[0, 2, 2, 0] = h[0, 2, 3, 0] = 30.0
    out = _as_numpy(f(h))
    what = "two equal peaks at (2, 2) and (2, 3)"
    if out.shape == (1, 1, 2) and np.allclose(out, np.round(out)) and not np.allclose(out, [[[2.0, 2.5]]]):
        raise CaseFailed(f"{what}: expected the sub-pixel position [2, 2.5], got the whole pixel "
                         f"{out[0, 0].tolist()}: an argmax picks one pixel; soft-argmax takes the expected "
                         "position under the softmax")
    expect_close(out, [[[2.0, 2.5]]], what, atol=1e-3)


def _softmax_weights(f):
    # smooth logits, some negative: the weights are softmax(h), not h / sum(h) and not h itself
    rng = np.random.default_rng(10)
    rows, cols = np.mgrid[:8, :8]
    h = (-((rows - 2.3) ** 2 + (cols - 5.6) ** 2) / 6.0 + 0.3 * rng.normal(size=(8, 8)))[None, :, :, None]
    h = h.astype(np.float32)
    out = _as_numpy(f(h))
    expected = _reference(h)
    what = "smooth logits (values from -15 to 0) peaking near (2.3, 5.6)"
    if out.shape == expected.shape and not np.allclose(out, expected, atol=1e-3):
        w = h[0, :, :, 0] / h[0, :, :, 0].sum()
        plain = np.array([(w * rows).sum(), (w * cols).sum()])
        if np.allclose(out[0, 0], plain, atol=1e-3):
            raise CaseFailed(f"{what}: got {out[0, 0].round(3).tolist()}, the average weighted by h / sum(h); "
                             f"expected {expected[0, 0].round(3).tolist()}. Logits can be negative: turn them into "
                             "probabilities with a softmax over the pixels first")
    expect_close(out, expected, what, atol=1e-3)


def _channels_and_batch(f):
    # each (image, landmark) pair has its own softmax over its own H x W pixels
    rng = np.random.default_rng(11)
    h = (3 * rng.normal(size=(2, 7, 5, 3))).astype(np.float32)
    out = _as_numpy(f(h))
    expected = _reference(h)
    expect(out.shape == expected.shape, f"a batch of 2 heatmaps (7 x 5) with 3 landmarks each: expected shape "
           f"(2, 3, 2), got {out.shape}")
    expect_close(out, expected, "a batch of 2 random heatmaps (7 x 5) with 3 landmarks each (is the softmax taken "
                 "over the H x W pixels of each channel, not over the landmarks or over one axis at a time?)",
                 atol=1e-3)


def _differentiable(f):
    # the model is trained through it: the coordinates must have a gradient with respect to the heatmaps
    import tensorflow as tf

    x = tf.Variable(np.random.default_rng(12).normal(size=(1, 6, 6, 2)).astype(np.float32))
    try:
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(tf.convert_to_tensor(f(x), dtype=tf.float32))
    except (TypeError, ValueError, NotImplementedError, AttributeError, RuntimeError) as err:
        if isinstance(err, NotImplementedError) and "numpy" not in str(err).lower():
            raise
        raise CaseFailed(f"called on a TensorFlow variable inside a GradientTape, your function raised "
                         f"{type(err).__name__}: {str(err)[:120]}. Write it with keras.ops (ops.softmax, "
                         "ops.sum, ops.arange...), not NumPy, so the model can train through it") from None
    grad = tape.gradient(y, x)
    expect(grad is not None and float(tf.reduce_max(tf.abs(grad))) > 0,
           "the coordinates have no gradient with respect to the heatmaps (an argmax, a NumPy round trip, or "
           "ops.stop_gradient?): the network could not learn through this readout. Use keras.ops throughout")


#: (description, case) in the order they run; each case raises ``CaseFailed`` on a wrong answer
CASES = [("sharp peaks, (row, col)", _sharp_peaks), ("sub-pixel", _sub_pixel),
         ("softmax over the pixels", _softmax_weights), ("batch and channels", _channels_and_batch),
         ("differentiable", _differentiable)]


def soft_argmax(student_fn):
    """Check ``soft_argmax(heatmaps) -> (N, K, 2)``: the expected (row, col) of each channel of
    (N, H, W, K) logits under a softmax over its H x W pixels, written with ``keras.ops``.

    Examples
    --------
    >>> from medlab.check import q10
    >>> fn = q10.soft_argmax(_reference_soft_argmax)
    ✓ soft_argmax: all 5 cases pass.
    """
    return run_checks("soft_argmax", student_fn, _reference_soft_argmax, CASES,
                      hint="per image and channel, flatten the H x W logits, take ops.softmax over them, reshape "
                           "back, and sum probability x row index and probability x column index (ops.arange).")


def _reference_gaussian_targets(landmarks, spacing, shape, sigma_mm):
    return _gaussian_heatmaps(landmarks, shape, sigma_mm, spacing=spacing)


def _targets(f, landmarks, spacing, shape, sigma_mm):
    out = f(np.asarray(landmarks, float), np.asarray(spacing, float), shape, sigma_mm)
    return _as_numpy(out)


def _peak_row_col(f):
    pts, sp = [[[2.0, 5.0]]], [[1.0, 1.0]]
    what = "one landmark at (row 2, col 5) on a 6 x 8 grid, spacing 1 mm, sigma 1 mm"
    out = _targets(f, pts, sp, (6, 8), 1.0)
    if out.shape == (1, 1, 6, 8):
        raise CaseFailed(f"{what}: got shape (N, K, H, W) = {out.shape}; expected (N, H, W, K) = (1, 6, 8, 1), "
                         "channels last like the network's heatmaps")
    expect(out.shape == (1, 6, 8, 1), f"{what}: expected shape (N, H, W, K) = (1, 6, 8, 1), got {out.shape}")
    peak = np.unravel_index(np.argmax(out[0, :, :, 0]), (6, 8))
    expect(peak != (5, 2), f"{what}: your peak is at (row 5, col 2): the landmarks are (row, col) pairs, and "
           "rows run along the first image axis")
    expect_close(out, _reference_gaussian_targets(pts, sp, (6, 8), 1.0), f"{what} (peak value 1)", atol=1e-4)


def _sub_pixel(f):
    pts, sp = [[[2.5, 3.25]]], [[1.0, 1.0]]
    what = "a landmark between pixels, at (2.5, 3.25)"
    out = _targets(f, pts, sp, (6, 7), 1.2)
    rounded = _reference_gaussian_targets([[[2.0, 3.0]]], sp, (6, 7), 1.2)
    if out.shape == rounded.shape and np.allclose(out, rounded, atol=1e-4) or \
            out.shape == rounded.shape and np.allclose(out, _reference_gaussian_targets([[[3.0, 3.0]]], sp, (6, 7),
                                                                                        1.2), atol=1e-4):
        raise CaseFailed(f"{what}: your Gaussian is centred on a whole pixel: keep the landmark's sub-pixel "
                         "position (no rounding), or the network learns a target up to half a pixel off")
    expect_close(out, _reference_gaussian_targets(pts, sp, (6, 7), 1.2), what, atol=1e-4)


def _sigma_in_mm(f):
    # rows 0.5 mm apart, columns 1.25 mm apart: sigma 2 mm is 4 pixels along rows and 1.6 along columns
    pts, sp, shape = [[[8.0, 6.0]]], [[0.5, 1.25]], (16, 12)
    what = "sigma 2 mm with anisotropic spacing (row 0.5 mm, col 1.25 mm): 4 pixels along rows, 1.6 along columns"
    out = _targets(f, pts, sp, shape, 2.0)
    if out.shape == (1,) + shape + (1,):
        wrong = {"sigma taken in pixels (the spacing is ignored)": [[1.0, 1.0]],
                 "the spacing's axes swapped (rows use the column spacing)": [[1.25, 0.5]],
                 "sigma multiplied by the spacing instead of divided": [[2.0, 0.8]]}
        for name, as_if in wrong.items():
            if np.allclose(out, _reference_gaussian_targets(pts, as_if, shape, 2.0), atol=1e-4):
                raise CaseFailed(f"{what}: your targets match {name}. A sigma in mm is sigma / spacing pixels along "
                                 "each axis, so it covers the same anatomy on every scanner")
    expect_close(out, _reference_gaussian_targets(pts, sp, shape, 2.0), what, atol=1e-4)


def _batch(f):
    rng = np.random.default_rng(13)
    pts = rng.uniform(2, 9, size=(2, 3, 2))
    sp = np.array([[0.9, 1.2], [1.1, 0.8]])
    out = _targets(f, pts, sp, (12, 12), 1.5)
    expected = _reference_gaussian_targets(pts, sp, (12, 12), 1.5)
    expect(out.shape == expected.shape, f"2 images with 3 landmarks each: expected shape {expected.shape}, got "
           f"{out.shape}")
    expect_close(out, expected, "2 images with 3 landmarks each, each image with its own spacing", atol=1e-4)


#: (description, case) for gaussian_targets, in the order they run
TARGET_CASES = [("peak at (row, col)", _peak_row_col), ("sub-pixel centre", _sub_pixel),
                ("sigma in mm, anisotropic spacing", _sigma_in_mm), ("batch, landmarks, spacing per image", _batch)]


def gaussian_targets(student_fn):
    """Check ``gaussian_targets(landmarks, spacing, shape, sigma_mm) -> (N, H, W, K)``: one Gaussian per
    landmark, peak 1 at its sub-pixel (row, col), standard deviation ``sigma_mm / spacing`` pixels per axis.

    Examples
    --------
    >>> from medlab.check import q10
    >>> fn = q10.gaussian_targets(_reference_gaussian_targets)
    ✓ gaussian_targets: all 4 cases pass.
    """
    return run_checks("gaussian_targets", student_fn, _reference_gaussian_targets, TARGET_CASES,
                      hint="exp(-(dr^2 / (2 s_r^2) + dc^2 / (2 s_c^2))) with dr = row index - landmark row (np.arange "
                           "broadcast over (N, H, W, K)) and s_r = sigma_mm / row spacing, s_c = sigma_mm / column "
                           "spacing.")
