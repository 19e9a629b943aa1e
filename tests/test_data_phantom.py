"""The synthetic phantom (medlab.data.phantom): shapes, ground truth, determinism, units, arguments."""

import numpy as np
import pytest

from medlab import data


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

def test_lesion_irregularity_changes_the_outline():
    round_ = data.make_lesion_dataset(20, 1, lesion_fraction=1.0, lesion_irregularity=0.0, lesion_radius=(6, 7),
                                      seed=1)
    rough = data.make_lesion_dataset(20, 1, lesion_fraction=1.0, lesion_irregularity=0.6, lesion_radius=(6, 7),
                                     seed=1)

    def roundness(masks):  # area / area of the disc with the same perimeter proxy (boundary pixel count)
        from scipy.ndimage import binary_erosion

        out = []
        for m in masks.astype(bool):
            boundary = (m & ~binary_erosion(m)).sum()
            out.append(4 * np.pi * m.sum() / boundary**2)
        return np.mean(out)

    assert all(les[0]["irregularity"] == 0.0 for les in round_["lesions"])
    assert np.mean([les[0]["irregularity"] for les in rough["lesions"]]) > 0.15
    assert roundness(rough["masks"]) < roundness(round_["masks"]) - 0.02

@pytest.mark.parametrize("kwargs, match", [
    (dict(lesion_radius=(0.5, 3)), "lesion_radius"),
    (dict(lesion_radius=(3, 17)), "lesion_radius"),
    (dict(lesion_radius=(6, 3)), "lesion_radius"),
    (dict(max_lesions=0), "max_lesions"),
    (dict(max_lesions=1.5), "max_lesions: expected an int"),
    (dict(lesion_irregularity=0.7), "lesion_irregularity"),
    (dict(bias=1.5), "bias"),
    (dict(noise=-0.1), "noise"),
    (dict(lesion_fraction=1.2), "lesion_fraction"),
    (dict(size=31), "size"),
])
def test_dataset_argument_bounds(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        data.make_lesion_dataset(2, 1, **kwargs)

def test_max_lesions_gives_several_lesions():
    d = data.make_lesion_dataset(30, 2, lesion_fraction=1.0, max_lesions=3, lesion_radius=(2, 3), seed=0)
    counts = [len(found) for found in d["lesions"]]
    assert min(counts) >= 1 and max(counts) == 3

def test_defaults_give_sixty_patients_of_four_slices():
    d = data.make_lesion_dataset(seed=0)
    assert d["images"].shape == (240, 64, 64, 1) and d["patient_ids"].max() == 59
    assert 0.35 < d["labels"].mean() < 0.65  # lesion_fraction 0.5

def test_lesion_contrast_is_in_the_modalitys_units():
    # without noise and bias field, a slice with a lesion minus the same slice without it (the
    # random stream is the same up to the lesion) is the lesion alone: contrast x unit x gain
    kw = dict(lesion_radius=(5, 6), lesion_contrast=(0.3, 0.3), lesion_irregularity=0.0, noise=0.0, bias=0.0)
    for modality, unit, gain in (("mri", 1.0, (0.85, 1.15)), ("ct", 200.0, (1.0, 1.0))):
        for seed in range(3):
            with_lesion = data.make_lesion_dataset(1, 1, lesion_fraction=1.0, modality=modality, seed=seed, **kw)
            without = data.make_lesion_dataset(1, 1, lesion_fraction=0.0, modality=modality, seed=seed, **kw)
            r, c = (int(round(v)) for v in with_lesion["lesions"][0][0]["center"])
            diff = with_lesion["images"][0, r, c, 0] - without["images"][0, r, c, 0]
            assert 0.3 * unit * gain[0] * 0.97 <= diff <= 0.3 * unit * gain[1] * 1.01, (modality, seed, diff)
            outside = ~with_lesion["masks"][0].astype(bool)
            far = outside & (np.hypot(*np.mgrid[0:64, 0:64] - np.array([r, c])[:, None, None]) > 8)
            assert np.allclose(with_lesion["images"][0, ..., 0][far], without["images"][0, ..., 0][far],
                               atol=0.01 * unit)  # only the blurred edge reaches past the lesion

def test_bias_field_is_bounded_by_its_strength():
    kw = dict(noise=0.0, lesion_fraction=0.0, seed=7)
    flat = data.make_lesion_dataset(1, 1, bias=0.0, **kw)
    biased = data.make_lesion_dataset(1, 1, bias=0.25, **kw)
    body = flat["body_masks"][0]
    log_ratio = np.log(biased["images"][0, ..., 0][body] / flat["images"][0, ..., 0][body])
    assert np.abs(log_ratio).max() <= 0.25 + 1e-5  # exp(bias * field) with |field| <= 1
    assert np.abs(log_ratio).max() > 0.05  # and the field is really there

@pytest.mark.parametrize("modality, stats, lesion_pixels, labels, body_pixels", [
    ("mri", [0.2484, 0.303, 0.0231, 0.0683, 0.7691, 1.1043], 363, [1, 0, 1, 0, 0, 0], 4844),
    ("ct", [-586.6085, 504.1032, -1015.0321, -983.7634, 58.8746, 135.4925], 220, [0, 0, 0, 1, 0, 1], 5594),
])
def test_the_phantom_does_not_change_unnoticed(modality, stats, lesion_pixels, labels, body_pixels):
    """Every notebook's numbers rest on the phantom's look (tissue values, organ layout, noise).

    A change to the generator must be deliberate: update these figures and re-measure the
    notebooks (python -m medlab seeds NN) in the same commit.
    """
    d = data.make_lesion_dataset(3, 2, size=48, modality=modality, lesion_fraction=0.5, max_lesions=2, seed=11)
    x = d["images"][..., 0]
    got = [x.mean(), x.std(), *np.percentile(x, [10, 50, 90, 99])]
    np.testing.assert_allclose(got, stats, rtol=2e-4, atol=1e-4)
    assert int(d["masks"].sum()) == lesion_pixels and d["labels"].tolist() == labels
    assert int(d["body_masks"].sum()) == body_pixels


def test_malignant_fraction_draws_two_classes_told_apart_by_the_outline():
    from medlab.baselines import SHAPE_FEATURES, shape_features

    d = data.make_lesion_dataset(40, 2, size=48, lesion_fraction=1.0, lesion_radius=(6, 9), lesion_irregularity=0.1,
                                 malignant_fraction=0.5, seed=2)
    assert d["malignant"].dtype == np.int64 and d["malignant"].shape == (80,)
    assert 20 < d["malignant"].sum() < 60
    assert [les[0]["malignant"] for les in d["lesions"]] == d["malignant"].astype(bool).tolist()
    solidity = shape_features(d["masks"])[:, SHAPE_FEATURES.index("solidity")]
    benign, malignant = solidity[d["malignant"] == 0], solidity[d["malignant"] == 1]
    assert benign.min() > 0.85 and malignant.mean() < benign.mean() - 0.1
    sizes = d["masks"].reshape(80, -1).sum(1)
    assert abs(np.median(sizes[d["malignant"] == 1]) / np.median(sizes[d["malignant"] == 0]) - 1) < 0.5


def test_without_malignant_fraction_nothing_changes():
    a = data.make_lesion_dataset(3, 2, size=32, seed=5)
    assert "malignant" not in a and all("malignant" not in les for found in a["lesions"] for les in found)
    b = data.make_lesion_dataset(3, 2, size=32, seed=5, malignant_irregularity=(0.1, 0.2), spicules=(1, 2))
    assert np.array_equal(a["images"], b["images"])


def test_malignant_fraction_zero_and_one():
    ones = data.make_lesion_dataset(3, 2, size=32, lesion_fraction=1.0, malignant_fraction=1.0, seed=0)
    zeros = data.make_lesion_dataset(3, 2, size=32, lesion_fraction=1.0, malignant_fraction=0.0, seed=0)
    assert ones["malignant"].tolist() == [1] * 6 and zeros["malignant"].tolist() == [0] * 6
    none = data.make_lesion_dataset(3, 2, size=32, lesion_fraction=0.0, malignant_fraction=1.0, seed=0)
    assert none["malignant"].tolist() == [0] * 6  # no lesion, so nothing is malignant


@pytest.mark.parametrize("kwargs, match", [
    (dict(malignant_fraction=1.5), "malignant_fraction"),
    (dict(malignant_fraction=0.5, malignant_irregularity=(0.5, 0.2)), "malignant_irregularity"),
    (dict(malignant_fraction=0.5, malignant_irregularity=(0.1, 0.9)), "malignant_irregularity"),
    (dict(malignant_fraction=0.5, spicules=(-1, 2)), "spicules"),
])
def test_malignant_arguments_are_checked(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        data.make_lesion_dataset(2, 1, **kwargs)


def test_a_regular_lesion_is_the_closed_disc():
    """With no irregularity the outline is the circle itself, and pixels on it belong to the lesion."""
    from medlab.data.phantom import _lesion_mask

    yy, xx = np.mgrid[0:21, 0:21].astype(float)
    disc = _lesion_mask(yy, xx, 10.0, 10.0, 5.0, 0.0, np.random.default_rng(0))
    assert disc.sum() == np.sum(np.hypot(yy - 10, xx - 10) <= 5.0) == 81  # 69 inside, 12 on the circle
    assert disc[10, 15] and disc[13, 14]  # (0, 5) and (3, 4) from the centre: exactly on the circle


def test_the_smallest_lesion_radius_allowed_is_one_pixel():
    d = data.make_lesion_dataset(2, 1, lesion_fraction=1.0, lesion_radius=(1.0, 1.4), seed=0)
    assert d["masks"].reshape(2, -1).any(axis=1).all()
    with pytest.raises(ValueError, match="lesion_radius"):
        data.make_lesion_dataset(2, 1, lesion_radius=(0.9, 1.4))
