"""medlab.check._core: the guard every checker runs the student's function through."""

import time

import numpy as np
import pytest

from medlab.check._core import CaseFailed, expect_close, guard, run_checks


def _cases(expected):
    return [("mean", lambda f: expect_close(f(np.arange(4.0)), expected, "the mean"))]


def test_reference_passes_and_is_returned(capsys):
    fn = run_checks("mean", np.mean, np.mean, _cases(1.5), hint="h")
    assert fn is np.mean and "✓ mean: all 1 cases pass." in capsys.readouterr().out


def test_not_written_falls_back(capsys):
    def stub(x):
        raise NotImplementedError()

    assert run_checks("mean", stub, np.mean, _cases(1.5), hint="h") is np.mean
    assert "not written yet" in capsys.readouterr().out


def test_input_modified_in_place_is_named_and_later_cases_see_clean_inputs():
    data = np.arange(4.0)
    seen = []

    def centre_in_place(x):
        x -= x.mean()
        return x.sum()

    def spy(f):
        seen.append(data.copy())
        f(data)

    with pytest.raises(AssertionError, match="modified its input 'x' in place"):
        run_checks("f", centre_in_place, np.sum, [("spy", spy)], hint="h")
    assert np.array_equal(data, np.arange(4.0))  # the checker's own array is untouched


def test_modified_keyword_and_nested_inputs():
    def scale_list(xs, *, y):
        xs[0] *= 2
        return 1.0

    with pytest.raises(CaseFailed, match="modified its input 'xs'"):
        guard(scale_list)([np.ones(2)], y=np.ones(2))

    def scale_kw(x, *, y):
        y[:] = 0
        return 1.0

    with pytest.raises(CaseFailed, match="modified its input 'y'"):
        guard(scale_kw)(np.ones(2), y=np.ones(2))


def test_none_is_named_unless_allowed():
    def forgot_return(x):
        x.mean()

    with pytest.raises(AssertionError, match="returned None: is the `return` statement missing"):
        run_checks("mean", forgot_return, np.mean, _cases(1.5), hint="h")
    assert guard(forgot_return, allow_none=True)(np.ones(2)) is None


@pytest.mark.parametrize("answer", ["1.5", b"1.5", np.array(["1.5"]), [["1.5"]]])
def test_text_is_rejected_where_a_number_is_due(answer):
    with pytest.raises(AssertionError, match="return the value itself, not its text"):
        run_checks("mean", lambda x: answer, np.mean, _cases(1.5), hint="h")


def test_a_function_past_the_time_limit_is_stopped():
    def endless(x):
        start = time.perf_counter()
        while time.perf_counter() - start < 20:  # bounded, so a broken limit fails instead of hanging
            try:
                pass
            except Exception:  # a student's broad except cannot swallow the stop
                pass
        return 1.5

    start = time.perf_counter()
    with pytest.raises(AssertionError, match=r"ran for \d+ s \(limit 0.5 s\) and was stopped"):
        run_checks("mean", endless, np.mean, _cases(1.5), hint="h", time_limit=0.5)
    assert time.perf_counter() - start < 5


def test_a_crash_names_the_exception():
    def crashes(x):
        return x[10]

    with pytest.raises(AssertionError, match="your function raised IndexError"):
        run_checks("mean", crashes, np.mean, _cases(1.5), hint="h")


def test_wrong_value_names_case_expected_and_got():
    with pytest.raises(AssertionError, match=r"mean, case 'mean': the mean: expected 1.5, got 6\nHint: h"):
        run_checks("mean", np.sum, np.mean, _cases(1.5), hint="h")


def test_not_callable_is_a_clear_error():
    with pytest.raises(TypeError, match="student_fn: expected your function"):
        run_checks("mean", 1.5, np.mean, _cases(1.5), hint="h")
