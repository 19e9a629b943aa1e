"""Checkers for notebook 09 (lesion detection: decoding a centre heatmap into detections)."""

from __future__ import annotations

import numpy as np

from ..metrics import heatmap_peaks
from ._core import CaseFailed, expect, expect_close, run_checks


def _reference_decode(heatmap, threshold=0.1, top_k=10):
    return heatmap_peaks(heatmap, threshold, top_k, size=3)


def _blobs(shape, peaks, sigma=1.5):
    """A heatmap with a Gaussian blob of height h at each (row, col, h)."""
    rows, cols = np.mgrid[:shape[0], :shape[1]]
    out = np.zeros(shape)
    for r, c, h in peaks:
        out = np.maximum(out, h * np.exp(-((rows - r) ** 2 + (cols - c) ** 2) / (2 * sigma**2)))
    return out.astype(np.float32)


#: three lesions on a 40 x 56 map (not square, so a transpose shows)
THREE = [(10, 20, 0.9), (30, 8, 0.6), (25, 45, 0.3)]


def _as_detections(got, what):
    if hasattr(got, "numpy"):
        got = got.numpy()
    if isinstance(got, (list, tuple)) and len(got) == 0:
        raise CaseFailed(f"{what}: got an empty {type(got).__name__}; return an array of shape (0, 3) when nothing "
                         "is found, e.g. np.zeros((0, 3))")
    try:
        arr = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        raise CaseFailed(f"{what}: expected an array of shape (k, 3), got {type(got).__name__}") from None
    if arr.ndim != 2 or arr.shape[1] != 3:
        raise CaseFailed(f"{what}: expected an array of shape (k, 3), one (row, col, score) per detection, "
                         f"got shape {arr.shape}")
    return arr


def _compare(got, expected, heatmap, threshold, what):
    """Name the mistake: no NMS, argmax only, swapped axes, unsorted, missing threshold, border skipped."""
    arr = _as_detections(got, what)
    exp = np.asarray(expected, float)
    want = "; ".join(f"({r:g}, {c:g}) score {s:.2f}" for r, c, s in exp) or "no detection"
    if len(arr) and exp.shape[0] and set(map(tuple, arr[:, [1, 0]].round(3))) == set(map(tuple, exp[:, :2].round(3))):
        raise CaseFailed(f"{what}: your detections are at (col, row) = (x, y); the array's first column must be the "
                         f"row (y, the first index of heatmap[row, col]), the second the column. Expected {want}")
    if len(arr) and np.any(arr[:, 2] < threshold - 1e-6):
        raise CaseFailed(f"{what}: you returned {len(arr)} detections, {len(exp)} expected, some with scores below the "
                         f"threshold {threshold:g} (lowest {arr[:, 2].min():.3g}); keep only peaks with "
                         f"score >= threshold. Expected {want}")
    found = set(map(tuple, arr[:, :2].round(3)))
    missed = [(r, c) for r, c, _ in exp if (round(r, 3), round(c, 3)) not in found]
    h, w = heatmap.shape
    if missed and all(r in (0, h - 1) or c in (0, w - 1) for r, c in missed):
        raise CaseFailed(f"{what}: you missed the peak(s) at {', '.join(f'({r:g}, {c:g})' for r, c in missed)} on "
                         f"the image border ({h} x {w}): a lesion can touch the edge; compare border pixels with "
                         f"the neighbours they have (maximum_filter does). Expected {want}")
    if len(arr) > 1:
        dist = np.hypot(arr[:, None, 0] - arr[None, :, 0], arr[:, None, 1] - arr[None, :, 1])
        np.fill_diagonal(dist, np.inf)
        i, j = np.unravel_index(dist.argmin(), dist.shape)
        if dist[i, j] <= 1.5:
            raise CaseFailed(f"{what}: two of your detections, ({arr[i, 0]:g}, {arr[i, 1]:g}) and ({arr[j, 0]:g}, "
                             f"{arr[j, 1]:g}), are neighbouring pixels of one blob: the highest pixels are not the "
                             "peaks. Keep only pixels that are the maximum of their 3x3 neighbourhood (non-maximum "
                             f"suppression) before taking the top k. Expected {want}")
    if len(arr) == 1 and len(exp) > 1:
        raise CaseFailed(f"{what}: you returned one detection where the map has {len(exp)} peaks: argmax finds one "
                         f"lesion per image, but an image can have several. Expected {want}")
    if len(arr) > len(exp) and len(exp) and np.any(arr[:, 2] < exp[:, 2].min() - 1e-6):
        raise CaseFailed(f"{what}: you returned {len(arr)} detections, {len(exp)} expected: keep at most top_k, "
                         f"the highest scores. Expected {want}")
    if len(arr) != len(exp):
        raise CaseFailed(f"{what}: expected {len(exp)} detection(s), {want}; got {len(arr)}")
    if len(arr) and not np.all(np.diff(arr[:, 2]) <= 1e-9):
        raise CaseFailed(f"{what}: detections must be sorted by decreasing score (the FROC sweep and top_k rely on "
                         f"it); got scores {np.round(arr[:, 2], 3).tolist()}")
    if len(arr):
        on_map = heatmap[np.clip(arr[:, 0].round().astype(int), 0, heatmap.shape[0] - 1),
                         np.clip(arr[:, 1].round().astype(int), 0, heatmap.shape[1] - 1)]
        expect(np.allclose(arr[:, 2], on_map, atol=1e-5),
               f"{what}: the score of a detection must be the heatmap's value at its (row, col); got "
               f"{np.round(arr[:, 2], 3).tolist()} where the map has {np.round(on_map, 3).tolist()}")
    expect_close(arr, exp, f"{what}: (row, col, score) rows", atol=1e-5)


