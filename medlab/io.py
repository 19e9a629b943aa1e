"""Reading real data a user already has. Nothing here downloads anything.

* ``load_medmnist``: a MedMNIST ``.npz`` file (Yang et al., "MedMNIST v2", Scientific Data 2023);
* ``load_npz_dataset``: your own images with masks or labels in a ``.npz`` file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["load_medmnist", "load_npz_dataset"]

_SPLITS = ("train", "val", "test")


def load_medmnist(path, *, binary=True):
    """Load a MedMNIST ``.npz`` file into train/val/test dataset dicts.

    Parameters
    ----------
    path : str or Path
        A file such as ``pneumoniamnist.npz`` with ``train_images``, ``train_labels``,
        ``val_images``... (as the MedMNIST project distributes them).
    binary : bool
        Require a single binary label per image (the tasks of notebooks 01 and 05).

    Returns
    -------
    dict
        ``{"train": {...}, "val": {...}, "test": {...}}``; each holds ``images`` float32
        (N, H, W, 1) scaled to [0, 1] (RGB files are converted to gray), ``labels`` int64 (N,) and
        ``patient_ids`` (N,): MedMNIST ships no patient ids, so each image counts as its own patient
        and its official splits are used as they are.

    Examples
    --------
    >>> import tempfile, os
    >>> f = os.path.join(tempfile.mkdtemp(), "tiny.npz")
    >>> rng = np.random.default_rng(0)
    >>> np.savez(f, **{f"{s}_images": rng.integers(0, 255, (4, 28, 28), dtype=np.uint8) for s in _SPLITS},
    ...          **{f"{s}_labels": np.array([[0], [1], [0], [1]]) for s in _SPLITS})
    >>> load_medmnist(f)["train"]["images"].shape
    (4, 28, 28, 1)
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"path: no such file: {path}")
    try:
        archive = np.load(path)
    except Exception as err:
        raise ValueError(f"path: {path} is not a readable .npz file ({err})") from None
    missing = [f"{s}_{k}" for s in _SPLITS for k in ("images", "labels") if f"{s}_{k}" not in archive.files]
    if missing:
        raise ValueError(f"path: {path.name} is not a MedMNIST file; missing arrays {missing}, found {archive.files}")
    out = {}
    for split in _SPLITS:
        images = archive[f"{split}_images"].astype(np.float32)
        labels = archive[f"{split}_labels"]
        if images.ndim == 4 and images.shape[-1] == 3:
            images = images @ np.array([0.299, 0.587, 0.114], np.float32)
        if images.ndim != 3:
            shape = archive[f"{split}_images"].shape
            raise ValueError(f"{split}_images: expected (N, H, W) or (N, H, W, 3), got shape {shape}")
        if images.max() > 1.0:
            images = images / 255.0
        labels = labels.reshape(len(labels), -1)
        if binary:
            if labels.shape[1] != 1 or not np.isin(labels, (0, 1)).all():
                raise ValueError(f"{split}_labels: expected one binary label per image, got shape {labels.shape} "
                                 f"and values {np.unique(labels)[:6].tolist()}")
            labels = labels[:, 0]
        out[split] = {"images": images[..., None], "labels": labels.astype(np.int64),
                      "patient_ids": np.arange(len(images), dtype=np.int64)}
    return out


def load_npz_dataset(path):
    """Load your own images (and masks or labels) from a ``.npz`` file into a dataset dict.

    The file holds ``images`` (N, H, W) or (N, H, W, 1), and ``masks`` (N, H, W) and/or ``labels``
    (N,); ``patient_ids`` (N,) is optional (without it, each image is its own patient, so patient
    leakage cannot be prevented: provide it if patients have several images). Write one with
    ``numpy.savez(path, images=..., masks=..., patient_ids=...)``.

    Returns
    -------
    dict
        ``images`` float32 (N, H, W, 1) and whichever of ``masks`` (uint8), ``labels`` (int64),
        ``patient_ids`` (int64) the file has; the layout ``make_lesion_dataset`` returns.

    Examples
    --------
    >>> import tempfile, os
    >>> f = os.path.join(tempfile.mkdtemp(), "mine.npz")
    >>> np.savez(f, images=np.zeros((3, 16, 16)), masks=np.zeros((3, 16, 16)))
    >>> sorted(load_npz_dataset(f))
    ['images', 'labels', 'masks', 'patient_ids']
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"path: no such file: {path}")
    archive = np.load(path)
    if "images" not in archive.files:
        raise ValueError(f"path: {path.name} has no 'images' array; found {archive.files}")
    images = archive["images"].astype(np.float32)
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or images.shape[-1] != 1:
        raise ValueError(f"images: expected (N, H, W) or (N, H, W, 1), got shape {archive['images'].shape}")
    n = len(images)
    out = {"images": images}
    if "masks" in archive.files:
        masks = archive["masks"]
        if masks.shape != images.shape[:3]:
            raise ValueError(f"masks: expected shape {images.shape[:3]} to match the images, got {masks.shape}")
        if not np.isin(masks, (0, 1)).all():
            raise ValueError("masks: expected binary masks (0/1)")
        out["masks"] = masks.astype(np.uint8)
    if "labels" in archive.files:
        out["labels"] = archive["labels"].reshape(n).astype(np.int64)
    elif "masks" in out:
        out["labels"] = out["masks"].reshape(n, -1).max(axis=1).astype(np.int64)
    else:
        raise ValueError(f"path: {path.name} needs 'masks' or 'labels'; found {archive.files}")
    if "patient_ids" in archive.files:
        pids = archive["patient_ids"]
        if pids.shape != (n,):
            raise ValueError(f"patient_ids: expected shape ({n},), got {pids.shape}")
        out["patient_ids"] = pids.astype(np.int64)
    else:
        out["patient_ids"] = np.arange(n, dtype=np.int64)
    return out
