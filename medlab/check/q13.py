"""Checkers for notebook 13 (evaluation without leakage: a stratified patient-level split)."""

from __future__ import annotations

import numpy as np

from ..data import split_by_patient
from ..metrics import bootstrap_ci, roc_auc
from ._core import CaseFailed, expect, run_checks


def _reference_patient_split(patient_ids, labels, test_fraction=0.25, seed=0):
    """Reference: :func:`medlab.data.split_by_patient` with two parts, stratified by the patient's label."""
    return split_by_patient(patient_ids, (1 - test_fraction, test_fraction), labels=labels, seed=seed)


def _reference_patient_bootstrap(y_true, y_score, patient_ids, n_boot=1000, level=0.95, seed=0):
    """Reference: :func:`medlab.metrics.bootstrap_ci` of the ROC AUC, resampling patients."""
    _, low, high = bootstrap_ci(roc_auc, np.asarray(y_true), np.asarray(y_score, dtype=float), groups=patient_ids,
                                n_boot=n_boot, level=level, seed=seed)
    return low, high


def _cohort(n_patients, positive_fraction, seed, *, ids=None, interleave=False):
    """Patients with 3 to 8 images each; a patient's label is shared by all of their images."""
    rng = np.random.default_rng(seed)
    ids = np.arange(n_patients) if ids is None else np.asarray(ids)
    sick = np.zeros(n_patients, int)
    sick[rng.permutation(n_patients)[:round(positive_fraction * n_patients)]] = 1
    counts = rng.integers(3, 9, n_patients)
    pids, labels = np.repeat(ids, counts), np.repeat(sick, counts)
    if interleave:  # images stored in acquisition order, not grouped by patient
        order = rng.permutation(len(pids))
        pids, labels = pids[order], labels[order]
    return pids, labels


def _parts(out, n, what):
    """The two index arrays of a split, checked to partition ``range(n)``."""
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise CaseFailed(f"{what}: expected a pair (train_idx, test_idx), got {type(out).__name__}"
                         + (f" of length {len(out)}" if isinstance(out, (tuple, list)) else ""))
    parts = []
    for name, part in zip(("train_idx", "test_idx"), out):
        a = np.asarray(part)
        if a.dtype == bool:
            raise CaseFailed(f"{what}: {name} is a boolean mask; return integer indices (np.flatnonzero(mask))")
        if a.ndim != 1 or (a.size and a.dtype.kind not in "iu"):
            raise CaseFailed(f"{what}: {name} must be a 1D array of integer indices, got dtype {a.dtype}, "
                             f"shape {a.shape}")
        parts.append(a.astype(np.int64))
    train, test = parts
    expect(len(test) > 0, f"{what}: the test part is empty (do you select patients by position, 0..P-1, "
                          "instead of by their ids?)")
    expect(len(train) > 0, f"{what}: the training part is empty")
    both = np.intersect1d(train, test)
    expect(both.size == 0, f"{what}: {both.size} image indices are in both parts (e.g. {both[:3].tolist()})")
    every = np.union1d(train, test)
    expect(len(train) + len(test) == n and np.array_equal(every, np.arange(n)),
           f"{what}: the two parts must hold every one of the {n} images exactly once; got "
           f"{len(train)} + {len(test)} indices covering {len(every)} distinct images")
    return train, test


def _no_shared_patient(pids, train, test, what):
    shared = np.intersect1d(pids[train], pids[test])
    if shared.size:
        raise CaseFailed(
            f"{what}: {shared.size} of {len(np.unique(pids))} patients have images in both train and test "
            f"(e.g. patient {shared[0]!r}). The model can recognize them, and the test score measures memory, "
            "not generalization: did you shuffle images instead of patients?")


def _check_split(f, pids, labels, test_fraction, seed, what):
    train, test = _parts(f(pids, labels, test_fraction, seed), len(pids), what)
    pids = np.asarray(pids)
    _no_shared_patient(pids, train, test, what)
    n_patients, n_test = len(np.unique(pids)), len(np.unique(pids[test]))
    expected = test_fraction * n_patients
    expect(abs(n_test - expected) <= 2,
           f"{what}: expected about {expected:.0f} of {n_patients} patients in the test part "
           f"(test_fraction={test_fraction} is a fraction of patients), got {n_test}")
    return train, test


