"""Checkers for notebook 14 (Hounsfield units: a CT display window)."""

from __future__ import annotations

import numpy as np

from ..preprocess import window_hu as _reference_window
from ._core import expect, expect_close, run_checks


def _as_float_array(got, what):
    expect(got is not None and np.asarray(got).dtype.kind in "biuf",
           f"{what}: expected an array of numbers, got {type(got).__name__}")
    return np.asarray(got, dtype=float)


def _in_unit_range(f):
    hu = np.array([-1000.0, -500.0, -160.0, 40.0, 240.0, 700.0, 1500.0])
    what = "soft-tissue window (level 40, width 400) over HU from -1000 to 1500"
    got = _as_float_array(f(hu, 40.0, 400.0), what)
    expect(got.shape == hu.shape, f"{what}: expected shape {hu.shape}, got shape {got.shape}")
    expect(got.min() >= 0 and got.max() <= 1,
           f"{what}: values must lie in [0, 1], got min {got.min():.4g} and max {got.max():.4g}. Air (-1000) is "
           "below the window and must be 0, bone (1500) above it and must be 1: clip (np.clip) after scaling")


def _level_and_edges(f):
    level, width = 40.0, 400.0
    hu = np.array([level - width / 2, level, level + width / 2])  # -160, 40, 240
    what = "the level maps to 0.5, level - width/2 to 0 and level + width/2 to 1 (soft tissue: -160, 40, 240 HU)"
    got = _as_float_array(f(hu, level, width), what)
    expect(got.shape == hu.shape, f"{what}: expected shape {hu.shape}, got shape {got.shape}")
    swapped = _reference_window(hu, level=width, width=level)
    if not np.allclose(got, [0.0, 0.5, 1.0], atol=1e-5) and np.allclose(got, swapped, atol=1e-5):
        expect(False, f"{what}: expected [0, 0.5, 1], got {np.round(got, 4).tolist()}, which is a window of width "
               "40 centred at 400 HU: level and width swapped? The call is apply_window(hu, level, width)")
    if np.isclose(got[1], 1.0, atol=1e-5) and np.isclose(got[0], 0.5, atol=1e-5):
        expect(False, f"{what}: expected [0, 0.5, 1], got {np.round(got, 4).tolist()}: your window starts at "
               "level - width and so spans twice the width. The window is centred on the level: it runs from "
               "level - width/2 to level + width/2")
    expect_close(got, [0.0, 0.5, 1.0], what, atol=1e-5)


def _fixed_map(f):
    what = "a fixed map: 40 HU gives the same value whatever else is in the image (soft-tissue window)"
    with_air = _as_float_array(f(np.array([40.0, -1000.0, 100.0]), 40.0, 400.0), what)
    with_bone = _as_float_array(f(np.array([40.0, 1200.0, 100.0]), 40.0, 400.0), what)
    expect(with_air.shape == (3,) and with_bone.shape == (3,), f"{what}: expected shape (3,) for 3 values")
    expect(np.isclose(with_air[0], with_bone[0], atol=1e-5),
           f"{what}: 40 HU became {with_air[0]:.4g} next to air and {with_bone[0]:.4g} next to bone. A window "
           "depends only on the level and the width, never on the image's own minimum and maximum (a per-image "
           "min-max throws away what the Hounsfield scale means)")
    expect_close(with_air, [0.5, 0.0, 0.65], what, atol=1e-5)


def _batch_and_presets(f):
    rng = np.random.default_rng(14)
    hu = rng.uniform(-1100, 1600, (2, 6, 6, 1)).round(1)
    for level, width, name in [(-600.0, 1500.0, "lung"), (400.0, 1800.0, "bone"), (60.0, 160.0, "liver")]:
        what = f"{name} window (level {level:g}, width {width:g}) on a batch of shape (2, 6, 6, 1)"
        got = f(hu, level, width)
        expect_close(got, _reference_window(hu, level, width), what, atol=1e-5)


def _stored_integers(f):
    hu = np.array([[-1024, -100, 0], [35, 80, 3000]], dtype=np.int16)
    what = "HU as int16 (how CT pixels are stored), brain window (level 40, width 80)"
    got = f(hu, 40, 80)
    expect_close(got, _reference_window(hu, 40, 80), what, atol=1e-5)


#: (description, case) in the order they run; each case raises ``CaseFailed`` on a wrong answer
CASES = [("values in [0, 1]", _in_unit_range), ("the level and the window's edges", _level_and_edges),
         ("a fixed map, not per image", _fixed_map), ("lung, bone and liver windows on a batch", _batch_and_presets),
         ("integer HU", _stored_integers)]


def apply_window(student_fn):
    """Check ``apply_window(hu, level, width)``: HU mapped linearly so that ``level - width/2 -> 0`` and
    ``level + width/2 -> 1``, clipped to [0, 1] (the reference is ``medlab.preprocess.window_hu``).

    Examples
    --------
    >>> from medlab.check import q14
    >>> fn = q14.apply_window(_reference_window)
    ✓ apply_window: all 5 cases pass.
    """
    return run_checks("apply_window", student_fn, _reference_window, CASES,
                      hint="the window runs from lo = level - width / 2 to hi = level + width / 2; scale with "
                           "(hu - lo) / width, then clip to [0, 1]. Nothing depends on the image itself.")
