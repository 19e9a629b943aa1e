"""Classical baselines a practitioner tries before deep learning, and their tuning on validation data.

A bar is only worth its baseline. These are the simple methods a reviewer would try first: find
the body, z-score inside it, look for blobs (scale-normalized Laplacian of Gaussian), threshold
inside the body. Every knob (scale, threshold, percentile) is chosen on the validation set with
:func:`tune_on_validation`, never on the test set.

NumPy and SciPy only: no TensorFlow.
"""

from __future__ import annotations

import itertools
import numbers
import warnings

import numpy as np

from . import report
from ._validate import as_array, check_choice, check_range, refuse_lone_channel

__all__ = ["body_mask", "zscore_in_mask", "blob_filter", "blob_score", "intensity_score", "threshold_segment",
           "remove_small_regions", "tune_on_validation", "GridEdgeWarning", "LOGISTIC_C", "LOGISTIC_C_LIMITS",
           "blob_anomaly_score", "lesion_features", "lesion_roi_features", "ROI_FEATURES",
           "template_match_landmarks", "shape_features", "SHAPE_FEATURES"]


def _images(images, name="images"):
    """(N, H, W) float64 from (N, H, W) or (N, H, W, 1)."""
    x = as_array(images, name)
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim != 3:
        raise ValueError(f"{name}: expected a batch of 2D images (N, H, W) or (N, H, W, 1), got shape {x.shape}")
    refuse_lone_channel(x, name, "pass a batch of 2D images (N, H, W) or (N, H, W, 1)")
    return x.astype(np.float64)


def _mask(mask, shape, name="mask"):
    if mask is None:
        return np.ones(shape, bool)
    m = as_array(mask, name)
    if m.ndim == 4 and m.shape[-1] == 1:
        m = m[..., 0]
    if m.shape != shape:
        raise ValueError(f"{name}: expected shape {shape} (one mask per image), got {m.shape}")
    return m.astype(bool)


def _smooth(x, sigma):
    """Gaussian smoothing of each image of a stack (N, H, W), not across images."""
    from scipy import ndimage

    return ndimage.gaussian_filter(x, (0, sigma, sigma)) if sigma > 0 else x


_PLANE = np.zeros((3, 3, 3), bool)
_PLANE[1] = [[0, 1, 0], [1, 1, 1], [0, 1, 0]]  # 4-connectivity inside each image, none across images


def body_mask(images, *, erosion=2, sigma=1.0):
    """Find the body in each image: smooth, Otsu threshold, fill holes, keep the largest region, erode.

    Parameters
    ----------
    images : array (N, H, W) or (N, H, W, 1)
    erosion : int
        Pixels to erode from the outline (>= 0), so the skin and fat edge are left out.
    sigma : float
        Gaussian smoothing before the threshold, in pixels (>= 0).

    Returns
    -------
    numpy.ndarray of bool, shape (N, H, W)

    Examples
    --------
    >>> from medlab.data import make_lesion_dataset
    >>> d = make_lesion_dataset(2, 2, size=32, seed=0)
    >>> found = body_mask(d["images"], erosion=0)
    >>> bool((found == d["body_masks"]).mean() > 0.95)
    True
    """
    from scipy import ndimage

    x = _images(images)
    if not isinstance(erosion, (int, np.integer)) or isinstance(erosion, bool) or erosion < 0:
        raise ValueError(f"erosion: expected an int >= 0, got {erosion!r}")
    check_range(sigma, "sigma", 0.0)
    body = _whole_body(x, float(sigma))
    if not erosion:
        return body.copy()  # the cached masks stay untouched
    # every image at once: the structuring element does not reach across images
    return ndimage.binary_erosion(body, structure=_PLANE, iterations=int(erosion))


_BODY_CACHE: list = []  # (key, masks) of the last few stacks: notebooks tune the erosion on one stack


def _whole_body(x, sigma):
    """The uneroded body masks of a stack (N, H, W); remembered for the last four stacks seen."""
    import hashlib

    from scipy import ndimage
    from skimage.filters import threshold_otsu

    key = (x.shape, x.dtype.str, sigma, hashlib.blake2b(np.ascontiguousarray(x).data, digest_size=16).digest())
    for cached_key, masks in _BODY_CACHE:
        if cached_key == key:
            return masks
    out = np.zeros(x.shape, bool)
    for i, smooth in enumerate(_smooth(x, sigma)):
        if np.ptp(smooth) == 0:
            continue  # a constant image has no body
        m = ndimage.binary_fill_holes(smooth > threshold_otsu(smooth))
        labels, n = ndimage.label(m)
        if n > 1:
            sizes = ndimage.sum(m, labels, index=np.arange(1, n + 1))
            m = labels == (1 + int(np.argmax(sizes)))
        out[i] = m
    out.flags.writeable = False
    _BODY_CACHE.insert(0, (key, out))
    del _BODY_CACHE[4:]
    return out


