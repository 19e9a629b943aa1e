"""Patient-level splits of a dataset, and selecting samples from a dataset dict."""

from __future__ import annotations

import numpy as np

from .._validate import as_array, as_generator

__all__ = ["split_by_patient", "take"]


def split_by_patient(patient_ids, fractions=(0.6, 0.2, 0.2), *, labels=None, seed=None):
    """Split sample indices into groups so that no patient appears in two groups.

    Parameters
    ----------
    patient_ids : array-like of int or str, shape (N,)
        The patient each sample comes from (e.g. ``"P017"`` or 17).
    fractions : sequence of float
        Fraction of *patients* in each group (e.g. train, val, test); must sum to 1.
    labels : array-like, shape (N,), optional
        If given, patients are stratified by their maximum label, so that every group gets
        positive and negative patients in about the same proportion.
    seed : int, numpy.random.Generator or None

    Returns
    -------
    tuple of numpy.ndarray
        One sorted index array per fraction.

    Examples
    --------
    >>> pids = [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    >>> train, test = split_by_patient(pids, (0.6, 0.4), seed=0)
    >>> sorted(set(pids[i] for i in train) & set(pids[i] for i in test))
    []
    """
    ids = np.asarray(patient_ids)
    if ids.dtype.kind in "US":  # string ids: their sorted codes, so integer ids and their text split alike
        if ids.ndim != 1:
            raise ValueError(f"patient_ids: expected 1 dimensions, got shape {ids.shape}")
        pids = np.unique(ids, return_inverse=True)[1].reshape(-1)
    else:
        pids = as_array(patient_ids, "patient_ids", ndim=1)
    fr = as_array(fractions, "fractions", ndim=1).astype(float)
    if len(fr) < 2 or np.any(fr <= 0) or not np.isclose(fr.sum(), 1.0):
        raise ValueError(f"fractions: expected two or more positive numbers summing to 1, got {tuple(fractions)}")
    rng = as_generator(seed)
    unique = np.unique(pids)
    if len(unique) < len(fr):
        raise ValueError(f"patient_ids: need at least {len(fr)} patients for {len(fr)} groups, got {len(unique)}")
    strata = [unique]
    if labels is not None:
        lab = as_array(labels, "labels", ndim=1)
        if lab.shape != pids.shape:
            raise ValueError(f"labels and patient_ids must have the same shape, got {lab.shape} and {pids.shape}")
        patient_label = np.array([lab[pids == p].max() for p in unique])
        strata = [unique[patient_label == v] for v in np.unique(patient_label)]
    groups = [[] for _ in fr]
    for stratum in strata:
        perm = rng.permutation(stratum)
        cuts = np.round(np.cumsum(fr)[:-1] * len(perm)).astype(int)
        for g, part in enumerate(np.split(perm, cuts)):
            groups[g].extend(part.tolist())
    out = []
    for g, members in enumerate(groups):
        if not members:
            raise ValueError(f"fractions: group {g} received no patients; use more patients or larger fractions")
        out.append(np.flatnonzero(np.isin(pids, members)))
    return tuple(out)

def take(data, index):
    """Select samples ``index`` from every per-sample field of a dataset dict.

    Arrays and lists whose length equals the number of samples are indexed; other entries are
    copied as they are.

    Examples
    --------
    >>> data = {"images": np.zeros((4, 8, 8, 1)), "labels": np.array([0, 1, 0, 1])}
    >>> take(data, [1, 3])["labels"].tolist()
    [1, 1]
    """
    if not isinstance(data, dict) or "images" not in data:
        raise TypeError("data: expected a dataset dict with an 'images' entry, as make_lesion_dataset returns")
    n = len(data["images"])
    idx = np.asarray(index)
    if idx.dtype == bool:
        if idx.shape != (n,):
            raise ValueError(f"index: a boolean index must have shape ({n},), got {idx.shape}")
        idx = np.flatnonzero(idx)
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise ValueError(f"index: values must lie in [0, {n}), got range [{idx.min()}, {idx.max()}]")
    out = {}
    for key, value in data.items():
        if isinstance(value, np.ndarray) and value.shape[:1] == (n,):
            out[key] = value[idx]
        elif isinstance(value, list) and len(value) == n:
            out[key] = [value[j] for j in idx]
        else:
            out[key] = value
    return out
