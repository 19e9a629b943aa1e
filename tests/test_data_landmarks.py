import numpy as np
import pytest

from medlab.data import LANDMARK_NAMES, gaussian_heatmaps, make_landmark_dataset


def test_shapes_ids_and_determinism():
    a = make_landmark_dataset(3, 2, seed=1)
    b = make_landmark_dataset(3, 2, seed=1)
    assert a["images"].shape == (6, 64, 64, 1) and a["images"].dtype == np.float32
    assert a["landmarks"].shape == (6, len(LANDMARK_NAMES), 2)
    assert a["patient_ids"].tolist() == [0, 0, 1, 1, 2, 2]
    np.testing.assert_array_equal(a["images"], b["images"])
    assert not np.array_equal(a["images"], make_landmark_dataset(3, 2, seed=2)["images"])


def test_spacing_is_anisotropic_and_in_range():
    d = make_landmark_dataset(20, 2, spacing=(0.9, 1.2), seed=0)
    sp = d["spacing"]
    assert sp.min() >= 0.9 and sp.max() <= 1.2
    assert np.abs(sp[:, 0] - sp[:, 1]).max() > 0.05  # rows and columns drawn separately


def test_landmarks_inside_image_and_on_bone():
    d = make_landmark_dataset(10, 3, noise=0.0, bias=0.0, seed=3)
    pts = d["landmarks"]
    assert ((pts >= 2) & (pts <= 61)).all()
    # the tip of a process is dark cortical bone, and just beyond it lies brighter soft tissue or fat
    r, c = np.rint(pts[..., 0]).astype(int), np.rint(pts[..., 1]).astype(int)
    n = np.arange(len(pts))[:, None]
    assert np.median(d["images"][n, r, c, 0]) < 0.4


def test_larger_spacing_shows_smaller_anatomy():
    # the same anatomy in mm covers fewer pixels at a larger pixel spacing
    small = make_landmark_dataset(10, 1, spacing=(0.9, 0.9), rotation=0.0, seed=4)["landmarks"]
    large = make_landmark_dataset(10, 1, spacing=(1.4, 1.4), rotation=0.0, seed=4)["landmarks"]
    width = lambda p: np.abs(p[:, 1, 1] - p[:, 2, 1]).mean()  # noqa: E731 (left-right tip distance)
    assert width(small) > 1.3 * width(large)


@pytest.mark.parametrize("kwargs, match", [
    (dict(size=32), "size"), (dict(spacing=(0.5, 1.0)), "at least 54 mm"), (dict(spacing=(1.0, 2.0)), "at most"),
    (dict(spacing=(1.2, 1.0)), "low <= high"), (dict(rotation=90), "rotation"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_landmark_dataset(2, 1, **kwargs)


def test_gaussian_heatmaps_peak_and_units():
    h = gaussian_heatmaps([[[3.0, 4.0]]], (8, 10), sigma=2.0)
    assert h.shape == (1, 8, 10, 1)
    assert np.unravel_index(h[0, :, :, 0].argmax(), (8, 10)) == (3, 4) and h.max() == pytest.approx(1.0)
    # sigma in mm: 2 mm at (row 0.5 mm, col 2 mm) is 4 px along rows and 1 px along columns
    mm = gaussian_heatmaps([[[3.0, 4.0]]], (8, 10), sigma=2.0, spacing=[[0.5, 2.0]])
    assert mm[0, 4, 4, 0] == pytest.approx(np.exp(-1 / 32)) and mm[0, 3, 5, 0] == pytest.approx(np.exp(-0.5))


def test_gaussian_heatmaps_sub_pixel_centre_is_symmetric():
    h = gaussian_heatmaps([[[2.5, 2.0]]], 6, sigma=1.0)[0, :, :, 0]
    assert h[2, 2] == pytest.approx(h[3, 2])


@pytest.mark.parametrize("args, kwargs, match", [
    (([[1.0, 2.0]], 5, 1.0), {}, "landmarks: expected 3 dimensions"),
    (([[[1.0, 2.0, 3.0]]], 5, 1.0), {}, r"\(N, K, 2\)"),
    (([[[1.0, 2.0]]], 5, 0.0), {}, "sigma"),
    (([[[1.0, 2.0]]], 5, 1.0), {"spacing": [[1.0, 1.0], [1.0, 1.0]]}, "spacing"),
])
def test_gaussian_heatmaps_bad_input(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        gaussian_heatmaps(*args, **kwargs)
