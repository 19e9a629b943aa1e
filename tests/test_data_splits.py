"""Patient-level splits and sample selection (medlab.data.splits)."""

import numpy as np
import pytest

from medlab import data


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

def test_split_stratifies_by_the_patients_label():
    # 10 positive patients among 100: without stratification some seed leaves a group with none
    pids = np.repeat(np.arange(100), 2)
    labels = np.repeat((np.arange(100) < 10).astype(int), 2)
    for seed in range(20):
        groups = data.split_by_patient(pids, (0.6, 0.2, 0.2), labels=labels, seed=seed)
        positives = [int(labels[g].sum() // 2) for g in groups]
        assert positives == [6, 2, 2], (seed, positives)  # the exact proportions, every seed
    plain = [data.split_by_patient(pids, (0.6, 0.2, 0.2), seed=s) for s in range(20)]
    assert any(int(labels[g[2]].sum()) != 4 for g in plain)  # unstratified splits do drift

def test_split_labels_must_match_and_patients_keep_their_maximum_label():
    pids = np.array([0, 0, 1, 1, 2, 2, 3, 3])
    labels = np.array([0, 1, 0, 0, 1, 0, 0, 0])  # patients 0 and 2 are positive through one image
    a, b = data.split_by_patient(pids, (0.5, 0.5), labels=labels, seed=0)
    for group in (a, b):
        assert len({int(p) for p in pids[group]} & {0, 2}) == 1  # one positive patient per half
    with pytest.raises(ValueError, match="labels and patient_ids must have the same shape"):
        data.split_by_patient(pids, (0.5, 0.5), labels=labels[:-1])
    with pytest.raises(ValueError, match="need at least 3 patients for 3 groups, got 2"):
        data.split_by_patient([0, 0, 1], (0.4, 0.3, 0.3))

def test_take_checks_a_boolean_index_and_the_range():
    d = {"images": np.zeros((4, 2, 2, 1)), "labels": np.arange(4), "names": list("abcd"), "meta": "x"}
    out = data.take(d, np.array([True, False, True, False]))
    assert out["labels"].tolist() == [0, 2] and out["names"] == ["a", "c"] and out["meta"] == "x"
    with pytest.raises(ValueError, match=r"a boolean index must have shape \(4,\), got \(3,\)"):
        data.take(d, np.array([True, False, True]))
    with pytest.raises(ValueError, match=r"values must lie in \[0, 4\), got range \[0, 4\]"):
        data.take(d, [0, 4])
    assert data.take(d, [-1])["labels"].tolist() == [3]
    with pytest.raises(ValueError, match=r"got range \[-5, -5\]"):
        data.take(d, [-5])

def test_split_default_is_sixty_twenty_twenty():
    pids = np.repeat(np.arange(50), 3)
    groups = data.split_by_patient(pids, seed=0)
    assert [len(np.unique(pids[g])) for g in groups] == [30, 10, 10]


def test_string_patient_ids_split_like_their_integer_codes():
    ints = np.repeat(np.arange(12), 3)
    names = np.array([f"P{i:03d}" for i in ints])  # sorted like the integers
    labels = (ints % 3 == 0).astype(int)
    by_int = data.split_by_patient(ints, (0.5, 0.25, 0.25), labels=labels, seed=4)
    by_name = data.split_by_patient(names, (0.5, 0.25, 0.25), labels=labels, seed=4)
    assert all(np.array_equal(a, b) for a, b in zip(by_int, by_name))
    assert not set(names[by_name[0]]) & set(names[by_name[2]])
    with pytest.raises(ValueError, match=r"patient_ids: expected 1 dimensions, got shape \(2, 2\)"):
        data.split_by_patient([["a", "b"], ["c", "d"]], (0.5, 0.5))
