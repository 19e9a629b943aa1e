"""medlab.augment: anatomy-aware augmentation layers and the tf.data pipeline (notebook 08)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medlab import augment


def _lateral_batch(n=64, size=32):
    """Images bright on their left half only."""
    x = np.zeros((n, size, size, 1), np.float32)
    x[:, 4:-4, 3:size // 2 - 2] = 2.0
    return x - x.mean()


def _left_minus_right(x):
    x = np.asarray(x)
    half = x.shape[2] // 2
    return x[:, :, :half].mean(axis=(1, 2, 3)) - x[:, :, -half:].mean(axis=(1, 2, 3))


def test_layers_keep_shape_dtype_and_change_images():
    x = _lateral_batch()
    out = np.asarray(augment.augmentation_layers(seed=0)(x, training=True))
    assert out.shape == x.shape and out.dtype == np.float32
    assert np.mean(np.abs(out - x).mean(axis=(1, 2, 3)) > 1e-3) > 0.9


def test_layers_are_identity_at_inference():
    x = _lateral_batch(8)
    aug = augment.augmentation_layers(seed=0, contrast=0.3, noise=0.2)
    np.testing.assert_array_equal(np.asarray(aug(x, training=False)), x)


def test_no_flip_by_default_and_flip_on_request():
    x = _lateral_batch()
    kept = _left_minus_right(augment.augmentation_layers(seed=1)(x, training=True)) > 0
    assert kept.all()
    flipped = _left_minus_right(augment.augmentation_layers(seed=1, flip_left_right=True)(x, training=True)) > 0
    assert 0.2 < flipped.mean() < 0.8  # about half the draws are mirrored


def test_contrast_keeps_negative_values():
    x = _lateral_batch(16)
    out = np.asarray(augment.augmentation_layers(rotation=0, zoom=0, translation=0, contrast=0.5, seed=0)(
        x, training=True))
    assert (out < 0).mean() > 0.5 * (x < 0).mean()


def test_same_seed_same_augmentation():
    x = _lateral_batch(4)
    a = np.asarray(augment.augmentation_layers(seed=3)(x, training=True))
    b = np.asarray(augment.augmentation_layers(seed=3)(x, training=True))
    np.testing.assert_allclose(a, b)


def test_same_seed_different_seed():
    x = _lateral_batch(4)
    a = np.asarray(augment.augmentation_layers(seed=3)(x, training=True))
    c = np.asarray(augment.augmentation_layers(seed=4)(x, training=True))
    assert not np.allclose(a, c)


def test_nearest_interpolation_keeps_the_noise():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 32, 32, 1)).astype(np.float32)  # pure noise, standard deviation 1
    smooth = np.asarray(augment.augmentation_layers(seed=0)(x, training=True))
    kept = np.asarray(augment.augmentation_layers(seed=0, interpolation="nearest")(x, training=True))
    assert smooth.std() < 0.9 < kept.std()  # bilinear resampling averages the noise away
    assert set(np.unique(kept)) <= set(np.unique(x))  # nearest only moves pixels


def test_all_layers_off_is_identity():
    aug = augment.augmentation_layers(rotation=0, zoom=0, translation=0)
    assert len(aug.layers) == 0


@pytest.mark.parametrize("kwargs, name", [
    (dict(rotation=-0.1), "rotation"), (dict(zoom=1.5), "zoom"), (dict(translation=0.7), "translation"),
    (dict(noise=2.0), "noise"), (dict(fill_mode="mirror"), "fill_mode"),
    (dict(interpolation="bicubic"), "interpolation"), (dict(value_range=(1, 0)), "value_range"),
])
def test_layers_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        augment.augmentation_layers(**kwargs)


@pytest.mark.parametrize("kwargs, name", [(dict(seed=1.5), "seed"), (dict(rotation="big"), "rotation"),
                                          (dict(value_range=5), "value_range")])
def test_layers_bad_types(kwargs, name):
    with pytest.raises(TypeError, match=name):
        augment.augmentation_layers(**kwargs)


# ---------------------------------------------------------------- make_dataset

def _indexed(n, size=4):
    images = np.repeat(np.arange(n, dtype=np.float32), size * size).reshape(n, size, size, 1)
    labels = (np.arange(n) * 7) % 3
    return images, labels


def _collect(ds):
    xs, ys = [], []
    for xb, yb in ds:
        xs.append(xb.numpy()[:, 0, 0, 0])
        ys.append(yb.numpy())
    return np.concatenate(xs), np.concatenate(ys)


def test_dataset_batches_in_order_without_shuffle():
    images, labels = _indexed(10)
    ds = augment.make_dataset(images, labels, batch_size=4, shuffle=False)
    sizes = [len(y) for _, y in ds]
    assert sizes == [4, 4, 2]
    x, y = _collect(ds)
    np.testing.assert_array_equal(x, np.arange(10))
    np.testing.assert_array_equal(y, labels)


def test_dataset_shuffles_every_epoch_and_keeps_pairs():
    images, labels = _indexed(30)
    ds = augment.make_dataset(images, labels, batch_size=8, seed=0)
    x1, y1 = _collect(ds)
    x2, _ = _collect(ds)
    assert not np.array_equal(x1, np.arange(30)) and not np.array_equal(x1, x2)
    np.testing.assert_array_equal(y1, labels[x1.astype(int)])


def test_dataset_same_seed_same_order():
    images, labels = _indexed(20)
    a, _ = _collect(augment.make_dataset(images, labels, batch_size=8, seed=5))
    b, _ = _collect(augment.make_dataset(images, labels, batch_size=8, seed=5))
    np.testing.assert_array_equal(a, b)


def test_dataset_fresh_augmentation_each_epoch():
    import tensorflow as tf

    images, labels = _indexed(12)

    def jitter(x, training=False):
        return x + 0.5 * tf.random.uniform(tf.shape(x)) if training else x

    ds = augment.make_dataset(images, labels, batch_size=4, augment=jitter, seed=0)
    x1 = np.concatenate([xb.numpy() for xb, _ in ds])
    x2 = np.concatenate([xb.numpy() for xb, _ in ds])
    assert x1.dtype == np.float32
    assert not np.allclose(np.sort(x1.ravel()), np.sort(x2.ravel()))  # cache is before the random map


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 40), batch_size=st.integers(1, 16))
def test_dataset_yields_every_sample_once(n, batch_size):
    images, labels = _indexed(n, size=2)
    x, y = _collect(augment.make_dataset(images, labels, batch_size=batch_size, seed=1))
    np.testing.assert_array_equal(np.sort(x), np.arange(n))
    np.testing.assert_array_equal(y, labels[x.astype(int)])


@pytest.mark.parametrize("images, labels, kwargs, err, name", [
    (np.zeros((4, 8, 8)), np.zeros(4), {}, ValueError, "images"),
    (np.zeros((4, 8, 8, 1)), np.zeros(3), {}, ValueError, "labels"),
    (np.zeros((0, 8, 8, 1)), np.zeros(0), {}, ValueError, "images"),
    (np.zeros((4, 8, 8, 1)), np.zeros(4), {"batch_size": 0}, ValueError, "batch_size"),
    (np.zeros((4, 8, 8, 1)), np.zeros(4), {"augment": "flip"}, TypeError, "augment"),
    (np.full((4, 8, 8, 1), np.nan), np.zeros(4), {}, ValueError, "images"),
])
def test_dataset_bad_input(images, labels, kwargs, err, name):
    with pytest.raises(err, match=name):
        augment.make_dataset(images, labels, **kwargs)
