"""A CenterNet-style lesion detector: a centre heatmap and a size map from one small U-Net, and its targets."""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

from .._validate import check_range
from .segmentation import _unet_graph

__all__ = ["centernet", "centre_targets"]


def centernet(input_shape=(64, 64, 1), *, depth=2, base_filters=16, head_filters=16, prior=0.01,
              name="centernet"):
    """A CenterNet-style detector (Zhou et al., 2019) on a small U-Net, at full resolution.

    One output with two channels: channel 0 is the **centre heatmap** (sigmoid: the probability
    that a lesion centre lies at the pixel), channel 1 the **radius** in pixels (ReLU), read only
    where a centre is found. Train with :func:`medlab.losses.centernet_loss` on the targets of
    :func:`centre_targets`.

    Parameters
    ----------
    input_shape : (H, W, C)
        H and W divisible by ``2 ** depth``.
    depth : int
        Down-sampling steps of the U-Net backbone (>= 1).
    base_filters : int
        Channels at full resolution, doubled at every step down.
    head_filters : int
        Channels of the 3x3 convolution in each head.
    prior : float
        Initial heatmap value everywhere (the heatmap bias starts at ``log(prior / (1 - prior))``,
        as in CenterNet and RetinaNet, so the rare centres do not drown in early background loss).

    Returns
    -------
    keras.Model
        ``(N, H, W, C) -> (N, H, W, 2)``.

    References
    ----------
    X. Zhou, D. Wang, P. Krähenbühl. *Objects as points.* arXiv:1904.07850, 2019.

    Examples
    --------
    >>> model = centernet((32, 32, 1), depth=2, base_filters=8)
    >>> tuple(model.output.shape)
    (None, 32, 32, 2)
    """
    check_range(prior, "prior", 0.0, 1.0, lo_open=True, hi_open=True)
    inputs, _, x = _unet_graph(input_shape, depth, base_filters, True, None)
    heat = layers.Conv2D(head_filters, 3, padding="same", activation="relu", name="heatmap_conv")(x)
    heat = layers.Conv2D(1, 1, activation="sigmoid", name="heatmap",
                         bias_initializer=keras.initializers.Constant(float(np.log(prior / (1 - prior)))))(heat)
    size = layers.Conv2D(head_filters, 3, padding="same", activation="relu", name="radius_conv")(x)
    size = layers.Conv2D(1, 1, activation="relu", name="radius")(size)
    return keras.Model(inputs, layers.Concatenate(name="heatmap_and_radius")([heat, size]), name=name)


def centre_targets(lesions, shape, *, sigma=1.5):
    """Training targets for :func:`centernet`: a Gaussian peak at each centre, and the radius there.

    Parameters
    ----------
    lesions : list of lists of dict, or of array-like (m, 3)
        One entry per image: each lesion's ``center`` (row, col) and ``radius`` in pixels (the
        ``lesions`` of :func:`medlab.data.make_lesion_dataset`), or rows ``(row, col, radius)``.
    shape : (H, W)
        Image size.
    sigma : float
        Width of the Gaussian peaks in pixels (> 0); CenterNet ties it to the object size, a
        fixed width suits lesions of similar size.

    Returns
    -------
    numpy.ndarray float32 (N, H, W, 2)
        Channel 0: the heatmap, ``exp(-d**2 / (2 sigma**2))`` from the nearest centre (the maximum
        over lesions), exactly 1 at the pixel nearest each centre; channel 1: the radius at those
        pixels, 0 elsewhere.

    Examples
    --------
    >>> t = centre_targets([[{"center": (2.2, 3.0), "radius": 2.5}], []], (6, 6))
    >>> t.shape, float(t[0, 2, 3, 0]), float(t[0, 2, 3, 1]), float(t[1].max())
    ((2, 6, 6, 2), 1.0, 2.5, 0.0)
    """
    try:
        h, w = (int(s) for s in shape)
    except (TypeError, ValueError):
        raise TypeError(f"shape: expected (height, width), got {shape!r}") from None
    check_range(sigma, "sigma", 0.0, lo_open=True)
    out = np.zeros((len(lesions), h, w, 2), np.float32)
    rows, cols = np.arange(h)[:, None], np.arange(w)[None, :]
    for i, found in enumerate(lesions):
        for k, lesion in enumerate(found):
            if isinstance(lesion, dict):
                (r, c), radius = lesion["center"], lesion["radius"]
            else:
                r, c, radius = np.asarray(lesion, float).ravel()
            if not (0 <= r <= h - 1 and 0 <= c <= w - 1):
                raise ValueError(f"lesions: image {i}, lesion {k}: centre ({r:g}, {c:g}) outside the {h}x{w} image")
            pr, pc = int(round(r)), int(round(c))
            gauss = np.exp(-((rows - pr) ** 2 + (cols - pc) ** 2) / (2 * sigma**2))
            out[i, :, :, 0] = np.maximum(out[i, :, :, 0], gauss)
            out[i, pr, pc, 1] = radius
    return out
