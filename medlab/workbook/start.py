"""``start``: copy an exercise into the student's own folder (``work/``), never over an existing copy."""

from __future__ import annotations

import re
from pathlib import Path

from ._common import find_root, resolve_notebook
from .build import edited_since_build

WORK_DIR = "work"
"""The student's folder, at the workbook's root (git-ignored; ``make lab`` opens JupyterLab on it)."""


def start(spec, *, root=None, work_dir=None, fresh=False):
    """Copy exercise ``spec`` from ``notebooks/`` into the student's folder; never overwrite a file.

    Parameters
    ----------
    spec : str or int
        The question's number (``"05"``, ``5``) or the path of an exercise notebook.
    root : path, optional
        The workbook (default: found from the cwd up).
    work_dir : path, optional
        The student's folder (default: ``work/`` at the workbook's root), created if missing.
    fresh : bool
        When a copy exists already, write a new numbered one beside it (``05_x-2.ipynb``,
        ``05_x-3.ipynb``...) instead of pointing to it.

    Returns
    -------
    dict
        ``path`` (the student's copy), ``created`` (False when an existing copy was found and left
        alone), ``source`` (the exercise it came from) and ``edited_source`` (True when that exercise
        in ``notebooks/`` was edited in place, so the copy carries those edits).

    Examples
    --------
    >>> import tempfile
    >>> tmp = Path(tempfile.mkdtemp())
    >>> for folder in ("solutions", "notebooks", "medlab"):
    ...     (tmp / folder).mkdir()
    >>> _ = (tmp / "notebooks" / "05_operating_point.ipynb").write_text('{"cells": [], "metadata": {}, '
    ...                                                                '"nbformat": 4, "nbformat_minor": 5}')
    >>> start("05", root=tmp)["path"].relative_to(tmp).as_posix()
    'work/05_operating_point.ipynb'
    >>> start("05", root=tmp)["created"]
    False
    >>> start(5, root=tmp, fresh=True)["path"].name
    '05_operating_point-2.ipynb'
    """
    root = find_root(root)
    source = resolve_notebook(spec, root, folder="notebooks")
    folder = root / WORK_DIR if work_dir is None else Path(work_dir)
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"--dir: {folder} exists and is not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    data = Path(source).read_bytes()
    target = folder / Path(source).name
    created = False
    if not target.exists():
        created = _write_new(target, data)
    elif fresh:
        while not created:
            target = _next_numbered(target)
            created = _write_new(target, data)
    return {"path": target, "created": created, "source": Path(source),
            "edited_source": created and edited_since_build(source)}


def _next_numbered(path):
    """The first free ``STEM-N.ipynb`` beside ``path`` (N from 2), ``STEM`` without any ``-N`` already there."""
    stem = re.sub(r"-\d+$", "", path.stem)
    n = 2
    while (candidate := path.with_name(f"{stem}-{n}{path.suffix}")).exists():
        n += 1
    return candidate


def _write_new(path, data) -> bool:
    """Write ``data`` to ``path`` only if no such file exists (atomic check); True when written."""
    try:
        with open(path, "xb") as fh:
            fh.write(data)
    except FileExistsError:
        return False
    return True
