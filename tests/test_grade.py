"""``python -m medlab grade``: a class folder graded truthfully, the verdict process, restoring cells, hidden tests.

Most tests judge exercise 05 (NumPy only, so a verdict takes about a second). One test grades a
whole class folder of copies of exercise 05 through the command line, running each notebook in
smoke mode, two at a time, with one thread each.
"""

import hashlib
import importlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from medlab import workbook

ROOT = workbook.find_root(Path(__file__).parent)
grading = importlib.import_module("medlab.workbook.grade")  # the module (``workbook.grade`` is the function)
SOLUTION = ROOT / "solutions" / "05_operating_point.ipynb"
EXERCISE = ROOT / "notebooks" / "05_operating_point.ipynb"
NAME = "threshold_for_sensitivity"
WRONG = "np.argmax(found > target)"  # an off-by-one: one positive too far


def _solution_body():
    """The body of 05's reference answer, as a student would type it (no markers)."""
    cell = next(c for c in workbook.read_notebook(SOLUTION).cells if f"def {NAME}(" in c.source)
    lines = cell.source.split("\n")
    start = next(i for i, line in enumerate(lines) if line.strip() == workbook.BEGIN_SOLUTION)
    stop = next(i for i, line in enumerate(lines) if line.strip() == workbook.END_SOLUTION)
    return "\n".join(lines[start + 1:stop])


def _answer(body=None, *, before="", after="", signature=None):
    """An answer cell of 05: the exercise's def line and docstring, then ``body`` (default: the reference)."""
    cell = next(c for c in workbook.read_notebook(EXERCISE).cells if f"def {NAME}(" in c.source)
    head = cell.source.split("    # YOUR CODE HERE")[0]
    if signature is not None:
        head = head.replace("(y_true, y_score, target=0.9)", signature)
    return before + head + (_solution_body() if body is None else body) + after


def _job(answer):
    sol = workbook.read_notebook(SOLUTION)
    ex = grading.expected_exercises(sol)[0]
    exercise_nb = workbook.make_exercise(sol)
    used = grading.names_used(answer) | set().union(*(grading.names_used(h) for h in ex["hidden"]))
    return {"name": ex["name"], "checker": ex["checker"], "mode": "smoke", "seed": 0, "earlier": [],
            "imports": grading.trusted_imports(exercise_nb, ex["answer"], used), "answer": answer,
            "hidden": ex["hidden"]}


def _student(answer=None, *, drop=(), edit=None):
    """A student's copy of exercise 05: its answer cell replaced, cells dropped (by index), a function to edit it."""
    nb = workbook.read_notebook(EXERCISE)
    index = next(i for i, c in enumerate(nb.cells) if f"def {NAME}(" in c.source)
    if answer is not None:
        nb.cells[index].source = answer
    if edit is not None:
        edit(nb)
    nb.cells = [c for i, c in enumerate(nb.cells) if i not in drop]
    return nb


def _check_cell_index():
    nb = workbook.read_notebook(EXERCISE)
    return next(i for i, c in enumerate(nb.cells) if c.source.startswith(f"{NAME} = medlab.check."))


# --------------------------------------------------------------------------- which exercises, which cells


def test_expected_exercises_come_from_the_solutions():
    found = {p.name[:2]: grading.expected_exercises(workbook.read_notebook(p)) for p in workbook.solution_paths(ROOT)}
    assert [e["name"] for e in found["01"]] == ["normalize_intensity", "build_cnn"]
    assert [e["name"] for e in found["02"]] == ["dice_coefficient", "soft_dice_loss", "decoder_block"]
    assert [e["name"] for e in found["05"]] == [NAME]
    assert found["05"][0]["checker"] == f"medlab.check.q05.{NAME}"
    for number, name in (("01", "normalize_intensity"), ("02", "dice_coefficient"), ("05", NAME)):
        hidden = next(e for e in found[number] if e["name"] == name)["hidden"]
        assert hidden and all("assert" in h and name in h for h in hidden), (number, name)
    assert all(e["checker"].startswith(f"medlab.check.q{n}.") for n, es in found.items() for e in es)


