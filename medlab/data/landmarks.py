"""Synthetic axial slices of a vertebra with anatomical landmarks, and Gaussian heatmap targets.

The generator draws a cropped, MRI-like axial slice through a small (lower cervical or upper
thoracic) vertebra: the vertebral body with a dark cortical rim, the spinal canal, the posterior
arch, the spinous process and the two transverse processes, in muscle, with the aorta in front
and subcutaneous fat behind. The landmarks are the three tips of the processes, where a
radiologist would put them: the tip of the spinous process and of the left and right transverse
processes. Everything is built in millimetres: every patient has their own bone sizes and
process angles, every scan its own position, rotation and **pixel spacing** (anisotropic: rows and
columns are drawn separately), so the same anatomy covers a different number of pixels in
different scans, and errors must be converted to millimetres per axis.

Everything is NumPy and deterministic from ``seed``.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_array, as_generator, check_pair, check_range

__all__ = ["make_landmark_dataset", "gaussian_heatmaps", "LANDMARK_NAMES"]

#: The landmarks, in the order of ``make_landmark_dataset(...)["landmarks"][:, k]``. "Left" is the
#: patient's left, shown on the image's right (radiological convention).
LANDMARK_NAMES = ("spinous process tip", "left transverse process tip", "right transverse process tip")

_INTENSITY = {"muscle": 0.40, "paraspinal": 0.46, "fat": 0.85, "marrow": 0.68, "cortex": 0.18,
              "csf": 0.12, "cord": 0.36, "aorta": 0.08}


def _capsule_taper(x, y, x0, y0, x1, y1, r0, r1):
    """Inside a tapered bar from (x0, y0) with radius r0 to (x1, y1) with radius r1 (rounded ends)."""
    dx, dy = x1 - x0, y1 - y0
    length2 = dx * dx + dy * dy
    t = np.clip(((x - x0) * dx + (y - y0) * dy) / length2, 0.0, 1.0)
    dist = np.hypot(x - (x0 + t * dx), y - (y0 + t * dy))
    return dist <= r0 + t * (r1 - r0)


def _ellipse(x, y, cx, cy, ax, ay):
    return ((x - cx) / ax) ** 2 + ((y - cy) / ay) ** 2 <= 1.0


def _patient_anatomy(rng):
    """Bone sizes and process angles of one patient, in mm and radians (anatomical frame: x to the
    patient's left, y posterior, origin at the back of the vertebral body)."""
    a = {
        "body": (rng.uniform(10.5, 13.0), rng.uniform(7.5, 9.5)),  # semi-axes
        "canal": rng.uniform(4.2, 5.4),
        "arch": rng.uniform(2.0, 2.8),
        "spinous_len": rng.uniform(10.0, 13.0),
        "spinous_angle": rng.normal(0.0, 0.08),
        "tp_len": rng.uniform(9.0, 12.0, size=2),
        "tp_tilt": rng.uniform(0.15, 0.45, size=2),  # posterior tilt of each transverse process
        "tip_radius": rng.uniform(1.0, 1.5),
        "aorta": (rng.uniform(-9.0, -5.0), rng.uniform(4.0, 5.5)),  # x, radius
    }
    return a


def _landmarks_mm(a, level):
    """The three tips in the anatomical frame (x, y), for one slice ``level`` (a scale near 1)."""
    canal_y = a["canal"] + 0.5
    base_s = np.array([0.0, canal_y + a["canal"] + a["arch"]])
    ds = np.array([np.sin(a["spinous_angle"]), np.cos(a["spinous_angle"])])
    tips = [base_s + ds * (a["spinous_len"] * level + a["tip_radius"])]
    bases = []
    for side, sign in ((0, 1.0), (1, -1.0)):  # left (x > 0), right (x < 0)
        base = np.array([sign * (a["canal"] + 0.6 * a["arch"]), canal_y - 0.3 * a["canal"]])
        d = np.array([sign * np.cos(a["tp_tilt"][side]), np.sin(a["tp_tilt"][side])])
        tips.append(base + d * (a["tp_len"][side] * level + a["tip_radius"]))
        bases.append((base, d))
    return np.array(tips), base_s, ds, bases, canal_y


def _render(a, level, x, y):
    """Intensity image (MRI-like units) of the anatomy at anatomical coordinates ``x``, ``y`` (mm)."""
    tips, base_s, ds, bases, canal_y = _landmarks_mm(a, level)
    img = np.full(x.shape, _INTENSITY["muscle"])
    img[y > 18.0 + 0.02 * x ** 2] = _INTENSITY["fat"]  # subcutaneous fat behind the muscles
    paraspinal = _ellipse(x, y, 7.5, 15.0, 6.5, 9.0) | _ellipse(x, y, -7.5, 15.0, 6.5, 9.0)
    img[paraspinal] = _INTENSITY["paraspinal"]
    ax_, r_ = a["aorta"]
    by = -a["body"][1]
    img[_ellipse(x, y, ax_, 2 * by - r_ - 1.0, r_, r_)] = _INTENSITY["aorta"]
    r = a["tip_radius"]
    bone = _ellipse(x, y, 0.0, by, *a["body"])
    bone |= _ellipse(x, y, 0.0, canal_y, a["canal"] + a["arch"], a["canal"] + a["arch"])
    end_s = base_s + ds * a["spinous_len"] * level
    bone |= _capsule_taper(x, y, *base_s, *end_s, 0.9 * a["arch"] + 0.6, r)
    for (base, d), length in zip(bases, a["tp_len"]):
        end = base + d * length * level
        bone |= _capsule_taper(x, y, *base, *end, 0.9 * a["arch"] + 0.5, r)
    img[bone] = _INTENSITY["cortex"]
    marrow = _ellipse(x, y, 0.0, by, a["body"][0] - 1.2, a["body"][1] - 1.2)
    img[marrow] = _INTENSITY["marrow"]
    canal = _ellipse(x, y, 0.0, canal_y, a["canal"], a["canal"])
    img[canal] = _INTENSITY["csf"]
    img[_ellipse(x, y, 0.0, canal_y, 0.55 * a["canal"], 0.45 * a["canal"])] = _INTENSITY["cord"]
    return img, tips


def make_landmark_dataset(n_patients=60, images_per_patient=3, *, size=64, spacing=(0.9, 1.25), rotation=12.0,
                          shift=3.0, noise=0.05, bias=0.2, seed=None):
    """Generate synthetic vertebra slices with three landmarks, pixel spacings and patient ids.

    Parameters
    ----------
    n_patients : int
        Number of patients; each has their own bone sizes and process angles.
    images_per_patient : int
        Scans per patient; each has its own position, rotation, slice level and pixel spacing.
    size : int
        Image height and width in pixels (>= 48).
    spacing : (float, float)
        Range of the pixel spacing in mm, drawn separately for rows and columns (anisotropic).
        The field of view is ``size * spacing``; at size 64 the spacing must stay within
        [0.85, 1.6] mm so that the whole vertebra is in view.
    rotation : float
        Maximum in-plane rotation of a scan, in degrees (patient positioning).
    shift : float
        Maximum translation of a scan along each axis, in mm.
    noise : float
        Rician noise level (MRI-like intensity units: muscle ~0.4, fat ~0.85).
    bias : float
        Strength of the smooth multiplicative bias field (0 switches it off).
    seed : int, numpy.random.Generator or None
        The same seed gives the same data.

    Returns
    -------
    dict
        ``images`` float32 (N, size, size, 1); ``landmarks`` float64 (N, 3, 2): (row, col) of each
        landmark in pixels, pixel centres at integers (so ``image[round(row), round(col)]`` is the
        pixel under it), in the order of :data:`LANDMARK_NAMES`; ``spacing`` float64 (N, 2): (row,
        col) pixel spacing in mm; ``patient_ids`` int64 (N,); ``landmark_names``: the tuple
        :data:`LANDMARK_NAMES`. N = n_patients * images_per_patient.

    Examples
    --------
    >>> d = make_landmark_dataset(n_patients=2, images_per_patient=2, seed=0)
    >>> d["images"].shape, d["landmarks"].shape, d["spacing"].shape, d["patient_ids"].tolist()
    ((4, 64, 64, 1), (4, 3, 2), (4, 2), [0, 0, 1, 1])
    >>> bool(((d["landmarks"] >= 0) & (d["landmarks"] <= 63)).all())
    True
    """
    for name, value, lo in (("n_patients", n_patients, 1), ("images_per_patient", images_per_patient, 1),
                            ("size", size, 48)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
            raise TypeError(f"{name}: expected an int, got {type(value).__name__}")
        check_range(value, name, lo)
    s_lo, s_hi = check_pair(spacing, "spacing", 0.1, 10.0)
    if size * s_lo < 54.0:
        raise ValueError(f"spacing: the field of view size * spacing must be at least 54 mm to hold the "
                         f"vertebra; got {size} px * {s_lo:g} mm = {size * s_lo:g} mm")
    if size * s_hi > 102.4:
        raise ValueError(f"spacing: the field of view size * spacing must be at most 102.4 mm (the vertebra "
                         f"would cover a few pixels); got {size} px * {s_hi:g} mm = {size * s_hi:g} mm")
    check_range(rotation, "rotation", 0.0, 45.0)
    check_range(shift, "shift", 0.0, 5.0)
    check_range(noise, "noise", 0.0)
    check_range(bias, "bias", 0.0, 1.0)
    rng = as_generator(seed)
    from scipy.ndimage import gaussian_filter

    n = n_patients * images_per_patient
    images = np.empty((n, size, size, 1), np.float32)
    landmarks = np.empty((n, len(LANDMARK_NAMES), 2))
    spacings = np.empty((n, 2))
    patient_ids = np.repeat(np.arange(n_patients, dtype=np.int64), images_per_patient)
    idx = np.arange(size, dtype=float)
    centre = (size - 1) / 2
    unit = np.linspace(-1, 1, size)
    uy, ux = np.meshgrid(unit, unit, indexing="ij")
    terms = np.stack([ux, uy, ux * uy, ux ** 2 - 0.5, uy ** 2 - 0.5])  # smooth bias field basis
    i = 0
    for _ in range(n_patients):
        anatomy = _patient_anatomy(rng)
        gain = rng.uniform(0.85, 1.15)
        for _ in range(images_per_patient):
            sr, sc = rng.uniform(s_lo, s_hi, size=2)
            theta = np.deg2rad(rng.uniform(-rotation, rotation))
            # scan position: anatomical (x, y) -> image (x = col, y = row) in mm, centred on the vertebra
            tx, ty = rng.uniform(-shift, shift, size=2) - np.array([0.0, 5.5])
            level = rng.uniform(0.92, 1.06)
            ys, xs = np.meshgrid((idx - centre) * sr, (idx - centre) * sc, indexing="ij")
            c, s = np.cos(theta), np.sin(theta)
            img, tips = _render(anatomy, level, c * (xs - tx) + s * (ys - ty), -s * (xs - tx) + c * (ys - ty))
            img = gaussian_filter(img, 0.5)  # partial-volume edges
            landmarks[i, :, 0] = (s * tips[:, 0] + c * tips[:, 1] + ty) / sr + centre
            landmarks[i, :, 1] = (c * tips[:, 0] - s * tips[:, 1] + tx) / sc + centre
            spacings[i] = sr, sc
            texture = gaussian_filter(rng.standard_normal((size, size)), 1.2)
            img = img + 0.025 * texture / (texture.std() + 1e-12)
            if bias > 0:
                field = np.tensordot(rng.normal(size=5), terms, axes=1)
                img = img * np.exp(bias * field / (np.abs(field).max() + 1e-12))
            img = img * gain
            img = np.hypot(img + rng.normal(0, noise, img.shape), rng.normal(0, noise, img.shape))
            images[i, :, :, 0] = img
            i += 1
    return {"images": images, "landmarks": landmarks, "spacing": spacings, "patient_ids": patient_ids,
            "landmark_names": LANDMARK_NAMES}


def gaussian_heatmaps(landmarks, size, sigma, spacing=None):
    """Gaussian heatmap targets, one channel per landmark, peak 1 at the landmark (sub-pixel).

    Parameters
    ----------
    landmarks : array (N, K, 2)
        (row, col) in pixels, pixel centres at integers.
    size : int or (int, int)
        Height and width of the heatmaps.
    sigma : float
        Standard deviation of the Gaussian: in **mm** when ``spacing`` is given (then it covers
        the same anatomy whatever the pixel size, ``sigma / spacing`` pixels along each axis), in
        pixels otherwise.
    spacing : array (N, 2), optional
        (row, col) pixel spacing in mm of each image.

    Returns
    -------
    ndarray float32 (N, H, W, K)
        ``exp(-(dr^2 / (2 s_r^2) + dc^2 / (2 s_c^2)))`` with ``s_r, s_c`` the sigma in pixels.

    Examples
    --------
    >>> h = gaussian_heatmaps([[[2.0, 3.0]]], 6, sigma=1.0)
    >>> h.shape, float(h[0, 2, 3, 0]), round(float(h[0, 2, 4, 0]), 4)
    ((1, 6, 6, 1), 1.0, 0.6065)
    """
    pts = as_array(landmarks, "landmarks", ndim=3)
    if pts.shape[-1] != 2:
        raise ValueError(f"landmarks: expected shape (N, K, 2) of (row, col), got {pts.shape}")
    h, w = (size, size) if np.ndim(size) == 0 else tuple(size)
    check_range(sigma, "sigma", 0.0, lo_open=True)
    if spacing is None:
        sig = np.full((len(pts), 2), float(sigma))
    else:
        sp = as_array(spacing, "spacing", ndim=2)
        if sp.shape != (len(pts), 2) or not np.all(sp > 0):
            raise ValueError(f"spacing: expected ({len(pts)}, 2) positive (row, col) spacings in mm, got shape "
                             f"{sp.shape}")
        sig = float(sigma) / sp
    rows = np.arange(h)[None, :, None] - pts[:, None, :, 0]  # (N, H, K)
    cols = np.arange(w)[None, :, None] - pts[:, None, :, 1]  # (N, W, K)
    gr = np.exp(-rows ** 2 / (2 * sig[:, None, None, 0] ** 2))
    gc = np.exp(-cols ** 2 / (2 * sig[:, None, None, 1] ** 2))
    return (gr[:, :, None, :] * gc[:, None, :, :]).astype(np.float32)
