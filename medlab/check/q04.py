"""Checkers for notebook 04 (denoising low-dose CT with a CNN and a conditional GAN)."""

from __future__ import annotations

import numpy as np

from ..metrics import psnr as _reference_psnr
from ._core import CaseFailed, expect, expect_close, run_checks


def psnr(student_fn):
    """Check ``psnr(reference, image, data_range) -> float`` (in dB, over all elements).

    Examples
    --------
    >>> from medlab.check import q04
    >>> fn = q04.psnr(_reference_psnr)
    ✓ psnr: all 5 cases pass.
    """
    rng = np.random.default_rng(4)
    a = rng.uniform(0.2, 0.6, (2, 12, 12, 1)).astype(np.float32)
    b = (a + rng.normal(0, 0.03, a.shape)).astype(np.float32)
    u_ref = rng.integers(60, 196, (10, 10)).astype(np.uint8)
    u_img = (u_ref.astype(int) + rng.integers(-60, 61, (10, 10))).astype(np.uint8)  # squares overflow uint8 too

    def known_values(f):
        ref, img = np.full((4, 4), 0.5), np.full((4, 4), 0.6)  # an error of 0.1 everywhere: MSE 0.01
        for data_range in (1.0, 2.0):
            expected = 10 * np.log10(data_range**2 / 0.01)
            what = f"PSNR of an error of 0.1 everywhere (MSE 0.01) with data_range {data_range:g}"
            try:
                expect_close(f(ref.copy(), img.copy(), data_range=data_range), expected, what, rtol=1e-6)
            except CaseFailed as failure:
                got = f(ref.copy(), img.copy(), data_range=data_range)
                got = float(np.asarray(got.numpy() if hasattr(got, "numpy") else got, dtype=float)) \
                    if np.asarray(got).dtype.kind in "biuf" or hasattr(got, "numpy") else None
                mistakes = [
                    (10 * np.log10(data_range / 0.01),
                     "data_range is not squared: PSNR = 10 * log10(data_range**2 / MSE)"),
                    (10 * np.log10(data_range**2 / (0.01 * ref.size)), "you divided by the sum of the squared errors: "
                     "use their mean (MSE), so the score does not grow with the image size"),
                    (10 * np.log10(0.5**2 / 0.01), "you used the reference's maximum instead of the data_range you "
                     "are given: the peak is the span the values can take, not one image's content"),
                    (10 * np.log10(0.6**2 / 0.01), "you used the image's maximum instead of the data_range you are "
                     "given: the peak is the span the values can take, not one image's content"),
                    (10 * np.log(data_range**2 / 0.01), "natural log: PSNR uses log10"),
                    (20 * np.log10(data_range**2 / 0.01), "20 * log10 goes with the root of the MSE: use 10 * log10 of "
                     "data_range**2 / MSE (or 20 * log10(data_range / RMSE))"),
                ]
                for value, message in mistakes:
                    if got is not None and not np.isclose(value, expected) and np.isclose(got, value, rtol=1e-6):
                        raise CaseFailed(f"{what}: expected {expected:.4f}, got {got:.4f}: {message}") from None
                raise failure

    def given_range(f):
        expect_close(f(a, b, data_range=1.0), _reference_psnr(a, b, data_range=1.0),
                     "PSNR of images with values in [0.2, 0.6] and data_range=1 (use the data_range you are "
                     "given, not the image's max or range)", rtol=1e-4)

    def identical(f):
        got = float(f(a, a.copy(), data_range=1.0))
        expect(np.isposinf(got), f"two identical images: expected inf (MSE = 0), got {got}")

    def uint8(f):
        expect_close(f(u_ref, u_img, data_range=255), _reference_psnr(u_ref, u_img, data_range=255),
                     "PSNR of two uint8 images (convert to float before subtracting: uint8 wraps around, "
                     "3 - 5 = 254)", rtol=1e-4)

    def matches_skimage(f):
        from skimage.metrics import peak_signal_noise_ratio

        expect_close(f(a, b, data_range=0.5), peak_signal_noise_ratio(a, b, data_range=0.5),
                     "agreement with skimage.metrics.peak_signal_noise_ratio (data_range=0.5)", rtol=1e-4)

    cases = [("known values", known_values), ("the given data_range", given_range),
             ("identical images", identical), ("uint8 inputs", uint8),
             ("agrees with scikit-image", matches_skimage)]
    return run_checks("psnr", student_fn, _reference_psnr, cases,
                      hint="mse = mean((reference - image)**2) in float; psnr = 10 * log10(data_range**2 / mse); "
                           "return inf when mse == 0.")