def test_hidden_tests_are_dropped_from_the_exercises():
    for number in ("01", "02", "05"):
        solution = next(p for p in workbook.solution_paths(ROOT) if p.name.startswith(number))
        text = (ROOT / "notebooks" / solution.name).read_text(encoding="utf-8")
        assert "HIDDEN TESTS" not in text and "HIDDEN TESTS" in solution.read_text(encoding="utf-8")


def test_restore_puts_back_what_the_student_does_not_own():
    pristine = workbook.read_notebook(EXERCISE)
    check = _check_cell_index()
    setup = next(i for i, c in enumerate(pristine.cells) if "medlab.setup(" in c.source)

    def edit(nb):
        nb.cells[setup].source = "MODE = 'full'  # my own setup"
        nb.cells[check - 1]["id"] = "renamed-by-a-copy-and-paste"  # the answer cell: matched by its def
        nb.cells.insert(check + 2, nbformat.v4.new_code_cell("print('my scratch work')"))

    student = _student(_answer(), drop=(check,), edit=edit)
    sol = workbook.read_notebook(SOLUTION)
    owned = {i: [e["name"] for e in grading.expected_exercises(sol) if e["answer"] == i]
             for i in grading.answer_cells(sol)[0]}
    owned.update({i: [] for i in grading.answer_cells(sol)[1]})
    restored, answers, notes = grading.restore(student, pristine, owned)
    sources = [c.source for c in restored.cells]
    assert sources[setup] == pristine.cells[setup].source
    assert sources[check] == pristine.cells[check].source  # the deleted check cell is back, in its place
    assert answers[check - 1] == _answer() and sources[check - 1] == _answer()
    assert "print('my scratch work')" in sources and len(sources) == len(pristine.cells) + 1
    text = " | ".join(notes)
    assert f"cell {setup}: edited by the student, restored" in text
    assert f"cell {check}: deleted by the student, restored" in text
    assert "added by the student, kept" in text
    assert len({c["id"] for c in restored.cells}) == len(restored.cells)
    assert restored.metadata == pristine.metadata