def zscore_in_mask(images, mask=None, *, eps=1e-6):
    """Z-score each image with the mean and standard deviation of its pixels inside ``mask``.

    Removes the gain of each scan (MRI has no absolute scale) without letting the air set the
    statistics. Pixels outside the mask are transformed too (same affine map).

    Examples
    --------
    >>> x = np.array([[[0.0, 2.0], [4.0, 6.0]]])
    >>> zscore_in_mask(x, x > 1).round(3).tolist()
    [[[-2.449, -1.225], [0.0, 1.225]]]
    """
    x = _images(images)
    m = _mask(mask, x.shape)
    check_range(eps, "eps", 0.0, lo_open=True)
    m = m | ~m.any(axis=(1, 2), keepdims=True)  # an empty mask: use the whole image
    n = m.sum(axis=(1, 2), keepdims=True)
    mean = np.where(m, x, 0.0).sum(axis=(1, 2), keepdims=True) / n
    std = np.sqrt(np.where(m, (x - mean) ** 2, 0.0).sum(axis=(1, 2), keepdims=True) / n)
    return (x - mean) / (std + eps)


def blob_filter(images, sigma, *, polarity="bright"):
    """Scale-normalized Laplacian-of-Gaussian response: large where a blob of radius ~ sigma*sqrt(2) is.

    Parameters
    ----------
    images : array (N, H, W) or (N, H, W, 1)
    sigma : float
        Gaussian scale in pixels (> 0); a disc of radius r responds most at sigma = r / sqrt(2).
    polarity : {"bright", "dark"}
        Bright blobs on a darker background, or dark blobs on a brighter one.

    Returns
    -------
    numpy.ndarray (N, H, W)
        ``-sigma**2 * LoG`` (``+`` for dark blobs), so blobs of the chosen polarity are positive.

    Examples
    --------
    >>> img = np.zeros((1, 21, 21)); img[0, 8:13, 8:13] = 1.0
    >>> r = blob_filter(img, 2.0)
    >>> np.unravel_index(r[0].argmax(), r[0].shape)
    (np.int64(10), np.int64(10))
    """
    from scipy import ndimage

    x = _images(images)
    check_range(sigma, "sigma", 0.0, lo_open=True)
    check_choice(polarity, "polarity", ("bright", "dark"))
    sign = -1.0 if polarity == "bright" else 1.0
    return sign * sigma**2 * ndimage.gaussian_laplace(x, sigma, axes=(1, 2))  # each image alone, not across images


def blob_score(images, sigmas=(1.5, 2.5, 3.5), *, polarity="bright", mask=None, percentile=100.0, smooth=0.0):
    """One score per image: the strongest blob response inside ``mask`` over the given scales.

    The image is first z-scored inside the mask (:func:`zscore_in_mask`), so the score does not
    depend on the scan's gain. A strong classical detector of "is there a lesion?" and of anomaly.

    Parameters
    ----------
    images : array (N, H, W) or (N, H, W, 1)
    sigmas : sequence of float
        Scales to try (> 0); the maximum over scales is kept pixel by pixel.
    polarity : {"bright", "dark"}
    mask : array (N, H, W) of bool, optional
        Where to look (e.g. :func:`body_mask`); default: everywhere.
    percentile : float
        Which percentile of the masked response is the score (100: the maximum; 99 is more robust
        to a single noisy pixel).
    smooth : float
        Optional Gaussian pre-smoothing in pixels (>= 0).

    Returns
    -------
    numpy.ndarray (N,)

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(0, 0.1, (2, 24, 24)); x[1, 10:14, 10:14] += 1.0
    >>> s = blob_score(x, sigmas=(1.5, 2.0))
    >>> bool(s[1] > s[0])
    True
    """

    x = _images(images)
    m = _mask(mask, x.shape)
    sig = as_array(sigmas, "sigmas", ndim=1)
    if sig.size == 0 or np.any(sig <= 0):
        raise ValueError(f"sigmas: expected one or more scales > 0, got {sig.tolist()}")
    check_range(percentile, "percentile", 0.0, 100.0)
    check_range(smooth, "smooth", 0.0)
    z = zscore_in_mask(_smooth(x, smooth), m)
    response = np.max([blob_filter(z, s, polarity=polarity) for s in sig], axis=0)
    return _masked_percentile(response, m, percentile)


