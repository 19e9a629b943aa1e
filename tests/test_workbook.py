"""The workbook tooling: build, verify (on deliberately broken copies), the README index (grading: test_grade.py)."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from medlab import workbook

ROOT = workbook.find_root(Path(__file__).parent)



def _first_exercise(root):
    return sorted((root / "notebooks").glob("*.ipynb"))[0]


def test_the_committed_workbook_verifies():
    assert workbook.verify(ROOT) == []
    assert len(workbook.solution_paths(ROOT)) >= 2


def test_cli_verify_passes_and_fails(copy):
    ok = subprocess.run([sys.executable, "-m", "medlab", "verify"], cwd=copy, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    path = _first_exercise(copy)
    path.write_text(path.read_text().replace("YOUR ANSWER HERE", "my own answer", 1))
    bad = subprocess.run([sys.executable, "-m", "medlab", "verify"], cwd=copy, capture_output=True, text=True)
    assert bad.returncode == 1 and "differs from a fresh build" in bad.stdout


def test_verify_catches_stored_outputs(copy):
    path = copy / "solutions" / sorted(p.name for p in (copy / "solutions").glob("*.ipynb"))[0]
    nb = nbformat.read(path, 4)
    code = next(c for c in nb.cells if c.cell_type == "code")
    code.execution_count = 3
    code.outputs = [nbformat.v4.new_output("stream", text="hello")]
    nbformat.write(nb, path)
    assert any("stores outputs" in p for p in workbook.verify(copy))


def test_verify_catches_a_leaked_solution(copy):
    sol = workbook.solution_paths(copy)[0]
    inside, outside = workbook.solution_regions(nbformat.read(sol, 4))
    secret = sorted(s for s in inside - outside if len(s) >= 12)[0]
    ex = copy / "notebooks" / sol.name
    nb = nbformat.read(ex, 4)
    nb.cells[-1].source += "\n" + secret
    nbformat.write(nb, ex)
    problems = workbook.verify(copy)
    assert any("leaks into the exercise" in p for p in problems)


def test_verify_catches_anatomy_problems(copy):
    sol = workbook.solution_paths(copy)[0]
    nb = nbformat.read(sol, 4)
    for cell in nb.cells:
        cell.metadata["tags"] = []
    nb.cells[0].source = "# A notebook without the bank's question"
    nbformat.write(nb, sol)
    problems = " | ".join(workbook.verify(copy))
    assert "exactly one cell tagged 'parameters', found 0" in problems
    assert "does not quote the bank's question" in problems
    assert "must start with" in problems


def test_verify_catches_missing_and_orphan_exercises(copy):
    ex = _first_exercise(copy)
    shutil.move(ex, copy / "notebooks" / "31_orphan.ipynb")
    problems = " | ".join(workbook.verify(copy))
    assert "is missing" in problems and "31_orphan.ipynb: no solutions" in problems


def test_make_exercise_replaces_regions():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("def f(x):\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION\n"),
        nbformat.v4.new_markdown_cell("Answer:\n### BEGIN SOLUTION\nsecret words\n### END SOLUTION"),
        nbformat.v4.new_code_cell("check(f)\n### BEGIN HIDDEN TESTS\nassert f(1) == 2\n### END HIDDEN TESTS"),
    ]
    ex = workbook.make_exercise(nb)
    assert ex.cells[0].source == "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"
    assert ex.cells[1].source == "Answer:\nYOUR ANSWER HERE"
    assert ex.cells[2].source == "check(f)"
    assert nb.cells[0].source.count("return x + 1") == 1  # the input is untouched
    ids = [c["id"] for c in ex.cells]
    assert len(set(ids)) == 3 and all(i.startswith("ex-") for i in ids)
    assert workbook.make_exercise(nb).cells[0]["id"] == ids[0]  # deterministic


@pytest.mark.parametrize("source, match", [
    ("### BEGIN SOLUTION\nx = 1", "never closed"),
    ("x = 1\n### END SOLUTION", "without"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "inside an open region"),
])
def test_make_exercise_rejects_broken_markers(source, match):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source)]
    with pytest.raises(ValueError, match=match):
        workbook.make_exercise(nb, where="x.ipynb")


def test_build_never_loses_a_students_work(copy):
    ex = _first_exercise(copy)
    assert workbook.build(copy) == []  # up to date: nothing written
    nb = nbformat.read(ex, 4)
    nb.cells[1].source = "My own answer, typed in class."
    nbformat.write(nb, ex)
    written = workbook.build(copy)
    assert ex in written
    backup = ex.with_name(ex.name + ".bak")
    assert "My own answer" in backup.read_text()
    assert workbook.verify(copy) == []
    # an exercise that was only regenerated (not edited) is replaced without a backup
    sol = copy / "solutions" / ex.name
    nb = nbformat.read(sol, 4)
    nb.cells[-1].source += "\n- one more reference."
    nbformat.write(nb, sol)
    assert workbook.build(copy) == [ex]
    assert not ex.with_name(ex.name + ".bak1").exists()


def test_readme_index_has_thirty_rows_and_working_links():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert workbook.INDEX_START in text and workbook.INDEX_END in text
    rows = re.findall(r"^\| (\d\d) \|", text, re.M)
    assert rows == [f"{n:02d}" for n in range(1, 31)]
    for link in re.findall(r"\]\(((?:notebooks|solutions)/[^)]+)\)", text):
        assert (ROOT / link).exists(), link
    for sol in workbook.solution_paths(ROOT):
        assert f"(solutions/{sol.name})" in text, f"README does not link {sol.name}"


def test_report_table_format():
    rec = {"notebook": "01_x", "kind": "solution", "mode": "fast", "seconds": 61.0, "peak_rss_mb": 900,
           "bar": {"name": "AUC", "value": 0.97, "threshold": 0.95, "baseline": 0.7, "passed": True}}
    table = workbook.format_table([rec, {**rec, "kind": "exercise", "bar": None,
                                         "checks": {"a": "fallback", "b": "fallback"}}])
    assert "AUC 0.970 (>= 0.95; baseline 0.700) ok" in table and " !" in table
    assert "checks: 2 fallback" in table
    json.dumps(rec)
    bars = [rec["bar"], {**rec["bar"], "passed": False}]
    findings = [{"passed": True}, {"passed": True}, {"passed": False}]
    table = workbook.format_table([{**rec, "bars": bars, "findings": findings}])
    assert "0/1 more bar(s) ok; 2/3 finding(s) hold" in table


def _tiny_workbook(tmp_path, cells):
    (tmp_path / "solutions").mkdir()
    (tmp_path / "medlab").mkdir()
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("MODE = None\nSEED = 0", metadata={"tags": ["parameters"]})]
    nb.cells += [nbformat.v4.new_code_cell(c) for c in cells]
    path = tmp_path / "solutions" / "01_tiny.ipynb"
    nbformat.write(nb, path)
    return path


def test_parse_seeds():
    assert workbook.parse_seeds("0-4") == [0, 1, 2, 3, 4]
    assert workbook.parse_seeds("3, 1,1") == [1, 3]
    for bad in ("a", "4-0", "1-", ""):
        with pytest.raises(ValueError, match="--seeds"):
            workbook.parse_seeds(bad)


def test_seeds_runs_each_seed_and_reports_bars_and_findings(tmp_path):
    _tiny_workbook(tmp_path, [
        "import medlab\nvalue = 0.9 + 0.01 * SEED",
        "medlab.assert_bar('score', value, 0.85, baseline=0.8, mode=MODE)",
        "medlab.assert_finding('grows with the seed', value, 0.905, relation='>', mode=MODE, enforce=False)",
    ])
    summary = workbook.run_seeds("01", [0, 2], root=tmp_path, echo=lambda *a: None)
    rows = {r["name"]: r for r in summary["rows"]}
    assert rows["score"]["per_seed"][2]["value"] == pytest.approx(0.92)
    assert rows["score"]["min_slack"] == pytest.approx(0.05) and rows["score"]["holds"]
    assert not rows["grows with the seed"]["holds"]  # seed 0 gives 0.9 < 0.905
    assert rows["grows with the seed"]["min_slack"] == pytest.approx(-0.005)
    assert not summary["all_hold"]
    saved = json.loads((tmp_path / "build" / "seeds" / "01.json").read_text())
    assert saved["seeds"] == [0, 2] and len(saved["runs"]) == 2
    table = workbook.format_seeds(summary)
    assert "grows with the seed" in table and "NO" in table and "0.900!" in table
    assert workbook.format_seeds(saved) == table  # the same table from build/seeds/01.json


def test_seeds_reports_a_baseline_tuned_on_the_edge_of_its_grid(tmp_path):
    _tiny_workbook(tmp_path, [
        "import medlab\nfrom medlab import baselines",
        "best, _, _ = baselines.tune_on_validation(lambda k: -abs(k - SEED), {'k': [0, 1, 2]})",
        "medlab.assert_bar('score', 0.9, 0.85, baseline=0.8, mode=MODE)",
    ])
    summary = workbook.run_seeds("01", [0, 1], root=tmp_path, echo=lambda *a: None)
    assert [r["grid_edges"] for r in summary["runs"]] == [[{"parameter": "k", "value": 0, "grid": [0, 1, 2]}], []]
    assert summary["rows"][0]["holds"] and not summary["all_hold"]
    assert "seed 0: k=0 chosen on the edge of its grid [0, 1, 2]" in workbook.format_seeds(summary)


def test_executed_copies_keep_their_figures(tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")  # what the test harness sets for itself
    path = _tiny_workbook(tmp_path, ["import matplotlib.pyplot as plt\nplt.plot([0, 1], [1, 0]);"])
    rec = workbook.execute(path, mode="fast", kind="solution", root=tmp_path)
    assert rec["error"] is None
    nb = nbformat.read(tmp_path / rec["executed"], as_version=4)
    kinds = [k for c in nb.cells if c.cell_type == "code" for o in c.outputs for k in o.get("data", {})]
    assert "image/png" in kinds
    assert os.environ["MPLBACKEND"] == "Agg"  # restored afterwards


def test_a_timed_out_cell_is_one_clear_line(tmp_path):
    path = _tiny_workbook(tmp_path, ["x = 1", "import time\ntime.sleep(30)"])
    rec = workbook.execute(path, mode="fast", kind="solution", root=tmp_path, timeout=2)
    assert rec["error"] == ("cell 2 of 01_tiny.fast.ipynb timed out after 2 s and was stopped "
                            "(raise the limit with --timeout SECONDS, or 0 for none)")
    assert workbook.CELL_TIMEOUTS["full"] is None and workbook.CELL_TIMEOUTS["fast"] == 300


def _git(root, *args):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false", *args],
                   cwd=root, check=True, capture_output=True)


@pytest.fixture
def git_copy(copy):
    """The ``copy`` workbook as a git checkout, everything committed."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    _git(copy, "init", "-q")
    _git(copy, "add", "-A")
    _git(copy, "commit", "-q", "-m", "workbook")
    return copy


