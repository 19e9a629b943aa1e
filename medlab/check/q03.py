"""Checkers for notebook 03 (anomaly detection with an autoencoder)."""

from __future__ import annotations

import numpy as np

from ..anomaly import anomaly_score as _anomaly_score
from ._core import CaseFailed, expect, expect_close, run_checks


def _reference_anomaly_score(images, reconstructions, mask, sigma=2.0):
    return _anomaly_score(images, reconstructions, mask=mask, reduce="p99", smooth_sigma=sigma)


def _disk(size, cy, cx, r):
    yy, xx = np.mgrid[:size, :size]
    return (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r


def _maps(images, recons, sigma, how):
    """Anomaly maps built the right way (``"smooth_abs"``) and the usual wrong ways."""
    from scipy.ndimage import gaussian_filter

    residual = (np.asarray(images, float) - np.asarray(recons, float))[..., 0]
    def blur(z):
        return gaussian_filter(z, (0, sigma, sigma))

    return {"smooth_abs": lambda: np.abs(blur(residual)), "abs_smooth": lambda: blur(np.abs(residual)),
            "square_smooth": lambda: blur(residual ** 2), "unsmoothed": lambda: np.abs(residual)}[how]()


def _reduce(maps, mask, how):
    fn = {"p99": lambda v: np.percentile(v, 99), "max": np.max, "mean": np.mean, "median": np.median}[how]
    return np.array([fn(a[m]) for a, m in zip(maps, np.asarray(mask, bool))])


# (map, reduction) -> what the student did and what to do instead; checked in this order
_MISTAKES = [
    (("smooth_abs", "max"), "your score is the maximum of the map: one hot pixel decides a maximum; take the 99th "
                            "percentile of the map inside the mask"),
    (("smooth_abs", "mean"), "your score is the mean of the map: a lesion covering 1 % of the body barely moves a "
                             "mean; take the 99th percentile of the map inside the mask"),
    (("smooth_abs", "median"), "your score is the median of the map: a lesion covering 1 % of the body does not "
                               "move a median at all; take the 99th percentile of the map inside the mask"),
    (("square_smooth", "p99"), "you squared the residual before smoothing: squared noise is positive and smoothing "
                               "turns it into a floor; smooth the signed residual, then take its absolute value"),
    (("abs_smooth", "p99"), "you took the absolute value before smoothing: then noise of both signs adds up instead "
                            "of cancelling; smooth the signed residual first, then take the absolute value"),
    (("unsmoothed", "p99"), "the map was not smoothed: smooth the residual with a Gaussian of standard deviation "
                            "`sigma` (per image) before taking its absolute value"),
]


def _name_the_mistake(got, images, recons, mask, sigma, what):
    """Fail unless ``got`` matches the reference; name the wrong recipe it matches, if any."""
    right = _reduce(_maps(images, recons, sigma, "smooth_abs"), mask, "p99")
    try:
        expect_close(got, right, what, rtol=1e-4, atol=1e-6)
    except CaseFailed as failure:
        if hasattr(got, "numpy"):
            got = got.numpy()
        g = np.asarray(got)
        if g.dtype.kind in "biuf":
            for (how_map, how_reduce), message in _MISTAKES:
                wrong = _reduce(_maps(images, recons, sigma, how_map), mask, how_reduce)
                if g.shape == wrong.shape and not np.allclose(wrong, right, rtol=1e-3, atol=1e-6) and \
                        np.allclose(g, wrong, rtol=1e-4, atol=1e-6):
                    raise CaseFailed(f"{what}: expected {np.round(right, 4).tolist()}, got "
                                     f"{np.round(g.astype(float), 4).tolist()}: {message}") from None
        raise failure


def anomaly_score(student_fn):
    """Check ``anomaly_score(images, reconstructions, mask, sigma=2.0) -> (N,)``: per image, the
    99th percentile inside ``mask`` of the absolute Gaussian-smoothed residual.

    Examples
    --------
    >>> from medlab.check import q03
    >>> fn = q03.anomaly_score(q03._reference_anomaly_score)
    ✓ anomaly_score: all 6 cases pass.
    """
    size = 24
    rng = np.random.default_rng(3)
    body = _disk(size, 12, 12, 9)
    masks = np.stack([body, body, _disk(size, 11, 13, 8)])
    images = (1.0 + 0.1 * rng.standard_normal((3, size, size, 1))) * masks[..., None]
    recons = images + 0.05 * rng.standard_normal(images.shape)
    recons[1, 8:13, 9:14, 0] -= 0.6  # image 1: a lesion the model did not reconstruct
    blob = _disk(size, 12, 12, 3)[None, ..., None].astype(float)
    flat = np.zeros((1, size, size, 1))
    everywhere = np.ones((1, size, size), bool)

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
        bright = np.asarray(f(flat + blob, flat, everywhere), dtype=float)
        dark = np.asarray(f(flat - blob, flat, everywhere), dtype=float)
        expect(bright.shape == (1,), f"expected one score per image, shape (1,), got shape {bright.shape}")
        expect(bool(np.allclose(dark, bright, rtol=1e-4, atol=1e-9)),
               f"a dark lesion scored {dark.ravel()[0]:.4g} and the same lesion bright {bright.ravel()[0]:.4g}: "
               "take the absolute value of the smoothed residual, so that darker-than-normal counts like "
               "brighter-than-normal")

    def reduction(f):
        got = f(flat + blob, flat, everywhere)
        _name_the_mistake(got, flat + blob, flat, everywhere, 2.0,
                          "the score of one lesion covering 5 % of the image (the 99th percentile of the map)")

    def per_image(f):
        together = np.asarray(f(images.copy(), recons.copy(), masks.copy()), dtype=float)
        expect(together.shape == (3,), f"expected one score per image, shape (3,), got shape {together.shape}")
        alone = np.array([float(np.ravel(f(images[i:i + 1], recons[i:i + 1], masks[i:i + 1]))[0]) for i in range(3)])
        expect_close(together, alone, "scores computed in a batch vs one image at a time (each image must be "
                     "smoothed and scored on its own: was the batch axis smoothed too?)", rtol=1e-4, atol=1e-6)

    def matches_reference(f):
        _name_the_mistake(f(images.copy(), recons.copy(), masks.copy()), images, recons, masks, 2.0,
                          "the scores of noisy reconstructions (sigma=2)")
        got = np.asarray(f(images.copy(), recons.copy(), masks.copy(), sigma=1.0), dtype=float)
        if np.allclose(got, _reference_anomaly_score(images, recons, masks, sigma=2.0), rtol=1e-4, atol=1e-6):
            raise CaseFailed("the scores with sigma=1.0 are those of sigma=2.0: use the `sigma` argument, "
                             "not a fixed value")
        _name_the_mistake(got, images, recons, masks, 1.0, "the scores with sigma=1.0")

    cases = [("perfect reconstruction", perfect), ("pixels outside the mask", outside_mask),
             ("dark and bright lesions", dark_like_bright), ("the reduction to one number", reduction),
             ("each image on its own", per_image), ("values match the reference", matches_reference)]
    return run_checks("anomaly_score", student_fn, _reference_anomaly_score, cases,
                      hint="residual = (images - reconstructions)[..., 0]; smooth it with "
                           "gaussian_filter(residual, sigma=(0, sigma, sigma)); take np.abs; then per image "
                           "np.percentile(map[mask], 99).")
