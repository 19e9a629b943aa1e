"""Paths and notebook files: the workbook's root, reading and writing notebooks, finding one by number."""

from __future__ import annotations

import re
from pathlib import Path

from .._bank import QUESTIONS

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
_NAME = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")


def find_root(start=None) -> Path:
    """The workbook's root: the nearest folder with ``solutions/`` and ``medlab/``, from ``start`` (or the cwd) up.

    There is no fallback to the folder the package was installed from: a command run outside a
    workbook stops with a clear error instead of writing into some other checkout.

    Examples
    --------
    >>> find_root("/")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FileNotFoundError: no medlab workbook at / or above it ...: cd into the workbook first
    """
    base = Path.cwd() if start is None else Path(start)
    base = base.resolve()
    for folder in (base, *base.parents):
        if (folder / "solutions").is_dir() and (folder / "medlab").is_dir():
            return folder
    raise FileNotFoundError(f"no medlab workbook at {base} or above it (a folder with solutions/ and medlab/): "
                            "cd into the workbook first")


def read_notebook(path, *, where=None):
    """Read a notebook (as nbformat 4); a file that is not one raises ``ValueError`` naming it.

    ``where`` names the file in messages (default: ``path``). ``FileNotFoundError`` and other
    ``OSError`` pass through (they name the file already).
    """
    where = path if where is None else where
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"{where}: not a notebook (not UTF-8 text: {err.reason} at byte {err.start})") from None
    return reads_notebook(text, where=where)


def reads_notebook(text, *, where="notebook"):
    """Parse a notebook's text (as nbformat 4); invalid JSON or not a notebook raises ``ValueError`` naming ``where``.

    Examples
    --------
    >>> reads_notebook('{"cells": [', where="a.ipynb")
    Traceback (most recent call last):
    ...
    ValueError: a.ipynb: invalid JSON (Expecting value: line 1 column 12 (char 11))
    """
    import json

    import nbformat

    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"{where}: invalid JSON ({err})") from None
    if not isinstance(data, dict) or "nbformat" not in data:
        kind = {dict: "object", list: "array", str: "string"}.get(type(data), type(data).__name__)
        keys = f" with keys {sorted(data)[:5]}" if isinstance(data, dict) else ""
        raise ValueError(f"{where}: not a Jupyter notebook (expected a JSON object with 'cells' and 'nbformat', "
                         f"got a JSON {kind}{keys})")
    captured = {}
    try:
        nb = nbformat.reads(text, as_version=4, capture_validation_error=captured)
    except Exception as err:  # nbformat raises ValidationError, KeyError, AttributeError... on a malformed notebook
        raise ValueError(f"{where}: not a valid Jupyter notebook ({_first_line(err)})") from None
    if "ValidationError" in captured:
        raise ValueError(f"{where}: not a valid Jupyter notebook ({_first_line(captured['ValidationError'])})")
    return nb


def _first_line(err) -> str:
    text = str(getattr(err, "message", None) or err).strip()
    return text.splitlines()[0] if text else type(err).__name__


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


KERNEL_METADATA = ("kernelspec", "language_info", "widgets", "papermill")
"""Notebook metadata a kernel or JupyterLab writes when a notebook is opened, run or saved."""
UI_CELL_METADATA = ("execution", "papermill", "collapsed", "scrolled", "jupyter", "trusted", "ExecuteTime")
"""Cell metadata JupyterLab writes (timings, collapsed or hidden state), not what an author wrote."""


def source_view(nb):
    """What a person wrote in a notebook: cells (type, id, source, tags and other authored metadata) and the
    notebook's own metadata, without outputs, execution counts or what a kernel or JupyterLab adds
    (:data:`KERNEL_METADATA`, :data:`UI_CELL_METADATA`).

    Two notebooks with equal views differ only by having been opened, run or saved.

    Examples
    --------
    >>> import nbformat
    >>> a = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1", id="c1")])
    >>> b = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1", id="c1", execution_count=4)])
    >>> b.metadata["language_info"] = {"name": "python", "version": "3.11.2"}
    >>> source_view(a) == source_view(b)
    True
    """
    cells = []
    for cell in nb.cells:
        view = {key: value for key, value in cell.items() if key not in ("outputs", "execution_count", "metadata")}
        view["source"] = _source(cell)
        view["metadata"] = {k: v for k, v in cell.get("metadata", {}).items() if k not in UI_CELL_METADATA}
        cells.append(view)
    metadata = {k: v for k, v in nb.get("metadata", {}).items() if k not in KERNEL_METADATA}
    return {"metadata": metadata, "cells": cells}


def solution_paths(root):
    return sorted(p for p in (Path(root) / "solutions").glob("*.ipynb") if _NAME.match(p.name))


def resolve_run_target(spec, root=None, *, exercise=False):
    """The notebook ``python -m medlab run`` executes, and its kind (``"solution"`` or ``"exercise"``).

    A number picks ``solutions/NN_*.ipynb``, or ``notebooks/NN_*.ipynb`` with ``exercise``. A path
    says itself what it is: a notebook in ``solutions/`` is a solution, any other (``notebooks/``,
    a student's copy in ``work/``) an exercise.
    """
    root = find_root(root)
    if Path(str(spec)).suffix != ".ipynb":
        return resolve_notebook(spec, root, folder="notebooks" if exercise else "solutions"), (
            "exercise" if exercise else "solution")
    path = resolve_notebook(spec, root)
    if path.resolve().parent == (root / "solutions").resolve():
        if exercise:
            raise ValueError(f"--exercise: {spec} is a solution; give the exercise's path "
                             "(notebooks/... or your copy) or its number")
        return path, "solution"
    return path, "exercise"


def resolve_notebook(spec, root=None, *, folder="solutions"):
    """Find a notebook by number (``"01"``, ``1``) or by path."""
    root = find_root(root)
    p = Path(str(spec))
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


def built_solutions(root, make, *, problems=None, label=""):
    """Yield ``(path, make(solution))`` for each solution of the workbook; name and skip the bad ones.

    ``make(nb, where=...)`` turns a solution notebook into another (an exercise, an nbgrader
    source). A solution that cannot be read, or that ``make`` rejects with ``ValueError``, is named
    on stderr (prefixed with ``label``), appended to ``problems`` when a list is given, and skipped,
    so one broken file does not stop the others.
    """
    import sys

    for path in solution_paths(root):
        rel = path.relative_to(root).as_posix()
        try:
            nb = make(read_notebook(path, where=rel), where=rel)
        except ValueError as err:
            message = f"{label}skipped {err}"
            print(message, file=sys.stderr)
            if problems is not None:
                problems.append(message)
            continue
        yield path, nb
