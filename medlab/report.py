"""Results a notebook reports: quality bars, metrics and checker outcomes.

When the environment variable ``MEDLAB_RECORD`` names a file (the test runner and
``python -m medlab run`` set it), every call appends one JSON line to it; the runner turns those
lines into ``build/report.json``. Without the variable nothing is written.
"""

from __future__ import annotations

import json
import math
import os

from ._validate import check_choice

MODES = ("smoke", "fast", "full")


def record(event: str, **payload) -> None:
    """Append one JSON line ``{"event": event, **payload}`` to ``$MEDLAB_RECORD`` if it is set.

    Examples
    --------
    >>> record("metric", name="auc", value=0.97)   # a no-op unless MEDLAB_RECORD is set
    """
    path = os.environ.get("MEDLAB_RECORD")
    if not path:
        return
    line = json.dumps({"event": event, **payload}, default=_jsonable)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def _jsonable(x):
    if hasattr(x, "item"):
        return x.item()
    if hasattr(x, "tolist"):
        return x.tolist()
    return str(x)


def _as_float(value, name):
    if hasattr(value, "numpy"):
        value = value.numpy()
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name}: expected a number, got {type(value).__name__} {value!r}")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name}: expected a number, got {type(value).__name__}") from None
    return v


def assert_bar(name, value, threshold, baseline, *, mode, higher_is_better=True, metrics=None, enforce=True):
    """Record a notebook's quality bar and, in ``fast`` and ``full`` modes, assert it.

    The bar passes when ``value`` reaches ``threshold`` *and* beats ``baseline`` (strictly), so a
    bar can never pass without learning something the baseline does not.

    Parameters
    ----------
    name : str
        What is measured, e.g. ``"test AUC"``.
    value, baseline : float
        The model's score and the baseline's score on the same held-out data.
    threshold : float or dict
        The bar; a dict maps modes to bars (``{"fast": 0.95, "full": 0.97}``).
    mode : {"smoke", "fast", "full"}
        Bars are recorded but not asserted in ``smoke`` mode.
    higher_is_better : bool
        ``False`` for errors and distances (the value must be at most the threshold and below the
        baseline).
    metrics : dict, optional
        Further figures to keep in the report (secondary metrics, timings).
    enforce : bool
        ``False`` reports without asserting, e.g. when a notebook runs on the user's own data
        (``DATA``), where the synthetic bar does not apply.

    Returns
    -------
    dict
        The bar record: name, value, threshold, baseline, passed.

    Examples
    --------
    >>> bar = assert_bar("test AUC", 0.97, 0.95, baseline=0.71, mode="fast")
    test AUC = 0.9700 (bar >= 0.95, baseline 0.7100): passed
    >>> bar["passed"]
    True
    """
    check_choice(mode, "mode", MODES)
    if isinstance(threshold, dict):
        if mode not in threshold and mode != "smoke":
            raise ValueError(f"threshold: no bar for mode {mode!r}; got bars for {sorted(threshold)}")
        threshold = threshold.get(mode, threshold.get("fast"))
    value = _as_float(value, "value")
    baseline = _as_float(baseline, "baseline")
    threshold = _as_float(threshold, "threshold")
    if math.isnan(value):
        passed = False
    elif higher_is_better:
        passed = value >= threshold and value > baseline
    else:
        passed = value <= threshold and value < baseline
    sign = 1.0 if higher_is_better else -1.0
    slack = min(sign * (value - threshold), sign * (value - baseline))  # how far from failing
    bar = {"name": name, "value": value, "threshold": threshold, "baseline": baseline,
           "higher_is_better": bool(higher_is_better), "passed": bool(passed),
           "slack": slack if slack == slack else float("nan")}
    bar["enforced"] = bool(enforce and mode != "smoke")
    record("bar", mode=mode, bar=bar, metrics=dict(metrics or {}))
    op = ">=" if higher_is_better else "<="
    enforced = enforce and mode != "smoke"
    verdict = "passed" if passed else ("FAILED" if enforced else "not asserted")
    print(f"{name} = {value:.4f} (bar {op} {threshold:g}, baseline {baseline:.4f}): {verdict}")
    if enforced:
        assert value == value, f"{name} is NaN"
        if higher_is_better:
            assert value >= threshold, f"{name} = {value:.4f} is below the bar {threshold:g}"
            assert value > baseline, f"{name} = {value:.4f} does not beat the baseline {baseline:.4f}"
        else:
            assert value <= threshold, f"{name} = {value:.4f} is above the bar {threshold:g}"
            assert value < baseline, f"{name} = {value:.4f} does not beat the baseline {baseline:.4f}"
    return bar


