"""Checkers for notebook 15 (classification + segmentation with a shared encoder)."""

from __future__ import annotations

import numpy as np

from ._core import expect, run_checks

_EPS = 1e-7  # Keras' clipping of probabilities in binary cross-entropy


def _reference_multitask_loss(mask_true, mask_pred, y_true, y_pred, weight=1.0):
    from ..losses import multitask_loss

    return multitask_loss(mask_true, mask_pred, y_true, y_pred, weight)


def _bce(y, p):
    p = np.clip(p, _EPS, 1 - _EPS)
    return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))


def _bce_on_logits(y, z):  # what Keras computes with from_logits=True (probabilities taken for logits)
    return float(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))))


def _dice_loss(m, p, axes, smooth=1.0):
    inter = np.sum(m * p, axis=axes)
    total = np.sum(m, axis=axes) + np.sum(p, axis=axes)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.mean(1 - (2 * inter + smooth) / (total + smooth)))


def _terms(m, mp, y, yp):
    """The pieces of the loss and of its usual mistakes, in NumPy."""
    per_image = tuple(range(1, m.ndim))
    return dict(dice=_dice_loss(m, mp, per_image), dice_batch=_dice_loss(m, mp, None), mask_bce=_bce(m, mp),
                dice_unsmoothed=_dice_loss(m, mp, per_image, 0.0), dice_tiny=_dice_loss(m, mp, per_image, 1e-6),
                cls_bce=_bce(y, yp), cls_logits=_bce_on_logits(y, yp))


def _diagnose(got, t, weight):
    """Name the mistake whose value the student's loss matches, if any."""
    seg = t["dice"] + t["mask_bce"]
    candidates = [
        ("the weight multiplies the mask term instead of the classification term",
         weight * seg + t["cls_bce"]),
        ("the classification term is missing: the loss trains only the mask head",
         seg),
        ("the Dice is computed once over the whole batch instead of once per image (sum over axes 1, 2, 3)",
         t["dice_batch"] + t["mask_bce"] + weight * t["cls_bce"]),
        ("the classification term treats the sigmoid's probabilities as logits (from_logits=True)",
         seg + weight * t["cls_logits"]),
        ("the mask's binary cross-entropy is missing (Dice alone)",
         t["dice"] + weight * t["cls_bce"]),
        ("the soft Dice term is missing (BCE alone on the mask)",
         t["mask_bce"] + weight * t["cls_bce"]),
        ("only the mask's binary cross-entropy counts (the bank's loss): no soft Dice and no classification term",
         t["mask_bce"]),
        ("the Dice has no smoothing constant (an empty mask predicted empty gives 0/0)",
         t["dice_unsmoothed"] + t["mask_bce"] + weight * t["cls_bce"]),
        ("the Dice's smoothing constant is 1e-6 (notebook 02's loss); this exercise uses 1",
         t["dice_tiny"] + t["mask_bce"] + weight * t["cls_bce"]),
    ]
    for name, value in candidates:
        if np.isclose(got, value, rtol=1e-4, atol=1e-5):
            return f" It matches the loss where {name}."
    return ""


def _value(f, m, mp, y, yp, weight):
    out = f(m, mp, y, yp, weight)
    if isinstance(out, str):
        raise AssertionError("expected a scalar loss, got a string")
    arr = np.asarray(out, dtype=float)
    expect(arr.size == 1, f"expected a scalar loss (one number for the batch), got shape {arr.shape}")
    return float(arr.reshape(()))


def _batch(seed=4):
    """Three 12x12 images: a large lesion, a small one and an empty mask; labels 1, 0, 1."""
    rng = np.random.default_rng(seed)
    m = np.zeros((3, 12, 12, 1), np.float32)
    m[0, 2:10, 2:10] = 1  # 64 px
    m[1, 5:7, 5:7] = 1  # 4 px
    mp = np.clip(0.75 * m + rng.uniform(0.0, 0.25, m.shape), 0, 1).astype(np.float32)
    y = np.array([[1.0], [0.0], [1.0]], np.float32)
    yp = np.array([[0.8], [0.3], [0.4]], np.float32)
    return m, mp, y, yp


def multitask_loss(student_fn):
    """Check ``multitask_loss(mask_true, mask_pred, y_true, y_pred, weight) -> scalar``:
    soft Dice (per image, smoothed) + BCE on the mask, plus ``weight`` times BCE on the label.

    Examples
    --------
    >>> from medlab.check import q15
    >>> fn = q15.multitask_loss(_reference_multitask_loss)
    ✓ multitask_loss: all 4 cases pass.
    """

    def compare(f, m, mp, y, yp, weight, what):
        got = _value(f, m, mp, y, yp, weight)
        expect(np.isfinite(got), f"{what}: the loss is {got} (NaN or inf). With an empty mask and an empty "
               "prediction the Dice ratio is 0/0: add a smoothing constant (1.0) to numerator and denominator")
        t = _terms(m, mp, y, yp)
        expected = t["dice"] + t["mask_bce"] + weight * t["cls_bce"]
        expect(np.isclose(got, expected, rtol=1e-4, atol=1e-5),
               f"{what}: expected {expected:.5f}, got {got:.5f}.{_diagnose(got, t, weight)}")

    def typical(f):
        compare(f, *_batch(), 1.0, "a batch of three images, weight 1")

    def weighted(f):
        compare(f, *_batch(), 3.0, "the same batch, weight 3")

    def empty_masks(f):
        m = np.zeros((2, 8, 8, 1), np.float32)
        mp = np.full_like(m, 1e-4)
        compare(f, m, mp, np.array([[0.0], [1.0]], np.float32), np.array([[0.2], [0.9]], np.float32), 0.5,
                "two images without a lesion, predicted empty, weight 0.5")

    def zero_weight(f):
        compare(f, *_batch(7), 0.0, "weight 0 (a segmentation model only)")

    cases = [("a batch, weight 1", typical), ("weight 3", weighted), ("empty masks", empty_masks),
             ("weight 0", zero_weight)]
    return run_checks("multitask_loss", student_fn, _reference_multitask_loss, cases,
                      hint="soft Dice per image: 1 - (2 sum(m p) + 1) / (sum(m) + sum(p) + 1) over axes (1, 2, 3), "
                           "averaged over the batch; plus the mean binary cross-entropy of the mask; plus weight "
                           "times the mean binary cross-entropy of the labels (the outputs are probabilities, "
                           "not logits).")
