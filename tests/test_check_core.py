"""medlab.check._core: the guard every checker runs the student's function through."""

import time

import numpy as np
import pytest

from medlab.check._core import CaseFailed, expect, expect_close, guard, run_checks


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


def test_expect_raises_only_when_the_condition_fails():
    expect(True, "never shown")
    with pytest.raises(CaseFailed, match="^the message$"):
        expect(False, "the message")


@pytest.mark.parametrize("got, expected, message", [
    (2.0, 1.5, r"^the mean: expected 1.5, got 2$"),
    ([1.0, 2.5], [1.0, 2.0], r"^the mean: expected \[1\. 2\.\], got \[1\.  2\.5\]$"),
    (np.arange(10.0), np.zeros(10), r"^the mean: expected an array of shape \(10,\) \(mean 0\), "
                                    r"got an array of shape \(10,\) \(mean 4\.5\)$"),
    (np.arange(6.0), np.zeros(6), r"^the mean: expected \[0\. 0\. 0\. 0\. 0\. 0\.\], got \[0\. 1\. 2\. 3\. 4\. 5\.\]$"),
    ([1.234567, 2.0], [1.0, 2.0], r"^the mean: expected \[1\. 2\.\], got \[1\.2346 2\.    \]$"),
    (np.arange(7.0), np.zeros(7), r"^the mean: expected an array of shape \(7,\) \(mean 0\), got an array "),
    (np.zeros(3), np.zeros(4), r"^the mean: expected shape \(4,\), got shape \(3,\)$"),
    (float("nan"), 1.0, r"^the mean: expected 1, got NaN \(a division by zero\?\)$"),
    (None, 1.0, r"got None \(a missing `return`\?\)"),
    ({"auc": 1.0}, 1.0, r"^the mean: expected a number or array, got dict$"),
])
def test_expect_close_messages_name_the_numbers(got, expected, message):
    with pytest.raises(CaseFailed, match=message):
        expect_close(got, expected, "the mean")


def test_expect_close_tolerances():
    expect_close(1.0 + 1.0e-5, 1.0)  # within rtol 1e-5 + atol 1e-6
    with pytest.raises(CaseFailed):
        expect_close(1.0 + 1.2e-5, 1.0)
    expect_close(0.9e-6, 0.0)
    with pytest.raises(CaseFailed):
        expect_close(1.2e-6, 0.0)
    expect_close(float("nan"), float("nan"))  # NaN where NaN is due is right
    expect_close(np.float32(0.5), 0.5)

    class Tensor:  # anything with .numpy(), like a TensorFlow tensor
        def numpy(self):
            return np.array(0.5)

    expect_close(Tensor(), 0.5)


def test_guard_leaves_unmodified_inputs_alone_even_with_nan_tuples_and_dicts():
    x = np.array([1.0, np.nan])

    def reads_only(a, b, c, *, d):
        return float(np.nansum(a)) + len(b) + len(c) + len(d)

    out = guard(reads_only)(x, (np.ones(2), 1), {"k": np.zeros(2)}, d=[np.nan])
    assert out == 1.0 + 2 + 1 + 1


@pytest.mark.parametrize("mutate, arg", [
    (lambda a, b, c: a.__setitem__(0, 5.0), "'a'"),
    (lambda a, b, c: b[0].__setitem__(0, 5.0), "'b'"),
    (lambda a, b, c: c["k"].__setitem__(0, 5.0), "'c'"),
    (lambda a, b, c: c.__setitem__("new", 1), "'c'"),
    (lambda a, b, c: a.resize(1, refcheck=False), "'a'"),
])
def test_guard_names_the_input_that_was_modified(mutate, arg):
    def student(a, b, c):
        mutate(a, b, c)
        return 0.0

    with pytest.raises(CaseFailed, match=f"modified its input {arg} in place"):
        guard(student)(np.ones(3), [np.ones(2)], {"k": np.ones(2)})


def test_guard_names_positional_inputs_beyond_the_signature():
    def star(*xs):
        xs[1][0] = 9.0
        return 0.0

    with pytest.raises(CaseFailed, match="modified its input number 2 in place"):
        guard(star)(np.ones(2), np.ones(2))


def test_guard_copies_objects_that_cannot_be_deep_copied():
    import threading

    lock = threading.Lock()  # deepcopy refuses locks: the list is passed as it is
    assert guard(lambda items: len(items))([lock]) == 1


def test_the_time_limit_is_sixty_seconds_by_default_and_is_cleaned_up():
    import inspect
    import signal

    assert inspect.signature(run_checks).parameters["time_limit"].default == 60.0
    assert inspect.signature(guard).parameters["time_limit"].default == 60.0
    before = signal.getsignal(signal.SIGALRM)
    guard(lambda x: x, time_limit=5)(1.0)
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    guard(lambda x: x, time_limit=None)(1.0)  # no limit at all
    guard(lambda x: x, time_limit=0)(1.0)


