"""Checkers for notebook 12 (detection + segmentation: lesion matching and lesion-wise F1)."""

from __future__ import annotations

import numpy as np

from ..metrics import lesion_f1 as _lesion_f1
from ..metrics import match_lesions as _match_lesions
from ._core import expect, expect_close, run_checks

SIZE = 24


def _reference_match_lesions(pred_mask, true_mask, min_iou=0.1):
    r = _match_lesions(pred_mask, true_mask, min_iou)
    return r["tp"], r["fp"], r["fn"]


def _reference_lesion_f1(pred_masks, true_masks, min_iou=0.1):
    return _lesion_f1(pred_masks, true_masks, min_iou)


def _box(*boxes, size=SIZE):
    """A mask with the given rectangles ``(row0, row1, col0, col1)`` set to 1."""
    m = np.zeros((size, size), np.uint8)
    for r0, r1, c0, c1 in boxes:
        m[r0:r1, c0:c1] = 1
    return m


def _counts(got, what):
    """``(tp, fp, fn)`` from a tuple or a dict with those keys, with a clear message otherwise."""
    if isinstance(got, dict):
        missing = [k for k in ("tp", "fp", "fn") if k not in got]
        expect(not missing, f"{what}: your dict lacks the keys {missing}; return (tp, fp, fn)")
        got = (got["tp"], got["fp"], got["fn"])
    expect(isinstance(got, (tuple, list, np.ndarray)) and len(got) == 3,
           f"{what}: expected three counts (tp, fp, fn), got {type(got).__name__} {got!r:.80}")
    for name, value in zip(("tp", "fp", "fn"), got):
        expect(isinstance(value, (int, np.integer)) or (isinstance(value, (float, np.floating))
                                                         and float(value).is_integer()),
               f"{what}: {name} should be a count (an int), got {type(value).__name__} {value!r:.40}")
    return tuple(int(v) for v in got)


def _expect_counts(f, pred, true, expected, what, **kwargs):
    got = _counts(f(pred, true, **kwargs), what)
    expect(got == expected, f"{what}: expected (tp, fp, fn) = {expected}, got {got}")


# --- match_lesions -----------------------------------------------------------------------------------

TWO_LESIONS = _box((3, 7, 3, 7), (14, 19, 14, 19))


def _exact(f):
    _expect_counts(f, TWO_LESIONS, TWO_LESIONS, (2, 0, 0), "prediction = ground truth, two lesions")
    _expect_counts(f, TWO_LESIONS.astype(bool), TWO_LESIONS.astype(bool), (2, 0, 0),
                   "the same masks as bool arrays")


def _empty(f):
    z = np.zeros((SIZE, SIZE), np.uint8)
    _expect_counts(f, z, z, (0, 0, 0), "no lesion and no prediction")
    _expect_counts(f, z, TWO_LESIONS, (0, 0, 2), "nothing predicted, two lesions")


def _lesion_free(f):
    z = np.zeros((SIZE, SIZE), np.uint8)
    _expect_counts(f, _box((2, 5, 2, 5), (15, 18, 3, 6)), z, (0, 2, 0),
                   "two predicted components on a lesion-free image")


def _merged(f):
    true = _box((4, 9, 3, 8), (4, 9, 12, 17))  # two 5 x 5 lesions
    pred = _box((4, 9, 3, 17))  # one blob over both: IoU 25 / 70 with each
    got = _counts(f(pred, true), "one predicted blob covering two lesions")
    expect(got != (2, 0, 0), "one predicted blob covering two lesions: you counted both lesions as found by the same "
           "predicted component (many-to-one). Matching is one to one: the blob finds one lesion and the other "
           "is missed, expected (1, 0, 1)")
    expect(got == (1, 0, 1), f"one predicted blob covering two lesions: expected (tp, fp, fn) = (1, 0, 1), got {got}")


def _split(f):
    true = _box((4, 10, 4, 10))  # a 6 x 6 lesion
    pred = _box((4, 10, 4, 7), (4, 10, 8, 10))  # predicted in two pieces (IoU 0.5 and 1/3)
    got = _counts(f(pred, true), "one lesion predicted in two pieces")
    expect(got != (1, 0, 0), "one lesion predicted in two pieces: the second piece matches no lesion of its own, so "
           "it is a false positive (only one component can find a lesion); expected (1, 1, 0), got (1, 0, 0). Do "
           "you count as false positives only the components that touch no lesion?")
    expect(got == (1, 1, 0), f"one lesion predicted in two pieces: expected (tp, fp, fn) = (1, 1, 0), got {got}")


