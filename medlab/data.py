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
        Range of lesion radii in pixels (at most ``size / 4``). A lesion too large for the body
        it is drawn in is shrunk to fit, so every lesion lies inside the body; ``lesions`` records
        the radius actually drawn.
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
                    # the centre lies inside the inner body, at least one radius (+ 0.05) from its
                    # edge; a lesion too large for this body is shrunk to fit (its record says so)
                    room = min(bry, brx) - fat - 0.05 - 0.04  # leave a region of semi-axis >= 0.04
                    radius = min(radius, room / px)  # room >= 0.35, i.e. >= 5.6 px at size 32
                    shrink = radius * px + 0.05
                    ry_c, rx_c = bry - fat - shrink, brx - fat - shrink
                    rho, phi = np.sqrt(rng.uniform()), rng.uniform(0, 2 * np.pi)
                    cy, cx = bcy + ry_c * rho * np.sin(phi), bcx + rx_c * rho * np.cos(phi)
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


# ---------------------------------------------------------------------------------------------
# Low-dose CT: paired clean / low-dose slices (notebook 04)


def _ct_noise_filter(height, width):
    """Amplitude filter whose square is an FBP-like noise power spectrum, ``|f| * hann(f)``,
    normalised so that filtered unit white noise keeps unit variance."""
    fy = np.fft.fftfreq(height)[:, None] * 2.0  # in units of the Nyquist frequency
    fx = np.fft.fftfreq(width)[None, :] * 2.0
    f = np.hypot(fy, fx)
    nps = f * np.where(f < 1.0, 0.5 + 0.5 * np.cos(np.pi * f), 0.0)
    return np.sqrt(nps / nps.mean())


def simulate_low_dose(images, dose=0.25, *, full_dose_noise=20.0, texture="ct", seed=None):
    """Add the quantum noise of a reduced-dose CT scan to images in Hounsfield units.

    The model: the detector counts photons, a Poisson process whose mean is proportional to the
    tube current (the dose). After the log transform and filtered back-projection (FBP), the
    noise in the image is close to Gaussian with zero mean and a variance proportional to
    ``1 / dose`` (half the dose, twice the variance), so its standard deviation is
    ``full_dose_noise / sqrt(dose)`` HU. FBP's ramp filter colours the noise: its noise power
    spectrum (NPS) grows like ``|f|`` and is rolled off at high frequencies by the
    reconstruction kernel (a Hann window here), which gives CT its fine-grained texture.
    ``texture="white"`` switches the colouring off.

    Simplifications, on purpose: the noise is stationary (in a real scan it is higher behind
    thick or dense anatomy and streaky near bone), and there is no electronic noise (at very
    low doses it adds a floor, so the variance grows faster than ``1 / dose``). The exact
    alternative is to add Poisson noise to simulated projections and reconstruct (e.g.
    ``skimage.transform.radon`` / ``iradon``), about 100 times slower.

    Parameters
    ----------
    images : array-like, shape (H, W), (N, H, W) or (N, H, W, 1)
        Noise-free (or full-dose) images in HU.
    dose : float in (0, 1]
        Fraction of the full dose (0.25: a quarter-dose scan).
    full_dose_noise : float
        Noise standard deviation in HU at ``dose=1``.
    texture : {"ct", "white"}
        ``"ct"``: FBP-like correlated noise; ``"white"``: independent pixels.
    seed : int, numpy.random.Generator or None

    Returns
    -------
    numpy.ndarray of float32, same shape
        The low-dose images.

    Examples
    --------
    >>> noisy = simulate_low_dose(np.zeros((200, 32, 32)), dose=0.25, full_dose_noise=10.0, seed=0)
    >>> round(float(noisy.std()), 1)   # 10 / sqrt(0.25) = 20 HU
    20.0
    """
    x = as_array(images, "images", ndim=(2, 3, 4)).astype(np.float64)
    if x.ndim == 4 and x.shape[-1] != 1:
        raise ValueError(f"images: expected one channel (N, H, W, 1), got shape {x.shape}")
    check_range(dose, "dose", 0.0, 1.0, lo_open=True)
    check_range(full_dose_noise, "full_dose_noise", 0.0)
    check_choice(texture, "texture", ("ct", "white"))
    rng = as_generator(seed)
    planes = x[..., 0] if x.ndim == 4 else x
    noise = rng.standard_normal(planes.shape)
    if texture == "ct":
        filt = _ct_noise_filter(*planes.shape[-2:])
        noise = np.real(np.fft.ifft2(np.fft.fft2(noise, axes=(-2, -1)) * filt, axes=(-2, -1)))
    noise *= full_dose_noise / np.sqrt(dose)
    if x.ndim == 4:
        noise = noise[..., None]
    return (x + noise).astype(np.float32)


