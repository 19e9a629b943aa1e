"""Checkers for notebook 03 (anomaly detection with an autoencoder)."""

from __future__ import annotations

import numpy as np

from ..anomaly import anomaly_score as _anomaly_score
from ._core import expect, expect_close, run_checks


def _reference_anomaly_score(images, reconstructions, mask, sigma=2.0):
    return _anomaly_score(images, reconstructions, mask=mask, reduce="p99", smooth_sigma=sigma)


def _disk(size, cy, cx, r):
    yy, xx = np.mgrid[:size, :size]
    return (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r


def anomaly_score(student_fn):
    """Check ``anomaly_score(images, reconstructions, mask, sigma=2.0) -> (N,)``: per image, the
    99th percentile inside ``mask`` of the absolute Gaussian-smoothed residual.

    Examples
    --------
    >>> from medlab.check import q03
    >>> fn = q03.anomaly_score(q03._reference_anomaly_score)
    ✓ anomaly_score: all 5 cases pass.
    """
    size = 24
    rng = np.random.default_rng(3)
    body = _disk(size, 12, 12, 9)
    masks = np.stack([body, body, _disk(size, 11, 13, 8)])
    images = (1.0 + 0.1 * rng.standard_normal((3, size, size, 1))) * masks[..., None]
    recons = images + 0.05 * rng.standard_normal(images.shape)
    recons[1, 8:13, 9:14, 0] -= 0.6  # image 1: a lesion the model did not reconstruct
    blob = _disk(size, 12, 12, 3)[None, ..., None].astype(float)

    def perfect(f):
        out = f(images.copy(), images.copy(), masks.copy())
        expect_close(out, np.zeros(3), "the scores of perfect reconstructions", atol=1e-9)

    def outside_mask(f):
        x = np.zeros((2, size, size, 1))
        r = x.copy()
        r[:, :3, :, 0] = 5.0  # large errors in the air at the top edge, outside the mask
        m = np.zeros((2, size, size), bool)
        m[:, 14:22, 5:20] = True  # 12 px = 6 sigma below the errors: nothing leaks in
        out = f(x, r, m)
        expect_close(out, np.zeros(2), "errors outside the mask (they must not count)", atol=1e-6)

    def dark_like_bright(f):
        flat = np.zeros((1, size, size, 1))
        m = np.ones((1, size, size), bool)
        bright = np.asarray(f(flat + blob, flat, m), dtype=float)
        dark = np.asarray(f(flat - blob, flat, m), dtype=float)
        expect(bright.shape == (1,), f"expected one score per image, shape (1,), got shape {bright.shape}")
        expect(bool(np.all(dark > 0.1)), f"a dark lesion scored {dark.ravel()[0]:.4g}: take the absolute value "
               "of the smoothed residual, so that darker-than-normal counts like brighter-than-normal")
        expect_close(dark, bright, "a dark lesion's score (should equal the same bright lesion's)", rtol=1e-4)

    def per_image(f):
        together = np.asarray(f(images.copy(), recons.copy(), masks.copy()), dtype=float)
        expect(together.shape == (3,), f"expected one score per image, shape (3,), got shape {together.shape}")
        alone = np.array([float(np.ravel(f(images[i:i + 1], recons[i:i + 1], masks[i:i + 1]))[0]) for i in range(3)])
        expect_close(together, alone, "scores computed in a batch vs one image at a time (each image must be "
                     "smoothed and scored on its own: was the batch axis smoothed too?)", rtol=1e-4, atol=1e-6)

    def matches_reference(f):
        expect_close(f(images.copy(), recons.copy(), masks.copy()),
                     _reference_anomaly_score(images, recons, masks), "the scores (sigma=2)", rtol=1e-4, atol=1e-6)
        expect_close(f(images.copy(), recons.copy(), masks.copy(), sigma=1.0),
                     _reference_anomaly_score(images, recons, masks, sigma=1.0), "the scores with sigma=1.0",
                     rtol=1e-4, atol=1e-6)

    cases = [("perfect reconstruction", perfect), ("pixels outside the mask", outside_mask),
             ("dark and bright lesions", dark_like_bright), ("each image on its own", per_image),
             ("values match the reference", matches_reference)]
    return run_checks("anomaly_score", student_fn, _reference_anomaly_score, cases,
                      hint="residual = (images - reconstructions)[..., 0]; smooth it with "
                           "gaussian_filter(residual, sigma=(0, sigma, sigma)); take np.abs; then per image "
                           "np.percentile(map[mask], 99).")
