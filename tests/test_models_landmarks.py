import keras
import numpy as np
import pytest
import tensorflow as tf

from medlab.models import landmark_unet, radial_loss, soft_argmax


def _peaked(shape, points, height=40.0):
    h = np.zeros(shape, np.float32)
    for k, (r, c) in enumerate(points):
        h[0, r, c, k] = height
    return h


def test_soft_argmax_finds_sharp_peaks_row_then_col():
    out = keras.ops.convert_to_numpy(soft_argmax(_peaked((1, 6, 9, 2), [(1, 7), (4, 2)])))
    np.testing.assert_allclose(out, [[[1, 7], [4, 2]]], atol=1e-3)


def test_soft_argmax_is_sub_pixel_and_uniform_gives_the_centre():
    h = np.full((1, 5, 5, 1), -30.0, np.float32)
    h[0, 2, 1, 0] = h[0, 2, 2, 0] = 30.0  # two equal peaks: the mean lies between them
    np.testing.assert_allclose(keras.ops.convert_to_numpy(soft_argmax(h)), [[[2.0, 1.5]]], atol=1e-4)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(soft_argmax(np.zeros((1, 5, 7, 1)))), [[[2.0, 3.0]]])


def test_soft_argmax_is_differentiable():
    x = tf.Variable(np.random.default_rng(0).normal(size=(1, 4, 4, 1)).astype("float32"))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(soft_argmax(x))
    grad = tape.gradient(y, x)
    assert grad is not None and float(tf.reduce_max(tf.abs(grad))) > 0


def test_soft_argmax_bad_rank():
    with pytest.raises(ValueError, match="heatmaps: expected 4 dimensions"):
        soft_argmax(np.zeros((4, 4, 1)))


def test_radial_loss_is_mean_distance():
    assert float(radial_loss(np.zeros((1, 2, 2)), np.array([[[3.0, 4.0], [0.0, 0.0]]]))) == pytest.approx(2.5, 1e-3)


def test_landmark_unet_shapes_and_stride_mapping():
    model = landmark_unet((32, 32, 1), 2, depth=2, base_filters=4, stride=2)
    assert tuple(model.output.shape) == (None, 2, 2)
    assert tuple(model.get_layer("heatmaps").output.shape) == (None, 16, 16, 2)
    # a constant heatmap reads out its centre, 7.5 in heatmap pixels: 15.5 in image pixels (the image's centre)
    readout = landmark_unet((32, 32, 1), 1, depth=2, base_filters=4, stride=2,
                            readout=lambda h: soft_argmax(h * 0.0))
    np.testing.assert_allclose(readout.predict(np.zeros((1, 32, 32, 1)), verbose=0), [[[15.5, 15.5]]], atol=1e-5)
    full = landmark_unet((32, 32, 1), 1, depth=2, base_filters=4, stride=1)
    assert tuple(full.get_layer("heatmaps").output.shape) == (None, 32, 32, 1)


@pytest.mark.parametrize("kwargs, match", [
    (dict(stride=3), "stride"), (dict(stride=8), "stride"), (dict(n_landmarks=0), "n_landmarks"),
    (dict(input_shape=(30, 30, 1)), "divisible"),
])
def test_landmark_unet_bad_arguments(kwargs, match):
    args = dict(input_shape=(32, 32, 1), n_landmarks=2, depth=2)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        landmark_unet(args.pop("input_shape"), args.pop("n_landmarks"), **args)


def test_landmark_unet_returns_flat_heatmaps_in_landmark_order():
    model = landmark_unet((32, 32, 1), 2, depth=2, base_filters=4, stride=2, return_heatmaps=True)
    x = np.random.default_rng(0).normal(size=(1, 32, 32, 1)).astype("float32")
    coords, flat = model.predict(x, verbose=0)
    heat = keras.Model(model.input, model.get_layer("heatmaps").output).predict(x, verbose=0)
    assert coords.shape == (1, 2, 2) and flat.shape == (1, 2, 256)
    np.testing.assert_allclose(flat[0, 1], heat[0, :, :, 1].ravel(), rtol=1e-5, atol=1e-6)