def _three_lesions(f):
    h = _blobs((40, 56), THREE)
    _compare(f(h, 0.1, 10), _reference_decode(h, 0.1, 10), h, 0.1, "three lesions, threshold 0.1, top_k 10")


def _threshold(f):
    h = _blobs((40, 56), THREE)
    _compare(f(h, 0.5, 10), _reference_decode(h, 0.5, 10), h, 0.5, "three lesions, threshold 0.5 (keeps two)")


def _top_k(f):
    h = _blobs((40, 56), THREE)
    _compare(f(h, 0.1, 2), _reference_decode(h, 0.1, 2), h, 0.1, "three lesions, top_k 2 (the two highest)")


def _close_pair(f):
    # two lesions 4 px apart: a 3x3 neighbourhood test keeps both
    h = _blobs((32, 32), [(12, 10, 0.8), (12, 14, 0.7)], sigma=1.0)
    _compare(f(h, 0.1, 10), _reference_decode(h, 0.1, 10), h, 0.1, "two lesions 4 pixels apart")


def _two_pixels_apart(f):
    # two lesions 2 px apart, each the maximum of its 3x3 neighbourhood: a larger window merges them
    h = _blobs((24, 24), [(8, 6, 0.8), (8, 8, 0.7), (16, 16, 0.6)], sigma=1.0)
    what = "two lesions 2 pixels apart (and a third)"
    arr = _as_detections(f(h, 0.1, 10), what)
    found = set(map(tuple, arr[:, :2].round(3)))
    if (8.0, 6.0) in found and (16.0, 16.0) in found and (8.0, 8.0) not in found:
        raise CaseFailed(f"{what}: you missed the lesion at (8, 8), 2 pixels from a higher one at (8, 6); it is the "
                         "maximum of its own 3x3 neighbourhood. A larger suppression window (5x5 or more) erases "
                         "neighbouring lesions: compare each pixel with its 3x3 neighbourhood only.")
    _compare(arr, _reference_decode(h, 0.1, 10), h, 0.1, what)


def _border(f):
    h = _blobs((24, 30), [(0, 5, 0.7), (23, 29, 0.5), (12, 15, 0.9)])
    _compare(f(h, 0.1, 10), _reference_decode(h, 0.1, 10), h, 0.1, "peaks on the image border and in a corner")


def _nothing(f):
    h = np.full((16, 16), 0.02, np.float32)
    _compare(f(h, 0.1, 10), np.zeros((0, 3)), h, 0.1, "a flat map below the threshold (no lesion)")


#: (description, case) in the order they run; each case raises ``CaseFailed`` on a wrong answer
CASES = [("three lesions", _three_lesions), ("score threshold", _threshold), ("top k", _top_k),
         ("two close lesions", _close_pair), ("peaks on the border", _border), ("nothing to detect", _nothing),
         ("a 3x3 neighbourhood", _two_pixels_apart)]


def decode_peaks(student_fn):
    """Check ``decode_peaks(heatmap, threshold, top_k) -> (k, 3) array``: the local maxima of a 2D heatmap
    (3x3 neighbourhood) with ``score >= threshold``, the ``top_k`` highest, as ``(row, col, score)`` rows
    sorted by decreasing score.

    Examples
    --------
    >>> from medlab.check import q09
    >>> fn = q09.decode_peaks(_reference_decode)
    ✓ decode_peaks: all 7 cases pass.
    """
    return run_checks("decode_peaks", student_fn, _reference_decode, CASES,
                      hint="a pixel is a peak when it equals scipy.ndimage.maximum_filter(heatmap, size=3) there "
                           "(or a 3x3 max pooling with 'same' padding) and reaches the threshold; np.nonzero gives "
                           "(rows, cols); sort the peaks by score, keep top_k, stack (row, col, score).")
