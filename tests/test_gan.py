"""The denoiser, the PatchGAN discriminator and the GAN training of notebook 04."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from medlab import gan, models

# ---------------------------------------------------------------- models

def test_dncnn_shape_and_residual():
    model = models.dncnn((None, None, 1), depth=3, filters=4)
    x = np.random.default_rng(0).normal(size=(2, 20, 12, 1)).astype("float32")
    assert model(x).shape == (2, 20, 12, 1)
    noise_layer = model.get_layer("noise")
    noise_layer.set_weights([np.zeros_like(w) for w in noise_layer.get_weights()])
    np.testing.assert_allclose(model(x), x, atol=1e-6)  # zero noise estimate: the identity


def test_dncnn_batch_norm_option():
    names = [layer.name for layer in models.dncnn((16, 16, 1), depth=4, batch_norm=True).layers]
    assert "bn2" in names and "bn3" in names


@pytest.mark.parametrize("kwargs, match", [(dict(depth=1), "depth"), (dict(filters=0), "filters")])
def test_dncnn_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        models.dncnn((16, 16, 1), **kwargs)


def test_dncnn_bad_shape():
    with pytest.raises(ValueError, match="input_shape"):
        models.dncnn((16, 16))


def test_patchgan_is_conditional_and_returns_logit_maps():
    d = models.patchgan_discriminator((32, 32, 1), filters=(8, 16))
    assert len(d.inputs) == 2
    x = np.random.default_rng(0).normal(size=(2, 32, 32, 1)).astype("float32")
    out = np.asarray(d([x, x]))
    assert out.shape == (2, 8, 8, 1)
    assert d.layers[-1].activation.__name__ == "linear"  # raw logits: the loss applies the sigmoid


def test_patchgan_bad_filters():
    with pytest.raises(ValueError, match="filters"):
        models.patchgan_discriminator(filters=())


# ---------------------------------------------------------------- losses

def test_discriminator_loss_values():
    zeros = np.zeros((2, 4, 4, 1), "float32")
    assert float(gan.discriminator_loss(zeros, zeros)) == pytest.approx(np.log(2), rel=1e-6)
    confident = float(gan.discriminator_loss(zeros + 20, zeros - 20))
    wrong = float(gan.discriminator_loss(zeros - 20, zeros + 20))
    assert confident < 1e-6 and wrong == pytest.approx(20, rel=1e-3)


def test_generator_loss_parts():
    z = np.zeros((1, 4, 4, 1), "float32")
    total, adv, l1 = gan.generator_loss(z + 3, z, z + 0.2, l1_weight=100.0)
    assert float(adv) == pytest.approx(np.log1p(np.exp(-3)), rel=1e-5)
    assert float(l1) == pytest.approx(0.2, rel=1e-6)
    assert float(total) == pytest.approx(float(adv) + 20.0, rel=1e-6)
    with pytest.raises(ValueError, match="l1_weight"):
        gan.generator_loss(z, z, z, l1_weight=-1)


# ---------------------------------------------------------------- training

def _tiny():
    keras.utils.set_random_seed(0)
    return models.dncnn((None, None, 1), depth=2, filters=4), models.patchgan_discriminator(filters=(4,))


def test_gan_step_updates_both_networks_and_returns_scalars():
    g, d = _tiny()
    before = [w.copy() for w in g.get_weights()], [w.copy() for w in d.get_weights()]
    rng = np.random.default_rng(0)
    clean = rng.random((2, 16, 16, 1)).astype("float32")
    out = gan.gan_train_step(g, d, keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3),
                             clean + 0.1, clean, l1_weight=10.0)
    assert set(out) == {"d_loss", "g_loss", "g_adv", "g_l1"}
    assert all(np.isfinite(float(v)) and np.ndim(v) == 0 for v in out.values())
    assert float(out["g_loss"]) == pytest.approx(float(out["g_adv"]) + 10 * float(out["g_l1"]), rel=1e-5)
    for old, model in zip(before, (g, d)):
        assert any(not np.allclose(a, b) for a, b in zip(old, model.get_weights()))


def test_gan_step_compiles():
    g, d = _tiny()
    x = np.zeros((2, 16, 16, 1), "float32")
    step = tf.function(gan.gan_train_step)
    out = step(g, d, keras.optimizers.SGD(0.01), keras.optimizers.SGD(0.01), x, x)
    assert np.isfinite(float(out["d_loss"]))


def test_train_gan_history_and_warmup(capsys):
    g, d = _tiny()
    rng = np.random.default_rng(0)
    clean = rng.random((6, 16, 16, 1)).astype("float32")
    hist = gan.train_gan(g, d, clean + 0.05 * rng.standard_normal(clean.shape).astype("float32"), clean,
                         steps=3, d_warmup=4, batch_size=2, crop=8, seed=0, log_every=1)
    assert hist["d_loss"].shape == (3,) and hist["g_l1"].shape == (3,)
    assert hist["warmup_d_loss"].shape == (4,)
    assert ((hist["warmup_d_accuracy"] >= 0) & (hist["warmup_d_accuracy"] <= 1)).all()
    out = capsys.readouterr().out
    assert "D warm-up" in out and "GAN step" in out


def test_train_gan_custom_step_is_used():
    calls = []

    def step(generator, discriminator, g_opt, d_opt, noisy, clean, l1_weight):
        calls.append(1)
        return {"d_loss": tf.constant(0.5)}

    g, d = _tiny()
    x = np.zeros((2, 8, 8, 1), "float32")
    hist = gan.train_gan(g, d, x, x, steps=2, batch_size=1, crop=4, step_fn=step, log_every=0)
    assert calls and list(hist) == ["d_loss"]


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(steps=0), ValueError, "steps"),
    (dict(steps=1, crop=32), ValueError, "crop"),
    (dict(steps=1, d_warmup=-1), ValueError, "d_warmup"),
    (dict(steps=1.5), TypeError, "steps"),
])
def test_train_gan_bad_arguments(kwargs, error, match):
    g, d = _tiny()
    x = np.zeros((2, 16, 16, 1), "float32")
    with pytest.raises(error, match=match):
        gan.train_gan(g, d, x, x, **kwargs)


def test_train_gan_shape_mismatch():
    g, d = _tiny()
    with pytest.raises(ValueError, match="noisy and clean"):
        gan.train_gan(g, d, np.zeros((2, 16, 16, 1)), np.zeros((2, 8, 8, 1)), steps=1)
