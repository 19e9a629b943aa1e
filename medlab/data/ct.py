"""Low-dose CT: quantum noise of a reduced dose, and paired clean / low-dose slices in Hounsfield units."""

from __future__ import annotations

import numpy as np

from .._validate import as_array, as_batch, as_generator, check_choice, check_range
from .phantom import make_lesion_dataset

__all__ = ["simulate_low_dose", "make_lowdose_pairs"]


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
