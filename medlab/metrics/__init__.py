"""Evaluation metrics, one module per concern; every public name is re-exported here.

* :mod:`~medlab.metrics.segmentation`: ``dice_coefficient``, ``dice_per_image``, ``iou_score``, ``hausdorff_distance``;
* :mod:`~medlab.metrics.lesions`: ``label_lesions``, ``match_lesions``, ``lesion_f1``;
* :mod:`~medlab.metrics.classification`: ``roc_curve``, ``roc_auc``, ``confusion_counts``,
  ``sensitivity_specificity``, ``threshold_for_sensitivity``, ``ppv_npv``;
* :mod:`~medlab.metrics.calibration`: ``calibration_curve``, ``brier_score``;
* :mod:`~medlab.metrics.bootstrap`: ``bootstrap_ci``, ``auc_difference_ci``;
* :mod:`~medlab.metrics.saliency`: ``pointing_game``, ``spearman_correlation``;
* :mod:`~medlab.metrics.image_quality`: ``psnr``, ``ssim``;
* :mod:`~medlab.metrics.landmarks`: ``radial_error``, ``success_detection_rate``;
* :mod:`~medlab.metrics.detection`: ``heatmap_peaks``, ``match_detections``, ``froc``,
  ``froc_from_matches``.

NumPy in, NumPy (or float) out; this package imports neither TensorFlow nor SciPy at import time.
"""

from __future__ import annotations

from .bootstrap import auc_difference_ci, bootstrap_ci
from .calibration import brier_score, calibration_curve
from .classification import (
    confusion_counts,
    ppv_npv,
    roc_auc,
    roc_curve,
    sensitivity_specificity,
    threshold_for_sensitivity,
)
from .detection import froc, froc_from_matches, heatmap_peaks, match_detections
from .image_quality import psnr, ssim
from .landmarks import radial_error, success_detection_rate
from .lesions import label_lesions, lesion_f1, match_lesions
from .saliency import pointing_game, spearman_correlation
from .segmentation import dice_coefficient, dice_per_image, hausdorff_distance, iou_score

__all__ = ["dice_coefficient", "dice_per_image", "iou_score", "hausdorff_distance", "roc_curve", "roc_auc",
           "sensitivity_specificity", "confusion_counts", "bootstrap_ci", "auc_difference_ci", "pointing_game",
           "spearman_correlation",
           "threshold_for_sensitivity", "ppv_npv", "calibration_curve", "brier_score", "psnr", "ssim",
           "label_lesions", "match_lesions", "lesion_f1", "radial_error", "success_detection_rate",
           "heatmap_peaks", "match_detections", "froc", "froc_from_matches"]
