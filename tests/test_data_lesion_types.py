"""Lesion-type patches (medlab.data.lesion_types): shapes, classes, imbalance, determinism, arguments."""

import numpy as np
import pytest

from medlab import data


def test_shapes_types_and_ground_truth():
    d = data.make_lesion_types_dataset(12, size=32, seed=0)
    n = len(d["labels"])
    assert 12 <= n <= 36  # one to three lesions per patient
    assert d["images"].shape == (n, 32, 32, 1) and d["images"].dtype == np.float32
    assert d["masks"].shape == (n, 32, 32) and d["masks"].dtype == np.uint8
    assert d["class_names"] == data.LESION_TYPES and set(d["labels"].tolist()) <= {0, 1, 2, 3}
    assert len(d["lesions"]) == n and np.all(d["masks"].reshape(n, -1).any(axis=1))
    # every lesion lies near the centre, inside its mask
    for les, mask in zip(d["lesions"], d["masks"]):
        r, c = (int(round(v)) for v in les["center"])
        assert abs(r - 15.5) <= 4 and abs(c - 15.5) <= 4 and mask[r, c] == 1


def test_one_type_per_patient_and_the_requested_imbalance():
    d = data.make_lesion_types_dataset(600, size=32, seed=1)
    for p in np.unique(d["patient_ids"])[:50]:
        assert len(set(d["labels"][d["patient_ids"] == p].tolist())) == 1
    patient_type = np.array([d["labels"][d["patient_ids"] == p][0] for p in np.unique(d["patient_ids"])])
    np.testing.assert_allclose(np.bincount(patient_type, minlength=4) / 600, (0.60, 0.25, 0.10, 0.05), atol=0.04)


def test_types_differ_as_documented():
    d = data.make_lesion_types_dataset(400, size=32, class_fractions=(0.25, 0.25, 0.25, 0.25), noise=0.01,
                                       vessel_fraction=0.0, seed=2)
    x, m, y = d["images"][..., 0], d["masks"].astype(bool), d["labels"]
    background = np.array([np.median(img[~mi]) for img, mi in zip(x, m)])
    contrast = np.array([img[mi].mean() for img, mi in zip(x, m)]) / background - 1
    radius = np.array([les["radius"] for les in d["lesions"]])
    assert np.all(contrast[y == 0] < 0)  # cysts are dark
    assert np.all(contrast[y == 1] > 0)  # haemangiomas are bright
    assert radius[y == 3].max() < radius[y != 3].min() + 2  # calcifications are small...
    assert np.median(contrast[y == 3]) > np.median(contrast[y == 1])  # ...and brighter
    # a metastasis has a brighter rim than its centre
    for img, les in zip(x[y == 2][:20], np.array(d["lesions"], dtype=object)[y == 2][:20]):
        r, c = (int(round(v)) for v in les["center"])
        yy, xx = np.mgrid[:32, :32]
        dist = np.hypot(yy - les["center"][0], xx - les["center"][1])
        rim = (dist > 0.75 * les["radius"]) & (dist < les["radius"])
        assert img[rim].mean() > img[dist < 0.3 * les["radius"]].mean()


def test_deterministic_and_seed_dependent():
    a = data.make_lesion_types_dataset(5, size=32, seed=3)
    b = data.make_lesion_types_dataset(5, size=32, seed=3)
    c = data.make_lesion_types_dataset(5, size=32, seed=4)
    assert np.array_equal(a["images"], b["images"]) and np.array_equal(a["labels"], b["labels"])
    assert not np.array_equal(a["images"][:1], c["images"][:1])


@pytest.mark.parametrize("kwargs, message", [
    (dict(n_patients=0), "n_patients: expected a value in"),
    (dict(n_patients=2.5), "n_patients: expected an int"),
    (dict(size=16), "size: expected a value in"),
    (dict(class_fractions=(0.5, 0.5)), "class_fractions: expected 4 non-negative numbers summing to 1"),
    (dict(class_fractions=(0.7, 0.2, 0.2, -0.1)), "class_fractions: expected 4 non-negative"),
    (dict(lesions_per_patient=(0, 2)), "lesions_per_patient: expected 1 <= low <= high"),
    (dict(lesions_per_patient=3), "lesions_per_patient: expected a \\(low, high\\) pair"),
    (dict(noise=-0.1), "noise: expected a value in"),
    (dict(vessel_fraction=2), "vessel_fraction: expected a value in"),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        data.make_lesion_types_dataset(**{"n_patients": 3, **kwargs})
