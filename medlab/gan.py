"""A conditional GAN for image-to-image tasks (pix2pix, Isola et al. 2017): losses, one training
step with two gradient tapes, and a small training loop on random patches.

The generator maps a low-dose image to a denoised one; the discriminator sees the pair
``[low-dose, candidate]`` and returns patch logits. The losses are:

* discriminator: ``BCE(1, D(x, y)) + BCE(0, D(x, G(x)))``, halved as in pix2pix so that the
  discriminator learns at half the generator's pace;
* generator: ``BCE(1, D(x, G(x))) + l1_weight * mean|y - G(x)|``, the *non-saturating*
  adversarial loss (Goodfellow et al., 2014: minimizing ``-log D(G(x))`` instead of
  ``log(1 - D(G(x)))`` gives strong gradients while the discriminator still wins easily) plus
  an L1 term that ties the output to the clean image.

All losses take logits (``from_logits=True``): the sigmoid inside the cross-entropy is
numerically stable, a sigmoid layer followed by a plain cross-entropy is not.
"""

from __future__ import annotations

import time

import numpy as np

from ._validate import as_array, as_generator, check_range, same_shape

__all__ = ["discriminator_loss", "generator_loss", "gan_train_step", "train_gan"]


def _bce_with_logits(logits, value):
    import tensorflow as tf

    labels = tf.fill(tf.shape(logits), tf.cast(value, logits.dtype))
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits))


def discriminator_loss(real_logits, fake_logits):
    """``0.5 * (BCE(1, real_logits) + BCE(0, fake_logits))``, each averaged over all patches.

    Examples
    --------
    >>> import numpy as np
    >>> round(float(discriminator_loss(np.zeros((1, 4, 4, 1), "float32"), np.zeros((1, 4, 4, 1), "float32"))), 4)
    0.6931
    """
    import tensorflow as tf

    real_logits = tf.convert_to_tensor(real_logits, tf.float32)
    fake_logits = tf.convert_to_tensor(fake_logits, tf.float32)
    return 0.5 * (_bce_with_logits(real_logits, 1.0) + _bce_with_logits(fake_logits, 0.0))


def generator_loss(fake_logits, clean, denoised, *, l1_weight=100.0):
    """The generator's loss and its two parts: ``(total, adversarial, l1)``.

    ``adversarial = BCE(1, fake_logits)`` (non-saturating: "make the discriminator call my
    output real"), ``l1 = mean|clean - denoised|``, ``total = adversarial + l1_weight * l1``.

    Examples
    --------
    >>> import numpy as np
    >>> z = np.zeros((1, 4, 4, 1), "float32")
    >>> [round(float(v), 4) for v in generator_loss(z, z, z + 0.1, l1_weight=10.0)]
    [1.6931, 0.6931, 0.1]
    """
    import tensorflow as tf

    check_range(l1_weight, "l1_weight", 0.0)
    fake_logits = tf.convert_to_tensor(fake_logits, tf.float32)
    clean = tf.convert_to_tensor(clean, tf.float32)
    denoised = tf.convert_to_tensor(denoised, tf.float32)
    adversarial = _bce_with_logits(fake_logits, 1.0)
    l1 = tf.reduce_mean(tf.abs(clean - denoised))
    return adversarial + l1_weight * l1, adversarial, l1