def intensity_score(images, mask=None, *, sigma=1.0, percentile=95.0, polarity="bright", zscore=True):
    """One score per image: a high percentile of the smoothed image, z-scored inside ``mask``.

    "Is there something brighter than this body's tissue?" The simplest lesion detector there is,
    and a strong one when lesions are brighter than everything else left inside the mask (erode
    the body mask so a bright fat ring or skin is left out). Tune ``sigma``, ``percentile`` and the
    mask's erosion on validation data.

    Parameters
    ----------
    images : array (N, H, W) or (N, H, W, 1)
    mask : array (N, H, W) of bool, optional
        Where to look (e.g. :func:`body_mask`); default: everywhere.
    sigma : float
        Gaussian smoothing in pixels (>= 0) before the z-score, so single noisy pixels do not win.
    percentile : float or sequence of float
        Which percentile of the masked, z-scored image is the score (0-100). Several at once
        cost the same as one (one sort per image), which makes tuning cheap.
    polarity : {"bright", "dark"}
        ``"dark"`` scores the low tail (the negated image) for lesions darker than their tissue.
    zscore : bool
        Z-score each image inside its mask before taking the percentile (the default), or keep the
        smoothed intensities as they are (``False``): better when the images already share one
        scale and the mask's own brightness carries information. Tune it like the other knobs.

    Returns
    -------
    numpy.ndarray (N,), or (N, P) for P percentiles

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(0, 0.1, (2, 24, 24)); x[1, 10:14, 10:14] += 1.0
    >>> s = intensity_score(x, sigma=1.0, percentile=99)
    >>> bool(s[1] > s[0])
    True
    """

    x = _images(images)
    m = _mask(mask, x.shape)
    check_range(sigma, "sigma", 0.0)
    q = np.asarray(percentile, dtype=float)
    if q.ndim > 1 or q.size == 0:
        raise ValueError(f"percentile: expected a number or a 1D sequence of numbers, got {percentile!r}")
    for value in q.ravel():
        check_range(value, "percentile", 0.0, 100.0)
    check_choice(polarity, "polarity", ("bright", "dark"))
    if not isinstance(zscore, (bool, np.bool_)):
        raise TypeError(f"zscore: expected True or False, got {zscore!r}")
    smooth = _smooth(-x if polarity == "dark" else x, sigma)
    return _masked_percentile(zscore_in_mask(smooth, m) if zscore else smooth, m, q)


def _masked_percentile(values, mask, percentile):
    """``np.percentile(values[i][mask[i]], percentile)`` for every i at once (linear interpolation).

    ``percentile`` a number gives shape (N,), a 1D array (N, P). An empty mask uses the whole image.
    """
    q = np.asarray(percentile, dtype=float)
    m = mask | ~mask.any(axis=(1, 2), keepdims=True)
    flat = np.sort(np.where(m, values, -np.inf).reshape(len(values), -1), axis=1)
    n = m.reshape(len(m), -1).sum(axis=1)[:, None]
    pos = flat.shape[1] - n + (n - 1) * (np.atleast_1d(q)[None, :] / 100.0)  # valid values sit at the end
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, flat.shape[1] - 1)
    a, b = np.take_along_axis(flat, lo, axis=1), np.take_along_axis(flat, hi, axis=1)
    out = a + (b - a) * (pos - lo)  # lo and hi both index valid values
    return out[:, 0] if q.ndim == 0 else out


def remove_small_regions(masks, min_size, *, fill_holes=True):
    """Drop connected regions smaller than ``min_size`` pixels from each mask (and fill holes).

    The clean-up every thresholding pipeline ends with: isolated noisy pixels are not lesions.

    Parameters
    ----------
    masks : array (N, H, W) or (N, H, W, 1)
        Binary masks.
    min_size : int
        Smallest region kept, in pixels (>= 0; 0 keeps everything).
    fill_holes : bool
        Fill holes inside the kept regions.

    Returns
    -------
    numpy.ndarray of uint8, shape (N, H, W)

    Examples
    --------
    >>> m = np.zeros((1, 8, 8), np.uint8); m[0, 1:4, 1:4] = 1; m[0, 6, 6] = 1
    >>> int(remove_small_regions(m, 2).sum())
    9
    """
    from scipy import ndimage

    x = _images(masks, "masks") > 0
    if not isinstance(min_size, (int, np.integer)) or isinstance(min_size, bool) or min_size < 0:
        raise ValueError(f"min_size: expected an int >= 0, got {min_size!r}")
    m = x
    if min_size > 1:  # one labelling of the whole stack; regions never cross images
        labels, _ = ndimage.label(m, structure=_PLANE)
        keep = np.bincount(labels.ravel()) >= min_size
        keep[0] = False  # the background
        m = keep[labels]
    if fill_holes:  # holes: background regions that touch no image border
        labels, n = ndimage.label(~m, structure=_PLANE)
        outside = np.zeros(n + 1, bool)
        outside[np.r_[labels[:, 0].ravel(), labels[:, -1].ravel(), labels[:, :, 0].ravel(),
                      labels[:, :, -1].ravel()]] = True
        outside[0] = True  # label 0: the mask itself
        m = m | ~outside[labels]
    return m.astype(np.uint8)