def make_lowdose_pairs(n_patients=60, images_per_patient=4, *, size=64, dose=0.25, full_dose_noise=20.0,
                       texture="ct", lesion_fraction=0.5, lesion_radius=(2.0, 6.0),
                       lesion_contrast=(0.1, 0.4), seed=None):
    """Paired noise-free and low-dose CT slices (in HU) for training and testing denoisers.

    The clean slices are ``make_lesion_dataset(modality="ct", noise=0)``: body, organs with
    soft-tissue contrasts of 10-25 HU, texture and lesions; the low-dose slices add
    ``simulate_low_dose`` noise to them. The clean slice is the reference a simulation study
    can afford; with real scans the reference is the full-dose scan, which has noise of its own.

    Calling it again with the same ``seed`` and ``lesion_contrast=(0, 0)`` returns the same
    anatomy, the same lesion masks and the same noise, without the lesions: a counterfactual
    twin to test what a denoiser removes or invents.

    Parameters
    ----------
    n_patients, images_per_patient, size
        As in ``make_lesion_dataset``.
    dose, full_dose_noise, texture
        As in ``simulate_low_dose``.
    lesion_fraction, lesion_radius
        As in ``make_lesion_dataset``.
    lesion_contrast : (float, float)
        Lesion contrast in units of 200 HU (0.1-0.4: 20-80 HU above the surrounding tissue).
    seed : int, numpy.random.Generator or None

    Returns
    -------
    dict
        ``images``: float32 (N, size, size, 1), the low-dose slices in HU (the denoiser's
        input); ``clean``: float32, same shape, the noise-free slices in HU (the reference);
        ``noise_std``: the noise standard deviation in HU; and ``masks``, ``labels``,
        ``patient_ids``, ``body_masks``, ``lesions`` as in ``make_lesion_dataset``.

    Examples
    --------
    >>> pairs = make_lowdose_pairs(2, 2, size=32, dose=0.25, full_dose_noise=10.0, seed=0)
    >>> pairs["images"].shape, pairs["clean"].shape, pairs["noise_std"]
    ((4, 32, 32, 1), (4, 32, 32, 1), 20.0)
    """
    check_range(dose, "dose", 0.0, 1.0, lo_open=True)
    check_range(full_dose_noise, "full_dose_noise", 0.0)
    check_choice(texture, "texture", ("ct", "white"))
    rng = as_generator(seed)
    phantom_seed = int(rng.integers(2**63 - 1))
    clean = make_lesion_dataset(n_patients, images_per_patient, size=size, lesion_fraction=lesion_fraction,
                                lesion_radius=lesion_radius, lesion_contrast=lesion_contrast, noise=0.0,
                                modality="ct", seed=phantom_seed)
    out = dict(clean)
    out["clean"] = clean["images"]
    out["images"] = simulate_low_dose(clean["images"], dose, full_dose_noise=full_dose_noise, texture=texture,
                                      seed=rng)
    out["noise_std"] = float(full_dose_noise / np.sqrt(dose))
    return out


__all__ += ["simulate_low_dose", "make_lowdose_pairs"]


#: Channels of ``make_multimodal_dataset``'s hourly vital signs, and its tabular fields.
VITAL_SIGNS = ("heart rate (bpm)", "mean arterial pressure (mmHg)", "respiratory rate (/min)")
TABULAR_FIELDS = ("age (years)", "sex (1 = male)", "creatinine (mg/dL)", "BMI (kg/m²)")


