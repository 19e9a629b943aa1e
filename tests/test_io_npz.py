"""medlab.io.load_npz_dataset on files the tests write themselves."""

from pathlib import Path

import numpy as np
import pytest

from medlab import io


def _write(path, n=4, **arrays):
    arrays.setdefault("images", np.random.default_rng(0).normal(size=(n, 16, 16)))
    np.savez(path, **arrays)
    return path


def test_load_npz_dataset(tmp_path):
    masks = np.zeros((4, 16, 16), np.uint8)
    masks[1, 4:8, 4:8] = 1
    d = io.load_npz_dataset(_write(tmp_path / "d.npz", masks=masks, patient_ids=np.array([0, 0, 1, 1])))
    assert d["images"].shape == (4, 16, 16, 1) and d["images"].dtype == np.float32
    assert d["labels"].tolist() == [0, 1, 0, 0] and d["labels"].dtype == np.int64
    assert d["patient_ids"].tolist() == [0, 0, 1, 1] and d["patient_ids"].dtype == np.int64
    assert d["masks"].dtype == np.uint8
    d = io.load_npz_dataset(_write(tmp_path / "l.npz", labels=np.array([1.0, 0.0, 1.0, 0.0])))
    assert d["labels"].tolist() == [1, 0, 1, 0] and d["patient_ids"].tolist() == [0, 1, 2, 3]
    d = io.load_npz_dataset(_write(tmp_path / "b.npz", labels=np.array([[True], [False], [True], [True]])))
    assert d["labels"].tolist() == [1, 0, 1, 1]


def test_load_npz_dataset_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="path"):
        io.load_npz_dataset(tmp_path / "missing.npz")
    with pytest.raises(ValueError, match=r"e\.npz: masks: expected shape"):
        io.load_npz_dataset(_write(tmp_path / "e.npz", masks=np.zeros((3, 16, 16))))
    with pytest.raises(ValueError, match=r"f\.npz.*needs 'masks' or 'labels'"):
        io.load_npz_dataset(_write(tmp_path / "f.npz"))
    np.savez(tmp_path / "g.npz", labels=np.zeros(3))
    with pytest.raises(ValueError, match=r"g\.npz.*no 'images'"):
        io.load_npz_dataset(tmp_path / "g.npz")
    with pytest.raises(ValueError, match=r"h\.npz: masks: expected binary"):
        io.load_npz_dataset(_write(tmp_path / "h.npz", masks=np.full((4, 16, 16), 2)))
    with pytest.raises(ValueError, match=r"i\.npz: images: expected finite"):
        io.load_npz_dataset(_write(tmp_path / "i.npz", images=np.full((4, 16, 16), np.nan), labels=np.zeros(4)))
    with pytest.raises(ValueError, match=r"j\.npz: images: expected \(N, H, W\)"):
        io.load_npz_dataset(_write(tmp_path / "j.npz", images=np.zeros((4, 16, 16, 3)), labels=np.zeros(4)))


@pytest.mark.parametrize("labels, message", [
    ([0, 3, 5, 0], r"labels: expected class indices 0\.\.1 \(num_classes=2\), got values \[0, 3, 5\]"),  # measured
    ([0.7, 0.2, 1.9, 0.0], r"labels: expected integer class indices, got non-integer values"),  # measured: truncated
    ([0, np.nan, 1, 0], r"labels: expected finite values, got 1 NaN"),  # measured: a huge negative integer
    ([0, 1, 0], r"labels: expected one label per image \(4\), got shape \(3,\)"),
    ([[0, 1], [1, 0], [0, 1], [1, 0]], r"labels: expected one label per image \(4\), got shape \(4, 2\)"),
    (["a", "b", "a", "b"], r"labels: expected numbers, got dtype <U1"),
])
def test_load_npz_dataset_checks_labels(tmp_path, labels, message):
    with pytest.raises(ValueError, match=r"lab\.npz: " + message):
        io.load_npz_dataset(_write(tmp_path / "lab.npz", labels=np.array(labels)))


def test_load_npz_dataset_class_indices(tmp_path):
    f = _write(tmp_path / "k.npz", labels=np.array([0, 3, 5, 0]))
    assert io.load_npz_dataset(f, num_classes=6)["labels"].tolist() == [0, 3, 5, 0]
    with pytest.raises(ValueError, match="num_classes: expected an integer >= 2, got 1"):
        io.load_npz_dataset(f, num_classes=1)


def test_load_npz_dataset_float_patient_ids_not_merged(tmp_path):
    # measured: float ids 1.2 and 1.7 were silently merged into patient 1
    f = _write(tmp_path / "p.npz", labels=np.zeros(4), patient_ids=np.array([1.2, 1.7, 1.2, 3.0]))
    pids = io.load_npz_dataset(f)["patient_ids"]
    assert pids.dtype == np.int64 and pids.tolist() == [0, 1, 0, 2]
    f = _write(tmp_path / "q.npz", labels=np.zeros(4), patient_ids=np.array([7.0, 7.0, 12.0, 3.0]))
    assert io.load_npz_dataset(f)["patient_ids"].tolist() == [7, 7, 12, 3]  # whole numbers keep their values


def test_load_npz_dataset_string_patient_ids_mapped(tmp_path):
    # measured: string ids failed with a raw int() error
    names = np.array(["P-07", "P-10", "P-07", "P-02"])
    f = _write(tmp_path / "s.npz", labels=np.zeros(4), patient_ids=names)
    pids = io.load_npz_dataset(f)["patient_ids"]
    assert pids.dtype == np.int64 and pids.tolist() == [1, 2, 1, 0]
    assert np.unique(names)[pids].tolist() == names.tolist()  # documented: sorted order recovers the names
    f = _write(tmp_path / "y.npz", labels=np.zeros(4), patient_ids=names.astype(bytes))
    assert io.load_npz_dataset(f)["patient_ids"].tolist() == [1, 2, 1, 0]


@pytest.mark.parametrize("pids, message", [
    (np.array([0.0, np.nan, 1.0, 1.0]), r"patient_ids: expected finite values, got 1 NaN"),
    (np.array([0, 1, 2]), r"patient_ids: expected shape \(4,\), got \(3,\)"),
    (np.array([0, 1, None, 2], dtype=object), r"patient_ids: .*Python objects"),
])
def test_load_npz_dataset_checks_patient_ids(tmp_path, pids, message):
    with pytest.raises(ValueError, match=r"pid\.npz: " + message):
        io.load_npz_dataset(_write(tmp_path / "pid.npz", labels=np.zeros(4), patient_ids=pids))


def test_load_npz_dataset_rejects_npy(tmp_path):
    # measured: AttributeError on a .npy
    np.save(tmp_path / "one.npy", np.zeros((4, 16, 16)))
    with pytest.raises(ValueError, match=r"one\.npy: path: expected a \.npz archive.*single array"):
        io.load_npz_dataset(tmp_path / "one.npy")


def test_medlab_io_imports_no_tensorflow_keras_or_pydicom():
    import subprocess
    import sys

    code = ("import sys, medlab.io; print([m for m in ('tensorflow', 'keras', 'pydicom') if m in sys.modules])")
    root = Path(__file__).resolve().parents[1]  # this checkout's medlab
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root).stdout
    assert out.strip() == "[]"
