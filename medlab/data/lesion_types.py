"""Patches centred on a focal liver lesion of one of four types, with the field's class imbalance.

A lesion classifier usually sees a region of interest that a detector (or a radiologist's click)
has already centred on the lesion. The generator draws such patches from MR-like liver tissue:
smooth parenchymal texture, a vessel crossing some patches, a smooth multiplicative bias field,
a per-patient gain and Rician noise, and one lesion near the centre. The four types differ the way
they do on contrast-enhanced images, with overlapping ranges so that no single feature separates
them:

* ``cyst``: darker than liver, round, homogeneous, sharp-edged;
* ``haemangioma``: brighter than liver, lobulated, mottled inside;
* ``metastasis``: an enhancing rim around a darker (necrotic) centre, irregular outline;
* ``calcification``: small and very bright.

Each patient has one lesion type (drawn with ``class_fractions``) and one to three lesions of it,
so a patient-level split keeps a patient's look-alike lesions on one side.

Everything is NumPy and deterministic from ``seed``.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_array, as_generator, check_range
from .phantom import TISSUE_INTENSITY, _bias_field, _lesion_mask, _smooth_noise

__all__ = ["make_lesion_types_dataset", "LESION_TYPES"]

#: Class names, in label order (label 0 is the most frequent type).
LESION_TYPES = ("cyst", "haemangioma", "metastasis", "calcification")

# Per type: radius range (pixels), contrast range (MRI units, liver = 0.5), irregularity range.
_TYPE = {
    "cyst": dict(radius=(3.0, 9.0), contrast=(-0.30, -0.10), irregularity=(0.0, 0.10)),
    "haemangioma": dict(radius=(3.5, 10.0), contrast=(0.10, 0.32), irregularity=(0.10, 0.35)),
    "metastasis": dict(radius=(4.0, 10.0), contrast=(0.10, 0.32), irregularity=(0.15, 0.45)),
    "calcification": dict(radius=(1.5, 3.5), contrast=(0.35, 0.90), irregularity=(0.0, 0.15)),
}


def make_lesion_types_dataset(n_patients=300, *, size=48, class_fractions=(0.60, 0.25, 0.10, 0.05),
                              lesions_per_patient=(1, 3), noise=0.05, bias=0.2, vessel_fraction=0.4,
                              seed=None):
    """Generate lesion-centred patches of four lesion types, with labels, masks and patient ids.

    Parameters
    ----------
    n_patients : int
        Number of patients (>= 1).
    size : int
        Patch height and width in pixels (>= 32). Lesion sizes are in pixels and do not change with it
        (radii up to 10 pixels, centres within 3 pixels of the patch centre).
    class_fractions : sequence of 4 floats
        Probability of each type in :data:`LESION_TYPES` order (cyst, haemangioma, metastasis,
        calcification) for a patient; non-negative, summing to 1.
    lesions_per_patient : (int, int)
        Each patient has between these many lesions (inclusive), all of the patient's type.
    noise : float
        Rician noise level (MRI units; liver is 0.5).
    bias : float
        Strength of the multiplicative bias field (0 switches it off).
    vessel_fraction : float
        Probability that a dark vessel crosses the patch: a distractor for intensity features.
    seed : int, numpy.random.Generator or None
        The same seed gives the same data.

    Returns
    -------
    dict
        ``images`` float32 (N, size, size, 1); ``labels`` int64 (N,) indexing ``class_names``;
        ``masks`` uint8 (N, size, size), 1 inside the lesion; ``patient_ids`` int64 (N,);
        ``class_names`` (the tuple :data:`LESION_TYPES`); ``lesions``: N dicts with ``center``
        (row, col), ``radius``, ``contrast`` (of the rim for a metastasis), ``irregularity``.

    Examples
    --------
    >>> d = make_lesion_types_dataset(4, seed=0)
    >>> d["images"].shape[1:], d["class_names"][d["labels"][0]] in LESION_TYPES
    ((48, 48, 1), True)
    """
    from scipy.ndimage import gaussian_filter

    for name, value, lo in (("n_patients", n_patients, 1), ("size", size, 32)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
            raise TypeError(f"{name}: expected an int, got {type(value).__name__}")
        check_range(value, name, lo)
    fractions = as_array(class_fractions, "class_fractions", ndim=1).astype(float)
    if fractions.shape != (len(LESION_TYPES),) or np.any(fractions < 0) or not np.isclose(fractions.sum(), 1.0):
        raise ValueError(f"class_fractions: expected {len(LESION_TYPES)} non-negative numbers summing to 1 "
                         f"({', '.join(LESION_TYPES)}), got {tuple(class_fractions)}")
    try:
        lo_n, hi_n = (int(v) for v in lesions_per_patient)
    except (TypeError, ValueError):
        raise TypeError(f"lesions_per_patient: expected a (low, high) pair of ints, got {lesions_per_patient!r}") \
            from None
    if not 1 <= lo_n <= hi_n:
        raise ValueError(f"lesions_per_patient: expected 1 <= low <= high, got {lesions_per_patient!r}")
    check_range(noise, "noise", 0.0)
    check_range(bias, "bias", 0.0, 1.0)
    check_range(vessel_fraction, "vessel_fraction", 0.0, 1.0)
    rng = as_generator(seed)

    tissue = TISSUE_INTENSITY["mri"]
    grid = (np.arange(size) + 0.5) / size * 2 - 1
    yy, xx = np.meshgrid(grid, grid, indexing="ij")
    rows, cols = np.meshgrid(np.arange(size, dtype=float), np.arange(size, dtype=float), indexing="ij")
    images, masks, labels, patient_ids, lesions = [], [], [], [], []
    for patient in range(n_patients):
        label = int(rng.choice(len(LESION_TYPES), p=fractions))
        kind = _TYPE[LESION_TYPES[label]]
        gain = rng.uniform(0.85, 1.15)
        liver = tissue["liver"] * rng.uniform(0.9, 1.1)  # the patient's parenchyma
        for _ in range(int(rng.integers(lo_n, hi_n + 1))):
            img = liver + 0.03 * _smooth_noise(rng, (size, size), 1.5)
            if rng.uniform() < vessel_fraction:  # a dark, straight vessel somewhere across the patch
                angle, offset = rng.uniform(0, np.pi), rng.uniform(0.3, 0.8) * rng.choice([-1, 1])
                width = rng.uniform(0.04, 0.09)
                dist = np.abs(np.cos(angle) * yy - np.sin(angle) * xx - offset)
                img += (tissue["vessel"] - liver) * gaussian_filter((dist <= width).astype(float), 0.8)
            cy, cx = (size - 1) / 2 + rng.uniform(-3, 3, size=2)
            radius = rng.uniform(*kind["radius"])
            contrast = rng.uniform(*kind["contrast"])
            irr = rng.uniform(*kind["irregularity"])
            shape_seed = int(rng.integers(2**32))  # the same outline harmonics for a rim's inner edge
            blob = _lesion_mask(rows, cols, cy, cx, radius, irr, np.random.default_rng(shape_seed))
            if LESION_TYPES[label] == "metastasis":
                rim = rng.uniform(0.3, 0.55) * radius  # rim thickness, a fraction of the radius
                core = _lesion_mask(rows, cols, cy, cx, radius - rim, irr, np.random.default_rng(shape_seed))
                centre = rng.uniform(-0.25, 0.0)  # necrotic centre: darker than liver, or barely
                delta = gaussian_filter(contrast * (blob & ~core) + centre * core, 0.7)
            elif LESION_TYPES[label] == "haemangioma":
                mottle = 1.0 + 0.35 * _smooth_noise(rng, (size, size), 1.0)
                delta = gaussian_filter(contrast * blob * mottle, 0.8)
            else:
                delta = gaussian_filter(contrast * blob.astype(float), 0.5)
            img = img + delta
            if bias > 0:
                img *= np.exp(bias * _bias_field(rng, yy, xx))
            img *= gain
            img = np.hypot(img + rng.normal(0, noise, img.shape), rng.normal(0, noise, img.shape))
            images.append(img.astype(np.float32)[..., None])
            masks.append(blob.astype(np.uint8))
            labels.append(label)
            patient_ids.append(patient)
            lesions.append({"center": (float(cy), float(cx)), "radius": float(radius), "contrast": float(contrast),
                            "irregularity": float(irr)})
    return {"images": np.stack(images), "labels": np.array(labels, np.int64), "masks": np.stack(masks),
            "patient_ids": np.array(patient_ids, np.int64), "class_names": LESION_TYPES, "lesions": lesions}
