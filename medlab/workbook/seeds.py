"""``seeds``: run a solution once per seed and tabulate every bar and finding."""

from __future__ import annotations

import json
import re

from ._common import find_root, resolve_notebook
from .execute import execute


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
    seed, the smallest slack and whether it held on every seed) and ``runs`` (time, error and the
    parameters tuned at the edge of their grid, per seed). ``all_hold`` needs every row to hold,
    no error and no parameter on a grid's edge.
    """
    root = find_root(root)
    path = resolve_notebook(spec, root)
    out_dir = root / "build" / "seeds"
    runs, rows = [], {}
    for seed in seeds:
        echo(f"{path.name}: seed {seed} ...")
        rec = execute(path, mode=mode, kind="solution", root=root, timeout=timeout, parameters={"SEED": seed},
                      output=out_dir / f"{path.stem}.seed{seed}.{mode}.ipynb")
        runs.append({"seed": seed, "seconds": rec["seconds"], "error": rec["error"], "executed": rec["executed"],
                     "grid_edges": rec.get("grid_edges", [])})
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
               "all_hold": bool(rows) and all(r["holds"] for r in rows.values())
               and not any(r["error"] or r["grid_edges"] for r in runs)}
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
        for e in r.get("grid_edges", []):
            lines.append(f"seed {r['seed']}: {e['parameter']}={e['value']!r} chosen on the edge of its grid "
                         f"{e['grid']}")
    if not summary["rows"]:
        lines.append("no bar or finding was recorded")
    return "\n".join(lines)
