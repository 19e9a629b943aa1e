"""Low-dose CT: quantum noise of a reduced dose, and paired clean / low-dose slices in Hounsfield units."""

from __future__ import annotations

import numpy as np

from .._validate import as_array, as_batch, as_generator, check_choice, check_pair, check_range
from .phantom import make_lesion_dataset

__all__ = ["simulate_low_dose", "make_lowdose_pairs", "make_hu_patches", "HU_STRUCTURES"]


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
    x = as_array(images, "images").astype(np.float64)
    as_batch(x, "images", 2, channel=True)  # (H, W), (N, H, W) or (N, H, W, 1); (H, W, 1) is refused
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


#: The structures of ``make_hu_patches``, in label order, with the HU range each is drawn from
#: (per patch). Typical values of contrast-enhanced abdominal and chest CT at 120 kVp: lung
#: parenchyma about -900 to -750 HU, fat -120 to -80, soft tissue and parenchymal organs 30 to
#: 110 (unenhanced liver about 55, portal-venous liver about 100), iodine-enhanced vessels 150 to
#: 350, trabecular (medullary) bone 150 to 350 inside a cortex of 700 to 1400 HU.
HU_STRUCTURES = {
    "lung": (-900.0, -750.0),
    "fat": (-120.0, -80.0),
    "soft tissue": (30.0, 110.0),
    "contrast vessel": (150.0, 350.0),
    "bone": (150.0, 350.0),  # the medullary bone at the centre; the cortex around it is 700-1400 HU
}


def _half_plane(yy, xx, rng, distance):
    """A region beyond a gently curved edge at ``distance`` pixels from the centre (the centre stays outside)."""
    theta = rng.uniform(0, 2 * np.pi)
    along = xx * np.cos(theta) + yy * np.sin(theta)
    across = -xx * np.sin(theta) + yy * np.cos(theta)
    return along > distance + rng.uniform(-0.04, 0.04) * across**2


def _disc_away(yy, xx, rng, radius, keep_out, size):
    """A disc of ``radius`` whose edge stays at least ``keep_out`` pixels from the centre."""
    lo = radius + keep_out
    r0 = rng.uniform(lo, max(size / 2, lo + 1.0))  # past the patch's edge in small patches
    a = rng.uniform(0, 2 * np.pi)
    return (yy - r0 * np.sin(a)) ** 2 + (xx - r0 * np.cos(a)) ** 2 <= radius**2


def _hu(rng, structure):
    return rng.uniform(*HU_STRUCTURES[structure])


def _paint_patch(label, size, rng):
    """One noise-free patch in HU whose centre pixel belongs to structure ``label`` (an index into HU_STRUCTURES)."""
    c = (size - 1) / 2
    yy, xx = np.mgrid[:size, :size].astype(np.float64) - c
    name = list(HU_STRUCTURES)[label]
    if name in ("contrast vessel", "bone"):
        background = "fat" if rng.random() < 0.5 else "soft tissue"
    else:
        background = name
    img = np.full((size, size), _hu(rng, background))
    # a neighbouring tissue beyond an edge that leaves the centre alone (fascia, organ surface, chest wall)
    if name == "lung":
        if rng.random() < 0.5:
            img[_half_plane(yy, xx, rng, rng.uniform(4, 12))] = _hu(rng, "soft tissue")
        for _ in range(rng.poisson(3)):  # small vessels of the lung, blurred by partial volume
            r = rng.uniform(0.6, 1.6)
            img[_disc_away(yy, xx, rng, r, 1.5, size)] = rng.uniform(-100, 60)
    elif name in ("fat", "soft tissue"):
        if rng.random() < 0.6:
            other = "soft tissue" if name == "fat" else "fat"
            img[_half_plane(yy, xx, rng, rng.uniform(3, 12))] = _hu(rng, other)
        if rng.random() < 0.4:
            img[_disc_away(yy, xx, rng, rng.uniform(1.0, 2.5), 2.5, size)] = _hu(rng, "contrast vessel")
    elif name == "contrast vessel":
        if rng.random() < 0.4:
            other = "soft tissue" if background == "fat" else "fat"
            img[_half_plane(yy, xx, rng, rng.uniform(8, 14))] = _hu(rng, other)
        r = rng.uniform(2.0, 6.0)
        off = rng.uniform(0, max(r - 1.5, 0.0))
        a = rng.uniform(0, 2 * np.pi)
        img[(yy - off * np.sin(a)) ** 2 + (xx - off * np.cos(a)) ** 2 <= r**2] = _hu(rng, "contrast vessel")
        if rng.random() < 0.3:
            img[_disc_away(yy, xx, rng, rng.uniform(1.0, 3.0), r + 2, size)] = _hu(rng, "contrast vessel")
    else:  # bone: an ellipse of medullary bone inside a cortex; the centre lies in the medulla
        semi = rng.uniform(5.0, 13.0, 2)
        thick = rng.uniform(1.2, 3.0)
        inner = semi - thick
        angle = rng.uniform(0, np.pi)
        # place the ellipse so that the centre pixel is inside the medulla, at most 70 % of the way to its edge
        t, rho = rng.uniform(0, 2 * np.pi), rng.uniform(0, 0.7)
        oy, ox = rho * inner[0] * np.sin(t), rho * inner[1] * np.cos(t)
        cos, sin = np.cos(angle), np.sin(angle)
        u = (xx + ox) * cos + (yy + oy) * sin
        v = -(xx + ox) * sin + (yy + oy) * cos
        outer_in = (u / semi[1]) ** 2 + (v / semi[0]) ** 2 <= 1
        inner_in = (u / inner[1]) ** 2 + (v / inner[0]) ** 2 <= 1
        img[outer_in] = rng.uniform(700, 1400)
        img[inner_in] = _hu(rng, "bone")
    return img


