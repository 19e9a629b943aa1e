"""Execute a notebook with papermill, with its figures, its kernel's logs, peak memory and timeouts."""

from __future__ import annotations

import os
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

from ._common import _source, find_root, read_notebook
from .records import read_events, summarize_events

CELL_TIMEOUT = 300  # seconds per cell in smoke and fast mode
CELL_TIMEOUTS = {"smoke": CELL_TIMEOUT, "fast": CELL_TIMEOUT, "full": None}  # full mode: a GPU or a patient student
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"  # executed copies keep their figures


class PeakRSS:
    """Track the peak resident memory of this process's child processes (the kernel), in MB.

    Reads the kernel's high-water mark (``VmHWM`` on Linux) a few times a second; elsewhere it
    samples the current RSS.
    """

    def __init__(self, interval=0.2):
        self.interval = interval
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        return False

    def _poll(self):
        import psutil

        me = psutil.Process()
        while True:
            try:
                for child in me.children(recursive=True):
                    self.peak_mb = max(self.peak_mb, _peak_of(child))
            except Exception:
                pass
            if self._stop.wait(self.interval):
                break


def _peak_of(proc):
    try:
        with open(f"/proc/{proc.pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    try:
        return proc.memory_info().rss / 2**20
    except Exception:
        return 0.0


def execute(path, *, mode, kind, root=None, out_dir=None, allow_errors=False, timeout="mode", parameters=None,
            output=None):
    """Execute one notebook with papermill and return its report record.

    The executed copy goes to ``build/executed/`` (``build/graded/`` for grading), with its
    figures inline; the kernel's stdout and stderr go beside it. The source notebook is never
    modified.

    Parameters
    ----------
    timeout : "mode", None or float
        Seconds per cell. ``"mode"`` takes :data:`CELL_TIMEOUTS` (none in full mode); ``None``
        means no limit.
    parameters : dict, optional
        Extra papermill parameters (``SEED``...); ``MODE`` is always ``mode``.
    output : path, optional
        Where to write the executed copy (default: ``out_dir/STEM[.kind].MODE.ipynb``).
    """
    import papermill as pm

    path = Path(path).resolve()
    root = find_root(root)
    out_dir = Path(out_dir or root / "build" / "executed")
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = path.stem
    suffix = "" if kind == "solution" else f".{kind}"
    output = Path(output) if output else out_dir / f"{stem}{suffix}.{mode}.ipynb"
    output.parent.mkdir(parents=True, exist_ok=True)
    if timeout == "mode":
        timeout = CELL_TIMEOUTS[mode]
    fd, record_file = tempfile.mkstemp(prefix=f"medlab-{stem}-", suffix=".jsonl")
    os.close(fd)
    saved = {k: os.environ.get(k) for k in ("MEDLAB_RECORD", "MPLBACKEND")}
    os.environ["MEDLAB_RECORD"] = record_file
    os.environ["MPLBACKEND"] = INLINE_BACKEND  # the kernel inherits it: figures stay in the executed copy
    error = None
    start = time.perf_counter()
    try:
        with PeakRSS() as peak, open(output.with_suffix(".stdout.txt"), "w") as out, \
                open(output.with_suffix(".stderr.txt"), "w") as err, _kernel_stderr_to(err):
            try:
                pm.execute_notebook(
                    str(path), str(output), parameters={**(parameters or {}), "MODE": mode},
                    kernel_name="python3", cwd=str(path.parent), progress_bar=False,
                    request_save_on_cell_execute=False, execution_timeout=timeout, stdout_file=out,
                    stderr_file=err, allow_errors=allow_errors,
                )
            except Exception as exc:  # papermill's execution error, a timeout, a dead kernel
                error = exc
        seconds = time.perf_counter() - start
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    events = read_events(record_file)
    os.unlink(record_file)
    rec = {"notebook": stem, "kind": kind, "mode": mode, "seconds": round(seconds, 1),
           "peak_rss_mb": round(peak.peak_mb, 1), **summarize_events(events),
           "executed": str(output.relative_to(root)) if output.is_relative_to(root) else str(output)}
    if parameters:
        rec["parameters"] = dict(parameters)
    if kind == "exercise":
        rec["bar"] = None
    rec["error"] = None if error is None else _describe_error(error, output, timeout, source=path)
    return rec


class _kernel_stderr_to:
    """Point file descriptor 2 at ``fh`` while a kernel starts and runs, so its C++ log lines
    (TensorFlow, XLA) land in the notebook's stderr file instead of the console."""

    def __init__(self, fh):
        self.fh = fh

    def __enter__(self):
        sys.stderr.flush()
        self.saved = os.dup(2)
        os.dup2(self.fh.fileno(), 2)
        return self

    def __exit__(self, *exc):
        sys.stderr.flush()
        os.dup2(self.saved, 2)
        os.close(self.saved)
        return False


def _describe_error(exc, output, timeout=None, source=None):
    if "timed out" in str(exc).lower() or "Timeout" in type(exc).__name__:
        cell = _timed_out_cell(str(exc), source)
        where = f"cell {cell}" if cell is not None else "a cell"
        limit = f"{timeout:g} s" if timeout else "its time limit"
        return (f"{where} of {output.name} timed out after {limit} and was stopped "
                "(raise the limit with --timeout SECONDS, or 0 for none)")
    text = f"{type(exc).__name__}: {exc}"
    stderr = output.with_suffix(".stderr.txt")
    if stderr.exists():
        tail = stderr.read_text(errors="replace")[-3000:].strip()
        if tail:
            text += f"\n--- kernel stderr (last lines) ---\n{tail}"
    return text


def _timed_out_cell(message, source):
    """The index of the source notebook's cell that nbclient's timeout message previews, if found."""
    m = re.search(r"preview of the cell contents:\n-+\n(.*?)\n-+\s*$", message, re.S)
    if not m or source is None:
        return None
    lines = [line for line in m.group(1).strip().split("\n") if line.strip() not in ("", "...")]
    try:
        nb = read_notebook(source)
    except Exception:
        return None
    hits = [i for i, cell in enumerate(nb.cells)
            if cell.cell_type == "code" and all(line in _source(cell) for line in lines)]
    return hits[0] if len(hits) == 1 else None
