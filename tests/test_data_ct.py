"""Low-dose CT simulation (medlab.data.ct): noise level, texture, shapes, counterfactual twins."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.ndimage import binary_dilation

from medlab import data


@settings(max_examples=15, deadline=None)
@given(dose=st.floats(0.05, 1.0), full=st.floats(1.0, 30.0))
def test_noise_std_scales_like_one_over_sqrt_dose(dose, full):
    noisy = data.simulate_low_dose(np.zeros((64, 32, 32)), dose, full_dose_noise=full, seed=0)
    assert noisy.std() == pytest.approx(full / np.sqrt(dose), rel=0.03)
    assert abs(noisy.mean()) < 0.05 * full / np.sqrt(dose)


def test_quarter_dose_doubles_the_noise():
    zeros = np.zeros((100, 32, 32))
    full = data.simulate_low_dose(zeros, 1.0, full_dose_noise=10.0, seed=1).std()
    quarter = data.simulate_low_dose(zeros, 0.25, full_dose_noise=10.0, seed=1).std()
    assert quarter / full == pytest.approx(2.0, rel=1e-6)


def _lag1(noise):
    return float(np.mean(noise[:, :, 1:] * noise[:, :, :-1]) / noise.var())


def test_ct_texture_is_correlated_and_white_is_not():
    zeros = np.zeros((100, 32, 32))
    ct = data.simulate_low_dose(zeros, 0.5, texture="ct", seed=0)
    white = data.simulate_low_dose(zeros, 0.5, texture="white", seed=0)
    assert abs(_lag1(white)) < 0.03
    assert _lag1(ct) > 0.2
    assert ct.std() == pytest.approx(white.std(), rel=0.03)  # same variance, different spectrum


def test_ct_noise_has_no_power_at_zero_frequency():
    noise = data.simulate_low_dose(np.zeros((20, 32, 32)), 0.25, seed=0)
    np.testing.assert_allclose(noise.mean(axis=(1, 2)), 0, atol=1e-3)  # the ramp filter removes the DC term


@pytest.mark.parametrize("shape", [(16, 16), (3, 16, 16), (3, 16, 16, 1)])
def test_shapes_kept(shape):
    out = data.simulate_low_dose(np.full(shape, 40.0), seed=0)
    assert out.shape == shape and out.dtype == np.float32


def test_deterministic_from_seed():
    x = np.zeros((2, 16, 16, 1))
    np.testing.assert_array_equal(data.simulate_low_dose(x, seed=3), data.simulate_low_dose(x, seed=3))
    assert not np.array_equal(data.simulate_low_dose(x, seed=3), data.simulate_low_dose(x, seed=4))


@pytest.mark.parametrize("kwargs, match", [
    (dict(dose=0.0), "dose"), (dict(dose=1.5), "dose"), (dict(full_dose_noise=-1.0), "full_dose_noise"),
    (dict(texture="pink"), "texture"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.simulate_low_dose(np.zeros((8, 8)), **kwargs)


def test_bad_images():
    with pytest.raises(ValueError, match="images"):
        data.simulate_low_dose(np.zeros((2, 8, 8, 3)))
    with pytest.raises(ValueError, match="images"):
        data.simulate_low_dose(np.zeros(8))
    with pytest.raises(TypeError, match="images"):
        data.simulate_low_dose("ct")


# ---------------------------------------------------------------- make_lowdose_pairs

def test_pairs_fields_and_units():
    pairs = data.make_lowdose_pairs(3, 2, size=32, dose=0.25, full_dose_noise=10.0, seed=0)
    assert pairs["images"].shape == pairs["clean"].shape == (6, 32, 32, 1)
    assert pairs["noise_std"] == 20.0
    assert pairs["clean"].min() == pytest.approx(-1000.0)  # air, in HU
    assert 15 < np.std(pairs["images"] - pairs["clean"]) < 25
    for key in ("masks", "labels", "patient_ids", "body_masks", "lesions"):
        assert len(pairs[key]) == 6
    subset = data.take(pairs, [0, 5])
    assert subset["clean"].shape == (2, 32, 32, 1)


def test_pairs_deterministic():
    a = data.make_lowdose_pairs(2, 2, size=32, seed=7)
    b = data.make_lowdose_pairs(2, 2, size=32, seed=7)
    np.testing.assert_array_equal(a["images"], b["images"])
    np.testing.assert_array_equal(a["clean"], b["clean"])


def test_counterfactual_twin_same_anatomy_and_noise_without_lesions():
    a = data.make_lowdose_pairs(6, 2, size=48, seed=11, lesion_fraction=1.0)
    b = data.make_lowdose_pairs(6, 2, size=48, seed=11, lesion_fraction=1.0, lesion_contrast=(0.0, 0.0))
    np.testing.assert_array_equal(a["masks"], b["masks"])
    np.testing.assert_allclose(a["images"] - a["clean"], b["images"] - b["clean"], atol=1e-3)  # same noise
    diff = np.abs(a["clean"] - b["clean"])[..., 0]
    for d, m in zip(diff, a["masks"]):
        near = binary_dilation(m, iterations=3)
        assert d[~near].max() < 0.5  # anatomy identical away from the lesion
        assert d[m.astype(bool)].max() > 15  # the lesion itself is gone in the twin (>= 20 HU contrast)


def test_pairs_bad_dose():
    with pytest.raises(ValueError, match="dose"):
        data.make_lowdose_pairs(2, 2, dose=0)


def test_zero_full_dose_noise_is_allowed():
    clean = data.make_lesion_dataset(1, 2, modality="ct", noise=0.0, seed=0)["images"]
    noisy = data.simulate_low_dose(clean, dose=0.5, full_dose_noise=0.0, seed=0)
    np.testing.assert_allclose(noisy, clean, atol=1e-3)  # no noise at any dose
    pairs = data.make_lowdose_pairs(1, 2, size=32, full_dose_noise=0.0, seed=0)
    np.testing.assert_allclose(pairs["images"], pairs["clean"], atol=1e-3)


def test_the_low_dose_generator_does_not_change_unnoticed():
    """Notebook 04 rests on this generator: a change must be deliberate (update the figures and
    re-measure the notebook with python -m medlab seeds 04 in the same commit)."""
    p = data.make_lowdose_pairs(2, 2, size=32, seed=3)
    got = [p["images"].mean(), p["images"].std(), p["clean"].mean(), p["clean"].std()]
    np.testing.assert_allclose(got, [-577.156, 500.678, -577.156, 500.137], rtol=1e-5, atol=2e-3)


def test_low_dose_refuses_a_channel_without_a_batch_axis():
    """(H, W, 1) is one image with a channel, not H images one pixel wide: say which by the shape."""
    with pytest.raises(ValueError, match=r"images: shape \(32, 32, 1\) would be read as 32 items of shape \(32, 1\)"):
        data.simulate_low_dose(np.zeros((32, 32, 1)), dose=0.5, seed=0)
    with pytest.raises(ValueError, match=r"images: expected \(H, W\) or \(N, H, W\) or \(N, H, W, 1\) for 2D images"):
        data.simulate_low_dose(np.zeros((2, 32, 32, 3)), dose=0.5, seed=0)
    one = data.simulate_low_dose(np.zeros((32, 32)), dose=0.5, seed=0)
    batch = data.simulate_low_dose(np.zeros((1, 32, 32, 1)), dose=0.5, seed=0)
    assert one.shape == (32, 32) and batch.shape == (1, 32, 32, 1)
    np.testing.assert_array_equal(one, batch[0, ..., 0])


# ---------------------------------------------------------------- make_hu_patches

def _clean_patches(**kw):
    return data.make_hu_patches(6, 10, size=32, noise=(0.0, 0.0), calibration_sd=0.0, blur=0.0, seed=3, **kw)


def test_hu_patches_shapes_balance_and_determinism():
    d = data.make_hu_patches(5, 10, size=24, seed=0)
    assert d["images"].shape == (50, 24, 24, 1) and d["images"].dtype == np.float32
    assert d["class_names"] == tuple(data.HU_STRUCTURES)
    assert np.bincount(d["labels"]).tolist() == [10] * 5
    for p in range(5):  # balanced within each patient
        assert np.bincount(d["labels"][d["patient_ids"] == p], minlength=5).tolist() == [2] * 5
    again = data.make_hu_patches(5, 10, size=24, seed=0)
    assert np.array_equal(d["images"], again["images"]) and np.array_equal(d["labels"], again["labels"])


def test_hu_patches_centre_pixel_is_the_labelled_structure():
    d = _clean_patches()
    centre = d["images"][:, 16, 16, 0]
    for label, name in enumerate(d["class_names"]):
        lo, hi = data.HU_STRUCTURES[name]
        values = centre[d["labels"] == label]
        assert values.min() >= lo and values.max() <= hi, name


def test_hu_patches_bone_has_a_cortex_and_vessels_do_not():
    d = _clean_patches()
    peak = d["images"].reshape(len(d["images"]), -1).max(1)
    names = np.array(d["class_names"])[d["labels"]]
    assert (peak[names == "bone"] >= 700).all()
    assert (peak[names == "contrast vessel"] <= 350).all()


def test_hu_patches_calibration_offset_is_per_patient():
    d = data.make_hu_patches(200, 2, size=16, calibration_sd=10.0, seed=1)
    for p in (0, 1, 2):
        assert np.ptp(d["calibration"][d["patient_ids"] == p]) == 0
    per_patient = np.array([d["calibration"][d["patient_ids"] == p][0] for p in range(200)])
    assert per_patient.std() == pytest.approx(10.0, rel=0.2)
    assert not _clean_patches()["calibration"].any()


def test_hu_patches_noise_level():
    clean = _clean_patches()["images"]
    noisy = data.make_hu_patches(6, 10, size=32, noise=(20.0, 20.0), calibration_sd=0.0, blur=0.0, seed=3)["images"]
    assert (noisy - clean).std() == pytest.approx(20.0, rel=0.05)


@pytest.mark.parametrize("kwargs, message", [
    (dict(size=8), r"size: expected a value in \[16"),
    (dict(noise=(30.0, 10.0)), "noise: expected low <= high"),
    (dict(n_patients=2.5), "n_patients: expected an int"),
    (dict(calibration_sd=-1.0), "calibration_sd: expected a value in"),
])
def test_hu_patches_rejects_bad_arguments(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        data.make_hu_patches(**{"n_patients": 2, **kwargs})
