"""Notebook 12's checkers: the wrong answers each must reject (contract: tests/test_checkers.py)."""

import numpy as np
from scipy import ndimage
from skimage.measure import label as sk_label

from medlab.check import q12
from medlab.metrics import match_lesions

FULL = np.ones((3, 3), bool)  # 8-connectivity


def _components(pred_mask, true_mask):
    t, n_t = ndimage.label(np.asarray(true_mask) > 0, structure=FULL)
    p, n_p = ndimage.label(np.asarray(pred_mask) > 0, structure=FULL)
    return t, n_t, p, n_p


def _overlap_iou(t, n_t, p, n_p):
    overlap = np.array([[np.sum((t == i) & (p == j)) for j in range(1, n_p + 1)] for i in range(1, n_t + 1)])
    size_t = np.array([np.sum(t == i) for i in range(1, n_t + 1)])
    size_p = np.array([np.sum(p == j) for j in range(1, n_p + 1)])
    iou = overlap / (size_t[:, None] + size_p[None, :] - overlap) if n_t and n_p else np.zeros((n_t, n_p))
    return overlap.reshape(n_t, n_p), iou.reshape(n_t, n_p)


def _one_to_one(pred_mask, true_mask, min_iou=0.1, *, use_iou=True, fp_if_untouched=False):
    t, n_t, p, n_p = _components(pred_mask, true_mask)
    overlap, iou = _overlap_iou(t, n_t, p, n_p)
    taken, tp = {}, 0
    for i in range(n_t):
        if n_p == 0 or overlap[i].max() == 0:
            continue
        j = int(np.argmax(overlap[i]))
        if (iou[i, j] >= min_iou if use_iou else True) and j not in taken:
            taken[j] = i
            tp += 1
    fp = int(np.sum(overlap.sum(axis=0) == 0)) if fp_if_untouched and n_t else n_p - tp
    return tp, fp, n_t - tp


def _many_to_one(pred_mask, true_mask, min_iou=0.1):  # a predicted blob may find several lesions
    t, n_t, p, n_p = _components(pred_mask, true_mask)
    overlap, iou = _overlap_iou(t, n_t, p, n_p)
    found = [i for i in range(n_t) if n_p and overlap[i].max() > 0 and iou[i, np.argmax(overlap[i])] >= min_iou]
    used = {int(np.argmax(overlap[i])) for i in found}
    return len(found), n_p - len(used), n_t - len(found)


def _any_overlap(pred_mask, true_mask, min_iou=0.1):  # one pixel in common is enough
    return _one_to_one(pred_mask, true_mask, min_iou, use_iou=False)


def _fp_only_if_untouched(pred_mask, true_mask, min_iou=0.1):  # a second piece of a lesion is not counted
    return _one_to_one(pred_mask, true_mask, min_iou, fp_if_untouched=True)


def _hard_coded_floor(pred_mask, true_mask, min_iou=0.1):
    return _one_to_one(pred_mask, true_mask, 0.1)


def _with_skimage(pred_mask, true_mask, min_iou=0.1):  # labels from skimage, result as a dict
    t = sk_label(np.asarray(true_mask) > 0)
    p = sk_label(np.asarray(pred_mask) > 0)
    r = match_lesions(p > 0, t > 0, min_iou)
    return {"tp": r["tp"], "fp": r["fp"], "fn": r["fn"]}


def _f1_from(tp, fp, fn, n):
    return {"tp": tp, "fp": fp, "fn": fn, "precision": tp / (tp + fp) if tp + fp else float("nan"),
            "recall": tp / (tp + fn) if tp + fn else float("nan"),
            "f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0, "fp_per_slice": fp / n}


def _sum_counts(pred_masks, true_masks, min_iou=0.1, keep=lambda t: True):
    tp = fp = fn = 0
    for p, t in zip(pred_masks, true_masks):
        if keep(t):
            a, b, c = _one_to_one(p, t, min_iou)
            tp, fp, fn = tp + a, fp + b, fn + c
    return tp, fp, fn


def _skip_lesion_free(pred_masks, true_masks, min_iou=0.1):
    tp, fp, fn = _sum_counts(pred_masks, true_masks, min_iou, keep=lambda t: np.any(t))
    return _f1_from(tp, fp, fn, len(true_masks))


def _arithmetic_mean(pred_masks, true_masks, min_iou=0.1):
    r = _f1_from(*_sum_counts(pred_masks, true_masks, min_iou), len(true_masks))
    if r["precision"] == r["precision"] and r["recall"] == r["recall"]:
        r["f1"] = (r["precision"] + r["recall"]) / 2
    return r


def _per_image_mean(pred_masks, true_masks, min_iou=0.1):
    r = _f1_from(*_sum_counts(pred_masks, true_masks, min_iou), len(true_masks))
    r["f1"] = float(np.mean([_f1_from(*_one_to_one(p, t, min_iou), 1)["f1"] for p, t in zip(pred_masks, true_masks)]))
    return r


def _fp_per_free_slice(pred_masks, true_masks, min_iou=0.1):
    r = _f1_from(*_sum_counts(pred_masks, true_masks, min_iou), len(true_masks))
    r["fp_per_slice"] = r["fp"] / max(1, sum(not np.any(t) for t in true_masks))
    return r


def _loop_reference(pred_masks, true_masks, min_iou=0.1):  # another right answer, from lists
    return _f1_from(*_sum_counts(list(pred_masks), list(true_masks), min_iou), len(true_masks))


CONTRACTS = [
    dict(checker=q12.match_lesions, reference=q12._reference_match_lesions, wrong=[
        ("many-to-one matching", _many_to_one, r"case 'two lesions merged': .*\(many-to-one\)"),
        ("any overlap instead of the IoU floor", _any_overlap, r"case 'IoU floor': .*because they overlap"),
        ("false positives only where no lesion is touched", _fp_only_if_untouched,
         r"case 'one lesion split': .*only the components that touch no lesion"),
        ("min_iou ignored", _hard_coded_floor, r"case 'the min_iou argument': .*min_iou=0.5.*expected \(tp, fp, fn\) "
                                               r"= \(0, 1, 1\), got \(1, 0, 0\)"),
        ("returns None", lambda p, t, min_iou=0.1: None, r"case 'exact prediction': your function returned None"),
    ], accepted=[
        ("a greedy loop over scipy labels", _one_to_one),
        ("skimage labels, a dict of counts", _with_skimage),
    ]),
    dict(checker=q12.lesion_f1, reference=q12._reference_lesion_f1, wrong=[
        ("lesion-free slices skipped", _skip_lesion_free,
         r"case 'lesion-free slices included': .*those on slices with lesions"),
        ("arithmetic mean of precision and recall", _arithmetic_mean,
         r"case 'slices with lesions': .*arithmetic mean of precision and recall"),
        ("mean of per-image F1", _per_image_mean, r"case 'slices with lesions': .*mean of the per-image F1"),
        ("false positives per lesion-free slice", _fp_per_free_slice,
         r"case 'slices with lesions': .*divided by the 0 lesion-free slices"),
    ], accepted=[
        ("summed counts from a loop over lists", _loop_reference),
    ]),
]
