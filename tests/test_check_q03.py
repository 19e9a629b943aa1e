"""Checker of notebook 03: the reference passes, the stub falls back, wrong answers are rejected."""

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from medlab.check import q03


def stub(*args, **kwargs):
    raise NotImplementedError()


def test_reference_passes(capsys):
    fn = q03.anomaly_score(q03._reference_anomaly_score)
    assert fn is q03._reference_anomaly_score
    assert "✓" in capsys.readouterr().out


def test_stub_falls_back(capsys):
    assert q03.anomaly_score(stub) is q03._reference_anomaly_score
    assert "not written yet" in capsys.readouterr().out


def test_checker_rejects_non_callable():
    with pytest.raises(TypeError, match="student_fn"):
        q03.anomaly_score("anomaly_score")


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


@pytest.mark.parametrize("wrong, message", [
    (_signed, "take the absolute value of the smoothed residual"),
    (_batch_blur, "was the batch axis smoothed too"),
    (_no_mask, "errors outside the mask"),
    (_max_instead, "your score is the maximum of the map"),
    (_mean_instead, "your score is the mean of the map"),
    (_median_instead, "your score is the median of the map"),
    (_squared_first, "you squared the residual before smoothing"),
    (_abs_first, "you took the absolute value before smoothing"),
    (_unsmoothed, "the map was not smoothed"),
    (_fixed_sigma, "use the `sigma` argument"),
    (_batch_percentile, "one image at a time"),
    (_text, "return the value itself, not its text"),
])
def test_wrong_answers_rejected(wrong, message):
    with pytest.raises(AssertionError, match=message):
        q03.anomaly_score(wrong)


def test_wrong_reduction_is_not_blamed_on_the_absolute_value():
    """The mean of the map treats dark and bright alike: the message must name the reduction."""
    with pytest.raises(AssertionError) as err:
        q03.anomaly_score(_mean_instead)
    assert "absolute value" not in str(err.value)
    assert "99th percentile" in str(err.value)


def test_crash_is_reported():
    def crashes(images, reconstructions, mask, sigma=2.0):
        return images[..., 0][mask.astype(int)].mean(axis=(5,))

    with pytest.raises(AssertionError, match="raised"):
        q03.anomaly_score(crashes)
