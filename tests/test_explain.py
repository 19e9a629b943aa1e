"""medlab.explain (notebook 07): Grad-CAM, integrated gradients, occlusion, weight randomization."""

import keras
import numpy as np
import pytest

from medlab import explain
from medlab.models import small_cnn


def _set(model, seed=0, scale=0.5):
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0, scale, w.shape).astype(np.float32) for w in model.get_weights()])
    return model


def _cam_model(activation=None, n_out=1):
    """Input -> Conv2D(3, relu) 'conv' (same size) -> GAP -> Dense: Grad-CAM is then exactly CAM."""
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Conv2D(3, 3, padding="same", activation="relu", name="conv")(inputs)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = keras.layers.Dense(n_out, activation=activation, name="head")(x)
    return _set(keras.Model(inputs, outputs))


def _linear_model():
    inputs = keras.Input((6, 6, 1))
    outputs = keras.layers.Dense(1, name="head")(keras.layers.Flatten()(inputs))
    return _set(keras.Model(inputs, outputs), seed=3)


@pytest.fixture(scope="module")
def cnn():
    return small_cnn((32, 32, 1), filters=(8, 16))


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(1).normal(size=(3, 8, 8, 1)).astype(np.float32)


# ---------------------------------------------------------------- layers

def test_last_conv_layer_of_small_cnn(cnn):
    assert explain.last_conv_layer(cnn) == "block2_relu"
    assert explain.last_conv_layer(small_cnn((32, 32, 1))) == "block3_relu"
    assert "block1_conv" in explain.feature_map_layers(cnn) and "gap" not in explain.feature_map_layers(cnn)


def test_last_conv_layer_sequential_and_trailing_pool():
    model = keras.Sequential([keras.Input((16, 16, 1)), keras.layers.Conv2D(4, 3, activation="relu", name="c1"),
                              keras.layers.Conv2D(4, 3, name="c2"), keras.layers.ReLU(name="act"),
                              keras.layers.MaxPooling2D(name="pool"), keras.layers.GlobalAveragePooling2D(),
                              keras.layers.Dense(1)])
    assert explain.last_conv_layer(model) == "act"  # follows the activation, stops before pooling


def test_last_conv_layer_without_convolutions():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, name="dense")])
    with pytest.raises(ValueError, match="no convolution"):
        explain.last_conv_layer(model)


def test_layers_with_weights_order(cnn):
    assert explain.layers_with_weights(cnn) == ["block1_conv", "block1_bn", "block2_conv", "block2_bn", "head"]


# ---------------------------------------------------------------- Grad-CAM