# ---------------------------------------------------------------------------------------- GAN


def _reference_gan_step(generator, discriminator, g_optimizer, d_optimizer, noisy, clean, l1_weight=10.0):
    from ..gan import gan_train_step

    return gan_train_step(generator, discriminator, g_optimizer, d_optimizer, noisy, clean, l1_weight=l1_weight)


_L1_WEIGHT = 5.0
_LR = 0.1


def _tiny_case(seed=0):
    """A tiny residual generator and a conditional patch discriminator with fixed weights, and a batch."""
    import keras
    from keras import layers

    g_in = keras.Input((8, 8, 1))
    h = layers.Conv2D(4, 3, padding="same", activation="tanh")(g_in)
    generator = keras.Model(g_in, layers.Add()([g_in, layers.Conv2D(1, 3, padding="same")(h)]))
    cond, img = keras.Input((8, 8, 1)), keras.Input((8, 8, 1))
    h = layers.Conv2D(4, 3, strides=2, padding="same")(layers.Concatenate()([cond, img]))
    h = layers.LeakyReLU(0.2)(h)
    discriminator = keras.Model([cond, img], layers.Conv2D(1, 3, padding="same")(h))
    rng = np.random.default_rng(seed)
    for model in (generator, discriminator):
        model.set_weights([rng.normal(0, 0.4, w.shape).astype(np.float32) for w in model.get_weights()])
    clean = rng.uniform(0, 1, (3, 8, 8, 1)).astype(np.float32)
    noisy = (clean + rng.normal(0, 0.2, clean.shape)).astype(np.float32)
    return generator, discriminator, noisy, clean


def _sgd():
    import keras

    return keras.optimizers.SGD(_LR)


def _weights(model):
    return [np.array(w) for w in model.get_weights()]


def _run(fn, compiled=False):
    """Run ``fn`` on a fresh tiny case; return the losses and the weights before and after."""
    import tensorflow as tf

    g, d, noisy, clean = _tiny_case()
    noisy, clean = tf.constant(noisy), tf.constant(clean)  # as the training loop passes them
    g0, d0 = _weights(g), _weights(d)
    step = tf.function(fn) if compiled else fn
    out = step(g, d, _sgd(), _sgd(), noisy, clean, l1_weight=_L1_WEIGHT)
    return out, (g0, _weights(g)), (d0, _weights(d))


def _expected_losses():
    """The losses computed by hand from the weights before the step."""
    g, d, noisy, clean = _tiny_case()
    fake = np.asarray(g(noisy))
    real_logits = np.asarray(d([noisy, clean])).astype(np.float64)
    fake_logits = np.asarray(d([noisy, fake])).astype(np.float64)

    def bce(label, z):  # mean sigmoid cross-entropy with logits, stable form
        return float(np.mean(np.maximum(z, 0) - z * label + np.log1p(np.exp(-np.abs(z)))))

    d_sum = bce(1.0, real_logits) + bce(0.0, fake_logits)
    g_adv = bce(1.0, fake_logits)
    g_l1 = float(np.mean(np.abs(clean - fake)))
    return {"d_sum": d_sum, "g_adv": g_adv, "g_l1": g_l1, "g_loss": g_adv + _L1_WEIGHT * g_l1}


def _scalar(out, key):
    expect(isinstance(out, dict), f"expected a dict of losses, got {type(out).__name__}")
    expect(key in out, f"the returned dict has no '{key}'; return d_loss, g_loss, g_adv and g_l1 (got {sorted(out)})")
    value = out[key]
    if hasattr(value, "numpy"):
        value = value.numpy()
    value = np.asarray(value, dtype=float)
    expect(value.shape == (), f"'{key}' should be a scalar (the mean over the batch), got shape {value.shape}")
    expect(np.isfinite(value), f"'{key}' is not finite: {value}")
    return float(value)


