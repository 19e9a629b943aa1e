"""Synthetic medical images with ground truth, and patient-level splits; every public name is re-exported here.

* :mod:`~medlab.data.phantom`: ``make_lesion_dataset`` (axial slices with organs, bias field, modality
  noise and lesions, several per patient), ``TISSUE_INTENSITY``;
* :mod:`~medlab.data.ct`: ``simulate_low_dose``, ``make_lowdose_pairs`` (low-dose CT in HU), ``make_hu_patches``
  (CT patches of five structures in HU), ``HU_STRUCTURES``;
* :mod:`~medlab.data.multimodal`: ``make_multimodal_dataset`` (scan, vital signs, tabular row),
  ``VITAL_SIGNS``, ``TABULAR_FIELDS``;
* :mod:`~medlab.data.lesion_types`: ``make_lesion_types_dataset`` (lesion-centred patches of four
  lesion types, imbalanced), ``LESION_TYPES``;
* :mod:`~medlab.data.landmarks`: ``make_landmark_dataset`` (vertebra slices with three landmarks and
  pixel spacing), ``gaussian_heatmaps``, ``LANDMARK_NAMES``;
* :mod:`~medlab.data.splits`: ``split_by_patient``, ``take``.

Everything is NumPy and deterministic from ``seed``.
"""

from __future__ import annotations

from .ct import HU_STRUCTURES, make_hu_patches, make_lowdose_pairs, simulate_low_dose
from .landmarks import LANDMARK_NAMES, gaussian_heatmaps, make_landmark_dataset
from .lesion_types import LESION_TYPES, make_lesion_types_dataset
from .multimodal import TABULAR_FIELDS, VITAL_SIGNS, make_multimodal_dataset
from .phantom import TISSUE_INTENSITY, make_lesion_dataset
from .splits import split_by_patient, take

__all__ = ["make_lesion_dataset", "split_by_patient", "take", "TISSUE_INTENSITY", "simulate_low_dose",
           "make_lowdose_pairs", "make_multimodal_dataset", "VITAL_SIGNS", "TABULAR_FIELDS", "make_hu_patches",
           "HU_STRUCTURES", "make_lesion_types_dataset", "LESION_TYPES", "make_landmark_dataset", "gaussian_heatmaps",
           "LANDMARK_NAMES"]
