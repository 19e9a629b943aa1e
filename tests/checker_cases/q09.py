"""Notebook 09's checker: the wrong answers it must reject (contract: tests/test_checkers.py)."""

import numpy as np
from scipy import ndimage

from medlab.check import q09


def _right(h, threshold, top_k):
    h = np.asarray(h, float)
    rows, cols = np.nonzero((h == ndimage.maximum_filter(h, size=3)) & (h >= threshold))
    order = np.argsort(-h[rows, cols])[:top_k]
    return np.column_stack([rows[order], cols[order], h[rows, cols][order]]).reshape(-1, 3)


def _top_pixels(h, threshold, top_k):  # the k highest pixels, no non-maximum suppression
    h = np.asarray(h, float)
    flat = np.argsort(-h, axis=None)[:top_k]
    rows, cols = np.unravel_index(flat, h.shape)
    keep = h[rows, cols] >= threshold
    return np.column_stack([rows, cols, h[rows, cols]])[keep]


def _argmax_only(h, threshold, top_k):  # one lesion per image
    r, c = np.unravel_index(np.argmax(h), h.shape)
    return np.array([[r, c, h[r, c]]]) if h[r, c] >= threshold else np.zeros((0, 3))


def _xy_swapped(h, threshold, top_k):  # (x, y) = (col, row), the plotting convention
    return _right(h, threshold, top_k)[:, [1, 0, 2]]


def _no_threshold(h, threshold, top_k):  # the threshold is forgotten: every local maximum
    return _right(h, -np.inf, top_k)


def _unsorted(h, threshold, top_k):  # in raster order, top_k cut there
    d = _right(h, threshold, 10**6)
    d = d[np.lexsort((d[:, 1], d[:, 0]))]
    return d[:top_k]


def _interior_only(h, threshold, top_k):  # a loop that skips the border pixels
    h = np.asarray(h, float)
    out = []
    for r in range(1, h.shape[0] - 1):
        for c in range(1, h.shape[1] - 1):
            if h[r, c] >= threshold and h[r, c] == h[r - 1:r + 2, c - 1:c + 2].max():
                out.append((r, c, h[r, c]))
    out = np.array(out).reshape(-1, 3)
    return out[np.argsort(-out[:, 2])][:top_k]


def _window_5x5(h, threshold, top_k):  # non-maximum suppression over 5x5: a lesion 2 px from a higher one vanishes
    h = np.asarray(h, float)
    rows, cols = np.nonzero((h == ndimage.maximum_filter(h, size=5)) & (h >= threshold))
    order = np.argsort(-h[rows, cols])[:top_k]
    return np.column_stack([rows[order], cols[order], h[rows, cols][order]]).reshape(-1, 3)


def _empty_list(h, threshold, top_k):
    d = _right(h, threshold, top_k)
    return d if len(d) else []


def _skimage(h, threshold, top_k):
    from skimage.feature import peak_local_max

    h = np.asarray(h, float)
    if h.max() < threshold:
        return np.zeros((0, 3))
    rc = peak_local_max(h, min_distance=1, threshold_abs=threshold, num_peaks=top_k, exclude_border=False)
    return np.column_stack([rc, h[rc[:, 0], rc[:, 1]]]).reshape(-1, 3)


def _max_pool(h, threshold, top_k):  # CenterNet's 3x3 max pooling, written with a padded sliding window
    h = np.asarray(h, np.float32)
    padded = np.pad(h, 1, constant_values=-np.inf)
    pooled = np.lib.stride_tricks.sliding_window_view(padded, (3, 3)).max(axis=(2, 3))
    rows, cols = np.nonzero((pooled == h) & (h >= threshold))
    order = np.argsort(-h[rows, cols], kind="stable")[:top_k]
    return np.stack([rows[order], cols[order], h[rows[order], cols[order]]], axis=1)


CONTRACTS = [
    dict(checker=q09.decode_peaks, reference=q09._reference_decode, wrong=[
        ("top-k pixels without NMS", _top_pixels, r"case 'three lesions': .*: two of your detections, .* neighbouring "
                                                  r"pixels of one blob"),
        ("argmax only", _argmax_only,
         r"case 'three lesions': .*: you returned one detection where the map has 3 peaks"),
        ("(x, y) swapped", _xy_swapped, r"case 'three lesions': .*: your detections are at \(col, row\) = \(x, y\)"),
        ("threshold forgotten", _no_threshold,
         r"case 'three lesions': .*: you returned \d+ detections, 3 expected, some with scores below the threshold"),
        ("not sorted by score", _unsorted, r"case 'three lesions': .*: detections must be sorted by decreasing score"),
        ("border pixels skipped", _interior_only,
         r"case 'peaks on the border': .*: you missed the peak\(s\) at \(0, 5\), \(23, 29\) on the image border"),
        ("5x5 suppression window", _window_5x5,
         r"case 'a 3x3 neighbourhood': .*: you missed the lesion at \(8, 8\), 2 pixels from a higher one"),
        ("empty list when nothing found", _empty_list, r"case 'nothing to detect': .*: got an empty list; return an "
                                                       r"array of shape \(0, 3\)"),
    ], accepted=[
        ("scikit-image's peak_local_max", _skimage),
        ("3x3 max pooling", _max_pool),
    ]),
]
