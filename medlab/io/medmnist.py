"""MedMNIST ``.npz`` files (Yang et al., "MedMNIST v2", Scientific Data 2023)."""

from __future__ import annotations

import numpy as np

from ._npzfile import fail, numeric, open_npz, values, whole_numbers

__all__ = ["load_medmnist"]

_SPLITS = ("train", "val", "test")
_GRAY = np.array([0.299, 0.587, 0.114], np.float32)  # ITU-R BT.601 luma, as PIL's convert("L")


def load_medmnist(path, *, binary=True):
    """Load a MedMNIST ``.npz`` file into train/val/test dataset dicts.

    Parameters
    ----------
    path : str or Path
        A file such as ``pneumoniamnist.npz`` with ``train_images``, ``train_labels``,
        ``val_images``... (as the MedMNIST project distributes them). Read with ``allow_pickle=False``.
    binary : bool
        Require a single binary (0/1) label per image (the tasks of notebooks 01 and 05). With
        ``False``, one label column gives class indices (non-negative integers) and several
        columns give multi-label 0/1 targets, kept as (N, k).

    Returns
    -------
    dict
        ``{"train": {...}, "val": {...}, "test": {...}}``; each holds ``images`` float32
        (N, H, W, 1) in [0, 1] (RGB files are converted to gray), ``labels`` int64 (N,) (or (N, k)
        for multi-label files with ``binary=False``) and ``patient_ids`` (N,): MedMNIST ships no
        patient ids, so each image counts as its own patient and its official splits are used as
        they are. The ids are unique across the three splits (train 0..N-1, then validation, then
        test), so merging the splits never makes two images look like one patient.

    Notes
    -----
    One scaling rule for the whole file, so the three splits always share one factor: a file whose
    images are all ``uint8`` (MedMNIST's own format) is divided by 255; any other file is divided by
    its largest value over the three splits when that exceeds 1, and kept as it is otherwise.
    Negative or non-finite values are refused.

    Raises
    ------
    ValueError
        Naming the file and the field: a ``.npy`` instead of a ``.npz``, missing arrays, images not
        (N, H, W), (N, H, W, 1) or (N, H, W, 3), negative or non-finite pixels, a label count that
        differs from the image count, labels that are not finite or not binary (with ``binary``).

    Examples
    --------
    >>> import tempfile, os
    >>> f = os.path.join(tempfile.mkdtemp(), "tiny.npz")
    >>> rng = np.random.default_rng(0)
    >>> np.savez(f, **{f"{s}_images": rng.integers(0, 255, (4, 28, 28), dtype=np.uint8) for s in _SPLITS},
    ...          **{f"{s}_labels": np.array([[0], [1], [0], [1]]) for s in _SPLITS})
    >>> splits = load_medmnist(f)
    >>> splits["train"]["images"].shape, splits["test"]["labels"].tolist()
    ((4, 28, 28, 1), [0, 1, 0, 1])
    """
    path, archive = open_npz(path)
    missing = [f"{s}_{k}" for s in _SPLITS for k in ("images", "labels") if f"{s}_{k}" not in archive]
    if missing:
        raise fail(path, "path", f"not a MedMNIST file; missing arrays {missing}, found {sorted(archive)}")
    raw = {}
    for split in _SPLITS:
        field = f"{split}_images"
        images = numeric(archive[field], path, field)
        if not (images.ndim == 3 or (images.ndim == 4 and images.shape[-1] in (1, 3))):
            raise fail(path, field, f"expected (N, H, W), (N, H, W, 1) or (N, H, W, 3), got shape {images.shape}")
        if images.size and images.min() < 0:
            raise fail(path, field, f"expected non-negative values, got minimum {images.min()}")
        raw[split] = images
    scale = _scale(raw)
    out, first_id = {}, 0
    for split in _SPLITS:
        images = raw[split].astype(np.float32)
        if images.ndim == 4:
            images = images @ _GRAY if images.shape[-1] == 3 else images[..., 0]
        if scale != 1:
            images = images / np.float32(scale)
        labels = _labels(archive[f"{split}_labels"], len(images), split, binary, path)
        out[split] = {"images": images[..., None], "labels": labels,
                      "patient_ids": np.arange(first_id, first_id + len(images), dtype=np.int64)}
        first_id += len(images)
    return out


def _scale(raw):
    """The one factor all splits are divided by (see ``load_medmnist``'s Notes)."""
    if all(images.dtype == np.uint8 for images in raw.values()):
        return 255.0
    top = max((float(images.max()) for images in raw.values() if images.size), default=0.0)
    return top if top > 1 else 1.0


def _labels(labels, n, split, binary, path):
    field = f"{split}_labels"
    if labels.ndim == 0 or len(labels) != n:
        given = len(labels) if labels.ndim else "a single value"
        raise fail(path, field, f"expected {n} labels, one per image in {split}_images, got {given}")
    labels = numeric(labels, path, field).reshape(n, -1)
    if binary:
        if labels.shape[1] != 1 or not np.isin(labels, (0, 1)).all():
            raise fail(path, field, f"expected one binary label (0 or 1) per image, got shape {labels.shape} "
                                    f"and values {values(labels)}")
        return labels[:, 0].astype(np.int64)
    labels = whole_numbers(labels, path, field, "non-negative integer class indices")
    if labels.shape[1] == 1:
        if labels.size and labels.min() < 0:
            raise fail(path, field, f"expected non-negative integer class indices, got values {values(labels)}")
        return labels[:, 0]
    if not np.isin(labels, (0, 1)).all():
        raise fail(path, field, f"expected 0/1 in each of the {labels.shape[1]} label columns (multi-label), "
                                f"got values {values(labels)}")
    return labels
