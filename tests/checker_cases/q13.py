"""Notebook 13's checker: the wrong answers it must reject (contract: tests/test_checkers.py)."""

import numpy as np
from sklearn.model_selection import GroupShuffleSplit, StratifiedGroupKFold, train_test_split

from medlab import metrics
from medlab.check import q13


def _image_shuffle(patient_ids, labels, test_fraction=0.25, seed=0):  # the bank's split: images, not patients
    idx = np.arange(len(labels))
    return train_test_split(idx, test_size=test_fraction, stratify=labels, random_state=seed)


def _by_position(patient_ids, labels, test_fraction=0.25, seed=0):  # patients drawn as 0..P-1, not by their ids
    pids = np.asarray(patient_ids)
    n_patients = len(np.unique(pids))
    test_patients = np.random.default_rng(seed).permutation(n_patients)[:round(test_fraction * n_patients)]
    test = np.isin(pids, test_patients)
    return np.flatnonzero(~test), np.flatnonzero(test)


def _contiguous_blocks(patient_ids, labels, test_fraction=0.25, seed=0):  # assumes 5 images per patient, in order
    groups = np.arange(len(labels)) // 5
    return _grouped(groups, labels, test_fraction, seed)


def _grouped(groups, labels, test_fraction, seed):
    y = np.asarray(labels)
    out = [[], []]
    for value in np.unique(y):
        members = np.random.default_rng(seed).permutation(np.unique(groups[y == value]))
        k = round(test_fraction * len(members))
        out[1] += members[:k].tolist()
        out[0] += members[k:].tolist()
    test = np.isin(groups, out[1])
    return np.flatnonzero(~test), np.flatnonzero(test)


def _not_stratified(patient_ids, labels, test_fraction=0.25, seed=0):  # grouped, but positives land anywhere
    splitter = GroupShuffleSplit(n_splits=1, test_size=test_fraction, random_state=seed)
    return next(splitter.split(np.zeros(len(labels)), labels, groups=patient_ids))


def _boolean_masks(patient_ids, labels, test_fraction=0.25, seed=0):
    train, test = q13._reference_patient_split(patient_ids, labels, test_fraction, seed)
    mask = np.zeros(len(labels), bool)
    mask[test] = True
    return ~mask, mask


def _own_loop(patient_ids, labels, test_fraction=0.25, seed=0):  # right: strata by patient label, own rng use
    pids, y = np.asarray(patient_ids), np.asarray(labels)
    rng = np.random.default_rng(seed)
    patients = np.unique(pids)
    sick = np.array([y[pids == p].max() for p in patients])
    test = []
    for value in (0, 1):
        stratum = patients[sick == value]
        test += rng.choice(stratum, round(test_fraction * len(stratum)), replace=False).tolist()
    in_test = np.isin(pids, test)
    return np.flatnonzero(~in_test), np.flatnonzero(in_test)


def _first_fold(patient_ids, labels, test_fraction=0.25, seed=0):  # right: one fold of StratifiedGroupKFold
    folds = StratifiedGroupKFold(n_splits=round(1 / test_fraction), shuffle=True, random_state=seed)
    return next(folds.split(np.zeros(len(labels)), labels, groups=patient_ids))


def _bootstrap_loop(y_true, y_score, groups_of, n_boot, level, seed, *, replace=True, fixed_level=None):
    y, s = np.asarray(y_true), np.asarray(y_score, dtype=float)
    rng = np.random.default_rng(seed)
    members = groups_of(np.asarray(y_true), y)
    aucs = []
    for _ in range(n_boot):
        drawn = rng.choice(len(members), len(members), replace=replace)
        idx = np.concatenate([members[k] for k in drawn])
        if 0 < y[idx].sum() < len(idx):
            aucs.append(metrics.roc_auc(y[idx], s[idx]))
    lv = level if fixed_level is None else fixed_level
    return tuple(np.percentile(aucs, [50 * (1 - lv), 50 * (1 + lv)]))


def _by_patient(patient_ids):
    pids = np.asarray(patient_ids)
    return lambda *_: [np.flatnonzero(pids == p) for p in np.unique(pids)]


def _boot_by_image(y_true, y_score, patient_ids, n_boot=1000, level=0.95, seed=0):  # images as if independent
    _, low, high = metrics.bootstrap_ci(metrics.roc_auc, np.asarray(y_true), np.asarray(y_score), n_boot=n_boot,
                                        level=level, seed=seed)
    return low, high


def _boot_without_replacement(y_true, y_score, patient_ids, n_boot=1000, level=0.95, seed=0):
    return _bootstrap_loop(y_true, y_score, _by_patient(patient_ids), n_boot, level, seed, replace=False)


def _boot_by_position(y_true, y_score, patient_ids, n_boot=1000, level=0.95, seed=0):  # patients as 0..P-1
    pids = np.asarray(patient_ids)
    n_patients = len(np.unique(pids))
    return _bootstrap_loop(y_true, y_score, lambda *_: [np.flatnonzero(pids == k) for k in range(n_patients)],
                           n_boot, level, seed)


def _boot_fixed_level(y_true, y_score, patient_ids, n_boot=1000, level=0.95, seed=0):  # always a 95 % interval
    return _bootstrap_loop(y_true, y_score, _by_patient(patient_ids), n_boot, level, seed, fixed_level=0.95)


def _boot_own_loop(y_true, y_score, patient_ids, n_boot=1000, level=0.95, seed=0):  # right: a hand-written loop
    return _bootstrap_loop(y_true, y_score, _by_patient(patient_ids), n_boot, level, seed)


CONTRACTS = [
    dict(checker=q13.patient_split, reference=q13._reference_patient_split, wrong=[
        ("image-level shuffle (the bank's train_test_split)", _image_shuffle,
         r"case 'no patient in both parts': .* patients have images in both train and test"),
        ("patients drawn by position, not by id", _by_position,
         r"case 'ids that are not 0..P-1, images interleaved': .*the test part is empty"),
        ("groups by the wrong key (blocks of five images)", _contiguous_blocks,
         r"case 'no patient in both parts': .* patients have images in both train and test"),
        ("grouped but not stratified", _not_stratified,
         r"case 'stratified by the patient's label': .*positive patients in the test part"),
        ("boolean masks instead of indices", _boolean_masks, r"train_idx is a boolean mask"),
    ], accepted=[
        ("own loop over strata with rng.choice", _own_loop),
        ("one fold of StratifiedGroupKFold", _first_fold),
    ]),
    dict(checker=q13.patient_bootstrap_ci, reference=q13._reference_patient_bootstrap, wrong=[
        ("resamples images, not patients", _boot_by_image,
         r"case 'patients whose images are alike': .*Too narrow: did you resample images instead of patients"),
        ("draws without replacement", _boot_without_replacement,
         r"case 'patients whose images are alike': .*zero width"),
        ("patients taken as 0..P-1, not by id", _boot_by_position,
         r"case 'ids that are not 0..P-1, images interleaved'"),
        ("ignores the level", _boot_fixed_level, r"case 'the level': .*check the percentiles for the level"),
    ], accepted=[
        ("a hand-written loop over patients", _boot_own_loop),
    ]),
]
