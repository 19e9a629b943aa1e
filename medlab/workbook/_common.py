"""Paths and notebook files: the workbook's root, reading and writing notebooks, finding one by number."""

from __future__ import annotations

import re
from pathlib import Path

from .._bank import QUESTIONS

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
_NAME = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")


def find_root(start=None) -> Path:
    """The workbook's root: the nearest folder (from ``start`` or the cwd up) with ``solutions/``."""
    candidates = []
    if start is not None:
        candidates.append(Path(start).resolve())
    candidates += [Path.cwd().resolve(), Path(__file__).resolve().parents[2]]
    for base in candidates:
        for folder in (base, *base.parents):
            if (folder / "solutions").is_dir() and (folder / "medlab").is_dir():
                return folder
    raise FileNotFoundError("no workbook found: run from the repository (a folder with solutions/ and medlab/)")


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


def solution_paths(root):
    return sorted(p for p in (Path(root) / "solutions").glob("*.ipynb") if _NAME.match(p.name))


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
