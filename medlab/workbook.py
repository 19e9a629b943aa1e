"""Workbook tooling: build exercises from solutions, verify the workbook, run and grade notebooks.

``solutions/NN_slug.ipynb`` is the only hand-written source. ``notebooks/NN_slug.ipynb`` is
generated from it with nbgrader's markers:

* in code cells, the lines from ``### BEGIN SOLUTION`` to ``### END SOLUTION`` become
  ``# YOUR CODE HERE`` and ``raise NotImplementedError()`` (at the marker's indentation);
* in markdown cells the region becomes ``YOUR ANSWER HERE``;
* regions from ``### BEGIN HIDDEN TESTS`` to ``### END HIDDEN TESTS`` are dropped.

Use it from the command line: ``python -m medlab build | verify | run NN | seeds NN | grade FILE | index``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from ._bank import QUESTIONS

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
CELL_TIMEOUT = 300  # seconds per cell in smoke and fast mode
CELL_TIMEOUTS = {"smoke": CELL_TIMEOUT, "fast": CELL_TIMEOUT, "full": None}  # full mode: a GPU or a patient student
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"  # executed copies keep their figures
_NAME = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")


def find_root(start=None) -> Path:
    """The workbook's root: the nearest folder (from ``start`` or the cwd up) with ``solutions/``."""
    candidates = []
    if start is not None:
        candidates.append(Path(start).resolve())
    candidates += [Path.cwd().resolve(), Path(__file__).resolve().parents[1]]
    for base in candidates:
        for folder in (base, *base.parents):
            if (folder / "solutions").is_dir() and (folder / "medlab").is_dir():
                return folder
    raise FileNotFoundError("no workbook found: run from the repository (a folder with solutions/ and medlab/)")


# ----------------------------------------------------------------------------- notebooks as JSON

def read_notebook(path):
    import nbformat

    return nbformat.read(str(path), as_version=4)


def write_notebook(nb, path):
    import nbformat

    text = nbformat.writes(nb) + "\n"
    Path(path).write_text(text, encoding="utf-8")


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def strip_outputs(nb):
    """Remove outputs, execution counts and execution metadata (in place); return ``nb``."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        for key in ("execution", "papermill", "collapsed", "scrolled"):
            cell.metadata.pop(key, None)
    nb.metadata.pop("papermill", None)
    return nb


def _replace_regions(text, begin, end, replacement, *, where):
    """Replace every ``begin``..``end`` line region of ``text``; ``replacement(indent)`` gives lines."""
    out, inside, indent = [], False, ""
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.strip()
        if stripped == begin:
            if inside:
                raise ValueError(f"{where}: line {number}: '{begin}' inside an open region")
            inside, indent = True, line[: len(line) - len(line.lstrip())]
            out.extend(replacement(indent))
        elif stripped == end:
            if not inside:
                raise ValueError(f"{where}: line {number}: '{end}' without '{begin}'")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{where}: '{begin}' is never closed with '{end}'")
    return "\n".join(out)


def make_exercise(solution_nb, *, where="notebook"):
    """Return the exercise notebook generated from a solution notebook (the input is not changed)."""
    nb = strip_outputs(copy.deepcopy(solution_nb))
    for index, cell in enumerate(nb.cells):
        here = f"{where}, cell {index}"
        text = _source(cell)
        text = _replace_regions(text, BEGIN_HIDDEN, END_HIDDEN, lambda indent: [], where=here)
        if cell.cell_type == "code":
            text = _replace_regions(text, BEGIN_SOLUTION, END_SOLUTION,
                                    lambda i: [f"{i}# YOUR CODE HERE", f"{i}raise NotImplementedError()"],
                                    where=here)
        else:
            text = _replace_regions(text, BEGIN_SOLUTION, END_SOLUTION, lambda i: ["YOUR ANSWER HERE"],
                                    where=here)
        cell.source = text
        base = cell.get("id") or f"cell{index}"
        cell["id"] = "ex-" + hashlib.sha1(base.encode()).hexdigest()[:12]
    nb.metadata["medlab"] = {"generated_from": where, "source_hash": source_hash(nb)}
    return nb


def source_hash(nb) -> str:
    """A hash of a notebook's cell types and sources (not outputs, not metadata)."""
    h = hashlib.sha1()
    for cell in nb.cells:
        h.update(cell.cell_type.encode() + b"\0" + _source(cell).encode() + b"\0")
    return h.hexdigest()[:16]


