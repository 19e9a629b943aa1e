"""Checker of notebook 07: the reference passes, the stub falls back, wrong answers are rejected."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from medlab.check import q07


def stub(*args, **kwargs):
    raise NotImplementedError()


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


def test_reference_passes(capsys):
    fn = q07.grad_cam(q07._reference_grad_cam)
    assert fn is q07._reference_grad_cam
    assert "✓" in capsys.readouterr().out


def test_stub_falls_back(capsys):
    assert q07.grad_cam(stub) is q07._reference_grad_cam
    assert "not written yet" in capsys.readouterr().out


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


@pytest.mark.parametrize("variant", [
    lambda m, x, name: _grad_cam(m, x, name),
    lambda m, x, name: _grad_cam(m, x, name, logit=True),  # the logit instead of the probability: same map
    _scipy_zoom,  # another (linear) upsampling
], ids=["keras-example", "logit", "scipy-zoom"])
def test_correct_variants_pass(variant):
    assert q07.grad_cam(variant) is variant


@pytest.mark.parametrize("wrong, message", [
    (lambda m, x, name: _grad_cam(m, x, name, relu=False), "gradient-weighted sum"),  # min-max, no ReLU
    (lambda m, x, name: (lambda c: c / np.abs(c).max(axis=(1, 2), keepdims=True))(
        _grad_cam(m, x, name, relu=False, norm=False)), "negative values"),
    (lambda m, x, name: _grad_cam(m, x, name, weight=False), "pooled gradient"),  # class-agnostic mean
    (lambda m, x, name: _grad_cam(m, x, name, pool=False), "conv1"),  # gradient x activation, not pooled
    (lambda m, x, name: _grad_cam(m, x, name, force_layer="conv2"), "conv1"),  # ignores layer_name
    (lambda m, x, name: _grad_cam(m, x, name, norm=False), "maximum"),
    (lambda m, x, name: _grad_cam(m, x, name, method="nearest"), "bilinear"),
    (lambda m, x, name: _grad_cam(m, x, name, method="bicubic"), "overshoot of a cubic interpolation"),
    (lambda m, x, name: _grad_cam(m, x, name, method="lanczos3"), "overshoot of a cubic interpolation"),
    (lambda m, x, name: _grad_cam(m, x, name)[..., None], "shape"),
])
def test_wrong_answers_rejected(wrong, message):
    with pytest.raises(AssertionError, match=message):
        q07.grad_cam(wrong)


def test_bicubic_is_not_blamed_on_the_relu():
    with pytest.raises(AssertionError) as err:
        q07.grad_cam(lambda m, x, name: _grad_cam(m, x, name, method="bicubic"))
    assert "bicubic" in str(err.value) and "apply a ReLU" not in str(err.value)


def test_missing_relu_is_not_blamed_on_the_upsampling():
    with pytest.raises(AssertionError) as err:
        q07.grad_cam(lambda m, x, name: (lambda c: c / np.abs(c).max(axis=(1, 2), keepdims=True))(
            _grad_cam(m, x, name, relu=False, norm=False)))
    assert "apply a ReLU" in str(err.value) and "cubic" not in str(err.value)


def test_input_gradient_saliency_rejected():
    def saliency(model, images, layer_name):
        x = tf.Variable(np.asarray(images, np.float32))
        with tf.GradientTape() as tape:
            score = model(x, training=False)[:, 0]
        g = np.abs(tape.gradient(score, x).numpy()[..., 0])
        return g / g.max(axis=(1, 2), keepdims=True)

    with pytest.raises(AssertionError, match="grad_cam"):
        q07.grad_cam(saliency)


def test_in_place_rejected():
    def in_place(model, images, layer_name):
        cam = _grad_cam(model, images, layer_name)
        images[:] = 0
        return cam

    with pytest.raises(AssertionError, match="in place"):
        q07.grad_cam(in_place)


def test_crash_is_reported():
    with pytest.raises(AssertionError, match="raised KeyError"):
        q07.grad_cam(lambda m, x, name: {}["boom"])
