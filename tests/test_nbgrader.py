"""nbgrader for real: the source tree ``build`` writes, nbgrader's generate_assignment, autograde and export.

The slow test follows README "For teachers" > "nbgrader" command by command, in a temporary course
directory: ``python -m medlab build`` in a copy of the workbook, the course folder copied out,
``nbgrader generate_assignment``, students' notebooks placed in ``submitted/``, ``nbgrader
autograde`` (kernels in smoke mode, one thread) and ``nbgrader export``; the scores are read from
nbgrader's gradebook and its CSV. A correct submission gets every autograded point, a wrong one
part of them, a blank one none, and one that edited the locked test cells gains nothing. Two of
the four are copies of the release, two are copies of ``notebooks/`` (the students' own copies).
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from medlab import workbook
from medlab.workbook import nbgrader as medlab_nbgrader

if not os.environ.get("CI"):  # CI installs requirements.txt, which pins nbgrader: there it must be present
    pytest.importorskip("nbgrader", reason="nbgrader is not installed: `make test` installs it (requirements.txt "
                                           "pins it), or `.venv/bin/pip install nbgrader==0.9.6`")

ROOT = workbook.find_root(Path(__file__).parent)
ASSIGNMENT = "01_cnn_classification"  # two exercises: a wrong answer to one of them scores part of the points
SOLUTION_MARKERS = (workbook.BEGIN_SOLUTION, workbook.END_SOLUTION)


def _copy_workbook(target):
    shutil.copytree(ROOT / "solutions", target / "solutions")
    shutil.copytree(ROOT / "notebooks", target / "notebooks")
    (target / "medlab").mkdir()
    return target


def test_every_solution_cell_gets_its_nbgrader_role():
    from nbgrader.nbgraderformat import MetadataValidator

    for path in workbook.solution_paths(ROOT):
        solution = workbook.read_notebook(path)
        source = medlab_nbgrader.make_nbgrader_source(solution, where=path.name)
        MetadataValidator().validate_nb(source)  # nbgrader's own schema check (ids, points, markdown rules)
        roles = {}
        for before, cell in zip(solution.cells, source.cells, strict=True):
            meta = cell.metadata["nbgrader"]
            assert meta["schema_version"] == 3 and meta["grade_id"]
            text = before.source
            if workbook.BEGIN_SOLUTION in text:
                kind = "answer" if cell.cell_type == "code" else "written answer"
                assert meta["solution"] and not meta["locked"], (path.name, meta)
                assert meta["grade"] == (kind == "written answer")
                assert cell.source == text
            elif cell.cell_type == "code" and ("medlab.check.q" in text or workbook.BEGIN_HIDDEN in text):
                kind = "tests"
                assert meta["grade"] and meta["locked"] and not meta["solution"] and meta["points"] == 1
                assert cell.source == f"{medlab_nbgrader.STRICT_LINE}\n{text}"
            else:
                kind = "read-only"
                assert meta["locked"] and not meta["grade"] and not meta["solution"] and cell.source == text
            roles.setdefault(kind, []).append(meta["grade_id"])
            assert cell.get("id") == before.get("id") and not cell.get("outputs")
        # one test cell per exercise, named after it; two written answers (interview, follow-ups)
        checks = [g for g in roles["tests"] if not g.endswith("hidden-tests")]
        assert [f"{name}-tests" for name in roles["answer"]] == checks
        assert len(roles["written answer"]) == 2, (path.name, roles["written answer"])


def test_nbgrader_clears_the_source_into_the_exercises_students_get():
    """nbgrader's own ClearSolutions and ClearHiddenTests turn the source into ``notebooks/`` plus strict lines."""
    from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

    for path in workbook.solution_paths(ROOT):
        source = medlab_nbgrader.make_nbgrader_source(workbook.read_notebook(path), where=path.name)
        resources = {"language": "python"}
        released, _ = ClearSolutions().preprocess(source, resources)
        released, _ = ClearHiddenTests().preprocess(released, resources)
        exercise = workbook.read_notebook(ROOT / "notebooks" / path.name)
        assert len(released.cells) == len(exercise.cells)
        for got, expected in zip(released.cells, exercise.cells):
            text = got.source
            if got.metadata["nbgrader"]["grade"] and got.cell_type == "code":
                assert text == medlab_nbgrader.STRICT_LINE or text.startswith(medlab_nbgrader.STRICT_LINE + "\n")
                text = text[len(medlab_nbgrader.STRICT_LINE) + 1:]  # a hidden-tests cell is left with the line alone
            assert text == expected.source, (path.name, got.metadata["nbgrader"]["grade_id"])
            # the exercises carry the answer and test cells' metadata, so nbgrader can grade a copy of them too
            graded = got.metadata["nbgrader"]["grade"] or got.metadata["nbgrader"]["solution"]
            assert expected.metadata.get("nbgrader") == (got.metadata["nbgrader"] if graded else None)


