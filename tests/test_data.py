"""medlab.data and medlab.preprocess."""

import numpy as np
import pytest

from medlab import data, preprocess


def test_dataset_shapes_types_and_ground_truth():
    d = data.make_lesion_dataset(5, 3, size=48, lesion_fraction=0.6, max_lesions=2, seed=0)
    n = 15
    assert d["images"].shape == (n, 48, 48, 1) and d["images"].dtype == np.float32
    assert d["masks"].shape == (n, 48, 48) and d["masks"].dtype == np.uint8
    assert d["patient_ids"].tolist() == [p for p in range(5) for _ in range(3)]
    # a label is 1 exactly when the slice has a lesion mask and lesion records
    assert np.array_equal(d["labels"], d["masks"].reshape(n, -1).max(1))
    assert all(bool(les) == bool(lab) for les, lab in zip(d["lesions"], d["labels"]))
    # lesions lie inside the body
    assert np.all(d["masks"].astype(bool) <= d["body_masks"])
    for img_lesions, mask in zip(d["lesions"], d["masks"]):
        for les in img_lesions:
            r, c = (int(round(v)) for v in les["center"])
            assert mask[r, c] == 1


def test_dataset_is_deterministic_and_seed_dependent():
    a = data.make_lesion_dataset(3, 2, size=32, seed=7)
    b = data.make_lesion_dataset(3, 2, size=32, seed=7)
    c = data.make_lesion_dataset(3, 2, size=32, seed=8)
    assert np.array_equal(a["images"], b["images"]) and np.array_equal(a["masks"], b["masks"])
    assert not np.array_equal(a["images"], c["images"])


def test_lesions_are_brighter_than_their_surroundings():
    d = data.make_lesion_dataset(20, 2, lesion_fraction=1.0, lesion_contrast=(0.4, 0.5), noise=0.01, bias=0.0, seed=1)
    inside = d["images"][..., 0][d["masks"] == 1].mean()
    body = d["images"][..., 0][(d["masks"] == 0) & d["body_masks"]].mean()
    assert inside > body + 0.2


def test_ct_modality_is_in_hounsfield_units():
    d = data.make_lesion_dataset(2, 2, modality="ct", seed=0)
    air = d["images"][..., 0][~d["body_masks"]]
    assert abs(np.median(air) + 1000) < 50


@pytest.mark.parametrize("kwargs, match", [
    (dict(n_patients=0), "n_patients"),
    (dict(n_patients=2.5), "n_patients"),
    (dict(size=16), "size"),
    (dict(lesion_fraction=1.5), "lesion_fraction"),
    (dict(lesion_radius=(8, 3)), "lesion_radius"),
    (dict(modality="pet"), "modality"),
    (dict(seed="x"), "seed"),
])
def test_dataset_rejects_bad_arguments(kwargs, match):
    args = dict(n_patients=2, images_per_patient=1) | kwargs
    with pytest.raises((ValueError, TypeError), match=match):
        data.make_lesion_dataset(**args)


def test_split_by_patient_no_overlap_and_stratified():
    d = data.make_lesion_dataset(50, 3, size=32, seed=3)
    parts = data.split_by_patient(d["patient_ids"], (0.6, 0.2, 0.2), labels=d["labels"], seed=0)
    ids = [set(d["patient_ids"][p]) for p in parts]
    assert not (ids[0] & ids[1]) and not (ids[0] & ids[2]) and not (ids[1] & ids[2])
    assert sum(len(p) for p in parts) == len(d["labels"])
    assert all(d["labels"][p].min() == 0 and d["labels"][p].max() == 1 for p in parts)
    assert abs(len(ids[0]) - 30) <= 2


def test_split_errors():
    with pytest.raises(ValueError, match="fractions"):
        data.split_by_patient([0, 1, 2], (0.5, 0.6))
    with pytest.raises(ValueError, match="need at least 3 patients"):
        data.split_by_patient([0, 0, 1], (0.4, 0.3, 0.3))


def test_take():
    d = data.make_lesion_dataset(3, 2, size=32, seed=0)
    sub = data.take(d, [5, 0])
    assert sub["images"].shape[0] == 2 and sub["patient_ids"].tolist() == [2, 0]
    assert len(sub["lesions"]) == 2
    with pytest.raises(ValueError, match="index"):
        data.take(d, [6])
    with pytest.raises(TypeError, match="data"):
        data.take([1, 2], [0])


def test_normalize_intensity():
    rng = np.random.default_rng(0)
    x = rng.normal(5, 3, (4, 8, 8, 1))
    z = preprocess.normalize_intensity(x)
    np.testing.assert_allclose(z.mean(axis=(1, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(z.std(axis=(1, 2, 3)), 1, atol=1e-3)
    m = preprocess.normalize_intensity(x, "minmax")
    assert m.min() == pytest.approx(0, abs=1e-6) and m.max() == pytest.approx(1, abs=1e-5)
    const = preprocess.normalize_intensity(np.ones((1, 4, 4)))
    assert np.all(const == 0)
    mask = np.zeros_like(x, bool)
    mask[:, 2:6, 2:6] = True
    zm = preprocess.normalize_intensity(x, mask=mask)
    np.testing.assert_allclose([zm[i][mask[i]].mean() for i in range(4)], 0, atol=1e-5)
    with pytest.raises(ValueError, match="method"):
        preprocess.normalize_intensity(x, "l2")
    with pytest.raises(ValueError, match="images: expected 3 or 4 dimensions"):
        preprocess.normalize_intensity(np.zeros((4, 4)))


def test_window_hu():
    out = preprocess.window_hu(np.array([-1000.0, -160.0, 40.0, 240.0, 3000.0]), level=40, width=400)
    np.testing.assert_allclose(out, [0, 0, 0.5, 1, 1])
    with pytest.raises(ValueError, match="width"):
        preprocess.window_hu(np.zeros(3), width=0)


def test_every_lesion_lies_inside_the_body_even_when_large():
    d = data.make_lesion_dataset(50, 4, size=64, lesion_radius=(10, 16), lesion_fraction=1.0, max_lesions=2, seed=3)
    n_lesions = 0
    for body, found, mask in zip(d["body_masks"], d["lesions"], d["masks"]):
        assert found, "every slice should have a lesion with lesion_fraction=1"
        for lesion in found:
            r, c = (int(round(v)) for v in lesion["center"])
            assert body[r, c], f"lesion centre {lesion['center']} is outside the body"
            assert lesion["radius"] <= 16
            n_lesions += 1
        assert not (mask.astype(bool) & ~body).any(), "lesion pixels outside the body"
    assert n_lesions > 200
    radii = [lesion["radius"] for found in d["lesions"] for lesion in found]
    assert min(radii) >= 10 and max(radii) > 12  # large lesions are kept large where they fit
