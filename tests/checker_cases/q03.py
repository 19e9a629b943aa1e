"""Notebook 03's checker: the wrong answers it must reject (contract: tests/test_checkers.py)."""

import numpy as np
from scipy.ndimage import gaussian_filter

from medlab.check import q03


def _residual(images, recons):
    return (np.asarray(images, float) - np.asarray(recons, float))[..., 0]


def _p99(maps, mask):
    return np.array([np.percentile(a[m], 99) for a, m in zip(maps, np.asarray(mask, bool))])


def _signed(images, recons, mask, sigma=2.0):  # forgot the absolute value
    return _p99(gaussian_filter(_residual(images, recons), (0, sigma, sigma)), mask)


def _batch_blur(images, recons, mask, sigma=2.0):  # smooths across the batch axis too
    return _p99(np.abs(gaussian_filter(_residual(images, recons), sigma)), mask)


def _no_mask(images, recons, mask, sigma=2.0):  # scores the air as well
    maps = np.abs(gaussian_filter(_residual(images, recons), (0, sigma, sigma)))
    return np.percentile(maps.reshape(len(maps), -1), 99, axis=1)


def _max_instead(images, recons, mask, sigma=2.0):  # the hottest pixel, not the 99th percentile
    maps = np.abs(gaussian_filter(_residual(images, recons), (0, sigma, sigma)))
    return np.array([a[m].max() for a, m in zip(maps, np.asarray(mask, bool))])


def _squared_first(images, recons, mask, sigma=2.0):  # squares, then smooths
    return _p99(gaussian_filter(_residual(images, recons) ** 2, (0, sigma, sigma)), mask)


def _batch_percentile(images, recons, mask, sigma=2.0):  # one percentile over the whole batch
    maps = np.abs(gaussian_filter(_residual(images, recons), (0, sigma, sigma)))
    return np.full(len(maps), np.percentile(maps[np.asarray(mask, bool)], 99))


def _mean_instead(images, recons, mask, sigma=2.0):  # the wrong reduction: the mean of the map
    maps = np.abs(gaussian_filter(_residual(images, recons), (0, sigma, sigma)))
    return np.array([a[m].mean() for a, m in zip(maps, np.asarray(mask, bool))])


def _median_instead(images, recons, mask, sigma=2.0):
    maps = np.abs(gaussian_filter(_residual(images, recons), (0, sigma, sigma)))
    return np.array([np.median(a[m]) for a, m in zip(maps, np.asarray(mask, bool))])


def _abs_first(images, recons, mask, sigma=2.0):  # rectifies, then smooths
    return _p99(gaussian_filter(np.abs(_residual(images, recons)), (0, sigma, sigma)), mask)


def _unsmoothed(images, recons, mask, sigma=2.0):
    return _p99(np.abs(_residual(images, recons)), mask)


def _fixed_sigma(images, recons, mask, sigma=2.0):  # ignores the sigma argument
    return _p99(np.abs(gaussian_filter(_residual(images, recons), (0, 2.0, 2.0))), mask)


def _text(images, recons, mask, sigma=2.0):  # the right numbers, as text
    return [f"{v:.6f}" for v in q03._reference_anomaly_score(images, recons, mask, sigma)]


def _crashes(images, reconstructions, mask, sigma=2.0):  # raises: the mean over an axis that does not exist
    return images[..., 0][mask.astype(int)].mean(axis=(5,))


CONTRACTS = [
    dict(checker=q03.anomaly_score, reference=q03._reference_anomaly_score, wrong=[
        ("signed residual", _signed, "take the absolute value of the smoothed residual"),
        ("batch axis smoothed", _batch_blur, "was the batch axis smoothed too"),
        ("no mask", _no_mask, "errors outside the mask"),
        ("maximum instead of 99th percentile", _max_instead, "your score is the maximum of the map"),
        ("mean instead of 99th percentile", _mean_instead, "your score is the mean of the map"),
        ("median instead of 99th percentile", _median_instead, "your score is the median of the map"),
        ("squared before smoothing", _squared_first, "you squared the residual before smoothing"),
        ("absolute value before smoothing", _abs_first, "you took the absolute value before smoothing"),
        ("not smoothed", _unsmoothed, "the map was not smoothed"),
        ("sigma ignored", _fixed_sigma, "use the `sigma` argument"),
        ("one percentile over the batch", _batch_percentile, "one image at a time"),
        ("returns text", _text, "return the value itself, not its text"),
        ("crashes", _crashes, "raised"),
    ]),
]