def threshold_segment(images, k=1.0, *, mask=None, sigma=1.0, polarity="bright", min_size=0):
    """Segment lesions as the pixels more than ``k`` standard deviations from the mean inside ``mask``.

    Smooth, z-score inside the mask, threshold at ``k`` (``-k`` for dark lesions), keep the mask;
    with ``min_size`` > 0, drop regions smaller than that and fill holes
    (:func:`remove_small_regions`). The classical segmentation baseline; tune ``k``, ``sigma``,
    ``min_size`` and the mask's erosion on validation.

    Returns
    -------
    numpy.ndarray of uint8, shape (N, H, W)

    Examples
    --------
    >>> x = np.zeros((1, 8, 8)); x[0, 2:4, 2:4] = 5.0
    >>> int(threshold_segment(x, 1.0, sigma=0).sum())
    4
    """

    x = _images(images)
    m = _mask(mask, x.shape)
    check_range(sigma, "sigma", 0.0)
    check_choice(polarity, "polarity", ("bright", "dark"))
    z = zscore_in_mask(_smooth(x, sigma), m)
    hit = z > k if polarity == "bright" else z < -k
    out = (hit & m).astype(np.uint8)
    return remove_small_regions(out, min_size) if min_size else out


class GridEdgeWarning(UserWarning):
    """A parameter tuned on validation was chosen at the smallest or largest value of its grid."""


def tune_on_validation(score, grid, *, higher_is_better=True, limits=None):
    """Try every combination of ``grid`` and keep the one with the best validation score.

    A value chosen on the edge of its grid is not tuned: a value beyond the edge might do better
    still, and the baseline the deep model is compared with would then be weaker than it should
    be. So when a numeric parameter with at least three values in its grid is chosen at the grid's
    smallest or largest value, this warns (:class:`GridEdgeWarning`) and records the event (the
    test runner fails a solution on it, and ``python -m medlab seeds`` reports it per seed). Widen
    the grid, or name the value in ``limits`` when nothing lies beyond it (no smoothing, sigma 0;
    a fraction of 1).

    Parameters
    ----------
    score : callable
        ``score(**params) -> float``, computed on the **validation** set only.
    grid : dict
        Parameter name -> list of values to try.
    higher_is_better : bool
    limits : dict, optional
        Parameter name -> values that are natural limits of that parameter: choosing one of
        them is not an edge.

    Returns
    -------
    best : dict
        The chosen parameters.
    best_score : float
    trials : list of (dict, float)
        Every combination tried and its score, for a table.

    Examples
    --------
    >>> best, s, trials = tune_on_validation(lambda k: -(k - 2) ** 2, {"k": [0, 1, 2, 3]})
    >>> best, s, len(trials)
    ({'k': 2}, 0, 4)
    >>> best, s, _ = tune_on_validation(lambda sigma: -sigma, {"sigma": [0, 1, 2]}, limits={"sigma": [0]})
    >>> best
    {'sigma': 0}
    """
    if not callable(score):
        raise TypeError(f"score: expected a function of the parameters, got {type(score).__name__}")
    if not isinstance(grid, dict) or not grid or not all(len(list(v)) for v in grid.values()):
        raise ValueError(f"grid: expected a dict of parameter name -> non-empty list of values, got {grid!r}")
    limits = {} if limits is None else limits
    if not isinstance(limits, dict) or set(limits) - set(grid):
        raise ValueError(f"limits: expected a dict whose keys are parameters of the grid {sorted(grid)}, "
                         f"got {limits!r}")
    names = list(grid)
    trials = []
    best, best_score = None, None
    for values in itertools.product(*(list(grid[n]) for n in names)):
        params = dict(zip(names, values))
        s = score(**params)
        trials.append((params, s))
        if s == s and (best is None or (s > best_score if higher_is_better else s < best_score)):
            best, best_score = params, s
    if best is None:
        raise ValueError("score: every combination of the grid scored NaN")
    for name in names:
        values = list(grid[name])
        numeric = all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values)
        if not numeric or len(set(values)) < 3 or best[name] in list(limits.get(name, ())):
            continue
        side = "smallest" if best[name] == min(values) else ("largest" if best[name] == max(values) else None)
        if side:
            report.record("grid_edge", parameter=name, value=best[name], grid=values)
            warnings.warn(f"tune_on_validation: {name}={best[name]!r}, the {side} value of its grid {values}, scored "
                          f"best on validation; widen the grid (or pass limits={{{name!r}: [{best[name]!r}]}} if "
                          "nothing lies beyond it)", GridEdgeWarning, stacklevel=2)
    return best, best_score, trials