def edited_since_build(path) -> bool:
    """True when an exercise's cells no longer match what ``build`` wrote (someone edited it)."""
    nb = read_notebook(path)
    stored = nb.metadata.get("medlab", {}).get("source_hash")
    return stored != source_hash(nb)


def solution_regions(nb):
    """Lines inside solution regions, and lines outside them, of a solution notebook."""
    inside_lines, outside_lines = set(), set()
    for cell in nb.cells:
        inside = False
        for line in _source(cell).split("\n"):
            s = line.strip()
            if s in (BEGIN_SOLUTION, BEGIN_HIDDEN):
                inside = True
            elif s in (END_SOLUTION, END_HIDDEN):
                inside = False
            elif s:
                (inside_lines if inside else outside_lines).add(s)
    return inside_lines, outside_lines


def solution_paths(root):
    return sorted(p for p in (Path(root) / "solutions").glob("*.ipynb") if _NAME.match(p.name))


def build(root=None):
    """Write ``notebooks/`` from ``solutions/`` and return the paths written.

    An exercise whose cells were edited since it was generated (a student's or teacher's work;
    detected with the source hash stored in its metadata) is never lost: it is first copied to
    ``NAME.ipynb.bak`` (numbered if that exists too).
    """
    root = find_root(root)
    out_dir = root / "notebooks"
    out_dir.mkdir(exist_ok=True)
    written = []
    for path in solution_paths(root):
        nb = make_exercise(read_notebook(path), where=str(path.relative_to(root)))
        import nbformat

        text = nbformat.writes(nb) + "\n"
        target = out_dir / path.name
        if target.exists():
            old = target.read_text(encoding="utf-8")
            if old == text:
                continue
        if target.exists() and edited_since_build(target):
            backup = target.with_name(target.name + ".bak")
            n = 1
            while backup.exists():
                backup = target.with_name(f"{target.name}.bak{n}")
                n += 1
            shutil.copyfile(target, backup)
            print(f"kept the previous {target.relative_to(root)} as {backup.relative_to(root)}")
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written


def verify(root=None):
    """Check the workbook; return a list of problems (empty when all is well).

    Checks: every solution has an exercise equal to a fresh build and vice versa; no stored outputs
    or execution counts; no solution text in an exercise; exactly one ``parameters`` cell; the title
    cell quotes the bank's question for the notebook's number.
    """
    import nbformat

    root = find_root(root)
    problems = []
    solutions = {p.name: p for p in solution_paths(root)}
    exercises = {p.name: p for p in (root / "notebooks").glob("*.ipynb")}
    for name in sorted(set(exercises) - set(solutions)):
        problems.append(f"notebooks/{name}: no solutions/{name} to build it from")
    for name, path in sorted(solutions.items()):
        rel = f"solutions/{name}"
        number = int(name[:2])
        if number not in QUESTIONS:
            problems.append(f"{rel}: number {number} is not a question of the bank (1-30)")
            continue
        nb = read_notebook(path)
        problems += [f"{rel}: {p}" for p in _check_clean(nb)]
        problems += [f"{rel}: {p}" for p in _check_anatomy(nb, number)]
        if name not in exercises:
            problems.append(f"notebooks/{name} is missing: run `python -m medlab build`")
            continue
        try:
            fresh = nbformat.writes(make_exercise(nb, where=rel)) + "\n"
        except ValueError as err:
            problems.append(str(err))
            continue
        committed = exercises[name].read_text(encoding="utf-8")
        ex_nb = nbformat.reads(committed, as_version=4)
        problems += [f"notebooks/{name}: {p}" for p in _check_clean(ex_nb)]
        if committed != fresh:
            problems.append(f"notebooks/{name} differs from a fresh build of {rel} "
                            "(exercises are generated: edit the solution, then run `python -m medlab build`)")
        inside, outside = solution_regions(nb)
        ex_lines = {line.strip() for cell in ex_nb.cells for line in _source(cell).split("\n")}
        leaked = sorted(s for s in inside - outside if len(s) >= 12 and s in ex_lines)
        if leaked:
            problems.append(f"notebooks/{name}: solution text leaks into the exercise: {leaked[0]!r}"
                            + (f" and {len(leaked) - 1} more line(s)" if len(leaked) > 1 else ""))
    return problems