def _as_jupyterlab_saves_it(path):
    """Open, run and save a notebook as JupyterLab does: kernel metadata, outputs, counts, timings, UI state."""
    nb = nbformat.read(path, 4)
    nb.metadata["language_info"] = {"name": "python", "version": "3.12.9", "mimetype": "text/x-python",
                                    "codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
                                    "nbconvert_exporter": "python", "pygments_lexer": "ipython3"}
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}, "version_major": 2,
                                                                            "version_minor": 0}}
    count = 0
    for cell in nb.cells:
        if cell.cell_type == "code":
            count += 1
            cell.execution_count = count
            cell.outputs = [nbformat.v4.new_output("stream", text=f"output {count}\n")]
            cell.metadata["execution"] = {"iopub.execute_input": "2025-01-01T10:00:00Z",
                                          "shell.execute_reply": "2025-01-01T10:00:01Z"}
            cell.metadata["scrolled"] = True
            cell.metadata["jupyter"] = {"outputs_hidden": False, "source_hidden": False}
    nbformat.write(nb, path)


def test_opening_running_and_saving_in_jupyterlab_keeps_verify_green(git_copy):
    exercise, solution = _first_exercise(git_copy), workbook.solution_paths(git_copy)[0]
    before = exercise.read_bytes()
    for path in (exercise, solution):
        _as_jupyterlab_saves_it(path)
    assert exercise.read_bytes() != before
    assert workbook.verify(git_copy) == []
    ok = subprocess.run([sys.executable, "-m", "medlab", "verify"], cwd=git_copy, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    saved = exercise.read_bytes()
    assert workbook.build(git_copy) == [] and exercise.read_bytes() == saved  # run, not edited: left alone
    assert not list(git_copy.glob("notebooks/*.bak*"))
    # what a commit would take is checked: outputs staged in git are a problem
    _git(git_copy, "add", str(exercise))
    assert any(f"notebooks/{exercise.name}" in p and "stores outputs" in p for p in workbook.verify(git_copy))
    # and a changed source still fails, whatever the metadata
    nb = nbformat.read(exercise, 4)
    nb.cells[1].source += "\nmy own answer"
    nbformat.write(nb, exercise)
    assert any("differs from a fresh build" in p for p in workbook.verify(git_copy))


def test_verify_checks_the_files_outside_git(copy):
    exercise = _first_exercise(copy)
    _as_jupyterlab_saves_it(exercise)
    problems = workbook.verify(copy)
    assert problems and all("stores outputs" in p for p in problems)
    assert not any("differs" in p for p in problems)


def test_build_says_in_one_line_which_edited_exercise_it_kept(copy, capsys):
    ran, edited = sorted((copy / "notebooks").glob("*.ipynb"))[:2]
    _as_jupyterlab_saves_it(ran)
    nb = nbformat.read(edited, 4)
    nb.cells[1].source = "My own answer, typed in class."
    nbformat.write(nb, edited)
    assert not workbook.edited_since_build(ran) and workbook.edited_since_build(edited)
    assert workbook.build(copy) == [edited]
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines == [f"notebooks/{edited.name} was edited in place: kept as notebooks/{edited.name}.bak "
                     f"(next time, work in your own copy: python -m medlab start {edited.name[:2]})"]
    assert "My own answer" in edited.with_name(edited.name + ".bak").read_text()
    assert "output 1" in ran.read_text()  # the notebook that was only run is left as it is


def test_corrupt_notebooks_are_named_and_the_others_still_built_and_checked(copy):
    sols = workbook.solution_paths(copy)
    sols[0].write_text('{"cells": [', encoding="utf-8")  # truncated JSON
    broken_exercise = copy / "notebooks" / sols[1].name
    broken_exercise.write_text("not a notebook at all", encoding="utf-8")
    nb = nbformat.read(sols[2], 4)
    nb.cells[-1].source += "\n- one more reference."
    nbformat.write(nb, sols[2])
    (copy / "notebooks" / sols[3].name).write_text('["a list"]', encoding="utf-8")

    problems = []
    written = workbook.build(copy, problems=problems)
    assert problems and all(f"solutions/{sols[0].name}: invalid JSON" in p for p in problems)
    assert {p.name for p in written} == {sols[1].name, sols[2].name, sols[3].name}
    assert broken_exercise.with_name(broken_exercise.name + ".bak").read_text() == "not a notebook at all"

    (copy / "notebooks" / sols[3].name).write_text('{"nbformat": 4, "cells": 3}', encoding="utf-8")
    problems = workbook.verify(copy)
    assert any(p.startswith(f"solutions/{sols[0].name}: invalid JSON") for p in problems)
    assert any(p.startswith(f"notebooks/{sols[3].name}: not a valid Jupyter notebook") for p in problems)
    assert len(problems) == 2  # the other notebooks were checked and are fine

    for command, status in (("build", 1), ("verify", 1)):
        done = subprocess.run([sys.executable, "-m", "medlab", command], cwd=copy, capture_output=True, text=True)
        assert done.returncode == status and "Traceback" not in done.stderr, done.stderr
        assert f"solutions/{sols[0].name}: invalid JSON" in done.stdout + done.stderr


def test_index_keeps_the_figures_it_has_no_new_report_for(copy):
    readme = copy / "README.md"
    shutil.copyfile(ROOT / "README.md", readme)
    kept = workbook.index_figures(readme.read_text(encoding="utf-8"))
    written = {p.name[:2] for p in workbook.solution_paths(copy)}
    assert set(kept) == written  # the committed README shows a figure for every written notebook
    assert not (copy / "build" / "report.json").exists()  # a fresh clone
    workbook.update_readme(copy)
    assert workbook.index_figures(readme.read_text(encoding="utf-8")) == kept
    (copy / "build").mkdir()
    first = min(written)
    report = [{"notebook": f"{first}_x", "kind": "solution", "mode": "fast", "seconds": 12.4,
               "bar": {"name": "new AUC", "value": 0.5, "threshold": 0.4, "baseline": 0.3}}]
    (copy / "build" / "report.json").write_text(json.dumps(report), encoding="utf-8")
    workbook.update_readme(copy)
    now = workbook.index_figures(readme.read_text(encoding="utf-8"))
    assert now[first] == ("12 s", "new AUC 0.500 (≥ 0.4; baseline 0.300)")
    assert {k: v for k, v in now.items() if k != first} == {k: v for k, v in kept.items() if k != first}


def test_run_takes_the_kind_from_the_path(tmp_path):
    sol = _tiny_workbook(tmp_path, ["x = 1"])
    (tmp_path / "notebooks").mkdir()
    ex = tmp_path / "notebooks" / sol.name
    shutil.copyfile(sol, ex)
    (tmp_path / "work").mkdir()
    mine = tmp_path / "work" / sol.name
    shutil.copyfile(sol, mine)
    assert workbook.resolve_run_target("01", tmp_path) == (sol, "solution")
    assert workbook.resolve_run_target("01", tmp_path, exercise=True) == (ex, "exercise")
    assert workbook.resolve_run_target(str(sol), tmp_path) == (sol, "solution")
    assert workbook.resolve_run_target(str(ex), tmp_path) == (ex, "exercise")
    assert workbook.resolve_run_target(str(mine), tmp_path) == (mine, "exercise")
    with pytest.raises(ValueError, match="--exercise: .* is a solution"):
        workbook.resolve_run_target(str(sol), tmp_path, exercise=True)
    env = {**os.environ, "MEDLAB_THREADS": "1"}
    done = subprocess.run([sys.executable, "-m", "medlab", "run", "notebooks/01_tiny.ipynb", "--mode", "smoke"],
                          cwd=tmp_path, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert [p.name for p in (tmp_path / "build" / "records").iterdir()] == ["exercise-01_tiny-smoke.json"]


def test_commands_refuse_to_run_outside_a_workbook(tmp_path):
    with pytest.raises(FileNotFoundError, match="no medlab workbook"):
        workbook.find_root(tmp_path)
    for command in (["verify"], ["index"], ["build"], ["start", "01"]):
        done = subprocess.run([sys.executable, "-m", "medlab", *command], cwd=tmp_path, capture_output=True, text=True)
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        assert done.stderr.strip().splitlines() == [
            f"python -m medlab {command[0]}: error: no medlab workbook at {tmp_path.resolve()} or above it "
            "(a folder with solutions/ and medlab/): cd into the workbook first"]
        assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args, message", [
    (["run", "99"], "notebook: expected a question number from 1 to 30, got 99"),
    (["run", "nothere.ipynb"], "notebook: nothere.ipynb does not exist"),
    (["seeds", "01", "--seeds", "4-0"], "--seeds: the range '4-0' runs backwards"),
    (["run", "notebooks/01_tiny.ipynb"], "notebooks/01_tiny.ipynb: invalid JSON"),
])
def test_cli_errors_are_one_line_with_status_2(tmp_path, args, message):
    _tiny_workbook(tmp_path, ["x = 1"])
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "01_tiny.ipynb").write_text("{", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "medlab", *args], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and message in done.stderr, done.stderr