def gan_train_step(generator, discriminator, g_optimizer, d_optimizer, noisy, clean, *, l1_weight=100.0):
    """One conditional-GAN training step: one forward pass, two tapes, two updates.

    Both losses come from the same forward pass (the weights before this step), as in the
    TensorFlow pix2pix tutorial; each tape then differentiates its own loss with respect to its
    own network only, so the generator's loss never moves the discriminator and vice versa.
    Uses TensorFlow ops only, so it can be compiled: ``step = tf.function(gan_train_step)``.

    Parameters
    ----------
    generator : keras.Model
        ``generator(noisy) -> denoised``.
    discriminator : keras.Model
        ``discriminator([noisy, image]) -> patch logits``.
    g_optimizer, d_optimizer : keras.optimizers.Optimizer
        One optimizer per network (an optimizer keeps per-variable state).
    noisy, clean : tensor, shape (N, H, W, C)
    l1_weight : float
        Weight of the L1 term in the generator's loss (100 in pix2pix).

    Returns
    -------
    dict of scalar tensors
        ``d_loss``, ``g_loss`` (= ``g_adv + l1_weight * g_l1``), ``g_adv``, ``g_l1``.

    Examples
    --------
    >>> import keras
    >>> from medlab.models import dncnn, patchgan_discriminator
    >>> g, d = dncnn((16, 16, 1), depth=2, filters=4), patchgan_discriminator((16, 16, 1), filters=(4,))
    >>> x = np.zeros((2, 16, 16, 1), "float32")
    >>> losses = gan_train_step(g, d, keras.optimizers.Adam(1e-4), keras.optimizers.Adam(1e-4), x, x)
    >>> sorted(losses)
    ['d_loss', 'g_adv', 'g_l1', 'g_loss']
    """
    import tensorflow as tf

    noisy = tf.convert_to_tensor(noisy, tf.float32)
    clean = tf.convert_to_tensor(clean, tf.float32)
    with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
        denoised = generator(noisy, training=True)
        real_logits = discriminator([noisy, clean], training=True)
        fake_logits = discriminator([noisy, denoised], training=True)
        d_loss = discriminator_loss(real_logits, fake_logits)
        g_loss, g_adv, g_l1 = generator_loss(fake_logits, clean, denoised, l1_weight=l1_weight)
    g_vars, d_vars = generator.trainable_variables, discriminator.trainable_variables
    g_optimizer.apply_gradients(zip(g_tape.gradient(g_loss, g_vars), g_vars))
    d_optimizer.apply_gradients(zip(d_tape.gradient(d_loss, d_vars), d_vars))
    return {"d_loss": d_loss, "g_loss": g_loss, "g_adv": g_adv, "g_l1": g_l1}


def _random_crops(rng, arrays, batch_size, crop):
    n, h, w = arrays[0].shape[:3]
    idx = rng.integers(0, n, batch_size)
    ys = rng.integers(0, h - crop + 1, batch_size)
    xs = rng.integers(0, w - crop + 1, batch_size)
    take = [(i, slice(y, y + crop), slice(x, x + crop)) for i, y, x in zip(idx, ys, xs)]
    return [np.stack([a[t] for t in take]) for a in arrays]


def _discriminator_step(discriminator, d_optimizer, noisy, clean, denoised):
    """Train the discriminator alone against fixed generator outputs; return its loss and accuracy."""
    import tensorflow as tf

    with tf.GradientTape() as tape:
        real = discriminator([noisy, clean], training=True)
        fake = discriminator([noisy, denoised], training=True)
        d_loss = discriminator_loss(real, fake)
    d_vars = discriminator.trainable_variables
    d_optimizer.apply_gradients(zip(tape.gradient(d_loss, d_vars), d_vars))
    accuracy = 0.5 * (tf.reduce_mean(tf.cast(real > 0, tf.float32)) + tf.reduce_mean(tf.cast(fake < 0, tf.float32)))
    return {"d_loss": d_loss, "d_accuracy": accuracy}


def _log(prefix, i, steps, history, every, start):
    if every and (i % every == 0 or i == steps):
        recent = "  ".join(f"{k} {np.mean(v[-every:]):.4f}" for k, v in history.items())
        print(f"{prefix} {i:4d}/{steps}  {recent}  ({time.perf_counter() - start:.0f}s)")


