"""Test-suite plumbing: notebook modes, per-notebook records for build/report.json, the summary table.

Solutions run through papermill in tests/test_notebooks.py. Exercises run through nbval (collected
from notebooks/ with --nbval-lax); the hooks below time each exercise notebook, measure its
kernel's peak memory and write its record, like the papermill runner does for solutions.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import settings

from medlab import workbook

# The CI machine has 2 cores shared with notebook kernels: no per-example deadline.
settings.register_profile("medlab", deadline=None, max_examples=50)
settings.load_profile("medlab")

ROOT = workbook.find_root(Path(__file__).parent)  # this file sits at the repository root
os.environ["MEDLAB_MODE"] = "smoke"  # exercises run in smoke mode; solutions get MODE explicitly
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture
def copy(tmp_path):
    """A scratch workbook for tests that build, verify or start: copies of solutions/ and notebooks/."""
    for folder in ("solutions", "notebooks"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    (tmp_path / "medlab").mkdir()
    return tmp_path


def _is_controller(config):
    return not hasattr(config, "workerinput")


def _is_nbval_cell(item):
    return type(item).__name__ == "IPyNbCell"


_state: dict = {}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if not _is_nbval_cell(item):
        return
    path = Path(item.fspath)
    if _state.get("path") != path:  # first cell: the kernel starts after this hook
        fd, record = tempfile.mkstemp(prefix=f"medlab-{path.stem}-", suffix=".jsonl")
        os.close(fd)
        os.environ["MEDLAB_RECORD"] = record
        peak = workbook.PeakRSS().__enter__()
        _state.update(path=path, record=record, start=time.perf_counter(), peak=peak, failed=[])


def pytest_runtest_logreport(report):
    if _state and report.failed and "::Cell" in report.nodeid:
        _state["failed"].append(f"{report.nodeid}: {report.longreprtext[-2000:]}")


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item, nextitem):
    if not _is_nbval_cell(item) or _state.get("path") != Path(item.fspath):
        return
    if nextitem is not None and Path(nextitem.fspath) == _state["path"]:
        return
    seconds = time.perf_counter() - _state["start"]
    _state["peak"].__exit__(None, None, None)
    events = workbook.read_events(_state["record"])
    os.unlink(_state["record"])
    os.environ.pop("MEDLAB_RECORD", None)
    path = _state["path"]
    rec = {"notebook": path.stem, "kind": "exercise", "mode": "smoke", "seconds": round(seconds, 1),
           "peak_rss_mb": round(_state["peak"].peak_mb, 1), **workbook.summarize_events(events),
           "executed": f"nbval: {path.relative_to(ROOT)}",
           "error": "\n".join(_state["failed"]) or None}
    rec["bar"] = None
    workbook.save_record(rec, ROOT, collect=False)
    _state.clear()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not _is_controller(config):
        return
    if not (ROOT / "build" / "records").is_dir():
        return
    report = workbook.collect_report(ROOT)
    if report:
        terminalreporter.section("medlab notebooks (build/report.json)")
        terminalreporter.write_line(workbook.format_table(report))
        slow = [r["notebook"] for r in report if r["kind"] == "solution" and r["mode"] == "fast" and r["seconds"] > 60]
        if slow:
            terminalreporter.write_line(f"over the 60 s fast-mode budget: {', '.join(slow)}")
