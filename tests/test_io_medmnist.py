"""medlab.io.load_medmnist on MedMNIST-style files the tests write themselves."""

import numpy as np
import pytest

from medlab import io

SPLITS = ("train", "val", "test")


def _write_medmnist(path, rgb=False, labels_shape=(1,), n=6, **override):
    rng = np.random.default_rng(0)
    arrays = {}
    for split in SPLITS:
        shape = (n, 28, 28, 3) if rgb else (n, 28, 28)
        arrays[f"{split}_images"] = rng.integers(0, 256, shape, dtype=np.uint8)
        arrays[f"{split}_labels"] = rng.integers(0, 2, (n,) + labels_shape)
    arrays.update(override)
    np.savez(path, **arrays)
    return path


def test_load_medmnist_gray_and_rgb(tmp_path):
    _write_medmnist(tmp_path / "g.npz")
    _write_medmnist(tmp_path / "c.npz", rgb=True)
    for name in ("g.npz", "c.npz"):
        d = io.load_medmnist(tmp_path / name)
        assert d["train"]["images"].shape == (6, 28, 28, 1)
        assert d["train"]["images"].dtype == np.float32
        assert 0 <= d["test"]["images"].min() and d["test"]["images"].max() <= 1
        assert d["val"]["labels"].shape == (6,) and d["val"]["labels"].dtype == np.int64


def test_load_medmnist_uint8_divided_by_255(tmp_path):
    images = np.full((6, 28, 28), 51, np.uint8)
    f = _write_medmnist(tmp_path / "u8.npz", **{f"{s}_images": images for s in SPLITS})
    d = io.load_medmnist(f)
    for s in SPLITS:
        np.testing.assert_allclose(d[s]["images"], 0.2, rtol=1e-6)


def test_load_medmnist_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="path"):
        io.load_medmnist(tmp_path / "missing.npz")
    np.savez(tmp_path / "bad.npz", x=np.zeros(3))
    with pytest.raises(ValueError, match="not a MedMNIST file"):
        io.load_medmnist(tmp_path / "bad.npz")
    _write_medmnist(tmp_path / "multi.npz", labels_shape=(3,))
    with pytest.raises(ValueError, match="one binary label"):
        io.load_medmnist(tmp_path / "multi.npz")
    (tmp_path / "text.npz").write_text("not an archive")
    with pytest.raises(ValueError, match=r"text\.npz.*not a readable \.npz"):
        io.load_medmnist(tmp_path / "text.npz")


def test_load_medmnist_rejects_fewer_labels_than_images(tmp_path):
    # measured: 4 images with 2 labels were accepted
    f = _write_medmnist(tmp_path / "short.npz", n=4, train_labels=np.array([[0], [1]]))
    with pytest.raises(ValueError, match=r"short\.npz: train_labels: expected 4 labels.*got 2"):
        io.load_medmnist(f)


def test_load_medmnist_uint16_scaled_into_unit_range(tmp_path):
    # measured: uint16 images stayed in [0, 257]
    rng = np.random.default_rng(1)
    images = {f"{s}_images": rng.integers(0, 258, (6, 28, 28)).astype(np.uint16) for s in SPLITS}
    images["train_images"][0, 0, 0] = 257
    d = io.load_medmnist(_write_medmnist(tmp_path / "u16.npz", **images))
    for s in SPLITS:
        assert 0 <= d[s]["images"].min() and d[s]["images"].max() <= 1
    assert d["train"]["images"].max() == 1
    # one factor for all splits: the same stored value gives the same float everywhere
    value = images["test_images"][0, 0, 0]
    np.testing.assert_allclose(d["test"]["images"][0, 0, 0, 0], value / 257, rtol=1e-6)


def test_load_medmnist_one_scaling_rule_for_all_splits(tmp_path):
    # measured: a test split whose maximum is 1 stayed unscaled while train was divided by 255
    images = {f"{s}_images": np.full((6, 28, 28), 255.0, np.float32) for s in SPLITS}
    images["test_images"] = np.ones((6, 28, 28), np.float32)
    d = io.load_medmnist(_write_medmnist(tmp_path / "f.npz", **images))
    np.testing.assert_allclose(d["train"]["images"], 1.0)
    np.testing.assert_allclose(d["test"]["images"], 1 / 255, rtol=1e-6)
    # uint8: the same rule whatever each split's maximum is
    images = {f"{s}_images": np.full((6, 28, 28), 255, np.uint8) for s in SPLITS}
    images["test_images"] = np.ones((6, 28, 28), np.uint8)
    d = io.load_medmnist(_write_medmnist(tmp_path / "u.npz", **images))
    np.testing.assert_allclose(d["test"]["images"], 1 / 255, rtol=1e-6)


