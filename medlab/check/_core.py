"""The machinery shared by all checkers."""

from __future__ import annotations

import numpy as np

from ..report import record


class CaseFailed(AssertionError):
    """A single checker case did not match the reference."""


def expect_close(got, expected, what="the result", *, rtol=1e-5, atol=1e-6):
    """Fail a case unless ``got`` matches ``expected`` in shape and value."""
    if hasattr(got, "numpy"):
        got = got.numpy()
    try:
        g = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        raise CaseFailed(f"{what}: expected a number or array, got {type(got).__name__}") from None
    e = np.asarray(expected, dtype=float)
    if g.shape != e.shape:
        raise CaseFailed(f"{what}: expected shape {e.shape}, got shape {g.shape}")
    if np.isnan(g).any() and not np.isnan(e).any():
        raise CaseFailed(f"{what}: expected {_fmt(e)}, got NaN (a division by zero?)")
    if not np.allclose(g, e, rtol=rtol, atol=atol, equal_nan=True):
        raise CaseFailed(f"{what}: expected {_fmt(e)}, got {_fmt(g)}")


def expect(condition, message):
    if not condition:
        raise CaseFailed(message)


def _fmt(a):
    a = np.asarray(a)
    if a.ndim == 0:
        return f"{float(a):.6g}"
    if a.size <= 6:
        return np.array2string(a, precision=4)
    return f"an array of shape {a.shape} (mean {np.nanmean(a):.4g})"


def run_checks(name, student_fn, reference_fn, cases, hint):
    """Run ``cases`` against ``student_fn``; see the module docstring for the outcomes.

    Parameters
    ----------
    name : str
        The exercise's function name.
    student_fn : callable
    reference_fn : callable
        Returned when the student's function is not written yet.
    cases : sequence of (str, callable)
        Each callable takes the function under test and raises ``CaseFailed`` on a mismatch.
    hint : str
        Shown with a failure.
    """
    if not callable(student_fn):
        raise TypeError(f"student_fn: expected your function (a callable), got {type(student_fn).__name__}")
    for description, case in cases:
        try:
            case(student_fn)
        except NotImplementedError:
            print(f"○ {name}: not written yet; using the reference implementation so the notebook "
                  "runs on. Write it, then run this cell again.")
            record("check", name=name, status="fallback")
            return reference_fn
        except CaseFailed as err:
            record("check", name=name, status="failed", case=description)
            raise AssertionError(f"{name}, case '{description}': {err}\nHint: {hint}") from None
        except Exception as err:  # the student's code crashed
            record("check", name=name, status="failed", case=description)
            raise AssertionError(
                f"{name}, case '{description}': your function raised {type(err).__name__}: {err}\nHint: {hint}"
            ) from err
    print(f"✓ {name}: all {len(cases)} cases pass.")
    record("check", name=name, status="passed")
    return student_fn
