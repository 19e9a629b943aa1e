"""What the ``.npz`` loaders share: opening an archive safely and checking the arrays in it.

Every error names the file and the field (``"scans.npz: labels: expected ..."``).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np


def fail(path, field, message) -> ValueError:
    """A ``ValueError`` whose message starts with the file and the field."""
    return ValueError(f"{path}: {field}: {message}")


def open_npz(path):
    """Return ``(Path, dict of arrays)`` for a ``.npz`` file, loaded with ``allow_pickle=False``."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"path: no such file: {path}")
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as err:
        raise fail(path, "path", f"not a readable .npz file ({err})") from None
    if isinstance(archive, np.ndarray):
        raise fail(path, "path", f"expected a .npz archive of named arrays, got a single array of shape "
                                 f"{archive.shape} (a .npy file); write one with numpy.savez(path, images=..., ...)")
    with archive:
        arrays = {}
        for field in archive.files:
            try:
                arrays[field] = archive[field]
            except ValueError:  # object arrays need pickle, which is never allowed here
                raise fail(path, field, "stored as Python objects (dtype object), which medlab does not load "
                                        "(allow_pickle=False); save numbers or strings as plain NumPy arrays, "
                                        "e.g. np.asarray(ids, dtype=str)") from None
    return path, arrays


def numeric(arr, path, field) -> np.ndarray:
    """Check ``arr`` holds finite numbers (bool counts as 0/1)."""
    if arr.dtype != bool and not np.issubdtype(arr.dtype, np.integer) and not np.issubdtype(arr.dtype, np.floating):
        raise fail(path, field, f"expected numbers, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.floating) and arr.size and not np.isfinite(arr).all():
        bad = int(arr.size - np.count_nonzero(np.isfinite(arr)))
        raise fail(path, field, f"expected finite values, got {bad} NaN or infinite value(s)")
    return arr


def whole_numbers(arr, path, field, what="integer class indices") -> np.ndarray:
    """Return finite, integer-valued ``arr`` as int64; floats with a fraction are an error, never truncated."""
    arr = numeric(arr, path, field)
    if np.issubdtype(arr.dtype, np.floating) and arr.size and not np.all(arr == np.round(arr)):
        odd = np.unique(arr[arr != np.round(arr)])[:5].tolist()
        raise fail(path, field, f"expected {what}, got non-integer values {odd}")
    return arr.astype(np.int64)


def values(arr, limit=6) -> list:
    """The first few distinct values of ``arr``, for error messages."""
    return np.unique(arr)[:limit].tolist()
