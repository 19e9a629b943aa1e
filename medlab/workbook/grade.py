"""``grade``: execute a copy of a student's notebook and report which exercises pass."""

from __future__ import annotations

from pathlib import Path

from ._common import find_root
from .execute import execute


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
