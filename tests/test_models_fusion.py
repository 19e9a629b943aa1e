"""Multimodal building blocks (medlab.models.fusion): encoders, ModalityDropout, fusion_model."""

import keras
import numpy as np
import pytest

from medlab import models


def test_series_encoder_shapes():
    enc = models.series_encoder((48, 3), embed_dim=8)
    out = np.asarray(enc(np.zeros((2, 48, 3), np.float32)))
    assert out.shape == (2, 8) and np.all(out >= 0)  # ReLU embedding
    assert tuple(models.series_encoder((20, 2), filters=(4, 4, 4)).output.shape) == (None, 16)


def test_series_encoder_knows_when():
    # a rise early and the same rise late must not look the same (a trend is late vs early)
    enc = models.series_encoder((48, 1), embed_dim=8)
    early, late = np.zeros((1, 48, 1), np.float32), np.zeros((1, 48, 1), np.float32)
    early[0, 4:12], late[0, 36:44] = 1.0, 1.0
    assert not np.allclose(np.asarray(enc(early)), np.asarray(enc(late)))


@pytest.mark.parametrize("shape", [(48,), (48, 3, 1), "48x3", (0, 3), (3, 3)])
def test_series_encoder_bad_shape(shape):
    with pytest.raises(ValueError, match="series_shape"):
        models.series_encoder(shape)


def test_tabular_encoder():
    enc = models.tabular_encoder(5, embed_dim=4)
    assert np.asarray(enc(np.ones((3, 5), np.float32))).shape == (3, 4)
    with pytest.raises(TypeError, match="n_features"):
        models.tabular_encoder(4.0)
    with pytest.raises(ValueError, match="n_features"):
        models.tabular_encoder(0)


def test_modality_dropout_at_inference_zeroes_only_missing():
    a, b = np.full((2, 3), 2.0, np.float32), np.full((2, 2), 3.0, np.float32)
    present = np.array([[1, 0], [0, 1]], np.float32)
    out = np.asarray(models.ModalityDropout(0.9)([a, b, present], training=False))
    assert out.tolist() == [[2, 2, 2, 0, 0, 1, 0], [0, 0, 0, 3, 3, 0, 1]]


def test_modality_dropout_in_training():
    keras.utils.set_random_seed(0)
    n = 4000
    embs = [np.ones((n, 2), np.float32) for _ in range(3)]
    out = np.asarray(models.ModalityDropout(0.3, seed=1)([*embs, np.ones((n, 3), np.float32)], training=True))
    flags = out[:, -3:]
    assert np.all(flags.sum(axis=1) >= 1)  # never all three dropped
    assert np.allclose(flags.mean(), 0.7, atol=0.03)  # ~30 % dropped (a little less: the all-dropped rule)
    for k in range(3):  # an embedding is zero exactly when its flag is
        assert np.array_equal(out[:, 2 * k] == 0, flags[:, k] == 0)
    # a modality that is missing stays missing
    present = np.tile(np.array([[1, 0, 1]], np.float32), (n, 1))
    out = np.asarray(models.ModalityDropout(0.3, seed=1)([*embs, present], training=True))
    assert np.all(out[:, 2:4] == 0) and np.all(out[:, -2] == 0)


def test_modality_dropout_bad_rate_and_config():
    with pytest.raises(ValueError, match="rate"):
        models.ModalityDropout(1.0)
    layer = models.ModalityDropout(0.25, seed=3)
    assert models.ModalityDropout.from_config(layer.get_config()).rate == 0.25


def test_fusion_model_inputs_and_output():
    model = models.fusion_model((32, 32, 1), (24, 3), 4, embed_dim=8)
    assert [tuple(i.shape) for i in model.inputs] == [(None, 32, 32, 1), (None, 24, 3), (None, 4)]
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(5, 32, 32, 1)), rng.normal(size=(5, 24, 3)), rng.normal(size=(5, 4))]
    p = np.asarray(model([x.astype(np.float32) for x in xs], training=False))
    assert p.shape == (5, 1) and np.all((p > 0) & (p < 1))


def test_fusion_model_with_modality_dropout_takes_flags():
    model = models.fusion_model((32, 32, 1), (24, 3), 4, embed_dim=8, modality_dropout=0.3, seed=0)
    assert len(model.inputs) == 4 and tuple(model.inputs[3].shape) == (None, 3)
    rng = np.random.default_rng(1)
    xs = [rng.normal(size=(4, 32, 32, 1)), rng.normal(size=(4, 24, 3)), rng.normal(size=(4, 4))]
    xs = [x.astype(np.float32) for x in xs]
    no_image = np.array([[0, 1, 1]] * 4, np.float32)
    # with the image flagged missing, the image no longer changes the prediction
    p1 = np.asarray(model([xs[0], xs[1], xs[2], no_image], training=False))
    p2 = np.asarray(model([xs[0] * 5, xs[1], xs[2], no_image], training=False))
    assert np.allclose(p1, p2)


def test_fusion_model_bad_image_shape():
    with pytest.raises(ValueError, match="input_shape"):
        models.fusion_model((32, 32), (24, 3), 4)