def _check_clean(nb):
    out = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count") is not None):
            out.append(f"cell {i} stores outputs or an execution count (strip them)")
    return out


def _check_anatomy(nb, number):
    out = []
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    if len(tagged) != 1:
        out.append(f"expected exactly one cell tagged 'parameters', found {len(tagged)}")
    if not nb.cells or nb.cells[0].cell_type != "markdown":
        out.append("the first cell must be the markdown title cell")
        return out
    title = _source(nb.cells[0])
    zh = QUESTIONS[number][0]
    if not title.startswith(f"# {number:02d} · "):
        out.append(f"the title cell must start with '# {number:02d} · ' and the English title")
    if zh not in title:
        out.append(f"the title cell does not quote the bank's question {number}: {zh}")
    return out


# ----------------------------------------------------------------------------- execution

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


def read_events(path):
    """Parse the JSON lines a notebook wrote to ``$MEDLAB_RECORD``."""
    events = []
    p = Path(path)
    if p.exists():
        for line in p.read_text(encoding="utf-8").splitlines():
            if line.strip():
                events.append(json.loads(line))
    return events


def summarize_events(events):
    """Turn recorded events into the report's ``metrics``, ``bar``, ``bars``, ``findings`` and ``checks``.

    ``bar`` is the notebook's headline bar (the first one asserted); ``bars`` and ``findings`` keep
    every bar and every asserted finding, in order.
    """
    bars, findings, metrics, checks = [], [], {}, {}
    for e in events:
        if e["event"] == "bar":
            bars.append(e["bar"])
            metrics.update(e.get("metrics") or {})
        elif e["event"] == "finding":
            findings.append(e["finding"])
            metrics.update(e.get("metrics") or {})
        elif e["event"] == "check":
            checks[e["name"]] = e["status"]
        elif e["event"] == "metric":
            metrics[e["name"]] = e["value"]
    return {"metrics": metrics, "bar": bars[0] if bars else None, "bars": bars, "findings": findings,
            "checks": checks}


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


def save_record(rec, root=None, *, collect=True):
    """Write one record to ``build/records/``; with ``collect``, merge all into ``build/report.json``."""
    root = find_root(root)
    records = root / "build" / "records"
    records.mkdir(parents=True, exist_ok=True)
    name = f"{rec['kind']}-{rec['notebook']}-{rec['mode']}.json"
    (records / name).write_text(json.dumps(rec, indent=1), encoding="utf-8")
    return collect_report(root) if collect else None


def collect_report(root=None):
    """Merge ``build/records/*.json`` into ``build/report.json`` (a list, sorted) and return it."""
    root = find_root(root)
    records = sorted((root / "build" / "records").glob("*.json"))
    report = [json.loads(p.read_text(encoding="utf-8")) for p in records]
    report.sort(key=lambda r: (r["notebook"], r["kind"] != "solution", r["mode"]))
    out = root / "build" / "report.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return report


def format_table(report):
    """A short text table of a report: notebook, kind, mode, seconds, memory, bar."""
    lines = [f"{'notebook':34} {'kind':9} {'mode':5} {'sec':>6} {'MB':>6}  bar"]
    for r in report:
        bar = r.get("bar")
        if bar:
            op = ">=" if bar.get("higher_is_better", True) else "<="
            verdict = "ok" if bar["passed"] else ("FAIL" if bar.get("enforced", True) else "not asserted")
            text = (f"{bar['name']} {bar['value']:.3f} ({op} {bar['threshold']:g}; "
                    f"baseline {bar['baseline']:.3f}) {verdict}")
        elif r["kind"] == "exercise":
            counts = {}
            for status in r.get("checks", {}).values():
                counts[status] = counts.get(status, 0) + 1
            text = "checks: " + (", ".join(f"{v} {k}" for k, v in sorted(counts.items())) or "none")
        else:
            text = "-"
        extra = len(r.get("bars") or []) - 1
        if r["mode"] == "smoke":
            extra = 0  # nothing is asserted in smoke mode
        if extra > 0:
            text += f"; {sum(b['passed'] for b in r['bars'][1:])}/{extra} more bar(s) ok"
        if r.get("findings") and r["mode"] != "smoke":
            text += f"; {sum(f['passed'] for f in r['findings'])}/{len(r['findings'])} finding(s) hold"
        if r.get("error"):
            text += "  ERROR"
        flag = " !" if r["kind"] == "solution" and r["mode"] == "fast" and r["seconds"] > 60 else ""
        lines.append(f"{r['notebook']:34} {r['kind']:9} {r['mode']:5} {r['seconds']:6.1f}{flag:2}"
                     f"{r['peak_rss_mb']:6.0f}  {text}")
    return "\n".join(lines)


