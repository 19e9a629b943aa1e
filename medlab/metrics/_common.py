"""Input checks and ranks shared by the metrics modules (private)."""

from __future__ import annotations

import numpy as np

from .._validate import as_array, as_binary, same_shape


def _rankdata(x):
    """Average ranks (1-based), ties sharing the mean rank."""
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    ranks = np.empty(len(x), float)
    starts = np.r_[0, np.flatnonzero(np.diff(xs)) + 1]
    ends = np.r_[starts[1:], len(xs)]
    ranks[order] = np.repeat((starts + ends + 1) / 2, ends - starts)  # each run of ties: its mean rank
    return ranks

def _binary_labels_1d(y_true, name="y_true"):
    y = as_binary(y_true, name, ndim=1)
    if y.size == 0:
        raise ValueError(f"{name}: expected at least one label, got an empty array")
    return y

def _probabilities_1d(y_prob, y, name="y_prob"):
    p = as_array(y_prob, name, ndim=1).astype(float)
    same_shape(y, p, "y_true", name)
    if p.size and (p.min() < 0 or p.max() > 1):
        raise ValueError(f"{name}: expected probabilities in [0, 1], got values in "
                         f"[{p.min():g}, {p.max():g}]; apply a sigmoid to logits first")
    return p