#: Inverse regularization strengths to tune a logistic regression over (scikit-learn's ``C``), 1e-4 to 1e4.
LOGISTIC_C = (1e-4, 1e-3, 1e-2, 0.1, 1.0, 10.0, 100.0, 1e3, 1e4)
#: The two ends of :data:`LOGISTIC_C` are the model's own limits, not a grid that was too narrow: at C = 1e-4
#: the penalty dominates and the weights point along the difference of the class means (the C -> 0 limit),
#: at C = 1e4 the fit is unpenalized in practice. Tune with ``limits={"C": LOGISTIC_C_LIMITS}``.
LOGISTIC_C_LIMITS = (LOGISTIC_C[0], LOGISTIC_C[-1])


def blob_anomaly_score(images, sigma, *, mask=None, percentile=99.0):
    """One score per image for blobs of *either* polarity: a high percentile of the absolute
    scale-normalized Laplacian of Gaussian (:func:`blob_filter`) inside ``mask``.

    The classical detector to beat in anomaly detection when abnormalities are compact: it finds
    brighter- and darker-than-surroundings blobs of radius about ``sigma * sqrt(2)`` alike, with no
    training. Normalize the intensities first (e.g. divide by the body's median), erode the body
    mask so that the body outline and a bright fat ring are left out, and tune ``sigma``,
    ``percentile`` and the erosion on validation data.

    Parameters
    ----------
    images : array (N, H, W) or (N, H, W, 1)
    sigma : float
        Scale of the Laplacian of Gaussian in pixels (> 0).
    mask : array (N, H, W) of bool, optional
        Pixels that count; default: everywhere. Each image's mask needs at least one pixel.
    percentile : float
        Which percentile of the masked response is the score (0-100; 100 is the maximum).

    Returns
    -------
    numpy.ndarray (N,)

    Examples
    --------
    >>> x = np.zeros((3, 24, 24)); x[1, 10:14, 10:14] = 1.0; x[2, 10:14, 10:14] = -1.0
    >>> s = blob_anomaly_score(x, 2.0)
    >>> bool(s[0] == 0 and s[1] > 0 and np.isclose(s[1], s[2]))
    True
    """
    x = _images(images)
    m = _mask(mask, x.shape)
    check_range(percentile, "percentile", 0.0, 100.0)
    empty = np.flatnonzero(~m.reshape(len(m), -1).any(axis=1))
    if empty.size:
        raise ValueError(f"mask: the masks of images {empty[:10].tolist()} are empty; every image needs at least "
                         "one pixel to score")
    response = np.abs(blob_filter(x, sigma))
    return np.array([np.percentile(r[mi], percentile) for r, mi in zip(response, m)])


