"""Checkers for notebook 07 (interpretability)."""

from __future__ import annotations

import numpy as np

from ._core import expect, run_checks

#: Per-image Pearson correlation with the reference map that a correct Grad-CAM reaches. Only
#: the upsampling may differ: bilinear (asked for) gives 1.0, SciPy's ``zoom(order=1)`` about 0.985,
#: bicubic clipped at 0 about 0.995; nearest neighbour (blocky maps, 0.95-0.97) and every wrong answer tried fall below.
MIN_CORRELATION = 0.975
#: A cubic upsampling (bicubic, Lanczos) of a map in [0, 1] overshoots below 0 by a few hundredths (at
#: most about 0.08 on the checker's model); a map without its ReLU goes far lower (about -0.5 there).
MAX_OVERSHOOT = 0.2


def _reference_grad_cam(model, images, layer_name=None):
    from ..explain import grad_cam

    return grad_cam(model, images, layer_name=layer_name)


def _tiny_model():
    """A fixed two-layer CNN on 16 x 16 images with mixed-sign weights (conv1: 16 x 16, conv2: 8 x 8)."""
    import keras

    inputs = keras.Input((16, 16, 1))
    x = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="conv1")(inputs)
    x = keras.layers.MaxPooling2D(name="pool")(x)
    x = keras.layers.Conv2D(6, 3, padding="same", activation="relu", name="conv2")(x)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = keras.layers.Dense(1, activation="sigmoid", name="head")(x)
    model = keras.Model(inputs, outputs, name="tiny_cnn")
    rng = np.random.default_rng(2017)
    model.set_weights([rng.normal(0, s, w.shape).astype(np.float32) * (1 if w.ndim > 1 else 0.3)
                       for w, s in zip(model.get_weights(), (0.5, 0.3, 0.25, 0.2, 1.5, 0.2))])
    return model


def _tiny_images():
    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[:16, :16]
    images = 0.3 * rng.normal(size=(4, 16, 16, 1))
    for i, (cy, cx) in enumerate([(4, 4), (11, 5), (6, 12), (12, 11)]):
        images[i, :, :, 0] += 2.0 * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / 6.0)
    return images.astype(np.float32)


def _as_maps(out, n, size):
    if hasattr(out, "numpy"):
        out = out.numpy()
    try:
        out = np.asarray(out, dtype=float)
    except (TypeError, ValueError):
        raise AssertionError(f"expected a NumPy array of maps, got {type(out).__name__}") from None
    expect(out.shape == (n, size, size),
           f"expected maps of shape {(n, size, size)} (one map per image, upsampled to the image size, no "
           f"channel axis), got {out.shape}")
    expect(np.all(np.isfinite(out)), "the maps contain NaN or inf (a division by a zero maximum?)")
    return out


def _correlations(got, expected):
    out = []
    for g, e in zip(got, expected):
        g, e = g.ravel() - g.mean(), e.ravel() - e.mean()
        denom = np.sqrt((g * g).sum() * (e * e).sum())
        out.append(float((g * e).sum() / denom) if denom > 0 else 0.0)
    return np.array(out)


def _expect_correlated(maps, reference, layer, advice):
    r = _correlations(maps, reference)
    if np.all(r >= MIN_CORRELATION):
        return
    close = np.all(r >= 0.9)
    expect(False, f"layer {layer!r}: correlation with the reference map per image is {np.round(r, 3)}, expected >= "
           f"{MIN_CORRELATION}. " + ("Close: upsample with bilinear interpolation (tf.image.resize's default), not "
                                    "nearest neighbour" if close else advice))


def grad_cam(student_fn):
    """Check ``grad_cam(model, images, layer_name) -> maps (N, H, W)`` in [0, 1].

    The maps are compared with ``medlab.explain.grad_cam`` on a fixed tiny CNN, image by image, by
    their Pearson correlation (at least ``MIN_CORRELATION``), for two layers: the last one, and an
    earlier one whose gradients vary over the positions.

    Examples
    --------
    >>> from medlab.check import q07
    >>> fn = q07.grad_cam(q07._reference_grad_cam)
    ✓ grad_cam: all 5 cases pass.
    """
    model = _tiny_model()
    images = _tiny_images()
    n, size = len(images), images.shape[1]

    def shape_and_range(f):
        maps = _as_maps(f(model, images.copy(), "conv2"), n, size)
        if maps.min() < -1e-6:
            overshoot = maps.min() >= -MAX_OVERSHOOT and np.all(
                _correlations(np.maximum(maps, 0), _reference_grad_cam(model, images, "conv2")) >= MIN_CORRELATION)
            expect(not overshoot, f"the maps dip slightly below 0 (min {maps.min():.3g}) around their peaks, and "
                   "apart from that they match the reference: that is the overshoot of a cubic interpolation "
                   "(bicubic, Lanczos). Upsample with bilinear interpolation (tf.image.resize's default), which "
                   "never leaves the range of the low-resolution map")
            expect(False, f"the maps have negative values (min {maps.min():.3g}): apply a ReLU to the "
                   "weighted sum, Grad-CAM keeps only the features that raise the score")
        peaks = maps.max(axis=(1, 2))
        expect(np.allclose(peaks, 1.0, atol=2e-3),
               "each map should be divided by its own maximum, so every map peaks at 1; got peaks "
               f"{np.round(peaks, 3)}")

    def relu_zeros(f):
        maps = _as_maps(f(model, images.copy(), "conv2"), n, size)
        ref = _reference_grad_cam(model, images, "conv2")
        zero = ref == 0
        expect(zero.any(), "internal: the reference map has no zero pixels")
        expect(np.abs(maps[zero]).max() <= 0.1,
               f"where the gradient-weighted sum of the feature maps is negative the map must be 0, but it reaches "
               f"{np.abs(maps[zero]).max():.3f} there: weight each channel by its pooled gradient (some channels "
               "count against the class), sum, and apply the ReLU before normalizing")

    def matches_last_layer(f):
        maps = _as_maps(f(model, images.copy(), "conv2"), n, size)
        _expect_correlated(maps, _reference_grad_cam(model, images, "conv2"), "conv2",
                           "Weight each feature map by the mean of its gradient over the positions, sum over "
                           "channels, then ReLU")

    def matches_earlier_layer(f):
        maps = _as_maps(f(model, images.copy(), "conv1"), n, size)
        _expect_correlated(maps, _reference_grad_cam(model, images, "conv1"), "conv1",
                           "Use the layer named by layer_name, and average its gradients over the positions (one "
                           "weight per channel) rather than multiplying gradients and activations pixel by pixel")

    def input_untouched(f):
        x = images.copy()
        f(model, x, "conv2")
        expect(np.array_equal(x, images), "your function changed the images in place; work on a copy")

    cases = [("shape and range", shape_and_range), ("ReLU of the weighted sum", relu_zeros),
             ("matches the reference at layer 'conv2'", matches_last_layer),
             ("matches the reference at layer 'conv1'", matches_earlier_layer),
             ("input left unchanged", input_untouched)]
    return run_checks("grad_cam", student_fn, _reference_grad_cam, cases,
                      hint="grad_model = keras.Model(model.inputs, [model.get_layer(layer_name).output, "
                           "model.output]); in a tf.GradientTape take the gradient of the class score with respect "
                           "to the feature maps, average it over height and width (one weight per channel), weight "
                           "and sum the maps, ReLU, resize to the image size (bilinear) and divide each map by its "
                           "maximum.")
