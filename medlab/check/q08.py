"""Checkers for notebook 08 (optimizing training: augmentation in a tf.data pipeline)."""

from __future__ import annotations

import numpy as np

from ._core import expect, run_checks


def _reference_build_augmentation(seed=None):
    from ..augment import augmentation_layers

    return augmentation_layers(rotation=0.03, zoom=0.1, translation=0.08, interpolation="nearest", seed=seed)


def _test_scan(size=40):
    """A z-scored, lateralized test image: a large bright 'liver' in the top-left quadrant."""
    yy, xx = np.mgrid[0:size, 0:size] / size
    img = 0.2 * np.sin(9 * xx) * np.cos(7 * yy)
    img += ((yy - 0.32) ** 2 / 0.2**2 + (xx - 0.3) ** 2 / 0.22**2 <= 1) * 1.0
    img = (img - img.mean()) / img.std()
    return img[None, :, :, None].astype(np.float32)


def _as_numpy(x):
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x)


def build_augmentation(student_fn):
    """Check ``build_augmentation(seed=None) -> layer``: a random, anatomy-aware augmentation.

    Called as ``aug(images, training=True)`` it must keep the shape and dtype, change the images
    mildly, never mirror them, and keep negative (z-scored) intensities; with ``training=False``
    it must return the images unchanged. The same seed must give the same augmentation, and
    another seed another one.

    Examples
    --------
    >>> from medlab.check import q08
    >>> fn = q08.build_augmentation(q08._reference_build_augmentation)
    ✓ build_augmentation: all 7 cases pass.
    """
    n = 96
    base = _test_scan()
    batch = np.repeat(base, n, axis=0)
    width = base.shape[2]

    def augmented(f, x=batch, seed=0):
        aug = f(seed=seed)
        expect(callable(aug), f"build_augmentation should return a layer (callable), got {type(aug).__name__}")
        return aug, _as_numpy(aug(x.copy(), training=True))

    def shape_dtype(f):
        _, out = augmented(f)
        expect(out.shape == batch.shape, f"expected the shape to stay {batch.shape}, got {out.shape}")
        expect(out.dtype == np.float32, f"expected float32 images, got {out.dtype}")
        expect(np.all(np.isfinite(out)), "the augmented images contain NaN or inf")

    def changes_when_training(f):
        _, out = augmented(f)
        changed = np.mean(np.abs(out - batch).mean(axis=(1, 2, 3)) > 0.02)
        expect(changed >= 0.8, f"only {changed:.0%} of the images changed with training=True; "
               "add random layers (RandomRotation, RandomZoom, RandomTranslation...)")
        distinct = len(np.unique(np.round(out.reshape(n, -1)[:, ::7], 3), axis=0))
        expect(distinct > n // 2, f"only {distinct} distinct results in {n} draws: every image got the same "
               "transformation; the layers must draw new parameters per image")

    def identity_at_inference(f):
        aug = f(seed=0)
        out = _as_numpy(aug(batch[:8].copy(), training=False))
        expect(out.shape == batch[:8].shape and np.allclose(out, batch[:8], atol=1e-5),
               "with training=False (validation, test, prediction) the images must come back unchanged; "
               "use Keras' random layers, which are the identity at inference")

    def no_flips(f):
        _, out = augmented(f)
        half = width // 2
        lr = out[:, :, :half].mean(axis=(1, 2, 3)) - out[:, :, -half:].mean(axis=(1, 2, 3))
        ud = out[:, :half].mean(axis=(1, 2, 3)) - out[:, -half:].mean(axis=(1, 2, 3))
        lr_kept, ud_kept = np.mean(lr > 0), np.mean(ud > 0)
        expect(lr_kept >= 0.95, f"the bright structure on the image's left ended up on the right in "
               f"{1 - lr_kept:.0%} of {n} draws: no left-right flips (nor large rotations) - a mirrored "
               "axial slice puts the liver on the patient's left, an anatomy that almost never occurs")
        expect(ud_kept >= 0.95, f"the top-bottom layout was reversed in {1 - ud_kept:.0%} of {n} draws: "
               "no up-down flips or large rotations (front and back of the patient do not swap)")

    def keeps_intensities(f):
        _, out = augmented(f)
        neg_in, neg_out = np.mean(batch < 0), np.mean(out < 0)
        expect(neg_out >= 0.5 * neg_in, f"{neg_in:.0%} of the input pixels are negative (z-scores) but only "
               f"{neg_out:.0%} of the output: values were clipped at 0 (RandomContrast and RandomBrightness "
               "clip to value_range, (0, 255) by default)")

    def mild(f):
        _, out = augmented(f)
        x0 = batch.reshape(n, -1) - batch.reshape(n, -1).mean(1, keepdims=True)
        x1 = out.reshape(n, -1) - out.reshape(n, -1).mean(1, keepdims=True)
        corr = np.sum(x0 * x1, 1) / (np.linalg.norm(x0, axis=1) * np.linalg.norm(x1, axis=1) + 1e-12)
        expect(np.median(corr) >= 0.6, f"the augmented images hardly resemble the original (median correlation "
               f"{np.median(corr):.2f}, expected >= 0.6): keep rotations, zooms and shifts small")

    def reproducible(f):
        x = batch[:16]
        first = _as_numpy(f(seed=7)(x.copy(), training=True))
        again = _as_numpy(f(seed=7)(x.copy(), training=True))
        expect(np.allclose(first, again, atol=1e-5),
               "build_augmentation(seed=7) built twice augmented the same batch differently: the seed is ignored. "
               "Pass it on to every random layer (one derived seed per layer), so a run can be repeated exactly")
        other = _as_numpy(f(seed=8)(x.copy(), training=True))
        expect(not np.allclose(first, other, atol=1e-5),
               "build_augmentation(seed=7) and build_augmentation(seed=8) gave the same augmentation: the seed "
               "argument is replaced by a fixed number; derive the layers' seeds from it")

    cases = [("shape and dtype kept", shape_dtype), ("random changes in training mode", changes_when_training),
             ("identity in inference mode", identity_at_inference), ("no left-right or up-down flips", no_flips),
             ("negative intensities kept", keeps_intensities), ("mild transformations", mild),
             ("reproducible from its seed", reproducible)]
    return run_checks("build_augmentation", student_fn, _reference_build_augmentation, cases,
                      hint="keras.layers.Pipeline([RandomRotation(0.03), RandomZoom(0.1), "
                           "RandomTranslation(0.08, 0.08)]) with interpolation='nearest' and one seed per layer "
                           "derived from seed; no RandomFlip.")


