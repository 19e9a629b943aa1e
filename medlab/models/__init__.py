"""Small Keras models used across the workbook; every public name is re-exported here.

Each is a plain function returning a ``keras.Model``; sizes are keyword arguments with CPU-friendly
defaults.

* :mod:`~medlab.models.classification`: ``small_cnn``;
* :mod:`~medlab.models.segmentation`: ``conv_block``, ``decoder_block``, ``unet``, ``unet_with_classifier``;
* :mod:`~medlab.models.autoencoders`: ``conv_autoencoder``;
* :mod:`~medlab.models.denoising`: ``dncnn``, ``patchgan_discriminator``;
* :mod:`~medlab.models.detection`: ``centernet``, ``centre_targets``;
* :mod:`~medlab.models.fusion`: ``series_encoder``, ``tabular_encoder``, ``ModalityDropout``, ``fusion_model``;
* :mod:`~medlab.models.landmarks`: ``soft_argmax``, ``radial_loss``, ``landmark_unet``.
"""

from __future__ import annotations

from .autoencoders import conv_autoencoder
from .classification import small_cnn
from .denoising import dncnn, patchgan_discriminator
from .detection import centernet, centre_targets
from .fusion import ModalityDropout, fusion_model, series_encoder, tabular_encoder
from .landmarks import landmark_unet, radial_loss, soft_argmax
from .segmentation import conv_block, decoder_block, unet, unet_with_classifier

__all__ = ["small_cnn", "conv_block", "decoder_block", "unet", "conv_autoencoder", "dncnn", "patchgan_discriminator",
           "series_encoder", "tabular_encoder", "ModalityDropout", "fusion_model", "unet_with_classifier",
           "soft_argmax", "radial_loss", "landmark_unet", "centernet", "centre_targets"]
