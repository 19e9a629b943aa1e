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
