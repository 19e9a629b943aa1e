"""Synthetic medical images with ground truth, and patient-level splits.

The generator draws axial, abdomen-like slices: a body outline with a subcutaneous fat ring,
organs at anatomically plausible places (a large "liver" on the image's left, which is the
patient's right in radiological convention, so left-right flips are not label-preserving),
smooth tissue texture, a smooth multiplicative bias field (MRI), modality noise (Rician for MRI,
Gaussian in Hounsfield units for CT) and lesions of varied size, contrast and shape. Every
patient contributes several slices that share anatomy and intensity scale, so a split by image
leaks patients across train and test, and a split by patient does not.

Everything is NumPy and deterministic from ``seed``.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_array, as_generator, check_choice, check_pair, check_range

__all__ = ["make_lesion_dataset", "split_by_patient", "take", "TISSUE_INTENSITY"]

#: Mean tissue intensities: MRI-like (arbitrary units, T1-ish) and CT (Hounsfield units).
TISSUE_INTENSITY = {
    "mri": {"air": 0.0, "fat": 0.85, "muscle": 0.40, "liver": 0.50, "spleen": 0.45,
            "kidney": 0.60, "bone": 0.80, "vessel": 0.30},
    "ct": {"air": -1000.0, "fat": -100.0, "muscle": 45.0, "liver": 60.0, "spleen": 50.0,
           "kidney": 35.0, "bone": 450.0, "vessel": 40.0},
}
# One unit of lesion contrast / noise in each modality's intensity scale.
_UNIT = {"mri": 1.0, "ct": 200.0}

# Organs in body-relative coordinates: (name, tissue, centre x, centre y, semi-axis x, semi-axis y, angle)
_ORGANS = (
    ("liver", "liver", -0.36, -0.10, 0.36, 0.30, 0.35),
    ("spleen", "spleen", 0.50, 0.02, 0.13, 0.18, -0.4),
    ("right kidney", "kidney", -0.30, 0.34, 0.10, 0.14, 0.3),
    ("left kidney", "kidney", 0.30, 0.34, 0.10, 0.14, -0.3),
    ("aorta", "vessel", 0.07, 0.22, 0.06, 0.06, 0.0),
    ("vertebra", "bone", 0.0, 0.52, 0.13, 0.11, 0.0),
)


def _ellipse(yy, xx, cy, cx, ry, rx, angle=0.0):
    c, s = np.cos(angle), np.sin(angle)
    dx, dy = xx - cx, yy - cy
    u = (c * dx + s * dy) / rx
    v = (-s * dx + c * dy) / ry
    return u * u + v * v <= 1.0


def _smooth_noise(rng, shape, sigma):
    from scipy.ndimage import gaussian_filter

    field = gaussian_filter(rng.standard_normal(shape), sigma, mode="reflect")
    return field / (field.std() + 1e-12)


def _bias_field(rng, yy, xx):
    terms = np.stack([xx, yy, xx * yy, xx**2 - 0.5, yy**2 - 0.5])
    field = np.tensordot(rng.normal(size=5), terms, axes=1)
    return field / (np.abs(field).max() + 1e-12)


def _lesion_mask(yy, xx, cy, cx, radius, irregularity, rng):
    """An irregular blob: radius modulated by a few low harmonics of the polar angle."""
    theta = np.arctan2(yy - cy, xx - cx)
    r = np.full_like(theta, 1.0)
    for k in (2, 3, 4):
        r += rng.uniform(0, irregularity) / (k - 1) * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    return np.hypot(yy - cy, xx - cx) <= radius * r


def make_lesion_dataset(n_patients=60, images_per_patient=4, *, size=64, lesion_fraction=0.5,
                        max_lesions=1, lesion_radius=(3.0, 8.0), lesion_contrast=(0.2, 0.45),
                        lesion_irregularity=0.2, noise=0.04, bias=0.25, modality="mri", seed=None):
    """Generate synthetic axial slices with lesions, masks, labels and patient ids.

    Parameters
    ----------
    n_patients : int
        Number of patients.
    images_per_patient : int
        Slices per patient; slices of one patient share anatomy and intensity scale.
    size : int
        Image height and width in pixels (>= 32).
    lesion_fraction : float
        Probability that a slice contains lesions (its label is 1 then).
    max_lesions : int
        A positive slice has between 1 and ``max_lesions`` lesions.
    lesion_radius : (float, float)
        Range of lesion radii in pixels.
    lesion_contrast : (float, float)
        Range of lesion contrast above the surrounding tissue, in units of the MRI intensity scale
        (0 = air, ~0.5 = liver); for CT one unit is 200 HU. The difficulty knob: lower is harder.
    lesion_irregularity : float
        Amplitude of the boundary harmonics (0 = round lesions).
    noise : float
        Noise level in the same units (Rician for MRI, Gaussian for CT).
    bias : float
        Strength of the multiplicative bias field (MRI only; 0 switches it off).
    modality : {"mri", "ct"}
        ``"ct"`` returns Hounsfield units.
    seed : int, numpy.random.Generator or None
        The same seed gives the same data.

    Returns
    -------
    dict
        ``images`` float32 (N, size, size, 1); ``masks`` uint8 (N, size, size), 1 inside lesions;
        ``labels`` int64 (N,), 1 if the slice has a lesion; ``patient_ids`` int64 (N,);
        ``body_masks`` bool (N, size, size); ``lesions``: a list of N lists of dicts with
        ``center`` (row, col), ``radius``, ``contrast`` and ``irregularity``.
        N = n_patients * images_per_patient.

    Examples
    --------
    >>> data = make_lesion_dataset(n_patients=2, images_per_patient=3, size=32, seed=0)
    >>> data["images"].shape, data["masks"].shape, data["patient_ids"].tolist()
    ((6, 32, 32, 1), (6, 32, 32), [0, 0, 0, 1, 1, 1])
    """
    for name, value, lo in (("n_patients", n_patients, 1), ("images_per_patient", images_per_patient, 1),
                            ("size", size, 32), ("max_lesions", max_lesions, 1)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
            raise TypeError(f"{name}: expected an int, got {type(value).__name__}")
        check_range(value, name, lo)
    check_range(lesion_fraction, "lesion_fraction", 0.0, 1.0)
    r_lo, r_hi = check_pair(lesion_radius, "lesion_radius", 1.0, size / 4)
    c_lo, c_hi = check_pair(lesion_contrast, "lesion_contrast", -2.0, 2.0)
    check_range(lesion_irregularity, "lesion_irregularity", 0.0, 0.6)
    check_range(noise, "noise", 0.0)
    check_range(bias, "bias", 0.0, 1.0)
    check_choice(modality, "modality", TISSUE_INTENSITY)
    rng = as_generator(seed)

    tissue = TISSUE_INTENSITY[modality]
    unit = _UNIT[modality]
    n = n_patients * images_per_patient
    images = np.empty((n, size, size, 1), np.float32)
    masks = np.zeros((n, size, size), np.uint8)
    body_masks = np.zeros((n, size, size), bool)
    labels = np.zeros(n, np.int64)
    patient_ids = np.repeat(np.arange(n_patients, dtype=np.int64), images_per_patient)
    lesions = []
    grid = (np.arange(size) + 0.5) / size * 2 - 1
    yy, xx = np.meshgrid(grid, grid, indexing="ij")
    px = 2.0 / size  # one pixel in normalised coordinates

    i = 0
    for _ in range(n_patients):
        # patient: body shape and position, organ layout, intensity scale
        bcx, bcy = rng.uniform(-0.05, 0.05, size=2)
        brx, bry = rng.uniform(0.74, 0.88), rng.uniform(0.56, 0.68)
        fat = rng.uniform(0.05, 0.12)
        gain = rng.uniform(0.85, 1.15) if modality == "mri" else 1.0
        organ_jitter = rng.normal(0, 0.03, size=(len(_ORGANS), 2))
        for _ in range(images_per_patient):
            scale = rng.uniform(0.85, 1.08)  # slices cut organs at different levels
            img = np.full((size, size), tissue["air"], np.float64)
            body = _ellipse(yy, xx, bcy, bcx, bry, brx)
            inner = _ellipse(yy, xx, bcy, bcx, bry - fat, brx - fat)
            img[body] = tissue["fat"]
            img[inner] = tissue["muscle"]
            for (_, kind, ox, oy, sx, sy, ang), (jx, jy) in zip(_ORGANS, organ_jitter):
                cx = bcx + (ox + jx) * brx
                cy = bcy + (oy + jy) * bry
                organ = _ellipse(yy, xx, cy, cx, sy * bry * scale, sx * brx * scale, ang) & inner
                img[organ] = tissue[kind]
            texture_amp = 0.03 * unit if modality == "mri" else 12.0
            img += texture_amp * _smooth_noise(rng, img.shape, 1.5) * body

            found = []
            if rng.uniform() < lesion_fraction:
                labels[i] = 1
                for _ in range(int(rng.integers(1, max_lesions + 1))):
                    radius = rng.uniform(r_lo, r_hi)
                    # lesion centre inside the inner body, away from its edge
                    for _ in range(100):
                        cy, cx = rng.uniform(-1, 1, size=2)
                        shrink = radius * px + 0.05
                        if _ellipse(cy, cx, bcy, bcx, bry - fat - shrink, brx - fat - shrink):
                            break
                    contrast = rng.uniform(c_lo, c_hi)
                    irr = rng.uniform(0, lesion_irregularity) if lesion_irregularity > 0 else 0.0
                    blob = _lesion_mask(yy, xx, cy, cx, radius * px, irr, rng)
                    from scipy.ndimage import gaussian_filter

                    alpha = gaussian_filter(blob.astype(np.float64), 0.7)
                    img += alpha * contrast * unit
                    masks[i] |= blob.astype(np.uint8)
                    found.append({"center": ((cy + 1) / 2 * size - 0.5, (cx + 1) / 2 * size - 0.5),
                                  "radius": float(radius), "contrast": float(contrast),
                                  "irregularity": float(irr)})
            if modality == "mri":
                if bias > 0:
                    img *= np.exp(bias * _bias_field(rng, yy, xx))
                img *= gain
                sigma = noise
                img = np.hypot(img + rng.normal(0, sigma, img.shape), rng.normal(0, sigma, img.shape))
            else:
                img += rng.normal(0, noise * 400.0, img.shape)
            images[i, :, :, 0] = img
            body_masks[i] = body
            lesions.append(found)
            i += 1
    return {"images": images, "masks": masks, "labels": labels, "patient_ids": patient_ids,
            "body_masks": body_masks, "lesions": lesions}


def split_by_patient(patient_ids, fractions=(0.6, 0.2, 0.2), *, labels=None, seed=None):
    """Split sample indices into groups so that no patient appears in two groups.

    Parameters
    ----------
    patient_ids : array-like of int, shape (N,)
        The patient each sample comes from.
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
