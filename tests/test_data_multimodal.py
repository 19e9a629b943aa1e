"""make_multimodal_dataset (medlab.data.multimodal): shapes, determinism, the documented generative model."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medlab import data, metrics


@pytest.fixture(scope="module")
def cohort():
    return data.make_multimodal_dataset(300, size=32, seed=0)


def test_shapes_and_dtypes(cohort):
    n = 300
    assert cohort["images"].shape == (n, 32, 32, 1) and cohort["images"].dtype == np.float32
    assert cohort["masks"].shape == (n, 32, 32)
    assert cohort["series"].shape == (n, 48, 3) and cohort["series"].dtype == np.float32
    assert cohort["tabular"].shape == (n, 4) and cohort["tabular"].dtype == np.float32
    assert cohort["labels"].shape == cohort["lesion"].shape == cohort["patient_ids"].shape == (n,)
    assert cohort["factors"].shape == (n, 3)
    assert set(np.unique(cohort["labels"])) == {0, 1}
    assert cohort["series_names"] == data.VITAL_SIGNS and cohort["tabular_names"] == data.TABULAR_FIELDS
    assert np.array_equal(cohort["patient_ids"], np.arange(n))


def test_deterministic_from_seed():
    a = data.make_multimodal_dataset(6, size=32, n_hours=24, seed=3)
    b = data.make_multimodal_dataset(6, size=32, n_hours=24, seed=3)
    c = data.make_multimodal_dataset(6, size=32, n_hours=24, seed=4)
    for key in ("images", "series", "tabular", "labels", "factors"):
        assert np.array_equal(a[key], b[key])
    assert not np.array_equal(a["series"], c["series"])


def test_lesion_matches_mask_and_image_factor(cohort):
    has_mask = cohort["masks"].reshape(len(cohort["masks"]), -1).any(axis=1)
    assert np.array_equal(has_mask, cohort["lesion"] == 1)
    f = cohort["factors"][:, 0]
    assert np.allclose(f[cohort["lesion"] == 0], f[cohort["lesion"] == 0][0])  # one value without a lesion
    assert f[cohort["lesion"] == 1].min() > f[cohort["lesion"] == 0].max()  # any lesion raises the risk


def test_tabular_factor_follows_the_documented_formula(cohort):
    age, creatinine = cohort["tabular"][:, 0].astype(float), cohort["tabular"][:, 2].astype(float)
    expected = 0.6 * (age - 62) / 14 + 0.8 * np.log(creatinine) / 0.35
    assert np.allclose(cohort["factors"][:, 2], expected, atol=1e-4)
    assert set(np.unique(cohort["tabular"][:, 1])) == {0.0, 1.0}  # sex


def test_series_trend_carries_the_series_factor(cohort):
    s = cohort["series"].astype(float)
    change = s[:, -8:].mean(axis=1) - s[:, :8].mean(axis=1)  # late minus early, per channel
    d = cohort["factors"][:, 1]
    assert np.corrcoef(change[:, 0], d)[0, 1] > 0.6  # heart rate rises
    assert np.corrcoef(change[:, 1], d)[0, 1] < -0.6  # pressure falls
    # the level alone says little: the personal baseline is as wide as the ramp
    assert abs(np.corrcoef(s[:, :, 0].mean(axis=1), d)[0, 1]) < 0.5


def test_each_modality_carries_part_of_the_signal():
    d = data.make_multimodal_dataset(1500, size=32, seed=1)
    y, f = d["labels"], d["factors"]
    single = [metrics.roc_auc(y, f[:, k]) for k in range(3)]
    assert all(0.65 < a < 0.82 for a in single)
    assert metrics.roc_auc(y, f.sum(axis=1)) > max(single) + 0.1
    assert 0.35 < y.mean() < 0.55


def test_weights_switch_a_modality_off():
    d = data.make_multimodal_dataset(800, size=32, weights=(0.0, 0.0, 6.0), seed=2)
    assert abs(metrics.roc_auc(d["labels"], d["factors"][:, 0]) - 0.5) < 0.08
    assert metrics.roc_auc(d["labels"], d["factors"][:, 2]) > 0.9


def test_take_keeps_the_names():
    d = data.make_multimodal_dataset(3, size=32, n_hours=12, seed=0)  # N == number of series channels
    part = data.take(d, [0, 2])
    assert part["series"].shape == (2, 12, 3)
    assert part["series_names"] == data.VITAL_SIGNS


@pytest.mark.parametrize("kwargs, error, name", [
    (dict(n_patients=0), ValueError, "n_patients"),
    (dict(n_patients=2.5), TypeError, "n_patients"),
    (dict(size=16), ValueError, "size"),
    (dict(n_hours=6), ValueError, "n_hours"),
    (dict(weights=(1.0, 1.0)), ValueError, "weights"),
    (dict(lesion_fraction=1.0), ValueError, "lesion_fraction"),
    (dict(lesion_radius=(5.0, 2.0)), ValueError, "lesion_radius"),
    (dict(intercept=float("nan")), ValueError, "intercept"),
    (dict(seed="zero"), TypeError, "seed"),
])
def test_bad_input_names_the_argument(kwargs, error, name):
    args = dict(n_patients=2, size=32)
    args.update(kwargs)
    with pytest.raises(error, match=name):
        data.make_multimodal_dataset(**args)


@settings(max_examples=10, deadline=None)
@given(n=st.integers(1, 5), hours=st.integers(12, 60), seed=st.integers(0, 2**16))
def test_any_small_cohort_is_finite_and_consistent(n, hours, seed):
    d = data.make_multimodal_dataset(n, size=32, n_hours=hours, seed=seed)
    assert d["series"].shape == (n, hours, 3)
    assert np.all(np.isfinite(d["series"])) and np.all(np.isfinite(d["tabular"]))
    assert np.all((d["onset"] >= 0) & (d["onset"] <= 0.6 * hours))
    assert np.all((d["tabular"][:, 0] >= 18) & (d["tabular"][:, 0] <= 95))


def test_the_multimodal_generator_does_not_change_unnoticed():
    """Notebook 06 rests on this generator: a change must be deliberate (update the
    figures and re-measure the notebooks with python -m medlab seeds NN in the same commit)."""
    d = data.make_multimodal_dataset(12, size=32, n_hours=24, seed=5)
    s, t = d["series"], d["tabular"]
    got = [s.mean(), s.std(), *s.mean(axis=(0, 1)), *s.std(axis=(0, 1)),
           *(s[:, -6:].mean((0, 1)) - s[:, :6].mean((0, 1))), t.mean(), t.std(), *t.mean(0), *t.std(0),
           *d["factors"].mean(0), *d["factors"].std(0), d["onset"].mean()]
    want = [63.1577, 33.9938, 84.5493, 87.7179, 17.206, 12.5557, 11.2277, 3.2667, 5.7944, -3.2737, 2.0946,
            21.488, 23.5275, 55.5288, 0.5, 1.174, 28.7491, 11.5408, 0.5, 0.3976, 3.991,
            -0.3975, 0.7776, -0.0465, 0.8218, 1.0789, 0.9558, 8.1645]
    np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-4)
    assert d["labels"].tolist() == [1, 1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0]
    assert d["lesion"].tolist() == [0, 0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 0]
    np.testing.assert_allclose([d["images"].mean(), d["images"].std()], [0.24304, 0.2756], rtol=1e-4)
    assert int(d["masks"].sum()) == 79
