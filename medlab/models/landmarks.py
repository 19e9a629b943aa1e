"""Landmark localization: soft-argmax and a U-Net that outputs one heatmap per landmark."""

from __future__ import annotations

import keras
from keras import layers, ops

from ._common import _check_shape
from .segmentation import _unet_graph

__all__ = ["soft_argmax", "landmark_unet", "radial_loss"]


def soft_argmax(heatmaps):
    """Expected (row, col) of each heatmap channel under a softmax over its pixels.

    Differentiable, and sub-pixel: the coordinates are an average of the pixel positions weighted
    by ``softmax(heatmap)``, not the position of the largest value (Nibali et al., 2018: DSNT;
    Sun et al., 2018: integral regression).

    Parameters
    ----------
    heatmaps : tensor or array (N, H, W, K)
        Unnormalized scores (logits), one channel per landmark.

    Returns
    -------
    tensor (N, K, 2)
        (row, col) in pixels, pixel centres at integers.

    References
    ----------
    A. Nibali, Z. He, S. Morgan, L. Prendergast. Numerical coordinate regression with convolutional
    neural networks. arXiv:1801.07372, 2018.

    Examples
    --------
    >>> import numpy as np
    >>> h = np.full((1, 5, 5, 1), -50.0, "float32"); h[0, 1, 3, 0] = 50.0
    >>> np.round(ops.convert_to_numpy(soft_argmax(h)), 3).tolist()
    [[[1.0, 3.0]]]
    """
    x = ops.convert_to_tensor(heatmaps)
    if len(x.shape) != 4:
        raise ValueError(f"heatmaps: expected 4 dimensions (N, H, W, K), got shape {tuple(x.shape)}")
    _, h, w, k = x.shape
    flat = ops.reshape(ops.transpose(x, (0, 3, 1, 2)), (-1, k, h * w))
    p = ops.reshape(ops.softmax(flat, axis=-1), (-1, k, h, w))
    rows = ops.sum(ops.sum(p, axis=3) * ops.cast(ops.arange(h), p.dtype), axis=-1)
    cols = ops.sum(ops.sum(p, axis=2) * ops.cast(ops.arange(w), p.dtype), axis=-1)
    return ops.stack([rows, cols], axis=-1)


def radial_loss(y_true, y_pred):
    """Mean Euclidean distance between predicted and true (row, col) points, in pixels (a Keras loss).

    Examples
    --------
    >>> import numpy as np
    >>> float(radial_loss(np.zeros((1, 1, 2)), np.array([[[3.0, 4.0]]])))
    5.0
    """
    d = ops.cast(y_pred, "float32") - ops.cast(y_true, "float32")
    return ops.mean(ops.sqrt(ops.sum(ops.square(d), axis=-1) + 1e-6))


def landmark_unet(input_shape=(64, 64, 1), n_landmarks=3, *, depth=3, base_filters=8, stride=2, readout=None,
                  return_heatmaps=False, name="landmark_unet"):
    """A U-Net with one heatmap (logits) per landmark and a soft-argmax readout to coordinates.

    The decoder stops ``log2(stride)`` levels below full resolution: the heatmaps are ``stride``
    times smaller than the image (the full-resolution decoder level costs most of the compute, and
    soft-argmax is sub-pixel anyway). Coordinates are mapped back to the image's pixels:
    ``stride * c + (stride - 1) / 2``, the centre of the block of pixels a heatmap pixel covers.

    Parameters
    ----------
    input_shape : (H, W, C)
        H and W divisible by ``2 ** depth``.
    n_landmarks : int
    depth : int
        Down-sampling steps of the encoder.
    base_filters : int
        Channels at full resolution, doubled at every step down.
    stride : {1, 2, 4, ...}
        Heatmap pixel size in image pixels; a power of two at most ``2 ** depth``.
    readout : callable, optional
        ``readout(heatmaps) -> (N, K, 2)`` in heatmap pixels; default :func:`soft_argmax`.
    return_heatmaps : bool
        Also output each landmark's heatmap logits flattened to ``(N, K, H / stride * W / stride)``,
        so a loss can pull the softmax of each heatmap towards a target distribution (DSNT's
        regularizer; ``keras.losses.CategoricalCrossentropy(from_logits=True)`` against normalized
        Gaussian targets is a KL divergence plus a constant).

    Returns
    -------
    keras.Model
        Image -> (N, K, 2) coordinates (row, col) in image pixels (and the flattened heatmaps as a
        second output with ``return_heatmaps=True``); the heatmap layer (logits,
        (N, H / stride, W / stride, K)) is named ``"heatmaps"``.

    Examples
    --------
    >>> model = landmark_unet((32, 32, 1), 2, depth=2, base_filters=4)
    >>> tuple(model.output.shape), tuple(model.get_layer("heatmaps").output.shape)
    ((None, 2, 2), (None, 16, 16, 2))
    >>> [tuple(o.shape) for o in landmark_unet((32, 32, 1), 2, depth=2, return_heatmaps=True).outputs]
    [(None, 2, 2), (None, 2, 256)]
    """
    _check_shape(input_shape)
    if not isinstance(n_landmarks, int) or n_landmarks < 1:
        raise ValueError(f"n_landmarks: expected a positive int, got {n_landmarks!r}")
    if not isinstance(depth, int) or depth < 1:
        raise ValueError(f"depth: expected a positive int, got {depth!r}")
    skip_levels = {2**k: k for k in range(depth + 1)}.get(stride)
    if skip_levels is None:
        raise ValueError(f"stride: expected a power of two from 1 to 2**depth = {2**depth}, got {stride!r}")
    inputs, _, x = _unet_graph(input_shape, depth, base_filters, True, None, stop_level=skip_levels)
    heatmaps = layers.Conv2D(n_landmarks, 1, name="heatmaps")(x)
    coords = layers.Lambda(readout or soft_argmax, name="readout")(heatmaps)
    if stride > 1:
        coords = layers.Rescaling(float(stride), offset=(stride - 1) / 2, name="to_image_pixels")(coords)
    if not return_heatmaps:
        return keras.Model(inputs, coords, name=name)
    h, w = heatmaps.shape[1], heatmaps.shape[2]
    flat = layers.Reshape((n_landmarks, h * w), name="heatmaps_flat")(layers.Permute((3, 1, 2))(heatmaps))
    return keras.Model(inputs, [coords, flat], name=name)
