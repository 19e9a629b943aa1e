"""Reading real data a user already has. Nothing here downloads anything, nor imports TensorFlow.

* ``load_medmnist``: a MedMNIST ``.npz`` file (Yang et al., "MedMNIST v2", Scientific Data 2023);
* ``load_npz_dataset``: your own images with masks or labels in a ``.npz`` file;
* ``read_dicom``: one DICOM image in its modality's units (e.g. Hounsfield units) and its pixel spacing.

Every loader checks what it loads, and its errors name the file and the field.
"""

from .dicom import read_dicom
from .medmnist import load_medmnist
from .npz import load_npz_dataset

__all__ = ["load_medmnist", "load_npz_dataset", "read_dicom"]