def test_outcomes_are_recorded(tmp_path, monkeypatch):
    from medlab import workbook

    path = tmp_path / "events.jsonl"
    monkeypatch.setenv("MEDLAB_RECORD", str(path))
    run_checks("good", np.mean, np.mean, _cases(1.5), hint="h")

    def stub(x):
        raise NotImplementedError()

    run_checks("later", stub, np.mean, _cases(1.5), hint="h")
    with pytest.raises(AssertionError):
        run_checks("bad", np.sum, np.mean, _cases(1.5), hint="h")
    with pytest.raises(AssertionError):
        run_checks("crash", lambda x: x[9], np.mean, _cases(1.5), hint="h")
    events = workbook.read_events(path)
    assert [(e["name"], e["status"]) for e in events] == [("good", "passed"), ("later", "fallback"),
                                                          ("bad", "failed"), ("crash", "failed")]
    assert events[2]["case"] == "mean"


def test_guard_rejects_none_by_default():
    with pytest.raises(CaseFailed, match="returned None"):
        guard(lambda x: None)(1.0)


def test_guard_works_without_a_signature():
    class NoSignature:
        __signature__ = "not a signature"  # inspect.signature raises TypeError

        def __call__(self, x):
            x[0] = 9.0
            return 1.0

    with pytest.raises(CaseFailed, match="modified its input number 1 in place"):
        guard(NoSignature())(np.ones(2))


def _stub(x):
    raise NotImplementedError()


def test_strict_mode_fails_an_unwritten_function_and_keeps_the_other_outcomes(capsys, tmp_path, monkeypatch):
    from medlab import check, workbook

    events = tmp_path / "events.jsonl"
    monkeypatch.setenv("MEDLAB_RECORD", str(events))
    with check.strict() as scope:
        assert check.is_strict()
        assert repr(scope) == "<medlab.check strict mode on>"
        assert run_checks("mean", np.mean, np.mean, _cases(1.5), hint="h") is np.mean  # the reference passes
        with pytest.raises(AssertionError, match=r"^mean: not written yet \(your function raises "
                                                 r"NotImplementedError\)\. Strict mode \(graded\)") as info:
            run_checks("mean", _stub, np.mean, _cases(1.5), hint="h")
        assert info.value.__cause__ is None and info.value.__suppress_context__
        with pytest.raises(AssertionError, match="expected 1.5, got 6"):  # a wrong answer still names the case
            run_checks("mean", np.sum, np.mean, _cases(1.5), hint="h")
    assert not check.is_strict()
    assert "not written yet; using the reference" not in capsys.readouterr().out
    assert run_checks("mean", _stub, np.mean, _cases(1.5), hint="h") is np.mean  # the fallback is back
    assert "not written yet; using the reference" in capsys.readouterr().out
    assert [(e["status"], e.get("case")) for e in workbook.read_events(events)] == [
        ("passed", None), ("failed", "not written yet (strict mode)"), ("failed", "mean"), ("fallback", None)]


def test_strict_mode_as_a_plain_call_stays_on_until_switched_off():
    from medlab import check
    from medlab.check import _core

    assert check.strict is _core.strict and check.is_strict is _core.is_strict
    try:
        check.strict()
        assert check.is_strict()
        with pytest.raises(AssertionError, match="not written yet"):
            run_checks("mean", _stub, np.mean, _cases(1.5), hint="h")
        with check.strict(False):  # a with block restores the mode in force before it
            assert not check.is_strict()
            assert run_checks("mean", _stub, np.mean, _cases(1.5), hint="h") is np.mean
        assert check.is_strict()
    finally:
        check.strict(False)
    assert not check.is_strict()
    assert repr(check.strict(False)) == "<medlab.check strict mode off>"


@pytest.mark.parametrize("on", [1, "yes", None])
def test_strict_mode_takes_a_bool(on):
    from medlab import check

    with pytest.raises(TypeError, match=f"on: expected True or False, got {type(on).__name__}"):
        check.strict(on)
    assert not check.is_strict()


def test_strict_mode_holds_in_a_real_checker():
    from medlab import check
    from medlab.check import q05

    def stub(y_true, y_score, target=0.9):
        raise NotImplementedError()

    with check.strict():
        with pytest.raises(AssertionError, match="threshold_for_sensitivity: not written yet"):
            q05.threshold_for_sensitivity(stub)
    assert q05.threshold_for_sensitivity(stub) is q05._reference_threshold