def _disjoint(f):
    pids, labels = _cohort(40, 0.5, 1)
    _check_split(f, pids, labels, 0.25, 0, "40 patients with 3-8 images each, test_fraction 0.25")


def _interleaved_ids(f):
    ids = np.random.default_rng(2).choice(np.arange(1000, 9000), 30, replace=False)
    pids, labels = _cohort(30, 0.5, 3, ids=ids, interleave=True)
    _check_split(f, pids, labels, 0.3, 1, "30 patients with ids between 1000 and 9000, their images interleaved")


def _string_ids(f):
    pids, labels = _cohort(24, 0.5, 4)
    names = np.array([f"patient-{p:03d}" for p in pids])
    _check_split(f, names.tolist(), labels.tolist(), 0.25, 0, "patient ids as strings, plain lists")


def _stratified(f):
    pids, labels = _cohort(60, 0.2, 5)
    n_pos = len(np.unique(pids[labels == 1]))
    for seed in range(8):
        what = f"60 patients, {n_pos} of them positive, test_fraction 0.25, seed {seed}"
        train, test = _check_split(f, pids, labels, 0.25, seed, what)
        pos_test = len(np.unique(pids[test][labels[test] == 1]))
        expect(abs(pos_test - 0.25 * n_pos) <= 1,
               f"{what}: expected about {0.25 * n_pos:.0f} positive patients in the test part (stratified: "
               f"the same share of positives as overall), got {pos_test}. Split the positive and the negative "
               "patients separately.")


def _seeded(f):
    pids, labels = _cohort(40, 0.5, 6)
    what = "40 patients"
    first = _parts(f(pids, labels, 0.25, 7), len(pids), what)
    again = _parts(f(pids, labels, 0.25, 7), len(pids), what)
    expect(np.array_equal(np.sort(first[1]), np.sort(again[1])),
           f"{what}: the same seed (7) gave two different test parts; draw from np.random.default_rng(seed)")
    tests = {tuple(np.sort(_parts(f(pids, labels, 0.25, s), len(pids), what)[1])) for s in range(4)}
    expect(len(tests) > 1, f"{what}: seeds 0, 1, 2 and 3 all gave the same test part; the seed must matter")


def _scored(n_patients, images_per_patient, seed, *, ids=None, interleave=False):
    """Half the patients diseased; a patient's images share the label and, up to a little noise, the score."""
    rng = np.random.default_rng(seed)
    ids = np.arange(n_patients) if ids is None else np.asarray(ids)
    sick = np.arange(n_patients) % 2
    patient_score = 0.8 * sick + rng.normal(0, 1, n_patients)
    pids, y = np.repeat(ids, images_per_patient), np.repeat(sick, images_per_patient)
    score = np.repeat(patient_score, images_per_patient) + rng.normal(0, 0.1, len(y))
    if interleave:
        order = rng.permutation(len(y))
        pids, y, score = pids[order], y[order], score[order]
    return y, score.round(4), pids


def _interval(f, y, s, pids, what, *, level=0.95, seed=0, n_boot=300):
    out = f(y, s, pids, n_boot, level, seed)
    if not isinstance(out, (tuple, list, np.ndarray)) or len(out) != 2:
        raise CaseFailed(f"{what}: expected a pair (low, high), got {type(out).__name__} {out!r:.80}")
    try:
        low, high = (float(v) for v in out)
    except (TypeError, ValueError):
        raise CaseFailed(f"{what}: expected two numbers (low, high), got {out!r:.80}") from None
    expect(np.isfinite(low) and np.isfinite(high), f"{what}: the interval ({low}, {high}) is not finite")
    expect(low < high, f"{what}: expected low < high, got ({low:.4f}, {high:.4f}); an interval of zero width "
                       "means every resample is the original data: draw with replacement")
    return low, high


def _compare_width(f, y, s, pids, what, **kw):
    low, high = _interval(f, y, s, pids, what, **kw)
    ref_low, ref_high = _reference_patient_bootstrap(y, s, pids, 800, kw.get("level", 0.95), 123)
    est = roc_auc(y, s)
    expect(low <= est <= high, f"{what}: the interval [{low:.3f}, {high:.3f}] does not contain the AUC {est:.3f} "
                               "of the data as given")
    width, ref = high - low, ref_high - ref_low
    expect(width >= 0.6 * ref,
           f"{what}: your interval is {width:.3f} wide, a bootstrap over patients gives about {ref:.3f} "
           f"([{ref_low:.3f}, {ref_high:.3f}]). Too narrow: did you resample images instead of patients? "
           "Images of one patient are not independent observations.")
    expect(width <= 1.6 * ref, f"{what}: your interval is {width:.3f} wide, expected about {ref:.3f} "
                               f"([{ref_low:.3f}, {ref_high:.3f}]): check the percentiles for the level")