def resolve_notebook(spec, root=None, *, folder="solutions"):
    """Find a notebook by number (``"01"``, ``1``) or by path."""
    root = find_root(root)
    p = Path(spec)
    if p.suffix == ".ipynb":
        if not p.exists():
            raise FileNotFoundError(f"notebook: {spec} does not exist")
        return p
    try:
        number = int(str(spec))
    except ValueError:
        raise ValueError(f"notebook: expected a question number (01-30) or a path to a .ipynb, got {spec!r}") from None
    if number not in QUESTIONS:
        raise ValueError(f"notebook: expected a question number from 1 to 30, got {number}")
    matches = sorted((root / folder).glob(f"{number:02d}_*.ipynb"))
    if not matches:
        raise FileNotFoundError(f"notebook: no {folder}/{number:02d}_*.ipynb yet (question {number} is not written)")
    return matches[0]


def grade(path, *, mode="smoke", root=None):
    """Execute a copy of a student's notebook and report which exercises pass their checkers.

    The student's file is only read; the executed copy goes to ``build/graded/``. Cells keep
    running after a failing checker, so every exercise is graded.
    """
    root = find_root(root)
    path = Path(path)
    work = root / "build" / "graded"
    work.mkdir(parents=True, exist_ok=True)
    rec = execute(path, mode=mode, kind="graded", root=root, out_dir=work, allow_errors=True)
    return rec


# ----------------------------------------------------------------------------- seeds

def parse_seeds(text):
    """Parse ``"0-4"``, ``"0,2,7"`` or ``"3"`` into a sorted list of distinct seeds.

    Examples
    --------
    >>> parse_seeds("0-4"), parse_seeds("7,2,2")
    ([0, 1, 2, 3, 4], [2, 7])
    """
    seeds = set()
    for part in str(text).split(","):
        part = part.strip()
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not m:
            raise ValueError(f"--seeds: expected numbers and ranges like '0-4' or '0,2,7', got {text!r}")
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        if hi < lo:
            raise ValueError(f"--seeds: the range {part!r} runs backwards")
        seeds.update(range(lo, hi + 1))
    return sorted(seeds)


def run_seeds(spec, seeds, *, mode="fast", root=None, timeout="mode", echo=print):
    """Run a solution once per seed and collect every bar and asserted finding.

    Returns the summary that ``python -m medlab seeds`` prints and writes to
    ``build/seeds/NN.json``: ``rows`` (one per bar or finding, with the value and slack for each
    seed, the smallest slack and whether it held on every seed) and ``runs`` (time and error per
    seed).
    """
    root = find_root(root)
    path = resolve_notebook(spec, root)
    out_dir = root / "build" / "seeds"
    runs, rows = [], {}
    for seed in seeds:
        echo(f"{path.name}: seed {seed} ...")
        rec = execute(path, mode=mode, kind="solution", root=root, timeout=timeout, parameters={"SEED": seed},
                      output=out_dir / f"{path.stem}.seed{seed}.{mode}.ipynb")
        runs.append({"seed": seed, "seconds": rec["seconds"], "error": rec["error"], "executed": rec["executed"]})
        items = [("bar", b) for b in rec.get("bars", [])] + [("finding", f) for f in rec.get("findings", [])]
        for kind, item in items:
            row = rows.setdefault((kind, item["name"]), {"kind": kind, "name": item["name"], "per_seed": {}})
            row["per_seed"][seed] = {"value": item["value"], "slack": item.get("slack"), "passed": item["passed"]}
    for row in rows.values():
        slacks = [v["slack"] for v in row["per_seed"].values() if v["slack"] is not None]
        row["min_slack"] = min(slacks) if slacks else None
        row["holds"] = len(row["per_seed"]) == len(seeds) and all(v["passed"] for v in row["per_seed"].values())
    summary = {"notebook": path.stem, "mode": mode, "seeds": list(seeds), "rows": list(rows.values()),
               "runs": runs,
               "all_hold": bool(rows) and all(r["holds"] for r in rows.values()) and not any(r["error"] for r in runs)}
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{path.stem[:2]}.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    return summary


