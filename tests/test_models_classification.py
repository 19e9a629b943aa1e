"""medlab.models.classification: the small CNN."""

import numpy as np

from medlab import models


def test_small_cnn_accepts_any_size_and_outputs_probabilities():
    m = models.small_cnn()
    for size in (32, 48):
        out = m(np.random.default_rng(0).normal(size=(2, size, size, 1)).astype("float32")).numpy()
        assert out.shape == (2, 1) and np.all((out >= 0) & (out <= 1))
    assert models.small_cnn((64, 64, 1), n_outputs=3, output_activation="softmax").output.shape[-1] == 3