def train_gan(generator, discriminator, noisy, clean, *, steps, d_warmup=0, batch_size=16, crop=32, l1_weight=100.0,
              g_learning_rate=1e-4, d_learning_rate=1e-3, step_fn=None, seed=None, log_every=25):
    """Train a conditional GAN on random ``crop`` x ``crop`` patches, with a progress line.

    Patches are the standard way to train image-to-image networks: the networks are fully
    convolutional, so they apply to whole images afterwards, and a patch costs a fraction of
    an image. Adam with ``beta_1=0.5``, as in DCGAN and pix2pix.

    With a pretrained generator, a fresh discriminator first has to *find* what gives the
    generator away, and until it does its gradients tell the generator nothing. ``d_warmup``
    steps train the discriminator alone against the (frozen) generator's outputs first, which
    is cheap (the outputs are computed once) and makes the adversarial steps count.

    Parameters
    ----------
    generator, discriminator : keras.Model
        As in ``gan_train_step``; trained in place.
    noisy, clean : array-like, shape (N, H, W, C)
    steps : int
        Adversarial training steps (one batch each).
    d_warmup : int
        Discriminator-only steps before them (0: none).
    batch_size, crop : int
    l1_weight : float
    g_learning_rate, d_learning_rate : float
        A pretrained generator is fine-tuned gently; the fresh discriminator learns faster.
    step_fn : callable, optional
        ``step_fn(generator, discriminator, g_opt, d_opt, noisy, clean, l1_weight=...) -> dict``;
        default ``gan_train_step``. It is compiled with ``tf.function``.
    seed : int, numpy.random.Generator or None
        Chooses the patches.
    log_every : int
        Print the mean losses every this many steps (0: silent).

    Returns
    -------
    dict of str -> numpy.ndarray
        One value per step for each loss the step returns; with ``d_warmup``, also
        ``warmup_d_loss`` and ``warmup_d_accuracy`` (fraction of patches classified correctly).

    Examples
    --------
    >>> from medlab.models import dncnn, patchgan_discriminator
    >>> g, d = dncnn((None, None, 1), depth=2, filters=4), patchgan_discriminator(filters=(4,))
    >>> x = np.zeros((4, 16, 16, 1), "float32")
    >>> history = train_gan(g, d, x, x, steps=2, batch_size=2, crop=8, log_every=0, seed=0)
    >>> history["d_loss"].shape
    (2,)
    """
    import keras
    import tensorflow as tf

    x = as_array(noisy, "noisy", ndim=4).astype(np.float32)
    y = as_array(clean, "clean", ndim=4).astype(np.float32)
    same_shape(x, y, "noisy", "clean")
    for name, value in (("steps", steps), ("batch_size", batch_size), ("crop", crop), ("log_every", log_every)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
            raise TypeError(f"{name}: expected an int, got {type(value).__name__}")
    if not isinstance(d_warmup, (int, np.integer)) or isinstance(d_warmup, bool):
        raise TypeError(f"d_warmup: expected an int, got {type(d_warmup).__name__}")
    check_range(steps, "steps", 1)
    check_range(d_warmup, "d_warmup", 0)
    check_range(batch_size, "batch_size", 1)
    check_range(crop, "crop", 4, min(x.shape[1:3]))
    check_range(log_every, "log_every", 0)
    check_range(l1_weight, "l1_weight", 0.0)
    rng = as_generator(seed)
    g_opt = keras.optimizers.Adam(g_learning_rate, beta_1=0.5)
    d_opt = keras.optimizers.Adam(d_learning_rate, beta_1=0.5)
    start = time.perf_counter()
    warm: dict = {}
    if d_warmup:
        fake = np.asarray(generator.predict(x, batch_size=64, verbose=0), np.float32)
        d_step = tf.function(_discriminator_step)
        for i in range(1, d_warmup + 1):
            xb, yb, fb = _random_crops(rng, (x, y, fake), batch_size, crop)
            for key, value in d_step(discriminator, d_opt, xb, yb, fb).items():
                warm.setdefault(key, []).append(float(value))
            _log("D warm-up", i, d_warmup, warm, log_every and 4 * log_every, start)
    step = tf.function(step_fn or gan_train_step)
    history: dict = {}
    for i in range(1, steps + 1):
        xb, yb = _random_crops(rng, (x, y), batch_size, crop)
        out = step(generator, discriminator, g_opt, d_opt, xb, yb, l1_weight=l1_weight)
        for key, value in out.items():
            history.setdefault(key, []).append(float(value))
        _log("GAN step ", i, steps, history, log_every, start)
    history.update({f"warmup_{k}": v for k, v in warm.items()})
    return {k: np.asarray(v) for k, v in history.items()}
