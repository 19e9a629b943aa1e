"""Notebook 04's checkers: the wrong answers each must reject (contract: tests/test_checkers.py)."""

import keras
import numpy as np
import tensorflow as tf

from medlab import gan, metrics
from medlab.check import q04


def _student_psnr(reference, image, data_range):  # a student's own, right, PSNR
    mse = np.mean((np.asarray(reference, float) - np.asarray(image, float)) ** 2)
    return np.inf if mse == 0 else 10 * np.log10(data_range**2 / mse)


# ---------------------------------------------------------------- psnr

def _image_max(reference, image, data_range):  # data_range taken from the image
    mse = np.mean((np.asarray(reference, float) - np.asarray(image, float)) ** 2)
    with np.errstate(divide="ignore"):
        return 10 * np.log10(np.max(reference) ** 2 / mse)


def _no_float(reference, image, data_range):  # uint8 wraps around
    with np.errstate(divide="ignore"):
        mse = np.mean((reference - image) ** 2)
        return 10 * np.log10(data_range**2 / mse)


def _forgot_square(reference, image, data_range):  # range not squared
    mse = np.mean((np.asarray(reference, float) - np.asarray(image, float)) ** 2)
    return 10 * np.log10(data_range / mse)


def _sum_not_mean(reference, image, data_range):
    sse = np.sum((np.asarray(reference, float) - np.asarray(image, float)) ** 2)
    return 10 * np.log10(data_range**2 / sse)


def _nan_for_identical(reference, image, data_range):
    mse = np.mean((np.asarray(reference, float) - np.asarray(image, float)) ** 2)
    return float("nan") if mse == 0 else 10 * np.log10(data_range**2 / mse)


def _natural_log(reference, image, data_range):
    mse = np.mean((np.asarray(reference, float) - np.asarray(image, float)) ** 2)
    return 10 * np.log(data_range**2 / mse)


def _twenty_log(reference, image, data_range):  # 20 log10 of the squared ratio
    mse = np.mean((np.asarray(reference, float) - np.asarray(image, float)) ** 2)
    return 20 * np.log10(data_range**2 / mse)


def _image_range(reference, image, data_range):  # the range of the image instead of the given one
    reference, image = np.asarray(reference, float), np.asarray(image, float)
    mse = np.mean((reference - image) ** 2)
    return 10 * np.log10((reference.max() - reference.min()) ** 2 / mse) if np.ptp(reference) else \
        10 * np.log10(data_range**2 / mse)


# ---------------------------------------------------------------- gan_train_step

BCE = keras.losses.BinaryCrossentropy(from_logits=True)


def _step(loss_fn, *, update_d=True, one_tape=False):
    """Build a training step from a function computing the four losses from the forward pass."""

    def step(generator, discriminator, g_optimizer, d_optimizer, noisy, clean, l1_weight=100.0):
        with tf.GradientTape(persistent=True) as tape:
            denoised = generator(noisy, training=True)
            real = discriminator([noisy, clean], training=True)
            fake = discriminator([noisy, denoised], training=True)
            d_loss, g_adv, g_l1 = loss_fn(real, fake, clean, denoised)
            g_loss = g_adv + l1_weight * g_l1
            total = d_loss + g_loss
        g_vars, d_vars = generator.trainable_variables, discriminator.trainable_variables
        g_optimizer.apply_gradients(zip(tape.gradient(total if one_tape else g_loss, g_vars), g_vars))
        if update_d:
            d_optimizer.apply_gradients(zip(tape.gradient(total if one_tape else d_loss, d_vars), d_vars))
        return {"d_loss": d_loss, "g_loss": g_loss, "g_adv": g_adv, "g_l1": g_l1}

    return step


def _right(real, fake, clean, denoised):
    d = 0.5 * (BCE(tf.ones_like(real), real) + BCE(tf.zeros_like(fake), fake))  # pix2pix: chance at ln 2
    return d, BCE(tf.ones_like(fake), fake), tf.reduce_mean(tf.abs(clean - denoised))


def _plain_sum(real, fake, clean, denoised):  # chance at 2 ln 2, not at the ln 2 the plot draws
    _, adv, l1 = _right(real, fake, clean, denoised)
    return BCE(tf.ones_like(real), real) + BCE(tf.zeros_like(fake), fake), adv, l1


def _generator_labels_fakes_as_fake(real, fake, clean, denoised):
    d, _, l1 = _right(real, fake, clean, denoised)
    return d, -BCE(tf.zeros_like(fake), fake), l1  # the saturating minimax form


def _probabilities_as_logits(real, fake, clean, denoised):
    bce = keras.losses.BinaryCrossentropy()  # from_logits forgotten: logits read as probabilities
    d = 0.5 * (bce(tf.ones_like(real), real) + bce(tf.zeros_like(fake), fake))
    return d, bce(tf.ones_like(fake), fake), tf.reduce_mean(tf.abs(clean - denoised))


def _l2_instead_of_l1(real, fake, clean, denoised):
    d, adv, _ = _right(real, fake, clean, denoised)
    return d, adv, tf.reduce_mean(tf.square(clean - denoised))


def _no_l1_weight(generator, discriminator, g_optimizer, d_optimizer, noisy, clean, l1_weight=100.0):
    return _step(_right)(generator, discriminator, g_optimizer, d_optimizer, noisy, clean, l1_weight=1.0)


def _returns_floats(generator, discriminator, g_optimizer, d_optimizer, noisy, clean, l1_weight=100.0):
    out = _step(_right)(generator, discriminator, g_optimizer, d_optimizer, noisy, clean, l1_weight=l1_weight)
    return {k: float(v.numpy()) for k, v in out.items()}  # breaks inside tf.function


CONTRACTS = [
    dict(checker=q04.psnr, reference=metrics.psnr, wrong=[
        ("the reference's maximum as data range", _image_max,
         "you used the reference's maximum instead of the data_range you are given"),
        ("the image's range as data range", _image_range,
         r"use the data_range you are given, not the image's max or range"),
        ("uint8 subtraction wraps around", _no_float, "convert to float before subtracting"),
        ("data range not squared", _forgot_square, "data_range is not squared"),
        ("sum instead of mean", _sum_not_mean, "you divided by the sum of the squared errors"),
        ("natural log", _natural_log, "natural log: PSNR uses log10"),
        ("20 log10 of the squared ratio", _twenty_log, "20 \\* log10 goes with the root of the MSE"),
        ("NaN for identical images", _nan_for_identical, r"two identical images: expected inf \(MSE = 0\), got nan"),
    ], accepted=[
        ("a student's own PSNR", _student_psnr),
    ]),
    dict(checker=q04.gan_train_step, reference=q04._reference_gan_step, wrong=[
        ("the saturating minimax generator loss", _step(_generator_labels_fakes_as_fake), "g_adv"),
        ("discriminator loss not halved", _step(_plain_sum),
         r"the plain sum: halve it as pix2pix does, so that chance .* is at d_loss = ln 2"),
        ("logits read as probabilities", _step(_probabilities_as_logits),
         "are the logits passed with from_logits=True"),
        ("L2 instead of L1", _step(_l2_instead_of_l1), "g_l1"),
        ("l1_weight ignored", _no_l1_weight, "g_loss"),
        ("discriminator never updated", _step(_right, update_d=False), "discriminator's weights did not change"),
        ("one loss for both networks", _step(_right, one_tape=True), "the generator's update of weight"),
        ("returns Python floats", _returns_floats, "tf.function"),
    ], accepted=[
        ("a student's own step", _step(_right)),
        ("medlab.gan.gan_train_step", gan.gan_train_step),
    ]),
]
