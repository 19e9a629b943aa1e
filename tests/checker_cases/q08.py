"""Notebook 08's checkers: the wrong answers each must reject (contract: tests/test_checkers.py)."""

import keras
import tensorflow as tf

from medlab.check import q08

# ---------------------------------------------------------------- build_augmentation

def _blind_flip(seed=None):  # the bank's horizontal_flip=True
    return keras.layers.Pipeline([keras.layers.RandomFlip("horizontal", seed=seed),
                                  keras.layers.RandomRotation(0.03, seed=seed)])


def _any_angle(seed=None):  # rotations up to +-180 degrees turn the anatomy upside down
    return keras.layers.Pipeline([keras.layers.RandomRotation(0.5, seed=seed)])


def _nothing_random(seed=None):
    return keras.layers.Pipeline([keras.layers.Rescaling(1.0)])


def _noise_always_on(seed=None):
    def aug(x, training=None):
        return x + tf.random.normal(tf.shape(x), stddev=0.3, seed=seed)
    return aug


def _contrast_default_range(seed=None):  # clips every negative z-score to 0
    return keras.layers.Pipeline([keras.layers.RandomRotation(0.03, seed=seed),
                                  keras.layers.RandomContrast(0.2, seed=seed)])


def _too_strong(seed=None):  # noise twice the signal's standard deviation buries small lesions
    rotate = keras.layers.RandomRotation(0.03, seed=seed)

    def aug(x, training=False):
        x = rotate(x, training=training)
        return x + 2.0 * tf.random.normal(tf.shape(x), seed=seed) if training else x
    return aug


def _cast_to_uint8(seed=None):
    rotate = keras.layers.RandomRotation(0.03, seed=seed)
    return lambda x, training=True: tf.cast(rotate(x, training=training) * 50 + 128, tf.uint8)


def _ignores_seed(seed=None):  # every build draws new random numbers: a run cannot be repeated
    return keras.layers.Pipeline([keras.layers.RandomRotation(0.03, fill_mode="nearest"),
                                  keras.layers.RandomTranslation(0.08, 0.08, fill_mode="nearest")])


def _fixed_seed(seed=None):  # the argument is replaced by a constant: every seed gives the same run
    return keras.layers.Pipeline([keras.layers.RandomRotation(0.03, fill_mode="nearest", seed=1),
                                  keras.layers.RandomTranslation(0.08, 0.08, fill_mode="nearest", seed=2)])


# ---------------------------------------------------------------- make_train_dataset

def _cache_after_map(images, labels, augment, *, batch_size=16, seed=0):
    ds = tf.data.Dataset.from_tensor_slices((images, labels)).shuffle(len(images), seed=seed).batch(batch_size)
    return ds.map(lambda x, y: (augment(x, training=True), y)).cache().prefetch(1)


def _no_training_flag(images, labels, augment, *, batch_size=16, seed=0):
    ds = tf.data.Dataset.from_tensor_slices((images, labels)).cache().shuffle(len(images), seed=seed)
    return ds.batch(batch_size).map(lambda x, y: (augment(x), y)).prefetch(1)


def _shuffled_apart(images, labels, augment, *, batch_size=16, seed=0):
    xs = tf.data.Dataset.from_tensor_slices(images).shuffle(len(images), seed=seed)
    ys = tf.data.Dataset.from_tensor_slices(labels).shuffle(len(images), seed=seed + 1)
    ds = tf.data.Dataset.zip((xs, ys)).batch(batch_size)
    return ds.map(lambda x, y: (augment(x, training=True), y))


def _not_shuffled(images, labels, augment, *, batch_size=16, seed=0):
    ds = tf.data.Dataset.from_tensor_slices((images, labels)).cache().batch(batch_size)
    return ds.map(lambda x, y: (augment(x, training=True), y))


def _same_order_every_epoch(images, labels, augment, *, batch_size=16, seed=0):
    ds = tf.data.Dataset.from_tensor_slices((images, labels)).cache()
    ds = ds.shuffle(len(images), seed=seed, reshuffle_each_iteration=False).batch(batch_size)
    return ds.map(lambda x, y: (augment(x, training=True), y))


def _small_shuffle_buffer(images, labels, augment, *, batch_size=16, seed=0):
    ds = tf.data.Dataset.from_tensor_slices((images, labels)).cache().shuffle(2, seed=seed)
    return ds.batch(batch_size).map(lambda x, y: (augment(x, training=True), y))


def _unbatched(images, labels, augment, *, batch_size=16, seed=0):
    ds = tf.data.Dataset.from_tensor_slices((images, labels)).cache().shuffle(len(images), seed=seed)
    return ds.map(lambda x, y: (augment(x, training=True), y))


CONTRACTS = [
    dict(checker=q08.build_augmentation, reference=q08._reference_build_augmentation, wrong=[
        ("seed ignored", _ignores_seed, "built twice augmented the same batch differently: the seed is ignored"),
        ("seed replaced by a constant", _fixed_seed, "gave the same augmentation: the seed argument is replaced"),
        ("the bank's horizontal flip", _blind_flip, "ended up on the right"),
        ("rotations up to 180 degrees", _any_angle,
         "ended up on the right in .* draws: no left-right flips \\(nor large rotations\\)"),
        ("nothing random", _nothing_random, "changed"),
        ("noise also at inference", _noise_always_on, "unchanged"),
        ("RandomContrast's default value range", _contrast_default_range, "clipped"),
        ("noise twice the signal", _too_strong, "resemble"),
        ("cast to uint8", _cast_to_uint8, "float32"),
    ]),
    dict(checker=q08.make_train_dataset, reference=q08._reference_make_train_dataset, wrong=[
        ("cache after the augmentation", _cache_after_map, "identical in two epochs"),
        ("no training flag", _no_training_flag, "training=True"),
        ("images and labels shuffled apart", _shuffled_apart, "labels no longer belong"),
        ("not shuffled", _not_shuffled, "original order"),
        ("same order every epoch", _same_order_every_epoch, "same order"),
        ("a shuffle buffer of 2 images", _small_shuffle_buffer, "shuffle buffer is smaller than the data set"),
        ("not batched", _unbatched, "batch"),
    ]),
]