def test_grad_cam_equals_cam_for_a_gap_linear_head(images):
    model = _cam_model()
    weights = model.get_weights()
    weights[-2][:, 0] = [1.0, -0.5, 0.8]  # two channels for the class, one against
    model.set_weights(weights)
    maps = explain.grad_cam(model, images, layer_name="conv")
    fmaps = keras.Model(model.input, model.get_layer("conv").output)(images).numpy()
    w = model.get_layer("head").kernel.numpy()[:, 0]
    cam = np.maximum(fmaps @ w, 0)  # Zhou et al.'s CAM
    cam = cam / cam.max(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(maps, cam, atol=1e-5)


def test_grad_cam_uses_the_logit_of_sigmoid_and_softmax_heads(images):
    linear = _cam_model(None, n_out=2)
    for activation in ("sigmoid", "softmax"):
        model = _cam_model(activation, n_out=2)
        model.set_weights(linear.get_weights())
        for c in (0, 1):
            np.testing.assert_allclose(explain.grad_cam(model, images, layer_name="conv", class_index=c),
                                       explain.grad_cam(linear, images, layer_name="conv", class_index=c), atol=1e-5)


def test_grad_cam_shape_range_and_default_layer(cnn):
    x = np.random.default_rng(0).normal(size=(5, 32, 32, 1))
    maps = explain.grad_cam(cnn, x, batch_size=2)
    assert maps.shape == (5, 32, 32) and maps.dtype == np.float32
    assert maps.min() >= 0 and maps.max() <= 1
    np.testing.assert_allclose(maps, explain.grad_cam(cnn, x, layer_name="block2_relu"), atol=1e-6)


def test_grad_cam_flat_map_stays_zero():
    model = _cam_model()
    w = model.get_weights()
    w[-2][:] = -1.0  # every channel votes against the class: the ReLU leaves nothing
    model.set_weights(w)
    maps = explain.grad_cam(model, np.abs(np.random.default_rng(0).normal(size=(2, 8, 8, 1))), layer_name="conv")
    assert np.all(maps == 0)


def test_grad_cam_bad_input(cnn):
    x = np.zeros((2, 32, 32, 1))
    with pytest.raises(ValueError, match="layer_name.*block1_conv"):
        explain.grad_cam(cnn, x, layer_name="feature_extractor")
    with pytest.raises(ValueError, match="layer_name.*4-D"):
        explain.grad_cam(cnn, x, layer_name="gap")
    with pytest.raises(ValueError, match="images"):
        explain.grad_cam(cnn, np.zeros((2, 32, 32)))
    with pytest.raises(ValueError, match="images"):
        explain.grad_cam(cnn, np.zeros((2, 32, 32, 3)))
    with pytest.raises(ValueError, match="class_index"):
        explain.grad_cam(cnn, x, class_index=1)
    with pytest.raises(TypeError, match="model"):
        explain.grad_cam("model.h5", x)


# ---------------------------------------------------------------- integrated gradients

def test_integrated_gradients_exact_for_a_linear_model():
    model = _linear_model()
    x = np.random.default_rng(2).normal(size=(2, 6, 6, 1)).astype(np.float32)
    base = np.full((6, 6, 1), 0.5, np.float32)
    ig = explain.integrated_gradients(model, x, baseline=base, steps=4)
    w = model.get_layer("head").kernel.numpy()[:, 0].reshape(6, 6)
    np.testing.assert_allclose(ig, (x[..., 0] - 0.5) * w, rtol=1e-4, atol=1e-5)


def test_integrated_gradients_completeness(images):
    model = _cam_model()
    ig = explain.integrated_gradients(model, images, steps=128)
    gap = model(images)[:, 0].numpy() - model(np.zeros_like(images))[:, 0].numpy()
    np.testing.assert_allclose(ig.sum(axis=(1, 2)), gap, atol=0.02 * np.abs(gap).max() + 1e-4)


def test_integrated_gradients_bad_input(images):
    model = _cam_model()
    with pytest.raises(ValueError, match="baseline"):
        explain.integrated_gradients(model, images, baseline=np.zeros((5, 5)))
    with pytest.raises(ValueError, match="steps"):
        explain.integrated_gradients(model, images, steps=0)
    with pytest.raises(TypeError, match="steps"):
        explain.integrated_gradients(model, images, steps=2.5)


# ---------------------------------------------------------------- occlusion

def test_occlusion_single_pixel_of_a_linear_model():
    model = _linear_model()
    x = np.random.default_rng(4).normal(size=(2, 6, 6, 1)).astype(np.float32)
    occ = explain.occlusion_map(model, x, patch=1, stride=1, fill=0.0)
    w = model.get_layer("head").kernel.numpy()[:, 0].reshape(6, 6)
    np.testing.assert_allclose(occ, x[..., 0] * w, rtol=1e-4, atol=1e-5)


def test_occlusion_patches_average_over_coverage():
    model = _linear_model()
    x = np.ones((1, 6, 6, 1), np.float32)
    occ = explain.occlusion_map(model, x, patch=3, stride=3, fill="mean")  # fill = 1: nothing changes
    np.testing.assert_allclose(occ, 0.0, atol=1e-5)
    occ = explain.occlusion_map(model, x, patch=4, stride=2, fill=0.0)  # positions 0, 2 per axis
    w = model.get_layer("head").kernel.numpy()[:, 0].reshape(6, 6)
    drops = {(r, c): w[r:r + 4, c:c + 4].sum() for r in (0, 2) for c in (0, 2)}
    assert np.isclose(occ[0, 0, 0], drops[0, 0], atol=1e-4)
    assert np.isclose(occ[0, 3, 3], np.mean(list(drops.values())), atol=1e-4)


def test_occlusion_bad_input(images):
    model = _cam_model()
    with pytest.raises(ValueError, match="stride"):
        explain.occlusion_map(model, images, patch=2, stride=3)
    with pytest.raises(ValueError, match="patch"):
        explain.occlusion_map(model, images, patch=9)
    with pytest.raises(ValueError, match="fill"):
        explain.occlusion_map(model, images, patch=2, stride=2, fill="median")


# ---------------------------------------------------------------- randomization

def test_randomize_weights_cascade(cnn):
    before = [w.copy() for w in cnn.get_weights()]
    rand = explain.randomize_weights(cnn, seed=0, layers=["block2_conv", "head"])
    np.testing.assert_array_equal(np.concatenate([w.ravel() for w in cnn.get_weights()]),
                                  np.concatenate([w.ravel() for w in before]))  # original untouched
    for name in ("block1_conv", "block1_bn", "block2_bn"):
        for a, b in zip(rand.get_layer(name).get_weights(), cnn.get_layer(name).get_weights()):
            np.testing.assert_array_equal(a, b)
    for name in ("block2_conv", "head"):
        assert not np.allclose(rand.get_layer(name).kernel, cnn.get_layer(name).kernel)


def test_randomize_weights_is_seeded_and_resets_batch_norm(cnn):
    a = explain.randomize_weights(cnn, seed=1)
    b = explain.randomize_weights(cnn, seed=1)
    c = explain.randomize_weights(cnn, seed=2)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    assert not np.allclose(a.get_layer("block1_conv").kernel, c.get_layer("block1_conv").kernel)
    bn = a.get_layer("block1_bn")
    np.testing.assert_array_equal(bn.gamma, 1.0)
    np.testing.assert_array_equal(bn.moving_mean, 0.0)


def test_randomize_weights_bad_input(cnn):
    with pytest.raises(ValueError, match="layers.*block1_conv"):
        explain.randomize_weights(cnn, 0, layers=["feature_extractor"])
    with pytest.raises(TypeError, match="layers"):
        explain.randomize_weights(cnn, 0, layers="head")
    with pytest.raises(TypeError, match="seed"):
        explain.randomize_weights(cnn, "zero")
