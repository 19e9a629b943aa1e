import numpy as np
import pytest

from medlab.metrics import radial_error, success_detection_rate


def test_radial_error_isotropic_is_pixel_distance_times_spacing():
    pred = np.array([[[0.0, 0.0], [5.0, 5.0]]])
    true = np.array([[[3.0, 4.0], [5.0, 5.0]]])
    np.testing.assert_allclose(radial_error(pred, true, [[0.5, 0.5]]), [[2.5, 0.0]])


def test_radial_error_anisotropic_spacing_scales_each_axis():
    # 3 px along rows at 2 mm, 4 px along columns at 0.5 mm: sqrt(6^2 + 2^2)
    err = radial_error([[[0.0, 0.0]]], [[[3.0, 4.0]]], [[2.0, 0.5]])
    np.testing.assert_allclose(err, [[np.hypot(6.0, 2.0)]])
    swapped = radial_error([[[0.0, 0.0]]], [[[3.0, 4.0]]], [[0.5, 2.0]])
    np.testing.assert_allclose(swapped, [[np.hypot(1.5, 8.0)]])


def test_radial_error_per_image_spacing_and_single_image():
    pred = np.zeros((2, 1, 2))
    true = np.array([[[1.0, 0.0]], [[1.0, 0.0]]])
    np.testing.assert_allclose(radial_error(pred, true, [[1.0, 1.0], [2.0, 1.0]]), [[1.0], [2.0]])
    np.testing.assert_allclose(radial_error(pred, true, [3.0, 1.0]), [[3.0], [3.0]])
    assert radial_error(pred[0], true[0], [2.0, 2.0]).shape == (1,)


@pytest.mark.parametrize("pred, true, spacing, match", [
    (np.zeros((2, 3, 2)), np.zeros((2, 2, 2)), [1.0, 1.0], "same shape"),
    (np.zeros((2, 3, 3)), np.zeros((2, 3, 3)), [1.0, 1.0], r"\(row, col\)"),
    (np.zeros((2, 3, 2)), np.zeros((2, 3, 2)), np.ones((3, 2)), r"spacing: expected shape \(2, 2\)"),
    (np.zeros((2, 3, 2)), np.zeros((2, 3, 2)), [1.0, 0.0], "positive"),
    (np.full((1, 1, 2), np.nan), np.zeros((1, 1, 2)), [1.0, 1.0], "pred: expected finite"),
])
def test_radial_error_bad_input(pred, true, spacing, match):
    with pytest.raises(ValueError, match=match):
        radial_error(pred, true, spacing)


def test_success_detection_rate_counts_errors_within_each_radius():
    sdr = success_detection_rate(np.array([[0.5, 2.0], [2.6, 4.5]]))
    assert sdr == {2.0: 0.5, 2.5: 0.5, 3.0: 0.75, 4.0: 0.75}
    assert list(success_detection_rate([1.0], radii=(4, 1)).keys()) == [4.0, 1.0]


@pytest.mark.parametrize("errors, radii, match", [
    ([], (2.0,), "empty"), ([-1.0], (2.0,), ">= 0"), ([1.0], (), "radii"), ([1.0], (0.0,), "radii"),
])
def test_success_detection_rate_bad_input(errors, radii, match):
    with pytest.raises(ValueError, match=match):
        success_detection_rate(errors, radii)