def make_multimodal_dataset(n_patients=200, *, size=64, n_hours=48, weights=(2.0, 2.0, 2.0),
                            intercept=-0.3, lesion_fraction=0.5, lesion_radius=None,
                            lesion_contrast=(0.3, 0.6), seed=None):
    """One scan, 48 hours of vital signs and a few tabular fields per patient, and an outcome that
    depends on all three.

    The generative model, per patient:

    * **image**: one slice from :func:`make_lesion_dataset`; with probability ``lesion_fraction`` it
      holds a lesion of radius ``r``. The image factor is the lesion burden
      ``b = 0`` without a lesion and ``b = 0.6 + 0.8 u`` with one, ``u = (r - r_min) / (r_max - r_min)``
      (bigger lesions, higher risk), standardized with its known mean and standard deviation.
    * **time series**: ``n_hours`` hourly samples of heart rate, mean arterial pressure and
      respiratory rate: a patient baseline (heart rate ~ N(80, 10)...), a 24-hour circadian wave
      with a random phase, AR(1) physiological noise and measurement noise, and a deterioration
      ramp that starts at a random hour in the first 60 % of the stay and grows linearly to the end:
      heart rate ``+10 d`` bpm, pressure ``-7 d`` mmHg, respiratory rate ``+3 d`` /min, with the
      series factor ``d ~ N(0, 1)`` (negative ``d``: a patient who improves). The baseline spread
      is as large as the ramp, so the level says little: the *trend* carries the signal.
    * **tabular**: age ~ N(62, 14) clipped to [18, 95], sex ~ Bernoulli(0.5), creatinine
      ~ LogNormal(0, 0.35) mg/dL, BMI ~ N(27, 5). The tabular factor is
      ``t = 0.6 (age - 62) / 14 + 0.8 log(creatinine) / 0.35`` (standard deviation ~1); sex and BMI
      carry no signal (distractors).
    * **outcome**: ``logit = intercept + w_image * b_std + w_series * d + w_tabular * t`` and
      ``label ~ Bernoulli(sigmoid(logit))``. With equal weights each modality holds a third of the
      signal, so no single modality can predict the outcome well and a model that combines them
      can; ``factors`` returns the three latent factors for analysis.

    Parameters
    ----------
    n_patients : int
        One scan, one series and one table row per patient.
    size : int
        Image height and width (>= 32).
    n_hours : int
        Length of the vital-sign series (>= 12).
    weights : (float, float, float)
        Logit weights of the image, series and tabular factors (each factor has unit variance);
        set one to 0 to make that modality uninformative.
    intercept : float
        Logit intercept; -0.3 gives about 45 % positive outcomes with the default weights. With
        weights of 2, each modality alone can reach a test AUC of about 0.74 at best (using its
        true factor) and all three together about 0.93.
    lesion_fraction : float
        Probability that a patient's scan shows a lesion.
    lesion_radius : (float, float), optional
        Lesion radius range in pixels; default ``(size / 20, size / 8)``.
    lesion_contrast : (float, float)
        Passed to :func:`make_lesion_dataset`.
    seed : int, numpy.random.Generator or None

    Returns
    -------
    dict
        ``images`` float32 (N, size, size, 1), ``masks`` uint8 (N, size, size),
        ``lesion`` int64 (N,) 1 if the scan shows a lesion, ``series`` float32 (N, n_hours, 3)
        in physical units, ``tabular`` float32 (N, 4) in physical units, ``labels`` int64 (N,)
        the outcome, ``patient_ids`` int64 (N,), ``factors`` float64 (N, 3) the image, series
        and tabular factors, ``onset`` float64 (N,) the hour the deterioration ramp starts,
        ``series_names`` and ``tabular_names`` (tuples), ``factor_names`` (tuple).
        N = n_patients.

    Examples
    --------
    >>> d = make_multimodal_dataset(4, size=32, n_hours=24, seed=0)
    >>> d["images"].shape, d["series"].shape, d["tabular"].shape, d["labels"].shape
    ((4, 32, 32, 1), (4, 24, 3), (4, 4), (4,))
    """
    for name, value, lo in (("n_patients", n_patients, 1), ("size", size, 32), ("n_hours", n_hours, 12)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
            raise TypeError(f"{name}: expected an int, got {type(value).__name__}")
        check_range(value, name, lo)
    w = as_array(weights, "weights", ndim=1).astype(float)
    if w.shape != (3,):
        raise ValueError(f"weights: expected 3 numbers (image, series, tabular), got shape {w.shape}")
    check_range(intercept, "intercept")
    check_range(lesion_fraction, "lesion_fraction", 0.0, 1.0, lo_open=True, hi_open=True)
    if lesion_radius is None:
        lesion_radius = (size / 20, size / 8)
    r_lo, r_hi = check_pair(lesion_radius, "lesion_radius", 1.0, size / 4)
    rng = as_generator(seed)

    scans = make_lesion_dataset(n_patients, 1, size=size, lesion_fraction=lesion_fraction,
                                lesion_radius=(r_lo, r_hi), lesion_contrast=lesion_contrast, seed=rng)
    lesion = scans["labels"]
    radius = np.array([found[0]["radius"] if found else np.nan for found in scans["lesions"]])
    u = np.clip((radius - r_lo) / max(r_hi - r_lo, 1e-9), 0.0, 1.0)
    burden = np.where(lesion == 1, 0.6 + 0.8 * np.nan_to_num(u), 0.0)
    f = lesion_fraction  # E[b] = f, E[b^2] = f (1 + 0.64 / 12)
    image_factor = (burden - f) / np.sqrt(f * (1 + 0.64 / 12) - f * f)

    # vital signs: baseline + circadian wave + deterioration ramp + AR(1) noise + measurement noise
    hours = np.arange(n_hours, dtype=float)
    baseline_mean, baseline_sd = np.array([80.0, 85.0, 16.0]), np.array([10.0, 9.0, 2.5])
    circadian = np.array([4.0, 3.0, 0.8])
    ramp_gain = np.array([10.0, -7.0, 3.0])
    ar_sd, meas_sd, rho = np.array([4.0, 4.0, 1.2]), np.array([2.0, 2.0, 0.8]), 0.7
    d = rng.standard_normal(n_patients)
    onset = rng.uniform(0.0, 0.6 * n_hours, n_patients)
    phase = rng.uniform(0.0, 24.0, n_patients)
    base = baseline_mean + baseline_sd * rng.standard_normal((n_patients, 3))
    ramp = np.clip((hours[None, :] - onset[:, None]) / (n_hours - onset[:, None]), 0.0, 1.0)
    wave = np.sin(2 * np.pi * (hours[None, :] + phase[:, None]) / 24.0)
    innov = rng.standard_normal((n_patients, n_hours, 3)) * ar_sd * np.sqrt(1 - rho**2)
    ar = np.empty_like(innov)
    ar[:, 0] = rng.standard_normal((n_patients, 3)) * ar_sd
    for t in range(1, n_hours):
        ar[:, t] = rho * ar[:, t - 1] + innov[:, t]
    series = (base[:, None, :] + circadian * wave[..., None] + ramp_gain * (d[:, None] * ramp)[..., None]
              + ar + meas_sd * rng.standard_normal((n_patients, n_hours, 3)))

    age = np.clip(rng.normal(62.0, 14.0, n_patients), 18.0, 95.0)
    sex = (rng.uniform(size=n_patients) < 0.5).astype(float)
    creatinine = np.exp(rng.normal(0.0, 0.35, n_patients))
    bmi = np.clip(rng.normal(27.0, 5.0, n_patients), 15.0, 50.0)
    tabular_factor = 0.6 * (age - 62.0) / 14.0 + 0.8 * np.log(creatinine) / 0.35

    factors = np.stack([image_factor, d, tabular_factor], axis=1)
    logit = intercept + factors @ w
    labels = (rng.uniform(size=n_patients) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    return {"images": scans["images"], "masks": scans["masks"], "lesion": lesion,
            "series": series.astype(np.float32),
            "tabular": np.stack([age, sex, creatinine, bmi], axis=1).astype(np.float32),
            "labels": labels, "patient_ids": np.arange(n_patients, dtype=np.int64),
            "factors": factors, "onset": onset, "series_names": VITAL_SIGNS,
            "tabular_names": TABULAR_FIELDS, "factor_names": ("image", "series", "tabular")}

__all__ += ["make_multimodal_dataset", "VITAL_SIGNS", "TABULAR_FIELDS"]
