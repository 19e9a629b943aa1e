"""One scan, a vital-sign time series and a tabular row per patient, with an outcome that depends on all three."""

from __future__ import annotations

import numpy as np

from .._validate import as_array, as_generator, check_pair, check_range
from .phantom import make_lesion_dataset

__all__ = ["make_multimodal_dataset", "VITAL_SIGNS", "TABULAR_FIELDS"]


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
