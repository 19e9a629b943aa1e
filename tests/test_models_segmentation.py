"""medlab.models.segmentation: the U-Net and its decoder block."""

import pytest

from medlab import models


def test_unet_shapes_custom_decoder_and_errors():
    m = models.unet((32, 32, 1), depth=2, base_filters=4)
    assert tuple(m.output.shape) == (None, 32, 32, 1)
    calls = []

    def decoder(x, skip, filters):
        calls.append(filters)
        return models.decoder_block(x, skip, filters)

    models.unet((32, 32, 1), depth=3, base_filters=4, decoder=decoder)
    assert calls == [16, 8, 4]
    with pytest.raises(ValueError, match="divisible by 2\\*\\*depth = 8"):
        models.unet((36, 36, 1), depth=3)
    with pytest.raises(ValueError, match="input_shape"):
        models.small_cnn((64, 64))


def test_unet_with_classifier_has_two_heads_on_one_encoder():
    import numpy as np

    m = models.unet_with_classifier((32, 32, 1), depth=2, base_filters=4, n_classes=3, class_activation="softmax")
    out = m(np.zeros((2, 32, 32, 1), "float32"))
    assert tuple(out["mask"].shape) == (2, 32, 32, 1) and tuple(out["label"].shape) == (2, 3)
    assert np.allclose(np.asarray(out["label"]).sum(1), 1.0, atol=1e-5)
    classifier = models.unet_with_classifier((32, 32, 1), depth=2, base_filters=4)
    alone = __import__("keras").Model(classifier.input, classifier.get_layer("label").output)
    assert alone.count_params() < classifier.count_params()
    assert not any(layer.name.startswith("dec") for layer in alone.layers)  # the classifier has no decoder
    assert any(layer.name == "bottleneck_conv1" for layer in alone.layers)
    with pytest.raises(ValueError, match="pooling"):
        models.unet_with_classifier((32, 32, 1), pooling="sum")
    with pytest.raises(ValueError, match="divisible"):
        models.unet_with_classifier((36, 36, 1), depth=3)
    with pytest.raises(ValueError, match="dropout"):
        models.unet_with_classifier((32, 32, 1), dropout=1.0)
