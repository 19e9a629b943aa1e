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
    bar = {"name": name, "value": value, "threshold": threshold, "baseline": baseline,
           "higher_is_better": bool(higher_is_better), "passed": bool(passed)}
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