def test_find_notebooks_and_graded_names(tmp_path):
    (tmp_path / "a" / ".ipynb_checkpoints").mkdir(parents=True)
    for rel in ("a/05_x.ipynb", "a/.ipynb_checkpoints/05_x-checkpoint.ipynb", "b/05_x.ipynb", "b/notes.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("{}")
    (tmp_path / "empty").mkdir()
    found = grading.find_notebooks([tmp_path / "a", tmp_path / "b", tmp_path / "a" / "05_x.ipynb",
                                    tmp_path / "b" / "notes.txt", tmp_path / "gone.ipynb", tmp_path / "empty"])
    assert [(p.relative_to(tmp_path).as_posix(), problem is None) for p, problem in found] == [
        ("a/05_x.ipynb", True), ("b/05_x.ipynb", True), ("b/notes.txt", False), ("gone.ipynb", False),
        ("empty", False)]
    assert "not a notebook" in found[2][1] and "file not found" in found[3][1] and "no notebooks" in found[4][1]
    names = {grading.graded_name(p) for p, _ in found[:2]}
    assert len(names) == 2 and all(n.endswith(".ipynb") and "05_x" in n for n in names)


# --------------------------------------------------------------------------- the verdict process


@pytest.mark.parametrize("case, answer, status, says", [
    ("reference", _answer(), "passed", None),
    ("wrong", _answer(_solution_body().replace("np.argmax(found >= target)", WRONG)), "failed",
     "case 'a small example by hand'"),
    ("blank", None, "not written", "not written yet"),
    ("syntax error", _answer(_solution_body().replace("return float(", "return float((")), "missing",
     "does not compile"),
    ("renamed", _answer().replace(f"def {NAME}(", "def my_threshold("), "missing", "no function named"),
    ("checker replaced at the top level",
     _answer(_solution_body().replace("np.argmax(found >= target)", WRONG),
             after=f"\nmedlab.check.q05.{NAME} = lambda f: f\n"), "failed", "case 'a small example by hand'"),
    ("checker's cases emptied inside the function",
     _answer("    import medlab.check.q05\n    medlab.check.q05.CASES.clear()\n    return 0.5\n"), "failed",
     "tampering: the contents of medlab.check.q05.CASES were changed"),
    ("numpy's comparison replaced", _answer("    np.allclose = np.isclose = lambda *a, **k: True\n    return 0.5\n"),
     "failed", "tampering: numpy.allclose was replaced"),
    ("a file written outside the grading folder",
     _answer("    open('/tmp/medlab-grade-test-was-here', 'w').write('x')\n" + _solution_body()), "failed",
     "tried writing /tmp/medlab-grade-test-was-here"),
    ("a forged verdict, then exit", _answer(
        "    import json, os\n"
        "    fake = json.dumps({'body': json.dumps({'name': 'threshold_for_sensitivity', 'status': 'passed',"
        " 'notes': []}), 'mac': '0' * 64})\n"
        "    for fd in range(1, 40):\n"
        "        try:\n"
        "            os.write(fd, (fake + '\\n').encode())\n"
        "        except OSError:\n"
        "            pass\n"
        "    os._exit(0)\n"), "failed", "ended without a verdict"),
    ("passes the checker, not the hidden tests", _answer(signature="(y_true, y_score, target)"), "failed",
     "hidden test (line"),
    ("an output flood", _answer("    while True:\n        print('x' * 2**20)\n"), "failed", "File too large"),
    ("a process started", _answer("    import os\n    os.system('true')\n" + _solution_body()), "failed",
     "tried os.system"),
    ("a library imported inside the function (its import runs fc-list: allowed)",
     _answer("    import matplotlib.pyplot  # noqa: F401\n" + _solution_body()), "passed", None),
])
def test_a_verdict_comes_from_outside_the_students_code(case, answer, status, says):
    job = _job(answer if answer is not None else _answer("    # YOUR CODE HERE\n    raise NotImplementedError()"))
    verdict = grading.judge_exercise(job, timeout=60)
    assert verdict["status"] == status, (case, verdict)
    if says:
        assert says in verdict["message"], (case, verdict["message"])
    assert not Path("/tmp/medlab-grade-test-was-here").exists()


def test_the_verdict_process_sees_neither_the_graders_environment_nor_its_records(monkeypatch, tmp_path):
    monkeypatch.setenv("GRADER_SECRET", "s3cret")
    monkeypatch.setenv("MEDLAB_RECORD", str(tmp_path / "records.jsonl"))
    answer = _answer("    import os\n    raise ValueError(' '.join(sorted(os.environ)))\n")
    verdict = grading.judge_exercise(_job(answer), timeout=60)
    assert verdict["status"] == "failed" and "your function raised ValueError: " in verdict["message"]
    seen = verdict["message"].split("ValueError: ")[1].split("\n")[0].split()
    assert "GRADER_SECRET" not in seen and "MEDLAB_RECORD" not in seen and "PATH" in seen
    assert not (tmp_path / "records.jsonl").exists()


def test_an_endless_loop_is_stopped_at_the_time_limit():
    start = time.perf_counter()
    verdict = grading.judge_exercise(_job(_answer("    while True:\n        pass\n")), timeout=3)
    assert verdict["status"] == "failed" and "stopped after 3 s" in verdict["message"]
    assert time.perf_counter() - start < 30


def test_unreadable_files_are_named_and_never_run(tmp_path):
    good = nbformat.writes(_student(_answer()))
    (tmp_path / "05_truncated.ipynb").write_text(good[: len(good) // 2])
    (tmp_path / "05_text.ipynb").write_text("my answers are in the email")
    (tmp_path / "homework.ipynb").write_text(nbformat.writes(nbformat.v4.new_notebook()))
    records = workbook.grade([tmp_path, tmp_path / "05_gone.ipynb"], root=ROOT)
    by_name = {Path(r["student"]).name: r for r in records}
    assert "invalid JSON" in by_name["05_truncated.ipynb"]["error"]
    assert "invalid JSON" in by_name["05_text.ipynb"]["error"]
    assert "cannot tell which exercise" in by_name["homework.ipynb"]["error"]
    assert by_name["05_gone.ipynb"]["error"] == f"file not found: {tmp_path / '05_gone.ipynb'}"
    for name in ("05_truncated.ipynb", "05_text.ipynb", "05_gone.ipynb"):  # known from the name: 0 of 1
        assert by_name[name]["exercises"] == {NAME: "missing"} and by_name[name]["score"] == "0/1"
    assert all(not r["ran_to_end"] and r["graded_copy"] is None for r in records)
    assert not grading.all_passed(records)


def test_a_syntax_error_in_one_exercise_does_not_hide_it(tmp_path):
    """The issue's case: a syntax error made an exercise vanish (2/2 instead of 2/3). Verdicts only."""
    solution = next(p for p in workbook.solution_paths(ROOT) if p.name.startswith("02"))
    sol, nb = workbook.read_notebook(solution), workbook.read_notebook(ROOT / "notebooks" / solution.name)
    exercises = {e["name"]: e["answer"] for e in grading.expected_exercises(sol)}
    dice, loss = exercises["dice_coefficient"], exercises["soft_dice_loss"]
    nb.cells[dice].source = sol.cells[dice].source  # the reference (its markers are comments)
    nb.cells[loss].source = nb.cells[loss].source.replace("raise NotImplementedError()", "return (1 -")
    nbformat.write(nb, tmp_path / solution.name)
    before = (tmp_path / solution.name).read_bytes()
    [record] = workbook.grade(tmp_path, root=ROOT, run=False)
    assert record["exercises"] == {"dice_coefficient": "passed", "soft_dice_loss": "missing",
                                   "decoder_block": "not written"}
    assert record["score"] == "1/3" and record["ran_to_end"] is None and record["graded_copy"] is None
    assert "does not compile" in record["messages"]["soft_dice_loss"]
    assert (tmp_path / solution.name).read_bytes() == before


# --------------------------------------------------------------------------- a class


def _files(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.notebook
def test_grading_a_class_folder(tmp_path, request):
    wrong = _answer(_solution_body().replace("np.argmax(found >= target)", WRONG))
    check = _check_cell_index()
    forged = ("import json, os\n"
              "with open(os.environ.get('MEDLAB_RECORD', os.devnull), 'a') as fh:\n"
              f"    fh.write(json.dumps({{'event': 'check', 'name': '{NAME}', 'status': 'passed'}}) + '\\n')\n"
              f"medlab.check.q05.{NAME} = lambda f: f\n")
    students = {
        "alice": _student(_answer()),  # correct
        "bob": _student(wrong),
        "carol": _student(),  # blank
        "dave": _student(_answer(_solution_body().replace("return float(", "return float(("))),  # syntax error
        "erin": _student(wrong, drop=(check, check + 1)),  # check cell and hidden-test cell deleted
        "frank": _student(wrong + "\n\n" + forged),  # a forged "passed" record and the checker replaced
        "grace": _student(_answer(after="\n\nimport time\nwhile True:\n    time.sleep(0.2)\n")),  # endless loop
        "heidi": _student(_answer(after="\n\nimport os\nos._exit(1)\n")),  # the kernel dies
    }
    folder = tmp_path / "class"
    for who, nb in students.items():
        (folder / who).mkdir(parents=True)
        nbformat.write(nb, folder / who / EXERCISE.name)
    (folder / "ivan").mkdir()
    text = (folder / "alice" / EXERCISE.name).read_text()
    (folder / "ivan" / EXERCISE.name).write_text(text[: len(text) // 3])  # a corrupt (truncated) file
    before = _files(folder)
    gradebook = tmp_path / "gradebook.json"
    timeout = 40  # per cell; a whole run gets 30 s more (correct runs take 15-30 s on a busy machine)
    env = {**os.environ, "MEDLAB_THREADS": "1"}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "medlab", "grade", str(folder), str(folder / "judy" / EXERCISE.name),
                           "--timeout", str(timeout), "--jobs", "2", "--json", str(gradebook)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    seconds = time.perf_counter() - start
    assert done.returncode == 1, done.stdout + done.stderr
    assert _files(folder) == before  # nothing lost, nothing changed
    records = json.loads(gradebook.read_text())
    by = {Path(r["student"]).parent.name: r for r in records}
    assert set(by) == {*students, "ivan", "judy"}
    for r in records:
        assert {"notebook", "student", "exercises", "score", "ran_to_end", "error"} <= set(r)
    verdicts = {who: (r["exercises"].get(NAME), r["score"], r["ran_to_end"]) for who, r in by.items()}
    assert verdicts == {
        "alice": ("passed", "1/1", True),
        "bob": ("failed", "0/1", False),
        "carol": ("not written", "0/1", True),
        "dave": ("missing", "0/1", False),
        "erin": ("failed", "0/1", False),
        "frank": ("failed", "0/1", True),  # its notebook runs on with its own fake checker; the verdict does not
        "grace": ("passed", "1/1", False),
        "heidi": ("passed", "1/1", False),
        "ivan": ("missing", "0/1", False),
        "judy": ("missing", "0/1", False),
    }, done.stdout
    assert by["alice"]["error"] is None and by["carol"]["error"] is None
    assert by["bob"]["error"].startswith(f"cell {check} raised AssertionError")
    assert "case 'a small example by hand'" in by["bob"]["messages"][NAME] and "Hint:" in by["bob"]["messages"][NAME]
    assert by["dave"]["error"].startswith(f"cell {check - 1} raised SyntaxError")
    assert "does not compile" in by["dave"]["messages"][NAME]
    assert any(f"cell {check}: deleted by the student, restored" in n for n in by["erin"]["notes"])
    assert any("not run" in n and "lambda f: f" in n for n in by["frank"]["notes"])
    # the cell's own limit, or (on a very busy machine) the notebook's: either way, the cell that hung
    assert by["grace"]["error"].startswith(f"cell {check - 1} ") and "time" in by["grace"]["error"]
    assert by["heidi"]["error"].startswith(f"the kernel died while running cell {check - 1}")
    assert "invalid JSON" in by["ivan"]["error"] and by["judy"]["error"].startswith("file not found")
    copies = [r["graded_copy"] for r in records if r["graded_copy"]]
    assert len(copies) == len(set(copies)) == len(students)  # eight copies of 05_operating_point.ipynb
    assert all((ROOT / c).exists() for c in copies)
    request.addfinalizer(lambda: [p.unlink() for c in copies for p in (ROOT / c).parent.glob(Path(c).stem + ".*")])
    executed = nbformat.read(ROOT / by["erin"]["graded_copy"], 4)  # with papermill's cells: find it by its id
    check_id = workbook.read_notebook(EXERCISE).cells[check]["id"]
    restored_check = [c.source for c in executed.cells if c.get("id") == check_id]
    assert restored_check == [f"{NAME} = medlab.check.q05.{NAME}({NAME})"]
    table = done.stdout
    assert "case 'a small example by hand'" in table and "Hint:" in table
    assert "1 of 10 notebook(s) fully passed" in table
    assert seconds < len(students) * (timeout + grading.STARTUP_GRACE)  # nobody held the class past the limits
