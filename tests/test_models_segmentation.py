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


def test_unet_with_classifier_as_a_lesion_present_head_pools_avg_and_max():
    import numpy as np

    m = models.unet_with_classifier((32, 32, 1), depth=2, base_filters=4, pooling="avg+max", dropout=0.2,
                                    head="presence")
    out = m(np.random.default_rng(0).normal(size=(3, 32, 32, 1)).astype("float32"), training=False)
    assert tuple(out["mask"].shape) == (3, 32, 32, 1) and tuple(out["presence"].shape) == (3, 1)
    for key in ("mask", "presence"):
        assert 0.0 <= float(np.min(out[key])) and float(np.max(out[key])) <= 1.0
    # the presence head reads the bottleneck (global average and max pooling), not the decoder
    pool = m.get_layer("presence_avg")
    assert pool.input.shape[1] == 32 // 2**2
    names = [layer.name for layer in m.layers]
    assert "presence_max" in names and "presence_dropout" in names
    # the U-Net part is the same network as models.unet (same layer names up to the mask)
    assert {n for n in names if n.startswith(("enc", "dec", "bottleneck"))} == {
        layer.name for layer in models.unet((32, 32, 1), depth=2, base_filters=4).layers
        if layer.name.startswith(("enc", "dec", "bottleneck"))}


def test_unet_with_classifier_trains_with_one_loss_per_head_and_checks_its_arguments():
    import numpy as np

    m = models.unet_with_classifier((16, 16, 1), depth=1, base_filters=2, pooling="avg+max", dropout=0.0,
                                    head="presence")
    m.compile(optimizer="adam", loss={"mask": "binary_crossentropy", "presence": "binary_crossentropy"},
              loss_weights={"mask": 1.0, "presence": 0.5})
    x = np.zeros((4, 16, 16, 1), "float32")
    history = m.fit(x, {"mask": np.zeros((4, 16, 16, 1), "float32"), "presence": np.zeros((4, 1), "float32")},
                    epochs=1, verbose=0)
    assert {"mask_loss", "presence_loss"} <= set(history.history)
    with pytest.raises(ValueError, match="head: expected a name for the classification output other than 'mask'"):
        models.unet_with_classifier((16, 16, 1), head="mask")


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