def test_build_writes_the_course_folder_and_names_what_it_skips(tmp_path):
    copy = _copy_workbook(tmp_path)
    workbook.build(copy)
    course = copy / "build" / "nbgrader"
    names = sorted(p.stem for p in workbook.solution_paths(copy))
    assert sorted(p.name for p in (course / "source").iterdir()) == names
    for name in names:
        nb = nbformat.read(course / "source" / name / f"{name}.ipynb", 4)
        assert all("nbgrader" in cell.metadata for cell in nb.cells)
    config = (course / "nbgrader_config.py").read_text()
    assert "c.Execute.timeout = 300" in config and 'course_id = "medlab"' in config
    assert medlab_nbgrader.write_nbgrader_source(copy) == []  # current files are not rewritten

    broken = copy / "solutions" / f"{names[0]}.ipynb"
    broken.write_text('{"cells": [')
    first = course / "source" / names[0] / f"{names[0]}.ipynb"
    first.unlink()
    problems = []
    medlab_nbgrader.write_nbgrader_source(copy, problems=problems)
    assert problems == [f"nbgrader source: skipped solutions/{names[0]}.ipynb: invalid JSON "
                        "(Expecting value: line 1 column 12 (char 11))"]
    assert not first.exists() and all((course / "source" / n / f"{n}.ipynb").exists() for n in names[1:])
    with pytest.raises(TypeError, match="problems: expected a list"):
        medlab_nbgrader.write_nbgrader_source(copy, problems="")


@pytest.mark.parametrize("cell, match", [
    (nbformat.v4.new_code_cell(f"def f():\n    {workbook.BEGIN_SOLUTION}\n    return 1\n    {workbook.END_SOLUTION}\n"
                               f"{workbook.BEGIN_HIDDEN}\nassert f() == 1\n{workbook.END_HIDDEN}"),
     r"^nb, cell 0: a solution region and hidden tests in one cell"),
    (nbformat.v4.new_markdown_cell(f"{workbook.BEGIN_HIDDEN}\nsecret\n{workbook.END_HIDDEN}"),
     r"^nb, cell 0: hidden tests in a markdown cell"),
])
def test_cells_nbgrader_cannot_grade_are_named(cell, match):
    with pytest.raises(ValueError, match=match):
        medlab_nbgrader.make_nbgrader_source(nbformat.v4.new_notebook(cells=[cell]), where="nb")


def test_grade_ids_are_readable_and_unique():
    cells = [nbformat.v4.new_markdown_cell(f"{workbook.BEGIN_SOLUTION}\nanswer\n{workbook.END_SOLUTION}", id="m1"),
             nbformat.v4.new_code_cell(f"x = 1\n{workbook.BEGIN_HIDDEN}\nassert x\n{workbook.END_HIDDEN}", id="h1"),
             nbformat.v4.new_code_cell("f = medlab.check.q01.f(f)", id="t1"),
             nbformat.v4.new_code_cell("f = medlab.check.q01.f(f)", id="t2"),
             nbformat.v4.new_markdown_cell("## Further reading", id="r1"),
             nbformat.v4.new_code_cell(
                 f"def g(x):\n    {workbook.BEGIN_SOLUTION}\n    return x\n    {workbook.END_SOLUTION}"),
             nbformat.v4.new_code_cell(f"{workbook.BEGIN_HIDDEN}\nassert g(1) == 1\n{workbook.END_HIDDEN}")]
    source = medlab_nbgrader.make_nbgrader_source(nbformat.v4.new_notebook(cells=cells))
    assert [c.metadata.nbgrader["grade_id"] for c in source.cells] == [
        "cell-m1", "hidden-tests", "f-tests", "f-tests-2", "cell-r1", "g", "g-hidden-tests"]
    with pytest.raises(TypeError, match="solution_nb: expected a notebook"):
        medlab_nbgrader.make_nbgrader_source({"cells": []})