def gan_train_step(student_fn):
    """Check ``gan_train_step(generator, discriminator, g_optimizer, d_optimizer, noisy, clean,
    l1_weight=...) -> dict`` on a tiny fixed case with SGD, against losses computed by hand.

    The discriminator's loss is pix2pix's ``0.5 * (BCE(1, real) + BCE(0, fake))``, whose chance
    level is ln 2 (the line the notebook's loss plot draws); the plain sum, whose chance level is
    2 ln 2, is rejected with a message that says so. Everything else must match the reference.
    """
    expected = _expected_losses()

    def four_losses(f):
        out, _, _ = _run(f)
        for key in ("d_loss", "g_loss", "g_adv", "g_l1"):
            _scalar(out, key)

    def loss_values(f):
        out, _, _ = _run(f)
        d_loss = _scalar(out, "d_loss")
        half = 0.5 * expected["d_sum"]
        expect(not np.isclose(d_loss, expected["d_sum"], rtol=1e-4),
               f"d_loss: expected 0.5 * (BCE(1, D(noisy, clean)) + BCE(0, D(noisy, G(noisy)))) = {half:.5f}, got "
               f"{d_loss:.5f}, the plain sum: halve it as pix2pix does, so that chance (D says 0.5 to everything) is "
               f"at d_loss = ln 2 = {np.log(2):.3f}, the line the loss plot draws (the plain sum's chance is "
               f"2 ln 2 = {2 * np.log(2):.3f})")
        expect(np.isclose(d_loss, half, rtol=1e-4),
               f"d_loss: expected 0.5 * (BCE(1, D(noisy, clean)) + BCE(0, D(noisy, G(noisy)))) = {half:.5f}, got "
               f"{d_loss:.5f}; are the logits passed with from_logits=True, real labelled 1 and fake 0?")
        expect_close(_scalar(out, "g_adv"), expected["g_adv"],
                     "g_adv = BCE(ones, D(noisy, G(noisy))), the non-saturating generator loss (label the fakes "
                     "as real)", rtol=1e-4)
        expect_close(_scalar(out, "g_l1"), expected["g_l1"], "g_l1 = mean |clean - G(noisy)|", rtol=1e-4)
        expect_close(_scalar(out, "g_loss"), expected["g_loss"],
                     f"g_loss = g_adv + l1_weight * g_l1 with l1_weight = {_L1_WEIGHT}", rtol=1e-4)

    def both_updated(f):
        _, (g0, g1), (d0, d1) = _run(f)
        expect(any(not np.allclose(a, b) for a, b in zip(g0, g1)),
               "the generator's weights did not change: apply its gradients with g_optimizer")
        expect(any(not np.allclose(a, b) for a, b in zip(d0, d1)),
               "the discriminator's weights did not change: apply its gradients with d_optimizer")

    def generator_update(f):
        _, (g0, g1), _ = _run(f)
        _, (r0, r1), _ = _run(_reference_gan_step)
        for i, (a, b, ra, rb) in enumerate(zip(g0, g1, r0, r1)):
            expect_close(b - a, rb - ra, f"the generator's update of weight {i} (one SGD step on g_loss, "
                         "with gradients of g_loss only, taken before the discriminator moves)", rtol=1e-3, atol=1e-6)

    def discriminator_update(f):
        _, _, (d0, d1) = _run(f)
        _, _, (r0, r1) = _run(_reference_gan_step)
        got = [b - a for a, b in zip(d0, d1)]
        ref = [rb - ra for ra, rb in zip(r0, r1)]  # the reference halves d_loss, as the exercise asks
        ok = all(np.allclose(g, r, rtol=1e-3, atol=1e-6) for g, r in zip(got, ref))
        expect(ok, "the discriminator's update does not match one SGD step on d_loss: take its gradient with "
               "respect to discriminator.trainable_variables only, from the same forward pass")

    def compiles(f):
        out, _, _ = _run(f, compiled=True)
        _scalar(out, "g_loss")

    cases = [("returns four finite losses", four_losses), ("loss values", loss_values),
             ("both networks updated", both_updated), ("generator update", generator_update),
             ("discriminator update", discriminator_update), ("runs inside tf.function", compiles)]
    return run_checks("gan_train_step", student_fn, _reference_gan_step, cases,
                      hint="one forward pass inside two tapes: denoised = G(noisy); real = D([noisy, clean]); "
                           "fake = D([noisy, denoised]); d_loss = 0.5 * (BCE(1, real) + BCE(0, fake)); "
                           "g_loss = BCE(1, fake) + l1_weight * mean|clean - denoised|; then each optimizer "
                           "applies its own tape's gradients to its own network's trainable_variables.")
