"""Lesion-wise evaluation: lesions as connected components, matched one to one.

A pixel metric (Dice) can look fine while a small lesion is missed or a speck of noise is
reported as a lesion; clinicians count lesions. Here a lesion is a connected component of a
binary mask (8-connected in 2D, 26-connected in 3D by default, as ``skimage.measure.label``),
and a predicted lesion is matched to a true one by this rule:

* each true lesion looks at the predicted component that overlaps it **most** (most shared
  pixels; ties go to the higher IoU, then the lower label); it is *found* when their IoU is at
  least ``min_iou``;
* matching is **one to one**: when several true lesions pick the same predicted component (one
  prediction merging two lesions), it counts once, for the lesion with the highest IoU, and the
  others are missed (a true lesion does not fall back to its second-best component);
* every predicted component that matches no true lesion is a false positive, including the
  second piece of a lesion split in two and everything predicted on a lesion-free slice.

Lesion-wise F1 is how the MS lesion segmentation challenges score detection (e.g. Commowick et
al., Scientific Reports, 2018; their overlap criteria differ in detail). The IoU floor, in place of
"any overlap", keeps one large blob that touches a lesion with a single pixel from counting as
finding it.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_binary, check_choice, check_range, same_shape

__all__ = ["label_lesions", "match_lesions", "lesion_f1"]


def label_lesions(mask, *, connectivity=None):
    """Label the connected components (lesions) of one binary mask.

    Parameters
    ----------
    mask : array-like of bool or {0, 1}, 2D (H, W) or 3D (D, H, W)
        One image or one volume (not a batch).
    connectivity : int or None
        As ``skimage.measure.label``: the number of orthogonal steps that make two pixels
        neighbours, from 1 (share a face: 4-connected in 2D, 6 in 3D) to ``mask.ndim``; ``None``
        (default) is ``mask.ndim``, full connectivity (8 in 2D, 26 in 3D).

    Returns
    -------
    labels : numpy.ndarray of int32, same shape
        0 for the background, 1..n for the lesions.
    n : int
        Number of lesions.

    Examples
    --------
    >>> m = np.zeros((5, 5), int); m[0, 0] = m[1, 1] = m[4, 4] = 1
    >>> label_lesions(m)[1], label_lesions(m, connectivity=1)[1]
    (2, 3)
    """
    from scipy import ndimage

    m = as_binary(mask, "mask", ndim=(2, 3))
    if connectivity is None:
        connectivity = m.ndim
    check_choice(connectivity, "connectivity", tuple(range(1, m.ndim + 1)))
    labels, n = ndimage.label(m, structure=ndimage.generate_binary_structure(m.ndim, connectivity))
    return labels.astype(np.int32), int(n)


def match_lesions(pred_mask, true_mask, min_iou=0.1, *, connectivity=None):
    """Match predicted lesions to true lesions one to one; count true and false positives and misses.

    The rule (module docstring): each true lesion is found by the predicted component that overlaps
    it most, if their IoU is at least ``min_iou``; a predicted component finds at most one lesion
    (the one with the highest IoU); unmatched predicted components are false positives.

    Parameters
    ----------
    pred_mask, true_mask : array-like of bool or {0, 1}, same shape, 2D or 3D
        One image (or volume): the prediction and the ground truth.
    min_iou : float in (0, 1]
        Smallest IoU between a true lesion and its predicted component for a match.
    connectivity : int or None
        See :func:`label_lesions`.

    Returns
    -------
    dict
        ``tp``, ``fp``, ``fn`` (ints); ``pairs``: a list of ``(true_label, pred_label, iou)``, one per
        match; ``true_labels``, ``pred_labels``: the labelled masks (to draw the matches);
        ``n_true``, ``n_pred``: the numbers of components.

    Examples
    --------
    Two true lesions; one prediction covers the first well, a speck lies elsewhere:

    >>> t = np.zeros((8, 8), int); t[1:3, 1:3] = 1; t[5:7, 5:7] = 1
    >>> p = np.zeros((8, 8), int); p[1:3, 1:4] = 1; p[0, 7] = 1
    >>> r = match_lesions(p, t)
    >>> r["tp"], r["fp"], r["fn"]
    (1, 1, 1)
    """
    p = as_binary(pred_mask, "pred_mask", ndim=(2, 3))
    t = as_binary(true_mask, "true_mask", ndim=(2, 3))
    same_shape(p, t, "pred_mask", "true_mask")
    check_range(min_iou, "min_iou", 0.0, 1.0, lo_open=True)
    true_labels, n_true = label_lesions(t, connectivity=connectivity)
    pred_labels, n_pred = label_lesions(p, connectivity=connectivity)
    pairs = []
    if n_true and n_pred:
        # overlap[i, j]: pixels shared by true lesion i + 1 and predicted component j + 1
        both = (true_labels > 0) & (pred_labels > 0)
        overlap = np.zeros((n_true + 1, n_pred + 1), np.int64)
        np.add.at(overlap, (true_labels[both], pred_labels[both]), 1)
        overlap = overlap[1:, 1:]
        true_size = np.bincount(true_labels.ravel(), minlength=n_true + 1)[1:]
        pred_size = np.bincount(pred_labels.ravel(), minlength=n_pred + 1)[1:]
        iou = overlap / (true_size[:, None] + pred_size[None, :] - overlap)
        claims = {}  # predicted component -> (iou, true lesion) of the lesions that pick it
        for i in range(n_true):
            if overlap[i].max() == 0:
                continue
            best = np.lexsort((-iou[i], -overlap[i]))[0]  # most overlap, then highest IoU, then lowest label
            if iou[i, best] >= min_iou:
                claims.setdefault(best, []).append((iou[i, best], i))
        for j, candidates in sorted(claims.items()):
            score, i = max(candidates, key=lambda c: (c[0], -c[1]))
            pairs.append((int(i + 1), int(j + 1), float(score)))
        pairs.sort()
    tp = len(pairs)
    return {"tp": tp, "fp": n_pred - tp, "fn": n_true - tp, "pairs": pairs, "n_true": n_true, "n_pred": n_pred,
            "true_labels": true_labels, "pred_labels": pred_labels}


def lesion_f1(pred_masks, true_masks, min_iou=0.1, *, connectivity=None):
    """Lesion-wise precision, recall and F1 over a set of images, lesion-free images included.

    Counts are summed over the images (micro-average), so a false positive on a slice without any
    lesion costs precision as much as one next to a lesion; ``fp_per_slice`` reports how many
    the reader would have to dismiss per image.

    Parameters
    ----------
    pred_masks, true_masks : sequences of binary masks, or arrays (N, H, W) / (N, D, H, W)
        One prediction and one ground truth per image (or volume), in the same order.
    min_iou : float in (0, 1]
        See :func:`match_lesions`.
    connectivity : int or None
        See :func:`label_lesions`.

    Returns
    -------
    dict
        ``tp``, ``fp``, ``fn``, ``n_images``; ``precision`` = TP / (TP + FP) (NaN when nothing is
        predicted anywhere), ``recall`` = TP / (TP + FN) (NaN when there is no lesion anywhere),
        ``f1`` = 2 TP / (2 TP + FP + FN): 0 when either is undefined and the other side has
        lesions, 1.0 when there is nothing to find and nothing is predicted (the convention of
        Dice for two empty masks); ``fp_per_slice`` = FP / N.

    Examples
    --------
    >>> t = np.zeros((2, 6, 6), int); t[0, 1:3, 1:3] = 1  # the second image has no lesion
    >>> p = t.copy(); p[1, 4, 4] = 1                         # ...but a false positive
    >>> r = lesion_f1(p, t)
    >>> r["tp"], r["fp"], r["fn"], round(r["f1"], 3), r["fp_per_slice"]
    (1, 1, 0, 0.667, 0.5)
    """
    if isinstance(pred_masks, np.ndarray) or isinstance(true_masks, np.ndarray):
        if np.ndim(pred_masks) not in (3, 4) or np.ndim(true_masks) not in (3, 4):
            raise ValueError(f"pred_masks, true_masks: expected a batch (N, H, W) or (N, D, H, W) or a list of "
                             f"masks, got shapes {np.shape(pred_masks)} and {np.shape(true_masks)}")
    if len(pred_masks) != len(true_masks):
        raise ValueError(f"pred_masks and true_masks: expected one prediction per image, got {len(pred_masks)} "
                         f"predictions and {len(true_masks)} ground truths")
    if len(true_masks) == 0:
        raise ValueError("true_masks: expected at least one image, got none")
    tp = fp = fn = 0
    for k, (p, t) in enumerate(zip(pred_masks, true_masks)):
        try:
            r = match_lesions(p, t, min_iou, connectivity=connectivity)
        except ValueError as err:
            raise ValueError(f"image {k}: {err}") from None
        tp, fp, fn = tp + r["tp"], fp + r["fp"], fn + r["fn"]
    n = len(true_masks)
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0
    return {"tp": tp, "fp": fp, "fn": fn, "n_images": n, "precision": precision, "recall": recall,
            "f1": float(f1), "fp_per_slice": fp / n}