def _reference_make_train_dataset(images, labels, augment, *, batch_size=16, seed=0):
    from ..augment import make_dataset

    return make_dataset(images, labels, batch_size=batch_size, augment=augment, shuffle=True, seed=seed)


def make_train_dataset(student_fn):
    """Check ``make_train_dataset(images, labels, augment, *, batch_size, seed) -> tf.data.Dataset``.

    The dataset must yield ``(images, labels)`` batches, keep every label with its image, call
    ``augment(images, training=True)``, draw fresh augmentations and a fresh order every epoch, and
    shuffle the whole data set (not within a small buffer).
    """
    import tensorflow as tf

    n, size = 20, 6
    index = np.arange(n)
    images = np.repeat(10.0 * index, size * size).reshape(n, size, size, 1).astype(np.float32)
    labels = (np.random.default_rng(0).permutation(n) % 2).astype(np.int64)

    def identity(x, training=False):
        return x

    def mark(x, training=False):  # like GaussianNoise or Dropout: does nothing unless training=True
        return x + 1000.0 if training else x

    def jitter(x, training=False):  # a random offset per image in [0, 1)
        return x + tf.random.uniform(tf.stack([tf.shape(x)[0], 1, 1, 1])) if training else x

    def epoch(f, augment):
        ds = f(images.copy(), labels.copy(), augment, batch_size=8, seed=0)
        expect(isinstance(ds, tf.data.Dataset), f"expected a tf.data.Dataset, got {type(ds).__name__}")
        return ds

    def one_pass(ds):
        xs, ys, sizes = [], [], []
        for element in ds:
            expect(isinstance(element, tuple) and len(element) == 2,
                   "each element should be an (images, labels) pair")
            xb, yb = (_as_numpy(t) for t in element)
            expect(xb.ndim == 4 and xb.shape[1:] == (size, size, 1),
                   f"expected image batches of shape (batch, {size}, {size}, 1), got {xb.shape}: batch the data")
            expect(xb.dtype == np.float32, f"expected float32 images, got {xb.dtype}")
            xs.append(xb.mean(axis=(1, 2, 3)))
            ys.append(yb.reshape(-1))
            sizes.append(len(xb))
        return np.concatenate(xs), np.concatenate(ys), sizes

    def batches(f):
        _, y, sizes = one_pass(epoch(f, identity))
        expect(sum(sizes) == n, f"one pass should yield all {n} images once, got {sum(sizes)}")
        expect(max(sizes) == 8, f"expected batches of batch_size=8, got batch sizes {sizes}")

    def labels_paired(f):
        x, y, _ = one_pass(epoch(f, identity))
        idx = np.round(x / 10).astype(int)
        expect(np.array_equal(np.sort(idx), index), "the images of one pass are not the original images, once each")
        expect(np.array_equal(y, labels[idx]), "labels no longer belong to their images: shuffle (images, labels) "
               "together, as one dataset of pairs, never two datasets shuffled on their own")

    def augment_training(f):
        x, y, _ = one_pass(epoch(f, mark))
        expect(np.all(x >= 1000), "augment did not change the images: call augment(images, training=True); "
               "layers like GaussianNoise are the identity unless training=True")
        idx = np.round((x - 1000) / 10).astype(int)
        expect(np.array_equal(y, labels[idx]), "labels changed: augment only the images and pass the labels through")

    def fresh_each_epoch(f):
        ds = epoch(f, jitter)
        x1, _, _ = one_pass(ds)
        x2, _, _ = one_pass(ds)
        u1 = np.zeros(n)
        u2 = np.zeros(n)
        u1[np.floor(x1 / 10).astype(int)] = x1 % 10
        u2[np.floor(x2 / 10).astype(int)] = x2 % 10
        expect(not np.allclose(u1, u2), "the augmented images are identical in two epochs: .cache() must come "
               "before .map(augment), or the first epoch's random draws are replayed forever")

    def reshuffled(f):
        ds = epoch(f, identity)
        orders = [np.round(one_pass(ds)[0] / 10).astype(int) for _ in range(3)]
        expect(not np.array_equal(orders[0], index), "the images come out in their original order: shuffle")
        expect(not np.array_equal(orders[0], orders[1]), "two epochs see the same order: reshuffle every "
               "epoch (shuffle's reshuffle_each_iteration=True, the default)")
        # a buffer of B images lets an image come out at most B - 1 places early; a full shuffle moves
        # some image at least n/2 places forward in one of three epochs (all but ~1e-5 of orders)
        jump = max(int((order - np.arange(n)).max()) for order in orders)
        expect(jump >= n // 2, f"in three epochs no image came out more than {jump} places before its turn: the "
               "shuffle buffer is smaller than the data set, so the order is only locally mixed; use "
               "shuffle(len(images))")

    cases = [("(images, labels) batches", batches), ("labels stay with their images", labels_paired),
             ("augment applied with training=True", augment_training),
             ("fresh augmentation every epoch", fresh_each_epoch), ("reshuffled every epoch", reshuffled)]
    return run_checks("make_train_dataset", student_fn, _reference_make_train_dataset, cases,
                      hint="from_tensor_slices((images, labels)) -> cache() -> shuffle(len(images), seed=seed) -> "
                           "batch(batch_size) -> map(lambda x, y: (augment(x, training=True), y), "
                           "num_parallel_calls=tf.data.AUTOTUNE) -> prefetch(tf.data.AUTOTUNE)")