def _alike_images(f):
    y, s, pids = _scored(30, 8, 11)
    _compare_width(f, y, s, pids, "30 patients with 8 nearly identical images each, level 0.95")


def _one_image_each(f):
    y, s, pids = _scored(60, 1, 12)
    _compare_width(f, y, s, pids, "60 patients with one image each (the ordinary bootstrap), level 0.95")


def _interleaved(f):
    ids = np.random.default_rng(13).choice(np.arange(1000, 9000), 30, replace=False)
    y, s, pids = _scored(30, 6, 14, ids=ids, interleave=True)
    _compare_width(f, y, s, pids, "30 patients with ids between 1000 and 9000, their images interleaved")


def _level(f):
    y, s, pids = _scored(30, 4, 15)
    _compare_width(f, y, s, pids, "a 50 % interval (level=0.5)", level=0.5)


def _boot_seeded(f):
    y, s, pids = _scored(20, 4, 16)
    what = "20 patients"
    first = _interval(f, y, s, pids, what, seed=3, n_boot=100)
    again = _interval(f, y, s, pids, what, seed=3, n_boot=100)
    expect(np.allclose(first, again), f"{what}: the same seed (3) gave {first} and then {again}; draw from "
                                      "np.random.default_rng(seed)")
    other = _interval(f, y, s, pids, what, seed=4, n_boot=100)
    expect(not np.allclose(first, other), f"{what}: seeds 3 and 4 gave the same interval {first}; the seed must matter")


BOOTSTRAP_CASES = [("patients whose images are alike", _alike_images), ("one image per patient", _one_image_each),
                   ("ids that are not 0..P-1, images interleaved", _interleaved), ("the level", _level),
                   ("the seed decides", _boot_seeded)]


#: (description, case) in the order they run; each case raises ``CaseFailed`` on a wrong answer
CASES = [("no patient in both parts", _disjoint), ("ids that are not 0..P-1, images interleaved", _interleaved_ids),
         ("string ids in lists", _string_ids), ("stratified by the patient's label", _stratified),
         ("the seed decides", _seeded)]


def patient_split(student_fn):
    """Check ``patient_split(patient_ids, labels, test_fraction, seed) -> (train_idx, test_idx)``: every
    image in exactly one part, no patient in both, about ``test_fraction`` of the patients in the
    test part, positive and negative patients split separately (stratified), reproducible from ``seed``.

    Examples
    --------
    >>> from medlab.check import q13
    >>> fn = q13.patient_split(q13._reference_patient_split)
    ✓ patient_split: all 5 cases pass.
    """
    return run_checks("patient_split", student_fn, _reference_patient_split, CASES,
                      hint="find the distinct patients and each patient's label; shuffle the positive and the "
                           "negative patients separately (rng = np.random.default_rng(seed)), put a "
                           "test_fraction of each into the test set, then select the images whose patient "
                           "is in it (np.isin).")


def patient_bootstrap_ci(student_fn):
    """Check ``patient_bootstrap_ci(y_true, y_score, patient_ids, n_boot, level, seed) -> (low, high)``: a
    percentile bootstrap interval of the ROC AUC that resamples whole patients with replacement. Bootstrap
    intervals are random, so widths are compared with a long reference run within a tolerance.

    Examples
    --------
    >>> from medlab.check import q13
    >>> fn = q13.patient_bootstrap_ci(q13._reference_patient_bootstrap)
    ✓ patient_bootstrap_ci: all 5 cases pass.
    """
    return run_checks("patient_bootstrap_ci", student_fn, _reference_patient_bootstrap, BOOTSTRAP_CASES,
                      hint="draw patients (np.unique of the ids) with replacement, n_patients of them per resample; "
                           "gather all images of the drawn patients (a patient drawn twice counts twice), compute "
                           "the AUC, skip resamples with one class only, and take the percentiles "
                           "100 * (1 - level) / 2 and 100 * (1 + level) / 2.")
