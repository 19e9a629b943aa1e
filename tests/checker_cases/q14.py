"""Notebook 14's checkers: the wrong answers each must reject (contract: tests/test_checkers.py)."""

import numpy as np

from medlab.check import q14


def _swapped(hu, level, width):  # level and width exchanged
    lo = width - level / 2
    return np.clip((np.asarray(hu, float) - lo) / level, 0, 1)


def _not_clipped(hu, level, width):
    return (np.asarray(hu, float) - (level - width / 2)) / width


def _width_not_halved(hu, level, width):  # the window starts at level - width
    return np.clip((np.asarray(hu, float) - (level - width)) / width, 0, 1)


def _min_max_per_image(hu, level, width):  # the bank's "normalization": ignores the window
    hu = np.asarray(hu, float)
    return (hu - hu.min()) / (hu.max() - hu.min())


def _clip_then_min_max(hu, level, width):  # clips to the window, then stretches what is left
    x = np.clip(np.asarray(hu, float), level - width / 2, level + width / 2)
    return (x - x.min()) / (x.max() - x.min() + 1e-9)


def _integer_division(hu, level, width):  # floor division: every value becomes 0 or 1
    return np.clip((np.asarray(hu) - (level - width // 2)) // width, 0, 1)


def _with_library(hu, level, width):
    lo, hi = level - width / 2, level + width / 2
    return np.interp(np.asarray(hu, float), [lo, hi], [0.0, 1.0]).astype(np.float32)


def _clip_first(hu, level, width):
    lo = level - width / 2
    return (np.clip(np.asarray(hu, np.float64), lo, lo + width) - lo) / width


CONTRACTS = [
    dict(checker=q14.apply_window, reference=q14._reference_window, wrong=[
        ("level and width swapped", _swapped, r"case 'the level and the window's edges': .*level and width swapped"),
        ("no clipping", _not_clipped,
         r"case 'values in \[0, 1\]': .*values must lie in \[0, 1\], got min -2.1 and max 4.15"),
        ("width/2 missing", _width_not_halved,
         r"case 'the level and the window's edges': .*spans twice the width"),
        ("min-max per image (the bank)", _min_max_per_image,
         r"case 'the level and the window's edges': expected \[0, 0.5, 1\]|case 'a fixed map, not per image'"),
        ("clip, then min-max", _clip_then_min_max,
         r"case 'a fixed map, not per image': .*40 HU became 0.7692 next to air"),
        ("integer division", _integer_division,
         r"case 'the level and the window's edges': .*expected \[0\.\s+0\.5\s+1\.\s*\], got \[0\.\s+0\.\s+1\.\]"),
        ("returns None", lambda hu, level, width: None, r"case 'values in \[0, 1\]': your function returned None"),
    ], accepted=[
        ("np.interp", _with_library),
        ("clip the HU first, then scale", _clip_first),
    ]),
]
