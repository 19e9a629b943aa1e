"""Notebook 07's checker: the wrong answers it must reject (contract: tests/test_checkers.py)."""

import keras
import numpy as np
import tensorflow as tf

from medlab.check import q07


def _grad_cam(model, images, layer_name, *, relu=True, pool=True, weight=True, norm=True, method="bilinear",
              logit=False, force_layer=None):
    """A configurable Grad-CAM: the right answer with the defaults, a typical mistake with one switch."""
    grad_model = keras.Model(model.inputs, [model.get_layer(force_layer or layer_name).output, model.output])
    x = tf.constant(np.asarray(images, np.float32))
    with tf.GradientTape() as tape:
        fmaps, out = grad_model(x, training=False)
        score = out[:, 0]
        if logit:
            score = tf.math.log(score / (1 - score))
    grads = tape.gradient(score, fmaps)
    if not weight:
        cam = tf.reduce_mean(fmaps, axis=-1, keepdims=True)
    elif pool:
        cam = tf.reduce_sum(tf.reduce_mean(grads, axis=(1, 2), keepdims=True) * fmaps, axis=-1, keepdims=True)
    else:
        cam = tf.reduce_sum(grads * fmaps, axis=-1, keepdims=True)
    if relu:
        cam = tf.nn.relu(cam)
    cam = tf.image.resize(cam, x.shape[1:3], method=method).numpy()[..., 0]
    if norm:
        low = cam.min(axis=(1, 2), keepdims=True) if not relu else 0.0
        cam = (cam - low) / np.maximum(cam.max(axis=(1, 2), keepdims=True) - low, 1e-12)
    return cam


def _scipy_zoom(model, images, layer_name):
    from scipy.ndimage import zoom

    grad_model = keras.Model(model.inputs, [model.get_layer(layer_name).output, model.output])
    with tf.GradientTape() as tape:
        fmaps, out = grad_model(tf.constant(images), training=False)
        score = out[:, 0]
    grads = tape.gradient(score, fmaps)
    small = tf.nn.relu(tf.reduce_sum(tf.reduce_mean(grads, axis=(1, 2), keepdims=True) * fmaps, axis=-1)).numpy()
    factor = images.shape[1] / small.shape[1]
    cam = np.maximum(np.stack([zoom(m, factor, order=1) for m in small]), 0)
    return cam / cam.max(axis=(1, 2), keepdims=True)


def _relu_last(m, x, name):  # no ReLU, the signed map scaled by its largest magnitude
    return (lambda c: c / np.abs(c).max(axis=(1, 2), keepdims=True))(_grad_cam(m, x, name, relu=False, norm=False))


def _input_gradient_saliency(model, images, layer_name):  # a saliency map, not Grad-CAM
    x = tf.Variable(np.asarray(images, np.float32))
    with tf.GradientTape() as tape:
        score = model(x, training=False)[:, 0]
    g = np.abs(tape.gradient(score, x).numpy()[..., 0])
    return g / g.max(axis=(1, 2), keepdims=True)


def _in_place(model, images, layer_name):
    cam = _grad_cam(model, images, layer_name)
    images[:] = 0
    return cam


def _crashes(m, x, name):
    return {}["boom"]


CONTRACTS = [
    dict(checker=q07.grad_cam, reference=q07._reference_grad_cam, wrong=[
        ("no ReLU, min-max scaled", lambda m, x, name: _grad_cam(m, x, name, relu=False), "gradient-weighted sum"),
        ("no ReLU, scaled by the largest magnitude", _relu_last, "negative values"),
        ("class-agnostic mean of the maps", lambda m, x, name: _grad_cam(m, x, name, weight=False), "pooled gradient"),
        ("gradient times activation, not pooled", lambda m, x, name: _grad_cam(m, x, name, pool=False), "conv1"),
        ("layer_name ignored", lambda m, x, name: _grad_cam(m, x, name, force_layer="conv2"), "conv1"),
        ("not scaled to a maximum of 1", lambda m, x, name: _grad_cam(m, x, name, norm=False), "maximum"),
        ("nearest-neighbour upsampling", lambda m, x, name: _grad_cam(m, x, name, method="nearest"), "bilinear"),
        ("bicubic upsampling", lambda m, x, name: _grad_cam(m, x, name, method="bicubic"),
         "overshoot of a cubic interpolation"),
        ("Lanczos upsampling", lambda m, x, name: _grad_cam(m, x, name, method="lanczos3"),
         "overshoot of a cubic interpolation"),
        ("a channel axis kept", lambda m, x, name: _grad_cam(m, x, name)[..., None], "shape"),
        ("input-gradient saliency", _input_gradient_saliency, "grad_cam"),
        ("changes its input in place", _in_place, "in place"),
        ("crashes", _crashes, "raised KeyError"),
    ], accepted=[
        ("the Keras example", lambda m, x, name: _grad_cam(m, x, name)),
        ("the logit instead of the probability: same map", lambda m, x, name: _grad_cam(m, x, name, logit=True)),
        ("another linear upsampling: scipy.ndimage.zoom", _scipy_zoom),
    ]),
]
