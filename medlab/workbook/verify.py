"""``verify``: check that the workbook is consistent (exercises equal a fresh build, notebook anatomy)."""

from __future__ import annotations

import subprocess

from .._bank import QUESTIONS
from ._common import _source, find_root, read_notebook, reads_notebook, solution_paths, source_view
from .build import make_exercise, solution_regions


def verify(root=None):
    """Check the workbook; return a list of problems (empty when all is well).

    Checks: every solution has an exercise whose sources equal a fresh build's and vice versa
    (outputs, execution counts and what a kernel or JupyterLab writes are ignored there, see
    :func:`source_view`, so opening, running and saving a notebook keeps the workbook green); no
    stored outputs or execution counts in what git holds (the index: what a commit would take;
    outside a git checkout, or for an untracked file, the file itself); no solution text in an
    exercise; exactly one ``parameters`` cell; the ``python3`` kernel; the title cell quotes the
    bank's question for the notebook's number. A file that is not a readable notebook is named and
    the others are still checked.
    """
    root = find_root(root)
    problems = []
    solutions = {p.name: p for p in solution_paths(root)}
    exercises = {p.name: p for p in (root / "notebooks").glob("*.ipynb")}
    for name in sorted(set(exercises) - set(solutions)):
        problems.append(f"notebooks/{name}: no solutions/{name} to build it from")
    for name, path in sorted(solutions.items()):
        rel = f"solutions/{name}"
        number = int(name[:2])
        if number not in QUESTIONS:
            problems.append(f"{rel}: number {number} is not a question of the bank (1-30)")
            continue
        try:
            nb = read_notebook(path, where=rel)
            stored = _stored_notebook(path, where=rel)
        except ValueError as err:
            problems.append(str(err))
            continue
        problems += [f"{rel}: {p}" for p in _check_clean(stored)]
        problems += [f"{rel}: {p}" for p in _check_anatomy(nb, number)]
        if name not in exercises:
            problems.append(f"notebooks/{name} is missing: run `python -m medlab build`")
            continue
        try:
            fresh = make_exercise(nb, where=rel)
        except ValueError as err:
            problems.append(str(err))
            continue
        try:
            ex_nb = read_notebook(exercises[name], where=f"notebooks/{name}")
            ex_stored = _stored_notebook(exercises[name], where=f"notebooks/{name}")
        except ValueError as err:
            problems.append(str(err))
            continue
        problems += [f"notebooks/{name}: {p}" for p in _check_clean(ex_stored)]
        if source_view(ex_nb) != source_view(fresh):
            problems.append(f"notebooks/{name} differs from a fresh build of {rel} "
                            "(exercises are generated: edit the solution, then run `python -m medlab build`)")
        inside, outside = solution_regions(nb)
        ex_lines = {line.strip() for cell in ex_nb.cells for line in _source(cell).split("\n")}
        leaked = sorted(s for s in inside - outside if len(s) >= 12 and s in ex_lines)
        if leaked:
            problems.append(f"notebooks/{name}: solution text leaks into the exercise: {leaked[0]!r}"
                            + (f" and {len(leaked) - 1} more line(s)" if len(leaked) > 1 else ""))
    return problems


def _stored_notebook(path, *, where):
    """The notebook git holds for ``path`` (its index entry); the file itself outside git or when untracked."""
    try:
        shown = subprocess.run(["git", "show", f":./{path.name}"], cwd=path.parent, capture_output=True,
                               check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired):  # no git here
        shown = None
    if shown is None or shown.returncode != 0:
        return read_notebook(path, where=where)
    try:
        text = shown.stdout.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{where} (as staged in git): not a notebook (not UTF-8 text)") from None
    return reads_notebook(text, where=f"{where} (as staged in git)")


def _check_clean(nb):
    out = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count") is not None):
            out.append(f"cell {i} stores outputs or an execution count (strip them)")
    return out


def _check_anatomy(nb, number):
    out = []
    kernel = nb.metadata.get("kernelspec", {}).get("name")
    if kernel != "python3":
        out.append(f"the notebook's kernel must be 'python3' (the one Jupyter runs from .venv), found {kernel!r}")
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    if len(tagged) != 1:
        out.append(f"expected exactly one cell tagged 'parameters', found {len(tagged)}")
    if not nb.cells or nb.cells[0].cell_type != "markdown":
        out.append("the first cell must be the markdown title cell")
        return out
    title = _source(nb.cells[0])
    zh = QUESTIONS[number][0]
    if not title.startswith(f"# {number:02d} · "):
        out.append(f"the title cell must start with '# {number:02d} · ' and the English title")
    if zh not in title:
        out.append(f"the title cell does not quote the bank's question {number}: {zh}")
    return out
