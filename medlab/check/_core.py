"""The machinery shared by all checkers.

Every call of the student's function inside a case goes through a guard that

* passes copies of NumPy inputs, and fails the case with "your function modified its input" when
  the function changed them (so later cases are not corrupted and the right mistake is named);
* fails with "returned None" when the function forgot its ``return``;
* stops the function when it runs past a time limit (an endless loop, a Python loop over pixels).

In strict mode (:func:`strict`, which nbgrader's autograded test cells call first) a function that
is not written yet fails instead of falling back to the reference.
"""

from __future__ import annotations

import copy
import inspect
import signal
import threading
import time

import numpy as np

from ..report import record

TIME_LIMIT = 60.0  #: seconds each call of the student's function may take, unless a checker says otherwise


_STRICT = {"on": False}  # a dict, so strict() changes it for every checker module at once


class _StrictScope:
    """What :func:`strict` returns: leaving a ``with`` block restores the mode that was in force before."""

    def __init__(self, previous):
        self._previous = previous

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _STRICT["on"] = self._previous

    def __repr__(self):
        return f"<medlab.check strict mode {'on' if _STRICT['on'] else 'off'}>"


def strict(on=True):
    """Switch the checkers' strict mode on (or off with ``on=False``), for good or for a ``with`` block.

    Outside strict mode a checker given a function that is not written yet (it raises
    ``NotImplementedError``) prints a note and returns the reference, so a student working alone
    sees the rest of the notebook. In strict mode it raises ``AssertionError`` ("not written yet")
    instead: the nbgrader source tree that ``python -m medlab build`` writes starts every
    autograded test cell with ``medlab.check.strict()``, so an unwritten exercise scores 0 there.

    Parameters
    ----------
    on : bool
        ``True`` (default) switches strict mode on, ``False`` off.

    Returns
    -------
    context manager
        Used in a ``with`` statement, it restores the previous mode on leaving the block; a plain
        call leaves the new mode in force.

    Examples
    --------
    >>> with strict():
    ...     is_strict()
    True
    >>> is_strict()
    False
    """
    if not isinstance(on, bool):
        raise TypeError(f"on: expected True or False, got {type(on).__name__} {on!r}")
    previous = _STRICT["on"]
    _STRICT["on"] = on
    return _StrictScope(previous)


def is_strict():
    """``True`` while strict mode is on (see :func:`strict`).

    Examples
    --------
    >>> is_strict()
    False
    """
    return _STRICT["on"]


class CheckTimeout(BaseException):
    """Raised inside the student's function when it runs past the time limit.

    A ``BaseException``, so a student's ``except Exception`` cannot swallow it.
    """


class CaseFailed(AssertionError):
    """A single checker case did not match the reference."""


def expect_close(got, expected, what="the result", *, rtol=1e-5, atol=1e-6):
    """Fail a case unless ``got`` matches ``expected`` in shape and value."""
    if hasattr(got, "numpy"):
        got = got.numpy()
    if got is None:
        raise CaseFailed(f"{what}: expected a number or array, got None (a missing `return`?)")
    if isinstance(got, (str, bytes)) or np.asarray(got).dtype.kind in "US":
        raise CaseFailed(f"{what}: expected a number or array, got {type(got).__name__} {got!r:.60}: "
                         "return the value itself, not its text")
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
    """An ndarray for a message: a scalar, up to six values, or a summary."""
    if a.ndim == 0:
        return f"{float(a):.6g}"
    if a.size <= 6:
        return np.array2string(a, precision=4)
    return f"an array of shape {a.shape} (mean {np.nanmean(a):.4g})"