def make_hu_patches(n_patients=100, patches_per_patient=10, *, size=32, noise=(10.0, 30.0), calibration_sd=10.0,
                    blur=0.7, seed=None):
    """CT patches in Hounsfield units, each labelled by the structure under its centre pixel.

    Five structures (``HU_STRUCTURES``, label order): lung, fat, soft tissue, a contrast-enhanced
    vessel, bone. Each patch is a small scene: the centre structure, often with a neighbour
    beyond an edge that leaves the centre alone (a fascia, an organ surface, the chest wall),
    small vessels, and for a vessel or bone the tissue around it. Its HU values are drawn per
    patch from the structure's typical range. Then partial volume (a Gaussian blur of ``blur``
    pixels) and CT noise (``simulate_low_dose`` at full dose, FBP-like texture, a standard
    deviation drawn per patient from ``noise``: body size and dose differ).

    Each patient also gets a **calibration offset** drawn from N(0, ``calibration_sd``) HU and
    added to all of its patches: scanners, reconstruction kernels and beam hardening shift HU by
    several units (the ACR CT accreditation accepts water within 0 ± 7 HU). The offset is small
    next to the gaps between structures (fat and soft tissue lie more than 100 HU apart), so
    absolute HU stay informative; a per-image z-score throws that information away whatever the
    offset, which is what makes windowing (a fixed map from HU to intensity) matter.

    Simplifications, on purpose: one 2D patch per location (a real structure is a 3D object and
    a radiologist scrolls through slices); no beam-hardening streaks, metal, or tube-voltage
    dependence of iodine and calcium (at 80 kVp both read far higher than at 120 kVp).

    Parameters
    ----------
    n_patients, patches_per_patient : int
        Patches come from patients; the classes are balanced within each patient.
    size : int
        Patch side in pixels (>= 16).
    noise : (float, float)
        Range of the per-patient noise standard deviation in HU.
    calibration_sd : float
        Standard deviation of the per-patient HU offset (0: perfectly calibrated scanners).
    blur : float
        Gaussian sigma in pixels for partial volume (0: none).
    seed : int, numpy.random.Generator or None

    Returns
    -------
    dict
        ``images``: float32 (N, size, size, 1) in HU; ``labels``: int (N,), indices into
        ``class_names``; ``class_names``: tuple of str; ``patient_ids``: int (N,);
        ``calibration``: float (N,), the offset added to each patch (HU).

    Examples
    --------
    >>> d = make_hu_patches(4, 5, size=24, seed=0)
    >>> d["images"].shape, d["class_names"][d["labels"][0]] in HU_STRUCTURES
    ((20, 24, 24, 1), True)
    >>> sorted(np.bincount(d["labels"]).tolist())
    [4, 4, 4, 4, 4]
    """
    from scipy.ndimage import gaussian_filter

    for value, name in ((n_patients, "n_patients"), (patches_per_patient, "patches_per_patient"), (size, "size")):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
            raise TypeError(f"{name}: expected an int, got {type(value).__name__} {value!r}")
    check_range(n_patients, "n_patients", 1)
    check_range(patches_per_patient, "patches_per_patient", 1)
    check_range(size, "size", 16)
    lo, hi = check_pair(noise, "noise", 0.0)
    check_range(calibration_sd, "calibration_sd", 0.0)
    check_range(blur, "blur", 0.0)
    rng = as_generator(seed)
    n_classes = len(HU_STRUCTURES)
    images, labels, pids, offsets, sds = [], [], [], [], []
    for p in range(n_patients):
        offset = rng.normal(0.0, calibration_sd) if calibration_sd > 0 else 0.0
        sd = rng.uniform(lo, hi)
        start = rng.integers(n_classes)
        for k in range(patches_per_patient):
            label = int((start + k) % n_classes)
            img = _paint_patch(label, size, rng)
            if blur > 0:
                img = gaussian_filter(img, blur, mode="nearest")
            images.append(img + offset)
            labels.append(label)
            pids.append(p)
            offsets.append(offset)
            sds.append(sd)
    x = np.stack(images)
    unit = simulate_low_dose(np.zeros_like(x), 1.0, full_dose_noise=1.0, seed=rng)
    x = x + unit * np.asarray(sds)[:, None, None]
    order = rng.permutation(len(x))
    return {"images": x[order, ..., None].astype(np.float32), "labels": np.asarray(labels)[order],
            "class_names": tuple(HU_STRUCTURES), "patient_ids": np.asarray(pids)[order],
            "calibration": np.asarray(offsets)[order]}