RELATIONS = (">", ">=", "<", "<=", "~")
_WORDS = {">": "above", ">=": "at least", "<": "below", "<=": "at most", "~": "within"}


def assert_finding(name, value, reference, *, relation=">", margin=0.0, mode, labels=("value", "reference"),
                   metrics=None, enforce=True):
    """Record a qualitative claim of the notebook and, in ``fast`` and ``full`` modes, assert it.

    A finding is a comparison the prose makes ("late fusion is worse than intermediate fusion",
    "the blob detector matches the autoencoder on dark lesions"). It is asserted like a bar and
    recorded beside it, so ``python -m medlab seeds`` and ``build/report.json`` see it.

    Parameters
    ----------
    name : str
        The claim in words, e.g. ``"late fusion is below intermediate fusion"``.
    value, reference : float
        The two measured numbers the claim compares (same held-out data).
    relation : {">", ">=", "<", "<=", "~"}
        The claim is ``value > reference + margin`` (``">"``), ``value < reference - margin``
        (``"<"``), the non-strict forms, or ``|value - reference| <= margin`` (``"~"``, a tie).
    margin : float
        How much the claim needs (>= 0). For ``"~"`` it is the tolerance and must be > 0.
    mode : {"smoke", "fast", "full"}
        Findings are recorded but not asserted in ``smoke`` mode.
    labels : (str, str)
        Names of ``value`` and ``reference`` for the printed line.
    metrics : dict, optional
        Further figures to keep in the report.
    enforce : bool
        ``False`` reports without asserting (e.g. on a user's own data).

    Returns
    -------
    dict
        The finding record: name, value, reference, relation, margin, slack, passed.
        ``slack`` is how far the claim is from failing (negative when it fails).

    Examples
    --------
    >>> f = assert_finding("late fusion is below intermediate fusion", 0.80, 0.87, relation="<",
    ...                    mode="fast", labels=("late", "intermediate"))
    finding: late fusion is below intermediate fusion: late 0.8000 < intermediate 0.8700 (slack 0.0700): holds
    >>> f["passed"]
    True
    """
    check_choice(mode, "mode", MODES)
    check_choice(relation, "relation", RELATIONS)
    value = _as_float(value, "value")
    reference = _as_float(reference, "reference")
    margin = _as_float(margin, "margin")
    if not margin >= 0:
        raise ValueError(f"margin: expected a number >= 0, got {margin}")
    if relation == "~" and margin == 0:
        raise ValueError("margin: a tie ('~') needs a tolerance > 0, got 0")
    if len(labels) != 2 or not all(isinstance(x, str) for x in labels):
        raise TypeError(f"labels: expected two strings, got {labels!r}")
    if relation in (">", ">="):
        slack = value - (reference + margin)
    elif relation in ("<", "<="):
        slack = (reference - margin) - value
    else:
        slack = margin - abs(value - reference)
    if slack != slack:  # NaN on either side
        passed = False
    elif relation in (">", "<"):
        passed = slack > 0
    else:
        passed = slack >= 0
    enforced = bool(enforce and mode != "smoke")
    finding = {"name": name, "value": value, "reference": reference, "relation": relation,
               "margin": margin, "labels": list(labels), "slack": slack, "passed": bool(passed),
               "enforced": enforced}
    record("finding", mode=mode, finding=finding, metrics=dict(metrics or {}))
    verdict = "holds" if passed else ("FAILED" if enforced else "not asserted")
    shown = relation if relation != "~" else "~"
    extra = f" + {margin:g}" if margin and relation in (">", ">=") else (
        f" - {margin:g}" if margin and relation in ("<", "<=") else (f" ± {margin:g}" if relation == "~" else ""))
    print(f"finding: {name}: {labels[0]} {value:.4f} {shown} {labels[1]} {reference:.4f}{extra} "
          f"(slack {slack:.4f}): {verdict}")
    if enforced:
        assert passed, (f"finding does not hold: {name}: {labels[0]} {value:.4f} is not {_WORDS[relation]} "
                        f"{labels[1]} {reference:.4f}{extra}")
    return finding


def say(text):
    """Show a sentence written from this run's results as Markdown (plain text outside a notebook).

    Prose that states a measured number is rendered by code, so it always matches the run.

    Parameters
    ----------
    text : str
        Markdown, usually an f-string of the run's results.

    Examples
    --------
    >>> say(f"The CNN reached a test AUC of **{0.9712:.3f}**.")
    The CNN reached a test AUC of **0.971**.
    """
    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__}")
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display
    except ImportError:  # pragma: no cover - IPython ships with the workbook
        print(text)
        return
    shell = get_ipython()
    if shell is not None and type(shell).__name__ == "ZMQInteractiveShell":
        display(Markdown(text))
    else:
        print(text)