def format_seeds(summary):
    """A text table of :func:`run_seeds`' summary: one row per bar or finding, one column per seed."""
    seeds = summary["seeds"]
    head = f"{'':8} {'name':52} " + " ".join(f"{'seed ' + str(s):>9}" for s in seeds) + f" {'min slack':>10}  holds"
    lines = [f"{summary['notebook']} ({summary['mode']} mode)", head]
    for row in summary["rows"]:
        cells = []
        for s in seeds:
            v = row["per_seed"].get(s, row["per_seed"].get(str(s)))  # int keys, or str keys after JSON
            cells.append(f"{'-':>9}" if v is None else f"{v['value']:8.3f}{'' if v['passed'] else '!'}"
                         + (" " if v["passed"] else ""))
        slack = "-" if row["min_slack"] is None else f"{row['min_slack']:.3f}"
        lines.append(f"{row['kind']:8} {row['name'][:52]:52} " + " ".join(cells)
                     + f" {slack:>10}  {'yes' if row['holds'] else 'NO'}")
    times = ", ".join(f"{r['seconds']:.0f} s" for r in summary["runs"])
    lines.append(f"times per seed: {times}")
    for r in summary["runs"]:
        if r["error"]:
            lines.append(f"seed {r['seed']} failed: {r['error'].splitlines()[0]}")
    if not summary["rows"]:
        lines.append("no bar or finding was recorded")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- README index

INDEX_START, INDEX_END = "<!-- index:start -->", "<!-- index:end -->"


def render_index(root=None):
    """The README's 30-row question index, with fast-mode figures from ``build/report.json``."""
    root = find_root(root)
    report_path = root / "build" / "report.json"
    figures = {}
    if report_path.exists():
        for r in json.loads(report_path.read_text(encoding="utf-8")):
            if r["kind"] == "solution" and r["mode"] == "fast" and r.get("bar"):
                figures[r["notebook"][:2]] = r
    rows = ["| # | Bank question | English title and angle | Exercise | Solution | Fast mode | Bar reached |",
            "|---|---|---|---|---|---|---|"]
    for number, (zh, en, slug, angle) in QUESTIONS.items():
        name = f"{number:02d}_{slug}.ipynb"
        written = (root / "solutions" / name).exists()
        if written:
            ex, so = f"[exercise](notebooks/{name})", f"[solution](solutions/{name})"
            r = figures.get(f"{number:02d}")
            if r:
                bar = r["bar"]
                op = "≥" if bar.get("higher_is_better", True) else "≤"
                secs = f"{r['seconds']:.0f} s"
                reached = (f"{bar['name']} {bar['value']:.3f} ({op} {bar['threshold']:.4g}; "
                           f"baseline {bar['baseline']:.3f})")
            else:
                secs, reached = "not measured", "not measured"
        else:
            ex = so = "not written yet"
            secs = reached = "-"
        rows.append(f"| {number:02d} | {zh} | **{en}**: {angle} | {ex} | {so} | {secs} | {reached} |")
    return "\n".join(rows)


def update_readme(root=None, *, check=False):
    """Rewrite the index between the README's index markers; with ``check``, only compare."""
    root = find_root(root)
    readme = root / "README.md"
    text = readme.read_text(encoding="utf-8")
    if INDEX_START not in text or INDEX_END not in text:
        raise ValueError(f"README.md: the markers {INDEX_START} and {INDEX_END} are missing")
    head, rest = text.split(INDEX_START, 1)
    _, tail = rest.split(INDEX_END, 1)
    new = f"{head}{INDEX_START}\n{render_index(root)}\n{INDEX_END}{tail}"
    if check:
        return new == text
    readme.write_text(new, encoding="utf-8")
    return True


