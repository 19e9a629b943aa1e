"""``index``: the README's 30-row question index, from the measured report."""

from __future__ import annotations

import json
import re

from .._bank import QUESTIONS
from ._common import find_root

INDEX_START, INDEX_END = "<!-- index:start -->", "<!-- index:end -->"


def render_index(root=None, *, previous=None):
    """The README's 30-row question index, with fast-mode figures from ``build/report.json``.

    ``previous`` maps a question's number (``"05"``) to the figures its row shows today (see
    :func:`index_figures`): a written notebook the report has no fast-mode solution run for keeps
    them, so a fresh clone (no ``build/report.json``) does not lose the measured figures.
    """
    root = find_root(root)
    previous = previous or {}
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
                secs, reached = previous.get(f"{number:02d}", ("not measured", "not measured"))
        else:
            ex = so = "not written yet"
            secs = reached = "-"
        rows.append(f"| {number:02d} | {zh} | **{en}**: {angle} | {ex} | {so} | {secs} | {reached} |")
    return "\n".join(rows)


def index_figures(text):
    """The figures (fast-mode time, bar reached) of each measured row of a README's question index.

    Rows of unwritten notebooks (``-``) and rows marked ``not measured`` are left out.

    Examples
    --------
    >>> index_figures("<!-- index:start -->\\n| 05 | q | **t**: a | [exercise](x) | [solution](y) | 58 s | AUC 0.9 |\\n"
    ...               "| 09 | q | **t**: a | not written yet | not written yet | - | - |\\n<!-- index:end -->")
    {'05': ('58 s', 'AUC 0.9')}
    """
    if INDEX_START not in text or INDEX_END not in text:
        return {}
    body = text.split(INDEX_START, 1)[1].split(INDEX_END, 1)[0]
    figures = {}
    for row in body.splitlines():
        m = re.match(r"^\| (\d\d) \|", row)
        if not m:
            continue
        cells = row.strip().removesuffix("|").rstrip().rsplit(" | ", 2)
        if len(cells) != 3:
            continue
        secs, reached = cells[1].strip(), cells[2].strip()
        if secs not in ("-", "not measured"):
            figures[m.group(1)] = (secs, reached)
    return figures


def update_readme(root=None, *, check=False):
    """Rewrite the index between the README's index markers; with ``check``, only compare.

    Figures the report has nothing newer for are kept from the README (:func:`index_figures`).
    """
    root = find_root(root)
    readme = root / "README.md"
    text = readme.read_text(encoding="utf-8")
    if INDEX_START not in text or INDEX_END not in text:
        raise ValueError(f"README.md: the markers {INDEX_START} and {INDEX_END} are missing")
    head, rest = text.split(INDEX_START, 1)
    _, tail = rest.split(INDEX_END, 1)
    new = f"{head}{INDEX_START}\n{render_index(root, previous=index_figures(text))}\n{INDEX_END}{tail}"
    if check:
        return new == text
    readme.write_text(new, encoding="utf-8")
    return True
