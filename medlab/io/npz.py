"""Your own images with masks or labels, from a ``.npz`` file."""

from __future__ import annotations

import numbers

import numpy as np

from ._npzfile import fail, numeric, open_npz, values, whole_numbers

__all__ = ["load_npz_dataset"]


def load_npz_dataset(path, *, num_classes=2):
    """Load your own images (and masks or labels) from a ``.npz`` file into a dataset dict.

    The file holds ``images`` (N, H, W) or (N, H, W, 1), and ``masks`` (N, H, W) and/or ``labels``
    (N,); ``patient_ids`` (N,) is optional (without it, each image is its own patient, so patient
    leakage cannot be prevented: provide it if patients have several images). Write one with
    ``numpy.savez(path, images=..., masks=..., patient_ids=...)``. The file is read with
    ``allow_pickle=False``: arrays of Python objects are refused.

    Parameters
    ----------
    path : str or Path
        The ``.npz`` file.
    num_classes : int
        ``labels`` are class indices ``0 .. num_classes - 1``; the default 2 means binary labels
        (0 = no finding, 1 = finding). Without ``labels``, a label is 1 when the mask has a lesion pixel.

    Returns
    -------
    dict
        ``images`` float32 (N, H, W, 1) and whichever of ``masks`` (uint8), ``labels`` (int64),
        ``patient_ids`` (int64) the file has; the layout ``make_lesion_dataset`` returns.
        Patient ids that are integers (or whole-number floats) keep their values; strings and
        floats with a fraction are numbered ``0 .. P-1`` in sorted order of their distinct values,
        so ``numpy.unique(original_ids)[patient_ids]`` gives the original ids back.

    Raises
    ------
    ValueError
        Naming the file and the field: a ``.npy`` instead of a ``.npz``; images that are not
        (N, H, W[, 1]) or not finite; masks that are not 0/1 or do not match the images; labels
        that are not one finite class index per image (fractions are refused, never truncated);
        patient ids that are not one finite id per image.

    Examples
    --------
    >>> import tempfile, os
    >>> f = os.path.join(tempfile.mkdtemp(), "mine.npz")
    >>> np.savez(f, images=np.zeros((3, 16, 16)), masks=np.zeros((3, 16, 16)),
    ...          patient_ids=np.array(["P-07", "P-02", "P-07"]))
    >>> d = load_npz_dataset(f)
    >>> sorted(d), d["patient_ids"].tolist()
    (['images', 'labels', 'masks', 'patient_ids'], [1, 0, 1])
    """
    if not isinstance(num_classes, numbers.Integral) or isinstance(num_classes, bool) or num_classes < 2:
        raise ValueError(f"num_classes: expected an integer >= 2, got {num_classes!r}")
    path, archive = open_npz(path)
    if "images" not in archive:
        raise fail(path, "path", f"has no 'images' array; found {sorted(archive)}")
    raw = numeric(archive["images"], path, "images")
    images = raw.astype(np.float32)
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or images.shape[-1] != 1:
        raise fail(path, "images", f"expected (N, H, W) or (N, H, W, 1), got shape {raw.shape}")
    n = len(images)
    out = {"images": images}
    if "masks" in archive:
        masks = archive["masks"]
        if masks.shape != images.shape[:3]:
            raise fail(path, "masks", f"expected shape {images.shape[:3]} to match the images, got {masks.shape}")
        masks = numeric(masks, path, "masks")
        if not np.isin(masks, (0, 1)).all():
            raise fail(path, "masks", f"expected binary masks (0/1), got values {values(masks)}")
        out["masks"] = masks.astype(np.uint8)
    if "labels" in archive:
        out["labels"] = _class_indices(archive["labels"], n, num_classes, path)
    elif "masks" in out:
        out["labels"] = out["masks"].reshape(n, -1).max(axis=1).astype(np.int64)
    else:
        raise fail(path, "path", f"needs 'masks' or 'labels'; found {sorted(archive)}")
    if "patient_ids" in archive:
        out["patient_ids"] = _patient_ids(archive["patient_ids"], n, path)
    else:
        out["patient_ids"] = np.arange(n, dtype=np.int64)
    return out


def _class_indices(labels, n, num_classes, path):
    if labels.shape not in ((n,), (n, 1)):
        raise fail(path, "labels", f"expected one label per image ({n}), got shape {labels.shape}")
    labels = whole_numbers(labels.reshape(n), path, "labels")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise fail(path, "labels", f"expected class indices 0..{num_classes - 1} (num_classes={num_classes}), "
                                   f"got values {values(labels)}")
    return labels


def _patient_ids(pids, n, path):
    if pids.shape != (n,):
        raise fail(path, "patient_ids", f"expected shape ({n},), got {pids.shape}")
    if pids.dtype.kind in "US":  # names: numbered in sorted order
        return np.unique(pids, return_inverse=True)[1].astype(np.int64)
    pids = numeric(pids, path, "patient_ids")
    if np.issubdtype(pids.dtype, np.floating) and not np.all(pids == np.round(pids)):
        return np.unique(pids, return_inverse=True)[1].astype(np.int64)  # 1.2 and 1.7 stay two patients
    return pids.astype(np.int64)
