"""Data augmentation with Keras preprocessing layers, and ``tf.data`` input pipelines.

Augmentation must respect the anatomy: a left-right flip of an axial slice puts the liver on the
patient's left (situs inversus, about 1 in 10,000 people), so flips are off unless asked for.
The layers run inside a ``tf.data`` map, on the CPU, while the accelerator trains; they are
random in training mode and the identity in inference mode.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_array, check_choice, check_pair, check_range

__all__ = ["augmentation_layers", "make_dataset"]

_FILL_MODES = ("reflect", "nearest", "constant", "wrap")


def augmentation_layers(*, rotation=0.03, zoom=0.1, translation=0.08, contrast=0.0, noise=0.0,
                        flip_left_right=False, flip_up_down=False, fill_mode="nearest",
                        interpolation="bilinear", value_range=(-10.0, 10.0), seed=None, name="augmentation"):
    """A pipeline of random Keras preprocessing layers for single-channel scans.

    The defaults are mild and anatomy-aware: small rotations (about +-11 degrees), zoom and shifts
    that a different patient position or field of view would give, and no flips.

    Parameters
    ----------
    rotation : float
        Largest rotation as a fraction of a full turn (Keras' convention): 0.03 is +-10.8 degrees.
        0 switches the layer off.
    zoom : float
        Largest relative zoom in or out (0.1 = +-10 %).
    translation : float
        Largest shift as a fraction of the image height and width.
    contrast : float
        Largest relative contrast change (``RandomContrast``). After a per-image z-score it is
        nearly a no-op; it matters on raw intensities.
    noise : float
        Standard deviation of additive Gaussian noise (``GaussianNoise``), in image units (<= 1).
    flip_left_right, flip_up_down : bool
        Mirror images at random. Off by default: both create anatomy that does not exist.
    fill_mode : {"nearest", "reflect", "constant", "wrap"}
        How pixels that move in from outside the image are filled.
    interpolation : {"bilinear", "nearest"}
        How rotation, zoom and shift resample the image. Bilinear averages neighbouring pixels,
        which removes part of the noise: the model then trains on smoother images than it is
        tested on. Nearest keeps the noise texture (at the price of slightly jagged edges).
    value_range : (float, float)
        Range ``RandomContrast`` clips to. Keras' default (0, 255) would clip every negative
        z-score to 0, so the default here is wide.
    seed : int or None
        Seeds every layer, each with its own offset (layers with the same seed would draw the same
        random numbers, so their transformations would be correlated).
    name : str

    Returns
    -------
    keras.layers.Pipeline
        Call it as ``aug(images, training=True)`` to augment; ``training=False`` returns the
        input unchanged.

    Examples
    --------
    >>> aug = augmentation_layers(seed=0)
    >>> x = np.zeros((2, 32, 32, 1), np.float32)
    >>> tuple(aug(x, training=True).shape), bool(np.all(np.asarray(aug(x, training=False)) == x))
    ((2, 32, 32, 1), True)
    """
    import keras

    for arg, value, hi in (("rotation", rotation, 0.5), ("zoom", zoom, 0.9), ("translation", translation, 0.5),
                           ("contrast", contrast, 1.0), ("noise", noise, 1.0)):
        check_range(value, arg, 0.0, hi)
    check_choice(fill_mode, "fill_mode", _FILL_MODES)
    check_choice(interpolation, "interpolation", ("bilinear", "nearest"))
    if seed is not None and (not isinstance(seed, (int, np.integer)) or isinstance(seed, bool)):
        raise TypeError(f"seed: expected an int or None, got {type(seed).__name__}")
    lo, hi = check_pair(value_range, "value_range")
    if not lo < hi:
        raise ValueError(f"value_range: expected (low, high) with low < high, got {value_range!r}")

    def s(k):
        return None if seed is None else int(seed) + k

    L = keras.layers
    kw = {"dtype": "float32"}  # interpolate in float32 even under a mixed-precision policy
    steps = []
    mode = {(True, True): "horizontal_and_vertical", (True, False): "horizontal",
            (False, True): "vertical"}.get((bool(flip_left_right), bool(flip_up_down)))
    if mode:
        steps.append(L.RandomFlip(mode, seed=s(0), name="flip", **kw))
    if rotation:
        steps.append(L.RandomRotation(rotation, fill_mode=fill_mode, interpolation=interpolation, seed=s(1),
                                      name="rotation", **kw))
    if zoom:
        steps.append(L.RandomZoom(zoom, fill_mode=fill_mode, interpolation=interpolation, seed=s(2), name="zoom",
                                  **kw))
    if translation:
        steps.append(L.RandomTranslation(translation, translation, fill_mode=fill_mode,
                                         interpolation=interpolation, seed=s(3), name="translation", **kw))
    if contrast:
        steps.append(L.RandomContrast(contrast, value_range=(lo, hi), seed=s(4), name="contrast", **kw))
    if noise:
        steps.append(L.GaussianNoise(noise, seed=s(5), name="noise", **kw))
    return L.Pipeline(steps, name=name)


def make_dataset(images, labels, *, batch_size=32, augment=None, shuffle=True, seed=None, cache=True):
    """A ``tf.data`` pipeline: cache, shuffle, batch, augment in parallel, prefetch.

    The order matters. ``cache`` comes *before* the random map, or every epoch would replay the
    augmentations of the first; shuffling happens every epoch; augmentation runs on whole batches
    (vectorized) with ``num_parallel_calls=AUTOTUNE``; ``prefetch`` overlaps it with training.
    Labels pass through untouched.

    Parameters
    ----------
    images : array-like, shape (N, H, W, C)
    labels : array-like, shape (N,) or (N, K)
    batch_size : int
    augment : callable or None
        Called as ``augment(images, training=True)`` on each batch (e.g. ``augmentation_layers()``).
    shuffle : bool
        Reshuffle every epoch (set ``False`` for validation and test data).
    seed : int or None
        Seeds the shuffle.
    cache : bool
        Keep the decoded, un-augmented arrays in memory after the first epoch.

    Returns
    -------
    tf.data.Dataset
        Yields ``(images float32 (B, H, W, C), labels)``.

    Examples
    --------
    >>> ds = make_dataset(np.zeros((5, 8, 8, 1)), np.arange(5), batch_size=2, shuffle=False)
    >>> [int(y.shape[0]) for _, y in ds]
    [2, 2, 1]
    """
    import tensorflow as tf

    x = as_array(images, "images", ndim=4).astype(np.float32, copy=False)
    y = as_array(labels, "labels", min_ndim=1)
    if len(y) != len(x):
        raise ValueError(f"images and labels must have the same length, got {len(x)} and {len(y)}")
    if len(x) == 0:
        raise ValueError("images: expected at least one image, got none")
    if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"batch_size: expected a positive int, got {batch_size!r}")
    if augment is not None and not callable(augment):
        raise TypeError(f"augment: expected a callable (e.g. augmentation_layers()) or None, "
                        f"got {type(augment).__name__}")

    ds = tf.data.Dataset.from_tensor_slices((x, y))
    if cache:
        ds = ds.cache()
    if shuffle:
        ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(int(batch_size))
    if augment is not None:
        ds = ds.map(lambda xb, yb: (augment(xb, training=True), yb), num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)

