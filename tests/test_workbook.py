"""The workbook tooling: build, verify (on deliberately broken copies), grade, the README index."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from medlab import workbook

ROOT = workbook.find_root(Path(__file__).parent)


@pytest.fixture
def copy(tmp_path):
    """A copy of the workbook's notebooks in a scratch folder."""
    for folder in ("solutions", "notebooks"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    (tmp_path / "medlab").mkdir()
    return tmp_path


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


def test_grade_reports_each_exercise_and_leaves_the_file_alone(tmp_path):
    (tmp_path / "solutions").mkdir()
    (tmp_path / "medlab").mkdir()
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell("MODE = None", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("import numpy as np\nfrom medlab.check import q01, q02"),
        nbformat.v4.new_code_cell("def dice_coefficient(a, b):\n    return 0.5\n"
                                  "dice_coefficient = q02.dice_coefficient(dice_coefficient)"),
        nbformat.v4.new_code_cell("def normalize_intensity(x):\n    raise NotImplementedError()\n"
                                  "normalize_intensity = q01.normalize_intensity(normalize_intensity)"),
    ]
    student = tmp_path / "student.ipynb"
    nbformat.write(nb, student)
    before = student.read_bytes()
    rec = workbook.grade(student, mode="smoke", root=tmp_path)
    assert rec["checks"] == {"dice_coefficient": "failed", "normalize_intensity": "fallback"}
    assert student.read_bytes() == before
    assert (tmp_path / "build" / "graded").is_dir()


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


def test_executed_copies_keep_their_figures(tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")  # what the test harness sets for itself
    path = _tiny_workbook(tmp_path, ["import matplotlib.pyplot as plt\nplt.plot([0, 1], [1, 0]);"])
    rec = workbook.execute(path, mode="fast", kind="solution", root=tmp_path)
    assert rec["error"] is None
    nb = nbformat.read(tmp_path / rec["executed"], as_version=4)
    kinds = [k for c in nb.cells if c.cell_type == "code" for o in c.outputs for k in o.get("data", {})]
    assert "image/png" in kinds
    import os

    assert os.environ["MPLBACKEND"] == "Agg"  # restored afterwards


def test_a_timed_out_cell_is_one_clear_line(tmp_path):
    path = _tiny_workbook(tmp_path, ["x = 1", "import time\ntime.sleep(30)"])
    rec = workbook.execute(path, mode="fast", kind="solution", root=tmp_path, timeout=2)
    assert rec["error"] == ("cell 2 of 01_tiny.fast.ipynb timed out after 2 s and was stopped "
                            "(raise the limit with --timeout SECONDS, or 0 for none)")
    assert workbook.CELL_TIMEOUTS["full"] is None and workbook.CELL_TIMEOUTS["fast"] == 300