def _iou_floor(f):
    true = _box((2, 4, 2, 4))  # 4 pixels
    pred = _box((2, 10, 2, 10))  # a 64-pixel blob containing it: IoU 4 / 64 < 0.1
    got = _counts(f(pred, true), "a large blob that contains a 4-pixel lesion (IoU 4/64 = 0.06)")
    expect(got != (1, 0, 0), "a large blob that contains a 4-pixel lesion (IoU 4/64 = 0.06): you counted the "
           "lesion as found because they overlap; the rule asks IoU >= min_iou (0.1), so the blob is a false "
           "positive and the lesion is missed: expected (0, 1, 1)")
    expect(got == (0, 1, 1), f"IoU 0.06 below the floor 0.1: expected (tp, fp, fn) = (0, 1, 1), got {got}")


def _min_iou_argument(f):
    true = _box((4, 9, 4, 9))  # 25 pixels
    pred = _box((4, 9, 7, 12))  # 25 pixels, 10 shared: IoU 10 / 40 = 0.25
    _expect_counts(f, pred, true, (1, 0, 0), "a shifted prediction with IoU 0.25 (min_iou=0.1)")
    _expect_counts(f, pred, true, (0, 1, 1), "the same prediction with min_iou=0.5 (use the argument)", min_iou=0.5)


def _most_overlap(f):
    true = _box((3, 9, 3, 9))  # 36 pixels
    pred = _box((3, 9, 3, 7), (3, 9, 8, 16), (20, 22, 20, 22))  # 24 px inside; 6 inside + 42 outside; a speck
    _expect_counts(f, pred, true, (1, 2, 0), "a lesion touched by two components and a speck elsewhere")


def match_lesions(student_fn):
    """Check ``match_lesions(pred_mask, true_mask, min_iou=0.1) -> (tp, fp, fn)`` for one image.

    Examples
    --------
    >>> from medlab.check import q12
    >>> fn = q12.match_lesions(_reference_match_lesions)
    ✓ match_lesions: all 8 cases pass.
    """
    cases = [("exact prediction", _exact), ("empty masks", _empty), ("lesion-free image", _lesion_free),
             ("two lesions merged", _merged), ("one lesion split", _split), ("IoU floor", _iou_floor),
             ("the min_iou argument", _min_iou_argument), ("several components on one lesion", _most_overlap)]
    return run_checks("match_lesions", student_fn, _reference_match_lesions, cases,
                      hint="label both masks (scipy.ndimage.label(mask, structure=np.ones((3, 3))) or "
                           "skimage.measure.label); for each true lesion take the predicted label it shares most "
                           "pixels with and compute their IoU; keep it if IoU >= min_iou and that predicted label is "
                           "not taken (a taken label goes to the lesion with the higher IoU); fp = predicted "
                           "components - tp, fn = true lesions - tp.")


# --- lesion_f1 ---------------------------------------------------------------------------------------

def _result(got, what, keys=("tp", "fp", "fn", "precision", "recall", "f1", "fp_per_slice")):
    expect(isinstance(got, dict), f"{what}: expected a dict with keys {list(keys)}, got {type(got).__name__}")
    missing = [k for k in keys if k not in got]
    expect(not missing, f"{what}: your dict lacks the keys {missing}")
    return got


def _lesion_set():
    """Three slices with lesions: 4 true lesions, 3 found, 1 missed, 2 false positives beside a lesion."""
    true = np.stack([_box((2, 6, 2, 6), (12, 17, 12, 17)), _box((5, 10, 5, 10)), _box((15, 20, 3, 8))])
    pred = np.stack([_box((2, 6, 2, 6)), _box((5, 10, 5, 10), (18, 21, 18, 21), (1, 3, 18, 20)), _box((15, 20, 3, 8))])
    return pred, true


def _with_free_slices():
    """The lesion set plus three lesion-free slices, two of them with a false positive."""
    pred, true = _lesion_set()
    z = np.zeros((SIZE, SIZE), np.uint8)
    true = np.concatenate([true, np.stack([z, z, z])])
    pred = np.concatenate([pred, np.stack([_box((3, 6, 3, 6)), z, _box((10, 13, 10, 13), (18, 20, 2, 4))])])
    return pred, true