def _run(args, cwd, env):
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    command = " ".join(map(str, args))
    assert result.returncode == 0, f"{command} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def _submit(course, student, answers, *, copy_of):
    """Place a student's copy of ``copy_of`` at submitted/STUDENT/ASSIGNMENT/, with ``answers`` by grade id."""
    nb = nbformat.read(copy_of, 4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    target = course / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    target.parent.mkdir(parents=True)
    nbformat.write(nb, target)


@pytest.mark.notebook
def test_nbgrader_autograde_scores_correct_wrong_and_blank_submissions(tmp_path):
    from nbgrader.api import Gradebook

    env = {k: v for k, v in os.environ.items() if k != "MEDLAB_RECORD"}
    env.update(MEDLAB_MODE="smoke", MEDLAB_THREADS="1", JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"),
               PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]))  # nbgrader runs alembic
    workbook_copy = _copy_workbook(tmp_path / "workbook")
    _run([sys.executable, "-m", "medlab", "build"], workbook_copy, env)
    course = tmp_path / "course"
    shutil.copytree(workbook_copy / "build" / "nbgrader", course)  # cp -r build/nbgrader/. COURSE/
    _run(["nbgrader", "generate_assignment", ASSIGNMENT], course, env)

    release = nbformat.read(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
    assert all(workbook.BEGIN_SOLUTION not in cell.source for cell in release.cells)

    source = nbformat.read(course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
    solved = {cell.metadata.nbgrader["grade_id"]: "\n".join(
        line for line in cell.source.split("\n") if line.strip() not in SOLUTION_MARKERS)
        for cell in source.cells if cell.metadata.nbgrader["solution"]}
    assert sorted(solved) == ["build_cnn", "follow-up-questions", "normalize_intensity",
                              "the-interview-answer-60-seconds"]
    batch_wide = ("def normalize_intensity(images):\n    images = np.asarray(images, dtype=np.float32)\n"
                  "    return (images - images.mean()) / images.std()  # one mean for the batch, not per image")
    tests = {cell.metadata.nbgrader["grade_id"]: cell.source for cell in release.cells
             if cell.metadata.nbgrader.get("grade") and cell.cell_type == "code"}
    assert sorted(tests) == ["build_cnn-tests", "normalize_intensity-hidden-tests", "normalize_intensity-tests"]
    unchecked = {name: f"{fn} = {fn}  # no strict mode, no checker" for name in tests for fn in [name.split("-")[0]]}
    handed_out = course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    exercise = workbook_copy / "notebooks" / f"{ASSIGNMENT}.ipynb"  # what `python -m medlab start 01` copies
    _submit(course, "alice", solved, copy_of=handed_out)  # correct, written answers included
    _submit(course, "bob", {**solved, "normalize_intensity": batch_wide}, copy_of=exercise)  # one exercise wrong
    _submit(course, "carol", {}, copy_of=handed_out)  # blank: the release as handed out
    _submit(course, "dave", unchecked, copy_of=exercise)  # blank, test cells (no strict line) edited to check nothing

    _run(["nbgrader", "autograde", ASSIGNMENT], course, env)
    _run(["nbgrader", "export"], course, env)

    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student in ("alice", "bob", "carol", "dave"):
            nb = gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student)
            scores[student] = {"code": (nb.code_score, nb.max_code_score), "score": (nb.score, nb.max_score),
                               "manual": nb.needs_manual_grade,
                               "tests": {g.name: g.auto_score for g in nb.grades if g.name.endswith("-tests")}}
    assert scores["alice"]["code"] == (3.0, 3.0) and scores["alice"]["score"] == (3.0, 5.0)
    assert scores["alice"]["manual"]  # the written answers wait for the teacher (formgrader)
    assert scores["bob"]["tests"] == {"normalize_intensity-tests": 0.0, "normalize_intensity-hidden-tests": 0.0,
                                      "build_cnn-tests": 1.0}  # one mean for the batch fails the hidden tests too
    assert scores["bob"]["code"] == (1.0, 3.0)
    for student in ("carol", "dave"):
        assert scores[student]["score"] == (0.0, 5.0), (student, scores[student])
        assert not scores[student]["manual"]  # blank written answers score 0 without the teacher

    with open(course / "grades.csv", newline="") as fh:
        exported = {row["student_id"]: (float(row["score"]), float(row["max_score"])) for row in csv.DictReader(fh)}
    assert exported == {"alice": (3.0, 5.0), "bob": (1.0, 5.0), "carol": (0.0, 5.0), "dave": (0.0, 5.0)}

    graded = nbformat.read(course / "autograded" / "carol" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
    errors = [o for cell in graded.cells if cell.metadata.get("nbgrader", {}).get("grade_id") == "build_cnn-tests"
              for o in cell.outputs if o.output_type == "error"]
    assert errors and "build_cnn: not written yet" in errors[0].evalue and "Strict mode" in errors[0].evalue
