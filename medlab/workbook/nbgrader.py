"""The nbgrader source tree: the solutions with nbgrader's cell metadata, written by ``build``.

``python -m medlab build`` writes, beside ``notebooks/``, a course folder for nbgrader::

    build/nbgrader/nbgrader_config.py                      course settings (cell timeout)
    build/nbgrader/source/NN_slug/NN_slug.ipynb            one assignment per solution

Copy that folder into a course directory and run nbgrader there (README, "For teachers"). Each
cell of a solution gets nbgrader metadata (``schema_version`` 3, a ``grade_id`` unique in the
notebook):

* a code cell with a ``### BEGIN SOLUTION`` region: an autograded answer (``solution``);
* a markdown cell with one: a manually graded answer (``solution``, ``grade``,
  :data:`ANSWER_POINTS` points);
* a checker cell (``medlab.check.qNN.name(name)``) or a cell with a ``### BEGIN HIDDEN TESTS``
  region: an autograded test (``grade``, ``locked``, :data:`TEST_POINTS` points), whose source starts
  with :data:`STRICT_LINE`, so the checker fails on an unwritten exercise instead of falling back to
  the reference (a blank submission scores 0);
* every other cell: read-only (``locked``).

nbgrader's own ``generate_assignment`` then clears the solution regions (with the same stubs as
``notebooks/``), drops the hidden tests and computes the checksums. The answer and test cells of the
exercises in ``notebooks/`` carry the same metadata (:func:`nbgrader_metadata`; no strict line
there: a student working alone still gets the fallback), so nbgrader also autogrades copies of them.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

from ._common import (
    BEGIN_HIDDEN,
    BEGIN_SOLUTION,
    END_SOLUTION,
    _source,
    built_solutions,
    find_root,
    strip_outputs,
)
from .execute import CELL_TIMEOUT

TEST_POINTS = 1  #: points of each autograded test cell (a checker cell, a hidden-tests cell)
ANSWER_POINTS = 1  #: points of each manually graded answer (a markdown cell with a solution region)
STRICT_LINE = "medlab.check.strict()  # graded: an exercise not written yet fails here instead of falling back"
SCHEMA_VERSION = 3  #: nbgrader's cell metadata schema (nbgrader 0.6 and later)
SOURCE_DIR = Path("build") / "nbgrader"  #: where ``build`` writes the course folder, from the workbook's root

_CHECKER_CALL = re.compile(r"\bmedlab\.check\.(q\d\d)\.(\w+)\(")
_FUNCTION_DEF = re.compile(r"^\s*def\s+(\w+)\s*\(", re.MULTILINE)
_HEADING = re.compile(r"^#+\s+(.+)$", re.MULTILINE)

CONFIG = f'''\
# nbgrader settings for the medlab workbook, written by `python -m medlab build` (README, "For teachers").
c = get_config()  # noqa: F821 (nbgrader defines it)
c.CourseDirectory.course_id = "medlab"
# Seconds per cell when autograding (nbgrader's default, 30, is short for a training cell on a CPU).
c.Execute.timeout = {CELL_TIMEOUT}
'''


def _has_marker(text, marker):
    return any(line.strip() == marker for line in text.split("\n"))


def cell_role(cell, *, where="cell"):
    """What a solution cell is to nbgrader: ``"answer"``, ``"written answer"``, ``"tests"`` or ``"read-only"``.

    Parameters
    ----------
    cell : nbformat.NotebookNode
        A cell of a solution notebook.
    where : str
        Names the cell in error messages.

    Examples
    --------
    >>> import nbformat
    >>> cell_role(nbformat.v4.new_code_cell("f = medlab.check.q05.f(f)"))
    'tests'
    >>> cell_role(nbformat.v4.new_markdown_cell("## Data"))
    'read-only'
    """
    text = _source(cell)
    solution, hidden = _has_marker(text, BEGIN_SOLUTION), _has_marker(text, BEGIN_HIDDEN)
    if cell.cell_type == "code":
        if solution and hidden:
            raise ValueError(f"{where}: a solution region and hidden tests in one cell; nbgrader grades an answer "
                             "cell and its tests separately: move the hidden tests into the check cell below it")
        if solution:
            return "answer"
        if hidden or _CHECKER_CALL.search(text):
            return "tests"
        return "read-only"
    if hidden:
        raise ValueError(f"{where}: hidden tests in a {cell.cell_type} cell; they belong in a code cell")
    return "written answer" if solution else "read-only"


def _slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40].strip("-")


def _grade_id(cell, role, index, exercise=None):
    """A readable id: the exercise's function name, the answer's heading, or the cell's id.

    A hidden-tests cell is named after ``exercise``, the function of the answer cell above it.
    """
    text = _source(cell)
    name = None
    if role == "answer":
        match = _FUNCTION_DEF.search(text)
        name = match and match.group(1)
    elif role == "tests":
        match = _CHECKER_CALL.search(text)
        name = match and f"{match.group(2)}-tests"
        name = name or (f"{exercise}-hidden-tests" if exercise else "hidden-tests")
    elif role == "written answer":
        headings = [h for h in _HEADING.findall(text) if f"### {h.strip()}" not in (BEGIN_SOLUTION, END_SOLUTION)]
        name = headings and _slug(headings[0])
    return name or f"cell-{cell.get('id') or index}"


def _metadata(role, grade_id):
    grade = role in ("tests", "written answer")
    meta = {"grade": grade, "grade_id": grade_id, "locked": role in ("tests", "read-only"),
            "schema_version": SCHEMA_VERSION, "solution": role in ("answer", "written answer"), "task": False}
    if grade:
        meta["points"] = TEST_POINTS if role == "tests" else ANSWER_POINTS
    return meta


def nbgrader_metadata(solution_nb, *, where="notebook", graded_only=False):
    """The nbgrader metadata of each cell of a solution notebook (a list, one dict per cell).

    ``build`` gives the graded cells' metadata (``graded_only=True``) to the exercises in
    ``notebooks/``, so a student's copy of an exercise (``python -m medlab start``) can be
    autograded by nbgrader like a copy of its release: nbgrader finds the answer and test cells by
    ``grade_id`` and restores the test cells from its gradebook (strict line included).

    Parameters
    ----------
    solution_nb : nbformat.NotebookNode
    where : str
        Names the notebook in error messages.
    graded_only : bool
        ``True``: ``None`` for the read-only cells (only answers and tests get metadata).

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("## Data")])
    >>> nbgrader_metadata(nb)[0]["locked"], nbgrader_metadata(nb, graded_only=True)
    (True, [None])
    """
    if not hasattr(solution_nb, "cells"):
        raise TypeError(f"solution_nb: expected a notebook (nbformat.NotebookNode), got {type(solution_nb).__name__}")
    seen, result, exercise = set(), [], None
    for index, cell in enumerate(solution_nb.cells):
        role = cell_role(cell, where=f"{where}, cell {index}")
        grade_id = base = _grade_id(cell, role, index, exercise)
        if role == "answer":
            exercise = grade_id
        n = 2
        while grade_id in seen:
            grade_id, n = f"{base}-{n}", n + 1
        seen.add(grade_id)
        result.append(None if graded_only and role == "read-only" else _metadata(role, grade_id))
    return result


def make_nbgrader_source(solution_nb, *, where="notebook"):
    """Return the nbgrader source version of a solution notebook (the input is not changed).

    The cells keep their sources (solution regions and hidden tests included: nbgrader clears them
    when it generates the assignment) and ids; outputs are dropped; each cell gets its nbgrader
    metadata (see the module docstring), and each test cell starts with :data:`STRICT_LINE`.

    Parameters
    ----------
    solution_nb : nbformat.NotebookNode
    where : str
        Names the notebook in error messages.

    Returns
    -------
    nbformat.NotebookNode

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[
    ...     nbformat.v4.new_code_cell("def f(x):\\n    ### BEGIN SOLUTION\\n    return x\\n    ### END SOLUTION"),
    ...     nbformat.v4.new_code_cell("f = medlab.check.q05.f(f)")])
    >>> src = make_nbgrader_source(nb)
    >>> [(c.metadata.nbgrader["grade_id"], c.metadata.nbgrader.get("points")) for c in src.cells]
    [('f', None), ('f-tests', 1)]
    >>> src.cells[1].source.splitlines()[0] == STRICT_LINE
    True
    """
    metadata = nbgrader_metadata(solution_nb, where=where)
    nb = strip_outputs(copy.deepcopy(solution_nb))
    for cell, meta in zip(nb.cells, metadata):
        cell.metadata["nbgrader"] = meta
        if meta["grade"] and cell.cell_type == "code":  # an autograded test cell
            cell.source = f"{STRICT_LINE}\n{_source(cell)}"
    nb.metadata["medlab"] = {"nbgrader_source_of": where}
    return nb


def write_nbgrader_source(root=None, *, problems=None):
    """Write the nbgrader course folder ``build/nbgrader/`` from ``solutions/``; return the paths written.

    One assignment per solution, ``source/NN_slug/NN_slug.ipynb`` (see :func:`make_nbgrader_source`),
    and ``nbgrader_config.py``. The folder is generated: a file whose text is already current is not
    rewritten, and nothing else in the folder is touched (a course directory should be a copy of
    it elsewhere, so a rebuild or ``make clean`` never reaches a gradebook or submissions). A
    solution that cannot be read or converted is named on stderr, appended to ``problems`` (a
    list, if given), and the others are still written.

    Parameters
    ----------
    root : path-like, optional
        The workbook's root (default: found from the current folder).
    problems : list, optional
        Receives one line per solution that was skipped.
    """
    import nbformat

    if problems is not None and not isinstance(problems, list):
        raise TypeError(f"problems: expected a list (or None), got {type(problems).__name__}")
    root = find_root(root)
    course = root / SOURCE_DIR
    written = []
    for path, nb in built_solutions(root, make_nbgrader_source, problems=problems, label="nbgrader source: "):
        target = course / "source" / path.stem / path.name
        if _write_if_changed(target, nbformat.writes(nb) + "\n"):
            written.append(target)
    if _write_if_changed(course / "nbgrader_config.py", CONFIG):
        written.append(course / "nbgrader_config.py")
    return written


def _write_if_changed(path, text):
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True
