"""``index``: the README's 30-row question index, from the measured report."""

from __future__ import annotations

import json

from .._bank import QUESTIONS
from ._common import find_root

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