def _compare(f, pred, true, what, keys=("tp", "fp", "fn", "precision", "recall", "f1", "fp_per_slice")):
    got = _result(f(pred, true), what)
    ref = _reference_lesion_f1(pred, true)
    f1 = got["f1"]
    if isinstance(f1, (int, float, np.number)) and not np.isclose(f1, ref["f1"]):
        per_image = np.mean([_reference_lesion_f1(p[None], t[None])["f1"] for p, t in zip(pred, true)])
        expect(not np.isclose(f1, per_image),
               f"{what}: your F1 {f1:.4g} is the mean of the per-image F1 scores; sum TP, FP and FN over all "
               f"images first, then compute F1 once (a micro-average): expected {ref['f1']:.4g}")
        half = (ref["precision"] + ref["recall"]) / 2
        expect(not np.isclose(f1, half),
               f"{what}: your F1 {f1:.4g} is the arithmetic mean of precision and recall; F1 is their harmonic "
               f"mean, 2 P R / (P + R) = 2 TP / (2 TP + FP + FN), expected {ref['f1']:.4g}")
    n_free = sum(not np.any(t) for t in true)
    fps = got["fp_per_slice"]
    if isinstance(fps, (int, float, np.number)) and not np.isclose(fps, ref["fp_per_slice"]):
        expect(not np.isclose(fps, ref["fp"] / max(1, n_free)),
               f"{what}: fp_per_slice {fps:.4g} is divided by the {n_free} lesion-free slices; divide by all "
               f"{len(true)} slices, expected {ref['fp_per_slice']:.4g}")
    for key in keys:
        expect_close(got[key], ref[key], f"{what}: {key}", atol=1e-6)


def _lesion_slices(f):
    _compare(f, *_lesion_set(), "three slices with lesions (3 found, 1 missed, 2 false positives)")


def _free_slices(f):
    pred, true = _with_free_slices()
    what = "six slices, three without lesions (two of those with false positives)"
    got = _result(f(pred, true), what)
    ref = _reference_lesion_f1(pred, true)
    on_lesion_slices = _reference_lesion_f1(*_lesion_set())["fp"]
    expect(not np.isclose(got["fp"], on_lesion_slices),
           f"{what}: you counted {on_lesion_slices} false positives, those on slices with lesions; the "
           f"{ref['fp'] - on_lesion_slices} components predicted on lesion-free slices are false positives too (a "
           f"reader has to dismiss them), expected fp = {ref['fp']}")
    _compare(f, pred, true, what)


def _micro(f):
    # per-image F1s (1, 0, 2/3) average to 0.5556; the summed counts (2, 1, 2) give 2*2 / (2*2 + 1 + 2) = 4/7
    true = np.stack([_box((2, 6, 2, 6)), _box((4, 8, 4, 8)), _box((2, 6, 2, 6), (12, 16, 12, 16))])
    pred = np.stack([_box((2, 6, 2, 6)), _box((15, 18, 15, 18)), _box((2, 6, 2, 6))])
    _compare(f, pred, true, "three slices: one exact, one missed with a false positive, one of two found")


def _nothing_anywhere(f):
    z = np.zeros((3, SIZE, SIZE), np.uint8)
    got = _result(f(z, z), "no lesion and no prediction on any slice", keys=("f1", "fp_per_slice"))
    expect_close(got["f1"], 1.0, "no lesion and no prediction on any slice: F1 (nothing to find, nothing "
                 "reported: 1.0, as Dice of two empty masks)")
    expect_close(got["fp_per_slice"], 0.0, "no lesion and no prediction on any slice: fp_per_slice")


def lesion_f1(student_fn):
    """Check ``lesion_f1(pred_masks, true_masks, min_iou=0.1) -> dict`` over a set of slices.

    Examples
    --------
    >>> from medlab.check import q12
    >>> fn = q12.lesion_f1(_reference_lesion_f1)
    ✓ lesion_f1: all 4 cases pass.
    """
    cases = [("slices with lesions", _lesion_slices), ("lesion-free slices included", _free_slices),
             ("summed counts", _micro), ("nothing anywhere", _nothing_anywhere)]
    return run_checks("lesion_f1", student_fn, _reference_lesion_f1, cases,
                      hint="add up tp, fp and fn from match_lesions over every slice, the lesion-free ones included; "
                           "then precision = tp / (tp + fp), recall = tp / (tp + fn), f1 = 2 tp / (2 tp + fp + fn) "
                           "(1.0 when all three are 0), fp_per_slice = fp / number of slices.")