def _snapshot(value):
    """A deep copy of NumPy arrays (and lists/tuples/dicts of them); other values are kept as they are."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, tuple, dict)):
        try:
            return copy.deepcopy(value)
        except Exception:
            return value
    return value


def _same(a, b):
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.shape == b.shape and a.dtype == b.dtype and \
            np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return True  # tensors, models, numbers: not checked


class _time_limit:
    """Raise :class:`CheckTimeout` in the main thread after ``seconds`` (POSIX; elsewhere no limit)."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.active = (seconds is not None and seconds > 0 and hasattr(signal, "setitimer")
                       and threading.current_thread() is threading.main_thread())

    def _raise(self, signum, frame):
        raise CheckTimeout()

    def __enter__(self):
        if self.active:
            self.previous = signal.signal(signal.SIGALRM, self._raise)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def __exit__(self, *exc):
        if self.active:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)


def guard(student_fn, *, time_limit=TIME_LIMIT, allow_none=False):
    """Wrap ``student_fn`` so a case sees its mistakes by name (see the module docstring).

    Examples
    --------
    >>> def in_place(x):
    ...     x -= x.mean()
    ...     return x
    >>> guard(in_place)(np.arange(3.0))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    medlab.check._core.CaseFailed: your function modified its input 'x' in place; work on a copy ...
    """
    try:
        names = list(inspect.signature(student_fn).parameters)
    except (TypeError, ValueError):  # builtins without a signature
        names = []

    def call(*args, **kwargs):
        originals = [_snapshot(a) for a in args]
        given = [_snapshot(a) for a in args]  # the student works on copies of the inputs
        kw_originals = {k: _snapshot(v) for k, v in kwargs.items()}
        kw_given = {k: _snapshot(v) for k, v in kwargs.items()}
        with _time_limit(time_limit):
            out = student_fn(*given, **kw_given)
        for i, (before, after) in enumerate(zip(originals, given)):
            if not _same(before, after):
                arg = f"'{names[i]}'" if i < len(names) else f"number {i + 1}"
                raise CaseFailed(f"your function modified its input {arg} in place; work on a copy "
                                 "(e.g. x = np.array(x, dtype=np.float32))")
        for key in kwargs:
            if not _same(kw_originals[key], kw_given[key]):
                raise CaseFailed(f"your function modified its input '{key}' in place; work on a copy")
        if out is None and not allow_none:
            raise CaseFailed("your function returned None: is the `return` statement missing?")
        return out

    return call


def run_checks(name, student_fn, reference_fn, cases, hint, *, time_limit=TIME_LIMIT, allow_none=False):
    """Run ``cases`` against ``student_fn``; see the module docstring for the outcomes.

    Parameters
    ----------
    name : str
        The exercise's function name.
    student_fn : callable
    reference_fn : callable
        Returned when the student's function is not written yet (outside strict mode; in strict
        mode, see :func:`strict`, an unwritten function raises ``AssertionError`` instead).
    cases : sequence of (str, callable)
        Each callable takes the function under test and raises ``CaseFailed`` on a mismatch.
    hint : str
        Shown with a failure.
    time_limit : float or None
        Seconds allowed for each call of the student's function (``None``: no limit).
    allow_none : bool
        ``True`` when the exercise's function legitimately returns ``None``.
    """
    if not callable(student_fn):
        raise TypeError(f"student_fn: expected your function (a callable), got {type(student_fn).__name__}")
    guarded = guard(student_fn, time_limit=time_limit, allow_none=allow_none)
    for description, case in cases:
        started = time.perf_counter()
        try:
            case(guarded)
        except NotImplementedError:
            if _STRICT["on"]:
                record("check", name=name, status="failed", case="not written yet (strict mode)")
                raise AssertionError(
                    f"{name}: not written yet (your function raises NotImplementedError). Strict mode (graded): "
                    "no fallback to the reference. Write it, then run this cell again.") from None
            print(f"○ {name}: not written yet; using the reference implementation so the notebook "
                  "runs on. Write it, then run this cell again.")
            record("check", name=name, status="fallback")
            return reference_fn
        except CheckTimeout:
            record("check", name=name, status="failed", case=description)
            raise AssertionError(
                f"{name}, case '{description}': your function ran for {time.perf_counter() - started:.0f} s "
                f"(limit {time_limit:g} s) and was stopped: an endless loop, or a Python loop over every "
                f"pixel where a NumPy expression would do?\nHint: {hint}") from None
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
