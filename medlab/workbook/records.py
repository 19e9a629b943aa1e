"""What a notebook run records (bars, findings, checks) and the report in ``build/report.json``."""

from __future__ import annotations

import json
from pathlib import Path

from ._common import find_root


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
    """Turn recorded events into the report's ``metrics``, ``bar``, ``bars``, ``findings``, ``checks``
    and ``grid_edges`` (parameters tuned at the edge of their grid, :func:`medlab.baselines.tune_on_validation`).

    ``bar`` is the notebook's headline bar (the first one asserted); ``bars`` and ``findings`` keep
    every bar and every asserted finding, in order.
    """
    bars, findings, metrics, checks, edges = [], [], {}, {}, []
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
        elif e["event"] == "grid_edge":
            edges.append({k: e[k] for k in ("parameter", "value", "grid")})
    return {"metrics": metrics, "bar": bars[0] if bars else None, "bars": bars, "findings": findings,
            "checks": checks, "grid_edges": edges}


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
