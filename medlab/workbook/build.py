"""``build``: write the exercises in ``notebooks/`` from the solutions in ``solutions/``."""

from __future__ import annotations

import copy
import hashlib
import shutil

from ._common import (
    BEGIN_HIDDEN,
    BEGIN_SOLUTION,
    END_HIDDEN,
    END_SOLUTION,
    _source,
    built_solutions,
    find_root,
    read_notebook,
    source_view,
    strip_outputs,
)
from .nbgrader import nbgrader_metadata, write_nbgrader_source


def _replace_regions(text, begin, end, replacement, *, where):
    """Replace every ``begin``..``end`` line region of ``text``; ``replacement(indent)`` gives lines."""
    out, inside, indent = [], False, ""
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.strip()
        if stripped == begin:
            if inside:
                raise ValueError(f"{where}: line {number}: '{begin}' inside an open region")
            inside, indent = True, line[: len(line) - len(line.lstrip())]
            out.extend(replacement(indent))
        elif stripped == end:
            if not inside:
                raise ValueError(f"{where}: line {number}: '{end}' without '{begin}'")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{where}: '{begin}' is never closed with '{end}'")
    return "\n".join(out)


def make_exercise(solution_nb, *, where="notebook"):
    """Return the exercise notebook generated from a solution notebook (the input is not changed)."""
    nb = strip_outputs(copy.deepcopy(solution_nb))
    graded = nbgrader_metadata(nb, where=where, graded_only=True)  # so nbgrader can autograde a student's copy
    for index, cell in enumerate(nb.cells):
        here = f"{where}, cell {index}"
        if graded[index]:
            cell.metadata["nbgrader"] = graded[index]
        text = _source(cell)
        text = _replace_regions(text, BEGIN_HIDDEN, END_HIDDEN, lambda indent: [], where=here)
        if cell.cell_type == "code":
            text = _replace_regions(text, BEGIN_SOLUTION, END_SOLUTION,
                                    lambda i: [f"{i}# YOUR CODE HERE", f"{i}raise NotImplementedError()"],
                                    where=here)
        else:
            text = _replace_regions(text, BEGIN_SOLUTION, END_SOLUTION, lambda i: ["YOUR ANSWER HERE"],
                                    where=here)
        cell.source = text
        base = cell.get("id") or f"cell{index}"
        cell["id"] = "ex-" + hashlib.sha1(base.encode()).hexdigest()[:12]
    nb.metadata["medlab"] = {"generated_from": where, "source_hash": source_hash(nb)}
    return nb


def source_hash(nb) -> str:
    """A hash of a notebook's cell types and sources (not outputs, not metadata)."""
    h = hashlib.sha1()
    for cell in nb.cells:
        h.update(cell.cell_type.encode() + b"\0" + _source(cell).encode() + b"\0")
    return h.hexdigest()[:16]


def edited_since_build(path) -> bool:
    """True when an exercise's cells no longer match what ``build`` wrote (someone edited it).

    Outputs, execution counts and metadata from opening or running it are not edits. A file that
    is not a readable notebook counts as edited (someone's file, to keep).
    """
    try:
        nb = read_notebook(path)
    except ValueError:
        return True
    return _edited(nb)


def _edited(nb) -> bool:
    stored = nb.metadata.get("medlab", {}).get("source_hash")
    return stored != source_hash(nb)


def solution_regions(nb):
    """Lines inside solution regions, and lines outside them, of a solution notebook."""
    inside_lines, outside_lines = set(), set()
    for cell in nb.cells:
        inside = False
        for line in _source(cell).split("\n"):
            s = line.strip()
            if s in (BEGIN_SOLUTION, BEGIN_HIDDEN):
                inside = True
            elif s in (END_SOLUTION, END_HIDDEN):
                inside = False
            elif s:
                (inside_lines if inside else outside_lines).add(s)
    return inside_lines, outside_lines


def build(root=None, *, problems=None):
    """Write ``notebooks/`` from ``solutions/`` and return the paths written.

    An exercise whose sources already match a fresh build is left alone, even after it was opened,
    run and saved in JupyterLab (outputs and kernel metadata are not edits). One whose cells were
    edited since it was generated (work done in place; detected with the source hash stored in its
    metadata) is never lost: it is first copied to ``NAME.ipynb.bak`` (numbered if that exists
    too), and one line says so and points to ``python -m medlab start`` for next time. A solution
    that cannot be read or built is named on stderr, appended to ``problems`` (a list, if given),
    and the other notebooks are still built.
    """
    import nbformat

    root = find_root(root)
    out_dir = root / "notebooks"
    out_dir.mkdir(exist_ok=True)
    written = []
    for path, nb in built_solutions(root, make_exercise, problems=problems):
        target = out_dir / path.name
        if target.exists():
            try:
                current = read_notebook(target)
            except ValueError:
                current = None  # not a readable notebook any more: kept below, as someone's file
            if current is not None and source_view(current) == source_view(nb):
                continue
            if current is None or _edited(current):
                backup = _free_backup_name(target)
                shutil.copyfile(target, backup)
                print(f"{target.relative_to(root).as_posix()} was edited in place: kept as "
                      f"{backup.relative_to(root).as_posix()} (next time, work in your own copy: "
                      f"python -m medlab start {path.name[:2]})")
        target.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
        written.append(target)
    write_nbgrader_source(root, problems=problems)  # build/nbgrader/: the same solutions, for nbgrader
    return written


def _free_backup_name(target):
    """``NAME.ipynb.bak``, or ``NAME.ipynb.bak1``, ``.bak2``... when taken."""
    backup = target.with_name(target.name + ".bak")
    n = 1
    while backup.exists():
        backup = target.with_name(f"{target.name}.bak{n}")
        n += 1
    return backup