def lesion_features(images, *, erosion=3, sigmas=(2.0, 3.5), n_peaks=4):
    """Hand-made lesion features per image, for a logistic regression baseline.

    A lesion is a bright blob inside the body, a little larger than the noise grain, and normal
    anatomy (kidneys, a vertebra) has bright blobs too, in every image. So: find the body
    (:func:`body_mask`), drop its outer ring (``erosion`` pixels: the bright fat), divide by the
    median inside the body (the scan's gain), smooth (sigma 1 pixel), then take the 50th, 90th and
    99th percentiles and the standard deviation inside the inner body, and, at each scale in
    ``sigmas``, the ``n_peaks`` strongest local maxima of the blob filter (:func:`blob_filter`)
    inside it: a lesion adds one more strong blob to those every image has.

    Parameters
    ----------
    images : array (N, H, W) or (N, H, W, 1)
    erosion : int
        Pixels removed from the body's edge (>= 0).
    sigmas : sequence of float
        Blob scales in pixels (each > 0).
    n_peaks : int
        Strongest blob responses kept per scale (>= 1); missing peaks count as 0.

    Returns
    -------
    numpy.ndarray (N, 4 + len(sigmas) * n_peaks)

    Examples
    --------
    >>> from medlab import data
    >>> scans = data.make_lesion_dataset(4, images_per_patient=1, size=48, seed=0)
    >>> lesion_features(scans["images"]).shape
    (4, 12)
    """
    from scipy import ndimage

    x = _images(images)
    check_range(erosion, "erosion", 0)
    check_range(n_peaks, "n_peaks", 1)
    sigmas = tuple(np.atleast_1d(np.asarray(sigmas, dtype=float)))
    if not sigmas:
        raise ValueError("sigmas: expected at least one blob scale, got none")
    for sigma in sigmas:
        check_range(sigma, "sigmas", 0.0, lo_open=True)
    body = body_mask(x, erosion=0)
    inner = ndimage.binary_erosion(body, np.ones((1, 3, 3), bool), iterations=int(erosion)) if erosion else body
    gain = np.array([np.median(im[b]) if b.any() else 1.0 for im, b in zip(x, body)])
    x = _smooth(x / gain[:, None, None], 1.0)
    inside = np.where(inner, x, np.nan).reshape(len(x), -1)
    columns = [np.nanpercentile(inside, [50, 90, 99], axis=1).T, np.nanstd(inside, axis=1)[:, None]]
    for sigma in sigmas:
        r = blob_filter(x, sigma)
        peaks = (r == ndimage.maximum_filter(r, size=(1, 5, 5))) & inner  # local maxima inside the body
        top = -np.sort(-np.where(peaks, r, -np.inf).reshape(len(x), -1), axis=1)[:, :int(n_peaks)]
        columns.append(np.where(np.isfinite(top), top, 0.0))
    return np.concatenate(columns, axis=1)


#: Names of the columns of :func:`lesion_roi_features`, in order.
ROI_FEATURES = ("area", "equivalent diameter", "eccentricity", "solidity", "compactness", "mean contrast",
                "min contrast", "max contrast", "contrast std", "core contrast", "rim contrast", "rim minus core",
                "centre max", "centre min")


def lesion_roi_features(images, *, threshold=0.12, sigma=1.0, centre=12):
    """Hand-made size, intensity and shape features of the lesion at the centre of each patch.

    For a classifier of lesion types on patches centred on a lesion. Each patch is divided by its
    median (the surrounding tissue, so the contrast is relative and the scan's gain drops out),
    minus 1, and smoothed (``sigma``). The lesion is the connected region where the absolute
    contrast exceeds ``threshold`` that lies nearest the patch centre (with holes filled). Its
    scikit-image ``regionprops`` give the size and shape (area, equivalent diameter, eccentricity,
    solidity, compactness ``4 pi area / perimeter**2``), its pixels the intensity (mean, min, max,
    std of the contrast), and its eroded core against its outer ring the enhancement pattern
    (core, rim, rim minus core: a ring-enhancing lesion has a bright rim and a dark core). The
    maximum and minimum contrast in the central ``centre`` x ``centre`` window are kept too, for
    patches where no region passes the threshold (then the region features are 0).

    Parameters
    ----------
    images : array (N, H, W) or (N, H, W, 1)
        Positive intensities (e.g. MR magnitude), a lesion near the centre of each.
    threshold : float
        Absolute relative contrast that counts as lesion (> 0).
    sigma : float
        Gaussian smoothing in pixels before thresholding (>= 0).
    centre : int
        Side of the central window, in pixels (>= 1).

    Returns
    -------
    numpy.ndarray (N, 14)
        Columns named in :data:`ROI_FEATURES`.

    Examples
    --------
    >>> yy, xx = np.mgrid[:32, :32]
    >>> patch = np.where(np.hypot(yy - 16, xx - 16) <= 5, 0.3, 0.5)[None]  # a dark disc on 0.5
    >>> f = dict(zip(ROI_FEATURES, lesion_roi_features(patch, sigma=0)[0]))
    >>> int(f["area"]), float(round(f["mean contrast"], 2)), bool(f["solidity"] > 0.9)
    (81, -0.4, True)
    """
    from scipy import ndimage
    from skimage.measure import regionprops

    x = _images(images)
    check_range(threshold, "threshold", 0.0, lo_open=True)
    check_range(sigma, "sigma", 0.0)
    check_range(centre, "centre", 1)
    if np.any(x < 0):
        raise ValueError(f"images: expected positive intensities (magnitude images), got a minimum of {x.min():g}")
    median = np.median(x.reshape(len(x), -1), axis=1)
    contrast = _smooth(x / np.maximum(median, 1e-12)[:, None, None] - 1.0, sigma)
    h, w = x.shape[1:]
    cy, cx = (h - 1) / 2, (w - 1) / 2
    rows, cols = np.mgrid[:h, :w].astype(float)
    c = int(centre)
    window = (slice(max(0, int(cy - c / 2 + 0.5)), int(cy + c / 2 + 0.5) + 1),
              slice(max(0, int(cx - c / 2 + 0.5)), int(cx + c / 2 + 0.5) + 1))
    out = np.zeros((len(x), len(ROI_FEATURES)))
    for i, d in enumerate(contrast):
        out[i, -2:] = d[window].max(), d[window].min()
        regions, n = ndimage.label(ndimage.binary_fill_holes(np.abs(d) > threshold))
        if n == 0:
            continue
        # the region nearest the centre: centroid distance minus the radius of a disc of its area
        area = np.bincount(regions.ravel(), minlength=n + 1)[1:]
        r_mean = np.bincount(regions.ravel(), rows.ravel(), n + 1)[1:] / area
        c_mean = np.bincount(regions.ravel(), cols.ravel(), n + 1)[1:] / area
        inside = regions == 1 + np.argmin(np.hypot(r_mean - cy, c_mean - cx) - np.sqrt(area / np.pi))
        region = regionprops(inside.astype(np.uint8))[0]
        core = ndimage.binary_erosion(inside, iterations=max(1, int(round(region.equivalent_diameter_area / 6))))
        rim = inside & ~core
        values = d[inside]
        core_mean = d[core].mean() if core.any() else values.mean()
        rim_mean = d[rim].mean() if rim.any() else values.mean()
        out[i, :-2] = (region.area, region.equivalent_diameter_area, region.eccentricity, region.solidity,
                       4 * np.pi * region.area / max(region.perimeter, 1.0) ** 2, values.mean(), values.min(),
                       values.max(), values.std(), core_mean, rim_mean, rim_mean - core_mean)
    return out


