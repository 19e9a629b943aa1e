"""Synthetic axial slices with lesions: the phantom every other generator builds on.

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

from .._validate import as_generator, check_choice, check_pair, check_range

__all__ = ["make_lesion_dataset", "TISSUE_INTENSITY"]


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

def _lesion_mask(yy, xx, cy, cx, radius, irregularity, rng, spicules=0):
    """An irregular blob: radius modulated by a few low harmonics of the polar angle; with
    ``spicules`` > 0, that many narrow spikes (each ``irregularity`` radii long) stick out of it."""
    theta = np.arctan2(yy - cy, xx - cx)
    r = np.full_like(theta, 1.0)
    for k in (2, 3, 4):
        r += rng.uniform(0, irregularity) / (k - 1) * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    if spicules:
        for phase in rng.uniform(0, 2 * np.pi, size=int(spicules)):
            gap = np.angle(np.exp(1j * (theta - phase)))  # angular distance to the spike, in [-pi, pi]
            r += irregularity * rng.uniform(0.7, 1.3) * np.exp(-0.5 * (gap / 0.12) ** 2)
    return np.hypot(yy - cy, xx - cx) <= radius * r

def make_lesion_dataset(n_patients=60, images_per_patient=4, *, size=64, lesion_fraction=0.5,
                        max_lesions=1, lesion_radius=(3.0, 8.0), lesion_contrast=(0.2, 0.45),
                        lesion_irregularity=0.2, malignant_fraction=None, malignant_irregularity=(0.3, 0.6),
                        spicules=(3, 6), noise=0.04, bias=0.25, modality="mri", seed=None):
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
        Range of lesion radii in pixels (at most ``size / 4``). A lesion too large for the body
        it is drawn in is shrunk to fit, so every lesion lies inside the body; ``lesions`` records
        the radius actually drawn.
    lesion_contrast : (float, float)
        Range of lesion contrast above the surrounding tissue, in units of the MRI intensity scale
        (0 = air, ~0.5 = liver); for CT one unit is 200 HU. The difficulty knob: lower is harder.
    lesion_irregularity : float
        Amplitude of the boundary harmonics (0 = round lesions); each lesion draws its own
        amplitude uniformly in ``[0, lesion_irregularity]``. With ``malignant_fraction``, this is
        the benign lesions' range.
    malignant_fraction : float or None
        If given, each lesion is malignant with this probability, benign otherwise: a two-class
        task read from the boundary. Benign lesions are smooth and round-ish (irregularity in
        ``[0, lesion_irregularity]``); malignant ones are lobulated (irregularity drawn from
        ``malignant_irregularity``) and spiculated (``spicules``: narrow spikes as long as the
        irregularity). Size and contrast come from the same ranges for both classes, so only the
        shape tells them apart. None (the default) draws no classes and leaves every other
        output unchanged.
    malignant_irregularity : (float, float)
        Range of the malignant lesions' boundary amplitude (within [0, 0.6]).
    spicules : (int, int)
        Range (inclusive) of the number of spikes on a malignant lesion.
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
        ``center`` (row, col), ``radius``, ``contrast`` and ``irregularity`` (and ``malignant``,
        a bool, with ``malignant_fraction``). N = n_patients * images_per_patient.
        With ``malignant_fraction``, also ``malignant`` int64 (N,): 1 if the slice has a malignant
        lesion, 0 otherwise (also for slices without lesions: check ``labels``).

    Examples
    --------
    >>> data = make_lesion_dataset(n_patients=2, images_per_patient=3, size=32, seed=0)
    >>> data["images"].shape, data["masks"].shape, data["patient_ids"].tolist()
    ((6, 32, 32, 1), (6, 32, 32), [0, 0, 0, 1, 1, 1])
    >>> two_class = make_lesion_dataset(4, 2, size=32, lesion_fraction=1.0, malignant_fraction=0.5, seed=0)
    >>> two_class["malignant"].tolist()
    [0, 1, 1, 1, 1, 1, 0, 0]
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
    if malignant_fraction is not None:
        check_range(malignant_fraction, "malignant_fraction", 0.0, 1.0)
        m_lo, m_hi = check_pair(malignant_irregularity, "malignant_irregularity", 0.0, 0.6)
        s_lo, s_hi = check_pair(spicules, "spicules", 0, 32)
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
    malignant = np.zeros(n, np.int64)
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
                    # the centre lies inside the inner body, at least one radius (+ 0.05) from its
                    # edge; a lesion too large for this body is shrunk to fit (its record says so)
                    room = min(bry, brx) - fat - 0.05 - 0.04  # leave a region of semi-axis >= 0.04
                    radius = min(radius, room / px)  # room >= 0.35, i.e. >= 5.6 px at size 32
                    shrink = radius * px + 0.05
                    ry_c, rx_c = bry - fat - shrink, brx - fat - shrink
                    rho, phi = np.sqrt(rng.uniform()), rng.uniform(0, 2 * np.pi)
                    cy, cx = bcy + ry_c * rho * np.sin(phi), bcx + rx_c * rho * np.cos(phi)
                    contrast = rng.uniform(c_lo, c_hi)
                    bad = malignant_fraction is not None and rng.uniform() < malignant_fraction
                    if bad:
                        irr = rng.uniform(m_lo, m_hi)
                        n_spikes = int(rng.integers(int(s_lo), int(s_hi) + 1))
                        malignant[i] = 1
                    else:
                        irr = rng.uniform(0, lesion_irregularity) if lesion_irregularity > 0 else 0.0
                        n_spikes = 0
                    blob = _lesion_mask(yy, xx, cy, cx, radius * px, irr, rng, n_spikes)
                    from scipy.ndimage import gaussian_filter

                    alpha = gaussian_filter(blob.astype(np.float64), 0.7)
                    img += alpha * contrast * unit
                    masks[i] |= blob.astype(np.uint8)
                    found.append({"center": ((cy + 1) / 2 * size - 0.5, (cx + 1) / 2 * size - 0.5),
                                  "radius": float(radius), "contrast": float(contrast),
                                  "irregularity": float(irr)})
                    if malignant_fraction is not None:
                        found[-1]["malignant"] = bool(bad)
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
    out = {"images": images, "masks": masks, "labels": labels, "patient_ids": patient_ids,
           "body_masks": body_masks, "lesions": lesions}
    if malignant_fraction is not None:
        out["malignant"] = malignant
    return out
