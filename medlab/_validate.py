"""Input checks shared by medlab's public functions.

Every check raises ``ValueError`` (or ``TypeError`` for a wrong kind of object) with a message
that names the argument, what was expected and what was given.
"""

from __future__ import annotations

import numpy as np


def describe(x) -> str:
    """Short description of an array-like for error messages."""
    if isinstance(x, np.ndarray):
        return f"array of shape {x.shape} and dtype {x.dtype}"
    return f"{type(x).__name__}"


def as_array(x, name: str, *, ndim=None, min_ndim=None, dtype=None, finite=True) -> np.ndarray:
    """Convert ``x`` to a NumPy array and check its rank and values."""
    if hasattr(x, "numpy") and not isinstance(x, np.ndarray):  # a tensor
        x = x.numpy()
    try:
        arr = np.asarray(x, dtype=dtype)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name}: expected an array of numbers, got {describe(x)} ({err})") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name}: expected an array of numbers, got dtype {arr.dtype}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(str(a) for a in allowed)
            raise ValueError(f"{name}: expected {want} dimensions, got shape {arr.shape}")
    if min_ndim is not None and arr.ndim < min_ndim:
        raise ValueError(f"{name}: expected at least {min_ndim} dimensions, got shape {arr.shape}")
    if finite and arr.dtype != bool and arr.size and not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name}: expected finite values, got {bad} NaN or infinite value(s)")
    return arr


def as_binary(x, name: str, *, ndim=None) -> np.ndarray:
    """Return ``x`` as a boolean mask; values must be bool or exactly 0/1."""
    arr = as_array(x, name, ndim=ndim)
    if arr.dtype == bool:
        return arr
    if arr.size and not np.all((arr == 0) | (arr == 1)):
        lo, hi = float(arr.min()), float(arr.max())
        raise ValueError(
            f"{name}: expected a binary mask (bool or values 0/1), got values in [{lo:g}, {hi:g}]; "
            "threshold probabilities first, e.g. mask = prob >= 0.5"
        )
    return arr.astype(bool)


def check_spatial_ndim(spatial_ndim, allowed=(2, 3)) -> int:
    """Check ``spatial_ndim``, the number of spatial axes (2 for images, 3 for volumes)."""
    if isinstance(spatial_ndim, bool) or not isinstance(spatial_ndim, (int, np.integer)) or spatial_ndim not in allowed:
        want = " or ".join(str(a) for a in allowed)
        raise ValueError(f"spatial_ndim: expected {want} (the number of spatial axes: 2 for images, 3 for volumes), "
                         f"got {spatial_ndim!r}")
    return int(spatial_ndim)


def as_batch(arr: np.ndarray, name: str, spatial_ndim: int, *, channel=False):
    """Read ``arr`` as one item or a batch of items with ``spatial_ndim`` spatial axes, never guessing.

    ``spatial_ndim`` axes are one image or volume; one more leading axis is a batch (N, ...); with
    ``channel=True``, a batch may also carry a trailing channel axis of size 1 (N, ..., 1), which is
    dropped. Returns ``(items, batched)``: ``items`` of shape (N, ...) (N = 1 for a single item), and
    whether ``arr`` was a batch.
    """
    axes = ", ".join(("H", "W") if spatial_ndim == 2 else ("D", "H", "W"))
    shapes = [f"({axes})", f"(N, {axes})"] + ([f"(N, {axes}, 1)"] if channel else [])
    if arr.ndim == spatial_ndim:
        return arr[None], False
    if arr.ndim == spatial_ndim + 1:
        refuse_lone_channel(arr, name, f"pass {' or '.join(shapes)}")
        return arr, True
    if channel and arr.ndim == spatial_ndim + 2 and arr.shape[-1] == 1:
        return arr[..., 0], True
    kind = "2D images" if spatial_ndim == 2 else "3D volumes"
    raise ValueError(f"{name}: expected {' or '.join(shapes)} for {kind} (spatial_ndim={spatial_ndim}), "
                     f"got shape {arr.shape}")


def refuse_lone_channel(arr: np.ndarray, name: str, advice: str) -> None:
    """Refuse a batch whose items are one pixel wide: its last axis of size 1 is a channel without a batch axis.

    ``(H, W, 1)`` read as a batch (N, H, W) would be H images one pixel wide; no layout rule can
    tell the two apart, so the caller must pass a shape that says which it is.
    """
    if arr.ndim >= 3 and arr.shape[-1] == 1:
        raise ValueError(f"{name}: shape {arr.shape} would be read as {arr.shape[0]} items of shape {arr.shape[1:]}, "
                         f"one pixel wide; its last axis of 1 looks like a channel without a batch axis: {advice}")


def same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    if a.shape != b.shape:
        raise ValueError(f"{name_a} and {name_b} must have the same shape, got {a.shape} and {b.shape}")


def check_choice(value, name: str, choices) -> None:
    if value not in choices:
        raise ValueError(f"{name}: expected one of {sorted(choices)}, got {value!r}")


def check_range(value, name: str, lo=None, hi=None, *, lo_open=False, hi_open=False) -> None:
    """Check a scalar lies in a range; ``None`` bounds are ignored."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name}: expected a number, got {type(value).__name__}") from None
    if not np.isfinite(v):
        raise ValueError(f"{name}: expected a finite number, got {value}")
    bad_lo = lo is not None and (v <= lo if lo_open else v < lo)
    bad_hi = hi is not None and (v >= hi if hi_open else v > hi)
    if bad_lo or bad_hi:
        left = "(" if lo_open else "["
        right = ")" if hi_open else "]"
        lo_s = "-inf" if lo is None else f"{lo:g}"
        hi_s = "inf" if hi is None else f"{hi:g}"
        raise ValueError(f"{name}: expected a value in {left}{lo_s}, {hi_s}{right}, got {value}")


def check_pair(value, name: str, lo=None, hi=None):
    """Check a ``(low, high)`` range argument and return it as two floats."""
    try:
        a, b = (float(v) for v in value)
    except (TypeError, ValueError):
        raise TypeError(f"{name}: expected a (low, high) pair of numbers, got {value!r}") from None
    if a > b:
        raise ValueError(f"{name}: expected low <= high, got {value!r}")
    check_range(a, f"{name}[0]", lo, hi)
    check_range(b, f"{name}[1]", lo, hi)
    return a, b


def as_generator(seed) -> np.random.Generator:
    """Accept an int, None or a Generator and return a Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, (int, np.integer)):
        return np.random.default_rng(seed)
    raise TypeError(f"seed: expected an int, None or numpy.random.Generator, got {type(seed).__name__}")