def _parabola_offset(left, centre, right):
    """Sub-pixel offset of a peak from three samples (a parabola through them), in [-0.5, 0.5]."""
    if not np.isfinite([left, centre, right]).all():  # a neighbour outside the search window
        return 0.0
    denom = left - 2 * centre + right
    return 0.0 if denom >= 0 else float(np.clip(0.5 * (left - right) / denom, -0.5, 0.5))


def template_match_landmarks(train_images, train_landmarks, images, *, half_size=7, radius=10.0):
    """Locate landmarks by template matching around their mean position (a classical baseline).

    For each landmark: the template is the mean of the training patches centred on it (each image
    z-scored first); in a new image, the normalized cross-correlation with the template
    (``skimage.feature.match_template``) is searched within ``radius`` pixels of the landmark's
    mean training position, and its peak is refined to sub-pixel by a parabola along each axis.

    Parameters
    ----------
    train_images : array (N, H, W) or (N, H, W, 1)
    train_landmarks : array (N, K, 2)
        (row, col) in pixels.
    images : array (M, H, W) or (M, H, W, 1)
        Images to search.
    half_size : int
        The template is ``2 * half_size + 1`` pixels square.
    radius : float
        Search radius in pixels around the mean position.

    Returns
    -------
    ndarray float64 (M, K, 2)
        (row, col) of each landmark.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> imgs = rng.normal(0, 0.1, (4, 32, 32)); pts = np.array([[[10 + i, 12.0]] for i in range(4)])
    >>> for im, p in zip(imgs, pts): im[int(p[0, 0]) - 1:int(p[0, 0]) + 2, 11:14] += 3
    >>> template_match_landmarks(imgs[:3], pts[:3], imgs[3:], half_size=3, radius=6).round().tolist()
    [[[13.0, 12.0]]]
    """
    from skimage.feature import match_template

    train = _images(train_images, "train_images")
    test = _images(images, "images")
    pts = as_array(train_landmarks, "train_landmarks", ndim=3, dtype=float)
    if pts.shape[0] != len(train) or pts.shape[-1] != 2:
        raise ValueError(f"train_landmarks: expected shape ({len(train)}, K, 2), got {pts.shape}")
    if not isinstance(half_size, (int, np.integer)) or half_size < 1:
        raise ValueError(f"half_size: expected a positive int, got {half_size!r}")
    check_range(radius, "radius", 0.0, lo_open=True)
    if train.shape[1:] != test.shape[1:]:
        raise ValueError(f"images: expected images of the training size {train.shape[1:]}, got {test.shape[1:]}")
    z = lambda x: (x - x.mean(axis=(1, 2), keepdims=True)) / (x.std(axis=(1, 2), keepdims=True) + 1e-6)  # noqa: E731
    train, test = z(train), z(test)
    h, w = train.shape[1:]
    pad = half_size
    padded = np.pad(train, ((0, 0), (pad, pad), (pad, pad)), mode="edge")
    rr, cc = np.mgrid[:h, :w]
    out = np.empty((len(test), pts.shape[1], 2))
    for k in range(pts.shape[1]):
        centres = np.clip(np.rint(pts[:, k]).astype(int), 0, [h - 1, w - 1])
        template = np.mean([padded[i, r:r + 2 * pad + 1, c:c + 2 * pad + 1] for i, (r, c) in enumerate(centres)],
                           axis=0)
        mean = pts[:, k].mean(axis=0)
        window = np.hypot(rr - mean[0], cc - mean[1]) <= radius
        if not window.any():
            window[int(np.clip(round(mean[0]), 0, h - 1)), int(np.clip(round(mean[1]), 0, w - 1))] = True
        for j, img in enumerate(test):
            ncc = match_template(img, template, pad_input=True, mode="edge")
            ncc = np.where(window, ncc, -np.inf)
            r, c = np.unravel_index(np.argmax(ncc), ncc.shape)
            dr = _parabola_offset(ncc[r - 1, c], ncc[r, c], ncc[r + 1, c]) if 0 < r < h - 1 else 0.0
            dc = _parabola_offset(ncc[r, c - 1], ncc[r, c], ncc[r, c + 1]) if 0 < c < w - 1 else 0.0
            out[j, k] = r + dr, c + dc
    return out