def test_load_medmnist_float_images_in_unit_range_kept(tmp_path):
    images = {f"{s}_images": np.full((6, 28, 28), 0.5, np.float32) for s in SPLITS}
    d = io.load_medmnist(_write_medmnist(tmp_path / "unit.npz", **images))
    np.testing.assert_allclose(d["val"]["images"], 0.5)


@pytest.mark.parametrize("field, value, message", [
    ("val_images", np.full((6, 28, 28), np.nan), r"val_images: expected finite"),
    ("train_images", -np.ones((6, 28, 28)), r"train_images: expected non-negative"),
    ("test_images", np.zeros((6, 28, 28, 2)), r"test_images: expected .*\(N, H, W\)"),
    ("val_labels", np.array([[0], [1], [np.nan], [0], [1], [0]]), r"val_labels: expected finite"),
    ("val_labels", np.array([[0], [1], [2], [0], [1], [0]]), r"val_labels: expected one binary label"),
    ("train_labels", np.array([[0.5], [1], [0], [0], [1], [0]]), r"train_labels: expected one binary label"),
    ("test_labels", np.array(1), r"test_labels: expected 6 labels, one per image in test_images, got a single value"),
])
def test_load_medmnist_names_file_and_field(tmp_path, field, value, message):
    f = _write_medmnist(tmp_path / "odd.npz", **{field: value})
    with pytest.raises(ValueError, match=r"odd\.npz: " + message):
        io.load_medmnist(f)


def test_load_medmnist_not_binary(tmp_path):
    labels = {f"{s}_labels": np.array([[0], [3], [8], [1], [2], [0]]) for s in SPLITS}
    d = io.load_medmnist(_write_medmnist(tmp_path / "path.npz", **labels), binary=False)
    assert d["train"]["labels"].tolist() == [0, 3, 8, 1, 2, 0]
    multi = {f"{s}_labels": np.eye(6, 4, dtype=np.uint8) for s in SPLITS}
    d = io.load_medmnist(_write_medmnist(tmp_path / "chest.npz", **multi), binary=False)
    assert d["val"]["labels"].shape == (6, 4)
    bad = {f"{s}_labels": np.array([[0], [-1], [0], [1], [2], [0]]) for s in SPLITS}
    with pytest.raises(ValueError, match=r"train_labels: expected non-negative integer"):
        io.load_medmnist(_write_medmnist(tmp_path / "neg.npz", **bad), binary=False)
    bad = {f"{s}_labels": np.full((6, 3), 2) for s in SPLITS}
    with pytest.raises(ValueError, match=r"train_labels: expected 0/1 in each of the 3 label columns"):
        io.load_medmnist(_write_medmnist(tmp_path / "multi2.npz", **bad), binary=False)


def test_load_medmnist_rejects_npy(tmp_path):
    # measured: AttributeError on a .npy
    np.save(tmp_path / "one.npy", np.zeros((4, 28, 28)))
    with pytest.raises(ValueError, match=r"one\.npy: path: expected a \.npz archive.*single array"):
        io.load_medmnist(tmp_path / "one.npy")


def test_load_medmnist_rejects_pickled_objects(tmp_path):
    f = _write_medmnist(tmp_path / "obj.npz", train_labels=np.array([[0], [1], None, [0], [1], [0]], dtype=object))
    with pytest.raises(ValueError, match=r"obj\.npz: train_labels: .*Python objects"):
        io.load_medmnist(f)


def test_load_medmnist_patient_ids_are_unique_across_splits(tmp_path):
    """Each image is its own patient; merging the splits must not make two images one patient."""
    _write_medmnist(tmp_path / "m.npz", n=5, test_images=np.zeros((3, 28, 28), np.uint8),
                    test_labels=np.zeros((3, 1), int))
    d = io.load_medmnist(tmp_path / "m.npz")
    ids = np.concatenate([d[s]["patient_ids"] for s in SPLITS])
    assert ids.dtype == np.int64 and len(np.unique(ids)) == len(ids) == 13
    np.testing.assert_array_equal(d["val"]["patient_ids"], np.arange(5, 10))
    np.testing.assert_array_equal(d["test"]["patient_ids"], np.arange(10, 13))
