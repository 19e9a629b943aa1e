"""medlab.io on files the tests write themselves."""

import numpy as np
import pytest

from medlab import io


def _write_medmnist(path, rgb=False, labels_shape=(1,)):
    rng = np.random.default_rng(0)
    arrays = {}
    for split in ("train", "val", "test"):
        shape = (6, 28, 28, 3) if rgb else (6, 28, 28)
        arrays[f"{split}_images"] = rng.integers(0, 256, shape, dtype=np.uint8)
        arrays[f"{split}_labels"] = rng.integers(0, 2, (6,) + labels_shape)
    np.savez(path, **arrays)


def test_load_medmnist_gray_and_rgb(tmp_path):
    _write_medmnist(tmp_path / "g.npz")
    _write_medmnist(tmp_path / "c.npz", rgb=True)
    for name in ("g.npz", "c.npz"):
        d = io.load_medmnist(tmp_path / name)
        assert d["train"]["images"].shape == (6, 28, 28, 1)
        assert 0 <= d["test"]["images"].min() and d["test"]["images"].max() <= 1
        assert d["val"]["labels"].shape == (6,)


def test_load_medmnist_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="path"):
        io.load_medmnist(tmp_path / "missing.npz")
    np.savez(tmp_path / "bad.npz", x=np.zeros(3))
    with pytest.raises(ValueError, match="not a MedMNIST file"):
        io.load_medmnist(tmp_path / "bad.npz")
    _write_medmnist(tmp_path / "multi.npz", labels_shape=(3,))
    with pytest.raises(ValueError, match="one binary label"):
        io.load_medmnist(tmp_path / "multi.npz")


def test_load_npz_dataset(tmp_path):
    masks = np.zeros((4, 16, 16), np.uint8)
    masks[1, 4:8, 4:8] = 1
    np.savez(tmp_path / "d.npz", images=np.random.default_rng(0).normal(size=(4, 16, 16)), masks=masks,
             patient_ids=np.array([0, 0, 1, 1]))
    d = io.load_npz_dataset(tmp_path / "d.npz")
    assert d["images"].shape == (4, 16, 16, 1) and d["labels"].tolist() == [0, 1, 0, 0]
    assert d["patient_ids"].tolist() == [0, 0, 1, 1]
    np.savez(tmp_path / "e.npz", images=np.zeros((4, 16, 16)), masks=np.zeros((3, 16, 16)))
    with pytest.raises(ValueError, match="masks: expected shape"):
        io.load_npz_dataset(tmp_path / "e.npz")
    np.savez(tmp_path / "f.npz", images=np.zeros((4, 16, 16)))
    with pytest.raises(ValueError, match="needs 'masks' or 'labels'"):
        io.load_npz_dataset(tmp_path / "f.npz")