#: Column names of :func:`shape_features`.
SHAPE_FEATURES = ("area", "circularity", "solidity", "convexity", "eccentricity", "extent")


def shape_features(masks):
    """Boundary-irregularity features of the largest region of each binary mask, for a shape classifier.

    The radiologist's description of a malignant lesion (irregular, lobulated, spiculated margin)
    in numbers: ``area`` (pixels), ``circularity`` 4πA / P² (1 for a disc, smaller for a
    ragged outline), ``solidity`` (area / convex hull area: spicules and lobes leave gaps in
    the hull), ``convexity`` (convex hull perimeter / perimeter), ``eccentricity`` and ``extent``
    (area / bounding box area), as :func:`skimage.measure.regionprops` defines them (perimeters with
    :func:`skimage.measure.perimeter`; the second moments in NumPy, three times faster than
    regionprops' own). Only the largest connected region counts; an empty mask gives a row of zeros.

    Parameters
    ----------
    masks : array (N, H, W) or (N, H, W, 1)
        Binary masks, e.g. a thresholded image (:func:`threshold_segment`) or a model's prediction.

    Returns
    -------
    numpy.ndarray (N, 6)
        Columns as in :data:`SHAPE_FEATURES`.

    Examples
    --------
    >>> yy, xx = np.mgrid[:32, :32]
    >>> disc = (yy - 16) ** 2 + (xx - 16) ** 2 <= 64
    >>> star = disc & (np.cos(6 * np.arctan2(yy - 16, xx - 16)) > -0.3) | ((yy - 16) ** 2 + (xx - 16) ** 2 <= 16)
    >>> f = shape_features(np.stack([disc, star]))
    >>> bool(f[0, SHAPE_FEATURES.index("solidity")] > f[1, SHAPE_FEATURES.index("solidity")])
    True
    """
    from skimage.measure import label, perimeter
    from skimage.morphology import convex_hull_image

    m = _images(masks, "masks") > 0
    out = np.zeros((len(m), len(SHAPE_FEATURES)))
    for i, mask in enumerate(m):
        labels = label(mask, connectivity=2)
        sizes = np.bincount(labels.ravel())
        if len(sizes) < 2:
            continue  # an empty mask
        region = labels == 1 + int(np.argmax(sizes[1:]))  # the largest region (the first one on a tie)
        rows, cols = np.flatnonzero(region.any(axis=1)), np.flatnonzero(region.any(axis=0))
        r = region[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]  # cropped to its bounding box
        area = int(r.sum())
        hull = convex_hull_image(r)
        edge = max(perimeter(r, 4), 1e-6)
        # eccentricity of the ellipse with the region's second central moments (regionprops' definition)
        y, x = np.nonzero(r)
        y, x = y - y.mean(), x - x.mean()
        mu20, mu02, mu11 = (y * y).sum() / area, (x * x).sum() / area, (y * x).sum() / area
        small, large = np.clip(np.linalg.eigvalsh([[mu02, -mu11], [-mu11, mu20]]), 0, None)
        eccentricity = np.sqrt(1 - small / large) if large > 0 else 0.0
        out[i] = (area, min(4 * np.pi * area / edge**2, 1.0), area / hull.sum(), perimeter(hull, 4) / edge,
                  eccentricity, area / r.size)
    return out