def _timeout_arg(value):
    if value is None:
        return "mode"
    return None if value <= 0 else value


def main(argv=None):
    """The ``python -m medlab`` command line."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m medlab", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build", help="write notebooks/ from solutions/")
    sub.add_parser("verify", help="check that the workbook is consistent")
    run_p = sub.add_parser("run", help="execute a notebook with papermill into build/executed/")
    run_p.add_argument("notebook", help="question number (01-30) or path to a .ipynb")
    run_p.add_argument("--mode", choices=("smoke", "fast", "full"), default="fast")
    run_p.add_argument("--exercise", action="store_true", help="run the exercise instead of the solution")
    run_p.add_argument("--timeout", type=float, default=None,
                       help="seconds per cell (default: 300 in smoke and fast mode, none in full mode; 0: none)")
    seeds_p = sub.add_parser("seeds", help="run a solution once per seed; every bar and finding per seed")
    seeds_p.add_argument("notebook", help="question number (01-30) or path to a solution .ipynb")
    seeds_p.add_argument("--seeds", default="0-4", help="seeds to run, e.g. 0-4 or 0,3,9 (default 0-4)")
    seeds_p.add_argument("--mode", choices=("smoke", "fast", "full"), default="fast")
    seeds_p.add_argument("--timeout", type=float, default=None, help="seconds per cell (0: none)")
    grade_p = sub.add_parser("grade", help="grade a student's copy of an exercise notebook")
    grade_p.add_argument("notebook", help="path to the student's .ipynb")
    grade_p.add_argument("--mode", choices=("smoke", "fast", "full"), default="smoke")
    index_p = sub.add_parser("index", help="rewrite the README's question index from build/report.json")
    index_p.add_argument("--check", action="store_true", help="only report whether it is current")
    args = parser.parse_args(argv)

    if args.command == "build":
        written = build()
        print(f"wrote {len(written)} exercise notebook(s)" if written else "notebooks/ is up to date")
        return 0
    if args.command == "verify":
        problems = verify()
        for p in problems:
            print(f"✗ {p}")
        n = len(solution_paths(find_root()))
        print(f"{n} notebook(s) checked: " + ("all consistent" if not problems else f"{len(problems)} problem(s)"))
        return 1 if problems else 0
    if args.command == "run":
        folder = "notebooks" if args.exercise else "solutions"
        path = resolve_notebook(args.notebook, folder=folder)
        kind = "exercise" if args.exercise else "solution"
        print(f"running {path} in {args.mode} mode ...", flush=True)
        rec = execute(path, mode=args.mode, kind=kind, timeout=_timeout_arg(args.timeout))
        save_record(rec)
        print(format_table([rec]))
        print(f"executed copy: {rec['executed']}")
        if rec["error"]:
            print(rec["error"], file=sys.stderr)
            return 1
        return 0
    if args.command == "seeds":
        summary = run_seeds(args.notebook, parse_seeds(args.seeds), mode=args.mode,
                            timeout=_timeout_arg(args.timeout))
        print(format_seeds(summary))
        print(f"written: build/seeds/{summary['notebook'][:2]}.json")
        return 0 if summary["all_hold"] else 1
    if args.command == "grade":
        rec = grade(args.notebook, mode=args.mode)
        checks = rec["checks"]
        if not checks:
            print("no exercise checker ran: is this a workbook notebook?")
            return 1
        for name, status in checks.items():
            mark = {"passed": "✓", "failed": "✗", "fallback": "○ not written"}[status]
            print(f"{mark} {name}")
        passed = sum(s == "passed" for s in checks.values())
        print(f"score: {passed}/{len(checks)} exercises pass (executed copy: {rec['executed']})")
        return 0
    if args.command == "index":
        if args.check:
            ok = update_readme(check=True)
            print("README index is current" if ok else "README index is out of date: run `python -m medlab index`")
            return 0 if ok else 1
        update_readme()
        print("README index updated")
        return 0
    return 2  # pragma: no cover
