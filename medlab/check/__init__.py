"""Checkers for the workbook's exercises: ``medlab.check.qNN.<name>(student_fn)``.

Each checker runs the student's function on small cases against the reference:

* not written yet (it raises ``NotImplementedError``): prints a note and returns the reference,
  so the notebook runs on;
* wrong: raises ``AssertionError`` naming the case, what was expected, what came back, and a hint;
* right: prints a pass line and returns the student's function.

``medlab.check.strict()`` switches strict mode on: an unwritten function then fails like a wrong one
(nbgrader's autograded test cells call it first, so a blank submission scores 0 there).
"""

import importlib

from ._core import is_strict, strict

__all__ = ["strict", "is_strict"]


def __getattr__(name):
    if name.startswith("q") and name[1:].isdigit():
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'medlab.check' has no attribute {name!r}")
