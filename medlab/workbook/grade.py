"""``grade``: grade a class's copies of the exercises, in a way that editing a notebook cannot game.

For each student's file:

1. **Which exercises**: the file is matched to its solution (by the ``NN_`` prefix of its name, or
   by the metadata ``build`` writes); the exercises expected are read from the solution (each code
   cell with a solution region, the function it defines and the checker call that follows), never
   from what ran.
2. **Restore**: every cell the student does not own is put back from the pristine exercise (a
   fresh build of the solution); the student owns the answer cells (code cells with a solution
   region, markdown cells with an answer region). Deleted or edited cells are restored and
   reported; cells the student added are kept and reported.
3. **Verdicts outside the student's kernel**: each exercise is judged in a separate process
   (:mod:`medlab.workbook._verdict`) that runs only the answer cell's definitions, calls the
   checker in strict form and the exercise's hidden tests, watches for tampering and reports a
   signed verdict. All verdicts are taken before any student's notebook runs.
4. **Run**: the restored notebook is executed with papermill (:func:`~medlab.workbook.execute.execute`)
   in a temporary folder, in a process of its own with a time limit; the executed copy goes to
   ``build/graded/`` under a name that cannot collide.

The student's files are only read.
"""

from __future__ import annotations

import ast
import copy
import hashlib
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from ._common import (
    BEGIN_HIDDEN,
    BEGIN_SOLUTION,
    END_HIDDEN,
    _source,
    find_root,
    read_notebook,
    solution_paths,
    write_notebook,
)
from ._verdict import STATUSES, cap_file_size, names_used, read_signed, signed_line
from .build import make_exercise

MODES = ("smoke", "fast", "full")
DEFAULT_TIMEOUTS = {"smoke": 180.0, "fast": 600.0, "full": 3600.0}  #: seconds per notebook (and per exercise)
STARTUP_GRACE = 30.0  #: seconds on top of a notebook's limit for its kernel to start and stop
RUN_FILE_LIMIT = 2**30  #: bytes: the largest file a notebook's run may write (outputs, the executed copy)
MARKS = {"passed": "✓", "failed": "✗", "not written": "○", "missing": "?"}
_NUMBER = re.compile(r"^(\d\d)_")
_ANSWER_PLACEHOLDER = "YOUR ANSWER HERE"


# --------------------------------------------------------------------------- what to grade


def find_notebooks(paths):
    """The notebooks to grade from files and folders: a list of ``(path, problem)``.

    Folders are searched recursively for ``*.ipynb`` (``.ipynb_checkpoints`` aside). ``problem``
    is ``None``, or why the path cannot be graded at all (not found, not a ``.ipynb``, an empty
    folder). A file named twice is graded once.

    Examples
    --------
    >>> find_notebooks(["no/such/file.ipynb"])
    [(PosixPath('no/such/file.ipynb'), 'file not found: no/such/file.ipynb')]
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    found, seen = [], set()

    def add(path, problem=None):
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            found.append((path, problem))

    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            notebooks = sorted(p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
            if not notebooks:
                add(path, f"no notebooks (*.ipynb) in the folder {path}")
            for p in notebooks:
                add(p)
        elif not path.exists():
            add(path, f"file not found: {path}")
        elif path.suffix != ".ipynb":
            add(path, f"not a notebook: {path} (expected a .ipynb file)")
        else:
            add(path)
    return found


def match_solution(path, nb, root):
    """The solution a student's file is a copy of: by the ``NN_`` prefix of its name, else by its metadata.

    Returns ``None`` when neither names a solution of this workbook.
    """
    solutions = {p.name[:2]: p for p in solution_paths(root)}
    m = _NUMBER.match(Path(path).name)
    if m and m.group(1) in solutions:
        return solutions[m.group(1)]
    generated = (nb.metadata.get("medlab") or {}).get("generated_from") if nb is not None else None
    if isinstance(generated, str):
        m = _NUMBER.match(Path(generated).name)
        if m and m.group(1) in solutions:
            return solutions[m.group(1)]
    return None


def _dotted(node):
    """``medlab.check.q05.f`` for an attribute chain, ``None`` for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])


def _marker_lines(text, marker):
    return [n for n, line in enumerate(text.split("\n"), 1) if line.strip() == marker]


def _region_text(text, begin, end):
    """The lines inside every ``begin``..``end`` region of ``text``, dedented."""
    out, inside = [], False
    for line in text.split("\n"):
        if line.strip() == begin:
            inside = True
        elif line.strip() == end:
            inside = False
        elif inside:
            out.append(line)
    return textwrap.dedent("\n".join(out))


def answer_cells(solution_nb):
    """Indexes of the cells a student owns: ``(code, markdown)``, the cells with a solution region."""
    code, markdown = [], []
    for i, cell in enumerate(solution_nb.cells):
        if _marker_lines(_source(cell), BEGIN_SOLUTION):
            (code if cell.cell_type == "code" else markdown).append(i)
    return code, markdown


def expected_exercises(solution_nb, *, where="solution"):
    """The exercises of a solution notebook, in order.

    An exercise is a function whose body holds a solution region, checked by a call
    ``medlab.check.qNN.<name>(<name>)`` in a code cell that follows (before the next answer cell).
    Hidden-test regions in the cells between belong to it.

    Returns
    -------
    list of dict
        ``name``, ``checker`` (dotted path), ``answer`` (cell index), ``check`` (cell index),
        ``hidden`` (list of sources).

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[
    ...     nbformat.v4.new_code_cell("def f(x):\\n    ### BEGIN SOLUTION\\n    return x\\n    ### END SOLUTION"),
    ...     nbformat.v4.new_code_cell("f = medlab.check.q05.f(f)"),
    ...     nbformat.v4.new_code_cell("### BEGIN HIDDEN TESTS\\nassert f(1) == 1\\n### END HIDDEN TESTS")])
    >>> expected_exercises(nb)
    [{'name': 'f', 'checker': 'medlab.check.q05.f', 'answer': 0, 'check': 1, 'hidden': ['assert f(1) == 1']}]
    """
    code, markdown = answer_cells(solution_nb)
    exercises = []
    for n, index in enumerate(code):
        source = _source(solution_nb.cells[index])
        try:
            tree = ast.parse(source)
        except SyntaxError as err:
            raise ValueError(f"{where}, cell {index}: the solution does not compile ({err.msg}, line {err.lineno})") \
                from None
        markers = _marker_lines(source, BEGIN_SOLUTION)
        names = [node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                 and any(node.lineno <= m <= node.end_lineno for m in markers)]
        stop = code[n + 1] if n + 1 < len(code) else len(solution_nb.cells)
        following = [(i, solution_nb.cells[i]) for i in range(index + 1, stop)
                     if solution_nb.cells[i].cell_type == "code"]
        hidden = [_region_text(_source(c), BEGIN_HIDDEN, END_HIDDEN) for _, c in following
                  if _marker_lines(_source(c), BEGIN_HIDDEN)]
        for name in names:
            check = _find_check(following, name)
            if check is not None:
                exercises.append({"name": name, "checker": check[1], "answer": index, "check": check[0],
                                  "hidden": [h for h in hidden if name in names_used(h)]})
    return exercises


def _find_check(cells, name):
    for i, cell in cells:
        try:
            tree = ast.parse(_source(cell))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Name) \
                    and node.args[0].id == name:
                path = _dotted(node.func)
                if path and path.startswith("medlab.check."):
                    return i, path
    return None


def trusted_imports(exercise_nb, before, names):
    """The exercise notebook's top-level import lines (cells before ``before``) that bind one of ``names``.

    ``import medlab`` always comes first: the checker needs it.
    """
    lines = ["import medlab"]
    for cell in exercise_nb.cells[:before]:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(_source(cell))
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                bound = {(a.asname or a.name).split(".")[0] for a in node.names}
                line = ast.unparse(node)
                if bound & names and line not in lines:
                    lines.append(line)
    return lines


# --------------------------------------------------------------------------- restore


def _defines(source, names):
    return any(re.search(rf"^\s*def\s+{re.escape(name)}\s*\(", source, re.M) for name in names)


def _preview(cell):
    first = next((line.strip() for line in _source(cell).split("\n") if line.strip()), "")
    return f"{cell.cell_type} {first[:60]!r}"


def _fixed_text(cell):
    """The first line of a markdown answer cell (its heading or question), to recognise it."""
    return next((line.strip() for line in _source(cell).split("\n") if line.strip()), "")


def restore(student_nb, exercise_nb, owned):
    """The student's notebook with every cell they do not own put back from the pristine exercise.

    Parameters
    ----------
    student_nb, exercise_nb : NotebookNode
        The student's copy and a fresh build of the exercise.
    owned : dict
        ``{cell index: function names}`` of the cells the student owns (answer cells; an empty
        list for a markdown answer cell).

    Returns
    -------
    (NotebookNode, dict, list of str)
        The restored notebook (the exercise's metadata, no outputs), the student's source of each
        owned cell found (``{exercise cell index: source}``), and one note per cell restored or added.

    Cells are matched by id, then by content (an answer cell by the function it defines, a
    markdown answer by its first line, any other cell by its exact text).
    """
    import nbformat

    pristine = exercise_nb.cells
    students = student_nb.cells
    by_id = {cell.get("id"): i for i, cell in enumerate(pristine) if cell.get("id")}
    match = {}  # student index -> pristine index
    for s, cell in enumerate(students):
        p = by_id.get(cell.get("id"))
        if p is not None and p not in match.values() and pristine[p].cell_type == cell.cell_type:
            match[s] = p
    for p, pcell in enumerate(pristine):
        if p in match.values():
            continue
        for s, cell in enumerate(students):
            if s in match or cell.cell_type != pcell.cell_type:
                continue
            text = _source(cell)
            if p in owned:
                same = _defines(text, owned[p]) if owned[p] else _fixed_text(cell) == _fixed_text(pcell)
            else:
                same = text == _source(pcell)
            if same:
                match[s] = p
                break
    inverse = {p: s for s, p in match.items()}
    extras, last = {}, -1
    for s, cell in enumerate(students):
        if s in match:
            last = match[s]
        elif _source(cell).strip():
            extras.setdefault(last, []).append(cell)
    cells, answers, notes = [], {}, []

    def add_extras(after):
        for cell in extras.get(after, []):
            maker = nbformat.v4.new_code_cell if cell.cell_type == "code" else nbformat.v4.new_markdown_cell
            new = maker(_source(cell))
            new["id"] = f"extra-{len(cells)}"
            cells.append(new)
            notes.append(f"cell {len(cells) - 1}: added by the student, kept ({_preview(new)})")

    add_extras(-1)
    for p, pcell in enumerate(pristine):
        cell = copy.deepcopy(pcell)
        s = inverse.get(p)
        if s is None:
            if p in owned:
                notes.append(f"cell {len(cells)}: the answer cell is missing; the blank exercise cell is used")
            elif _source(pcell).strip():
                notes.append(f"cell {len(cells)}: deleted by the student, restored ({_preview(pcell)})")
        elif p in owned:
            cell.source = _source(students[s])
            if "attachments" in students[s]:
                cell["attachments"] = copy.deepcopy(students[s]["attachments"])
            answers[p] = cell.source
        elif _source(students[s]) != _source(pcell):
            notes.append(f"cell {len(cells)}: edited by the student, restored ({_preview(pcell)})")
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
        add_extras(p)
    restored = nbformat.v4.new_notebook(cells=cells, metadata=copy.deepcopy(exercise_nb.metadata))
    restored.nbformat, restored.nbformat_minor = 4, max(exercise_nb.nbformat_minor, 5)
    return restored, answers, notes


# --------------------------------------------------------------------------- child processes


def _medlab_parent():
    import medlab

    return str(Path(medlab.__file__).resolve().parents[1])


def _kill_tree(proc):
    """Kill a process and everything it started (a kernel runs in a session of its own)."""
    import psutil

    try:
        family = psutil.Process(proc.pid).children(recursive=True)
    except psutil.Error:
        family = []
    for p in [*family]:
        try:
            p.kill()
        except psutil.Error:
            pass
    proc.kill()


def _run_child(argv, payload, *, cwd, env, timeout):
    """Run a child process with ``payload`` on its stdin and its output in private files; wait up to ``timeout``.

    The child and everything it started are killed at the time limit. Output goes to files in a
    folder of the grader's (never to pipes a runaway ``print`` loop could fill the grader's memory
    with; the children cap the size of the files they write).

    Returns
    -------
    (bytes, str, int or None, bool)
        Stdout, the last lines of stderr, the exit status and whether the time limit was hit.
    """
    with tempfile.TemporaryDirectory(prefix="medlab-output-") as private:
        out_path, err_path = Path(private) / "stdout", Path(private) / "stderr"
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=out, stderr=err, cwd=cwd, env=env,
                                    start_new_session=True)
            timed_out = False
            try:
                proc.communicate(payload, timeout=timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
                _kill_tree(proc)
                proc.wait()
        with open(err_path, "rb") as fh:
            fh.seek(max(0, err_path.stat().st_size - 4096))
            tail = fh.read()
        return out_path.read_bytes(), _tail(tail), proc.returncode, timed_out


def _tail(data, lines=3):
    text = data.decode("utf-8", errors="replace").strip() if isinstance(data, bytes) else str(data).strip()
    return " | ".join(text.splitlines()[-lines:])


def _judge_env(folder, mode):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": folder, "TMPDIR": folder,
           "MPLCONFIGDIR": folder, "MPLBACKEND": "Agg", "LANG": "C.UTF-8", "TF_CPP_MIN_LOG_LEVEL": "2",
           "MEDLAB_MODE": mode}
    for key in ("MEDLAB_THREADS", "LD_LIBRARY_PATH", "CUDA_VISIBLE_DEVICES"):
        if key in os.environ:
            env[key] = os.environ[key]
    return env


def judge_exercise(job, *, timeout):
    """Judge one exercise in a separate process (see :mod:`medlab.workbook._verdict`); return its verdict.

    The verdict is a dict with ``status`` (one of ``passed``, ``failed``, ``not written``,
    ``missing``), ``message`` and ``notes``. A process that runs past ``timeout`` seconds, dies or
    ends without a signed verdict gives ``failed`` with the reason.
    """
    key = secrets.token_bytes(32)
    script = Path(__file__).with_name("_verdict.py")
    code = ("import importlib.util, sys\n"
            f"sys.path.insert(0, {_medlab_parent()!r})\n"
            f"spec = importlib.util.spec_from_file_location('medlab_verdict', {str(script)!r})\n"
            "module = importlib.util.module_from_spec(spec)\n"
            "spec.loader.exec_module(module)\n"
            "module.main()\n")
    payload = json.dumps({"key": key.hex(), "job": job}).encode("utf-8")
    with tempfile.TemporaryDirectory(prefix="medlab-judge-") as folder:
        out, err, status, timed_out = _run_child([sys.executable, "-I", "-B", "-c", code], payload, cwd=folder,
                                                 env=_judge_env(folder, job["mode"]), timeout=timeout)
    body = read_signed(out, key)
    if body is not None and body.get("status") in STATUSES and body.get("name") == job["name"]:
        return body
    if timed_out:
        message = (f"stopped after {timeout:g} s: an endless loop, or a function far too slow for the checker's "
                   "small cases?")
    elif status is not None and status < 0:
        message = f"the judging process was killed by signal {-status} (a crash inside the function?)"
    else:
        message = (f"the judging process ended without a verdict (exit status {status}): does the function end "
                   f"the process (exit, os._exit)? {err}").strip()
    return {"name": job["name"], "status": "failed", "message": message, "notes": []}


def _run_env():
    keep = ("PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "VIRTUAL_ENV",
            "LD_LIBRARY_PATH", "CUDA_VISIBLE_DEVICES", "MEDLAB_THREADS", "TF_CPP_MIN_LOG_LEVEL", "XDG_DATA_HOME",
            "XDG_CONFIG_HOME", "XDG_RUNTIME_DIR")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.update({k: v for k, v in os.environ.items() if k.startswith("JUPYTER")})
    env["PYTHONPATH"] = _medlab_parent()
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


def _run_in_child():
    """Entry point of the process that executes one restored notebook (see :func:`run_restored`)."""
    import hmac

    from papermill.engines import NotebookExecutionManager

    from .execute import execute

    cap_file_size(RUN_FILE_LIMIT)  # the kernel inherits it: an output loop cannot fill the disk
    message = json.loads(sys.stdin.buffer.read())
    mac = hmac.new(bytes.fromhex(message.pop("key")), digestmod="sha256")
    job = message["job"]
    out = os.dup(1)  # not inherited by the kernel (PEP 446): the kernel cannot write the result
    os.dup2(2, 1)
    progress = Path(job["progress"])
    cell_start = NotebookExecutionManager.cell_start

    def track(self, cell, cell_index=None, **kwargs):  # which cell runs, for a kernel that dies or hangs
        progress.write_text(json.dumps({"index": cell_index, "id": cell.get("id")}))
        return cell_start(self, cell, cell_index, **kwargs)

    NotebookExecutionManager.cell_start = track
    rec = execute(job["notebook"], mode=job["mode"], kind="graded", root=job["root"], output=job["output"],
                  timeout=job["timeout"])
    os.write(out, signed_line(mac, {"error": rec["error"], "seconds": rec["seconds"]}).encode("utf-8"))


def _restored_index(nb, cell_id):
    for i, cell in enumerate(nb.cells):
        if cell_id is not None and cell.get("id") == cell_id:
            return i
    return None


def _running_cell(progress, nb):
    try:
        state = json.loads(Path(progress).read_text())
    except (OSError, ValueError):
        return None
    return _restored_index(nb, state.get("id"))


def _first_error(output, nb):
    """``(cell index in nb, ename, evalue)`` of the first error output of an executed copy, or ``None``."""
    try:
        executed = read_notebook(output)
    except (OSError, ValueError):
        return None
    for cell in executed.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if out.get("output_type") == "error":
                return _restored_index(nb, cell.get("id")), out.get("ename", "Error"), str(out.get("evalue", ""))
    return None


def _cell_name(index):
    return f"cell {index}" if index is not None else "a cell"


def run_restored(nb, *, mode, timeout, root, output, name):
    """Execute a restored notebook in a temporary folder, in a process of its own; return ``(ran_to_end, error)``.

    Each cell may take ``timeout`` seconds and the whole run ``timeout`` plus :data:`STARTUP_GRACE`;
    past that the process, its kernel and whatever they started are killed. ``error`` names the
    cell: the one that raised, timed out, or was running when the kernel died. The executed copy
    goes to ``output`` (the restored notebook itself when the run left none).
    """
    key = secrets.token_bytes(32)
    output = Path(output)
    code = (f"import sys\nsys.path.insert(0, {_medlab_parent()!r})\n"
            "from medlab.workbook.grade import _run_in_child\n_run_in_child()\n")
    with tempfile.TemporaryDirectory(prefix="medlab-grade-") as tmp:
        work = Path(tmp) / "work"
        work.mkdir()
        path = work / name
        write_notebook(nb, path)
        progress = Path(tmp) / "progress.json"
        job = {"notebook": str(path), "output": str(output), "mode": mode, "root": str(root), "timeout": timeout,
               "progress": str(progress)}
        payload = json.dumps({"key": key.hex(), "job": job}).encode("utf-8")
        out, err, status, timed_out = _run_child([sys.executable, "-c", code], payload, cwd=work, env=_run_env(),
                                                 timeout=timeout + STARTUP_GRACE)
        running = _running_cell(progress, nb)
    if not output.exists():
        output.parent.mkdir(parents=True, exist_ok=True)
        write_notebook(nb, output)
    if timed_out:
        return False, (f"{_cell_name(running)} was running when the notebook reached its time limit "
                       f"({timeout:g} s + {STARTUP_GRACE:g} s to start its kernel) and was stopped")
    result = read_signed(out, key)
    if result is None:
        return False, f"the run ended without a result (exit status {status}): {err}"
    error = result["error"]
    if error is None:
        return True, None
    if "timed out" in error:
        return False, f"{_cell_name(running)} timed out after {timeout:g} s and was stopped (the limit: --timeout)"
    if "DeadKernelError" in error or "Kernel died" in error:
        return False, (f"the kernel died while running {_cell_name(running)} (a crash, os._exit(), or out of "
                       "memory)")
    first = _first_error(output, nb)
    if first is not None:
        index, ename, evalue = first
        evalue = evalue.strip().splitlines()[0][:300] if evalue.strip() else ""
        return False, f"{_cell_name(index)} raised {ename}: {evalue}".rstrip(": ")
    return False, error.strip().splitlines()[0]


# --------------------------------------------------------------------------- the class


def graded_name(path):
    """A file name for a student's graded copy that two students' files cannot share.

    Examples
    --------
    >>> a, b = graded_name("alice/05_x.ipynb"), graded_name("bob/05_x.ipynb")
    >>> a.startswith("alice--05_x.") and a.endswith(".ipynb") and a != b
    True
    """
    resolved = Path(path).resolve()
    digest = hashlib.sha1(str(resolved).encode("utf-8")).hexdigest()[:8]
    folder = re.sub(r"[^A-Za-z0-9_.-]+", "_", resolved.parent.name) or "root"
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", resolved.stem)
    return f"{folder}--{stem}.{digest}.ipynb"


def _grader_fingerprint(root):
    """A hash of the grader's own files (the medlab package and the solutions), to notice a notebook changing them."""
    import medlab

    h = hashlib.sha1()
    files = sorted(Path(medlab.__file__).parent.rglob("*.py")) + solution_paths(root)
    for p in files:
        try:
            h.update(str(p).encode() + b"\0" + p.read_bytes() + b"\0")
        except OSError:
            h.update(str(p).encode() + b"\0missing\0")
    return h.hexdigest()


def _check_arguments(mode, timeout):
    if mode not in MODES:
        raise ValueError(f"mode: expected one of {', '.join(MODES)}, got {mode!r}")
    if timeout is None:
        return DEFAULT_TIMEOUTS[mode]
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError(f"timeout: expected a number of seconds > 0, got {timeout!r}")
    return float(timeout)


def _plan(path, problem, root, mode):
    """Read one student's file and prepare its grading: the record, the restored notebook, the jobs."""
    record = {"notebook": None, "student": str(path), "exercises": {}, "score": "0/0", "ran_to_end": False,
              "error": problem, "messages": {}, "notes": [], "graded_copy": None}
    plan = {"record": record, "restored": None, "jobs": [], "solution": None}
    nb = None
    if problem is None:
        try:
            nb = read_notebook(path, where=str(path))
        except FileNotFoundError:
            record["error"] = f"file not found: {path}"
        except ValueError as err:
            record["error"] = str(err)
        except OSError as err:
            record["error"] = f"cannot read {path}: {err.strerror or err}"
    solution = match_solution(path, nb, root)
    if solution is None:
        if record["error"] is None:
            record["error"] = (f"{path}: cannot tell which exercise this is (its name does not start with the "
                               "number of a solution, NN_, and its metadata names none)")
        return plan
    rel = solution.relative_to(root).as_posix()
    solution_nb = read_notebook(solution, where=rel)
    exercises = expected_exercises(solution_nb, where=rel)
    record["notebook"] = solution.stem
    record["exercises"] = {ex["name"]: "missing" for ex in exercises}
    record["score"] = f"0/{len(exercises)}"
    plan["solution"] = solution
    if nb is None:
        return plan
    exercise_nb = make_exercise(solution_nb, where=rel)
    code, markdown = answer_cells(solution_nb)
    owned = {i: [ex["name"] for ex in exercises if ex["answer"] == i] for i in code}
    owned.update({i: [] for i in markdown})
    restored, answers, notes = restore(nb, exercise_nb, owned)
    plan["restored"], record["notes"] = restored, notes
    for ex in exercises:
        source = answers.get(ex["answer"])
        if source is None:
            plan["jobs"].append((ex, None))
            continue
        earlier = [answers[i] for i in code if i < ex["answer"] and answers.get(i) is not None]
        used = names_used(source) | set().union(*(names_used(h) for h in ex["hidden"]))
        for text in earlier:
            used |= names_used(text)
        job = {"name": ex["name"], "checker": ex["checker"], "mode": mode, "seed": 0,
               "imports": trusted_imports(exercise_nb, ex["answer"], used), "earlier": earlier, "answer": source,
               "hidden": ex["hidden"]}
        plan["jobs"].append((ex, job))
    return plan


def _record_verdict(record, verdict):
    name = verdict["name"]
    record["exercises"][name] = verdict["status"]
    if verdict.get("message") and verdict["status"] != "passed":
        record["messages"][name] = verdict["message"]
    record["notes"] += [f"{name}: {note}" for note in verdict.get("notes") or []]
    passed = sum(status == "passed" for status in record["exercises"].values())
    record["score"] = f"{passed}/{len(record['exercises'])}"


def grade(paths, *, mode="smoke", timeout=None, jobs=1, run=True, root=None, json_file=None, echo=None):
    """Grade students' copies of exercise notebooks; return one record per notebook.

    Parameters
    ----------
    paths : path or list of paths
        Students' notebooks, or folders searched for ``*.ipynb``.
    mode : {"smoke", "fast", "full"}
        The mode the notebooks run in (and the checkers are set up in).
    timeout : float, optional
        Seconds allowed per exercise's verdict and per notebook cell; a notebook's whole run gets
        this plus :data:`STARTUP_GRACE` (default: :data:`DEFAULT_TIMEOUTS` for the mode).
    jobs : int
        How many verdicts, then notebooks, to run at once (each notebook's kernel uses
        ``$MEDLAB_THREADS`` threads, all cores by default).
    run : bool
        ``False`` takes the verdicts only (quick): the notebooks are not run, ``ran_to_end`` is
        ``None`` and no graded copy is written.
    root : path, optional
        The workbook (default: found from the cwd).
    json_file : path, optional
        Write the gradebook (the list of records) there as JSON.
    echo : callable, optional
        Called with one line of progress per step (e.g. ``print``).

    Returns
    -------
    list of dict
        Per notebook: ``notebook`` (the solution's name, or ``None``), ``student`` (the file),
        ``exercises`` (``{name: "passed" | "failed" | "not written" | "missing"}``), ``score``
        (``"k/n"``), ``ran_to_end``, ``error`` (why it did not run to the end), ``messages`` (the
        checker's message per exercise not passed), ``notes`` (cells restored or added, statements
        not run), ``graded_copy`` (the executed copy under ``build/graded/``).

    Examples
    --------
    >>> grade([], mode="slow")
    Traceback (most recent call last):
    ...
    ValueError: mode: expected one of smoke, fast, full, got 'slow'
    """
    from concurrent.futures import ThreadPoolExecutor

    timeout = _check_arguments(mode, timeout)
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs: expected a whole number >= 1, got {jobs!r}")
    root = find_root(root)
    say = echo or (lambda line: None)
    plans = [_plan(path, problem, root, mode) for path, problem in find_notebooks(paths)]
    judged = [(plan["record"], ex, job) for plan in plans for ex, job in plan["jobs"]]

    def judge(item):
        record, ex, job = item
        if job is None:
            return {"name": ex["name"], "status": "missing", "notes": [], "message": "the answer cell was deleted"}
        say(f"judging {ex['name']} of {record['student']} ...")
        return judge_exercise(job, timeout=timeout)

    with ThreadPoolExecutor(max_workers=jobs) as pool:  # every verdict before any student's notebook runs
        for (record, _, _), verdict in zip(judged, pool.map(judge, judged)):
            _record_verdict(record, verdict)
    if not run:
        for plan in plans:
            plan["record"]["ran_to_end"] = None
        return _save(plans, json_file)
    graded = root / "build" / "graded"
    fingerprint = _grader_fingerprint(root)

    def run_one(plan):
        record = plan["record"]
        say(f"running {record['student']} ({record['notebook']}, {mode} mode) ...")
        output = graded / graded_name(record["student"])
        record["ran_to_end"], record["error"] = run_restored(
            plan["restored"], mode=mode, timeout=timeout, root=root, output=output, name=plan["solution"].name)
        record["graded_copy"] = str(output.relative_to(root)) if output.is_relative_to(root) else str(output)
        return record

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for record in pool.map(run_one, [plan for plan in plans if plan["restored"] is not None]):
            now = _grader_fingerprint(root)
            if now != fingerprint:
                fingerprint = now
                record["ran_to_end"] = False
                record["error"] = ((record["error"] + "; ") if record["error"] else "") + (
                    "the grader's own files (medlab/ or solutions/) changed while this notebook ran: check them "
                    "before trusting the runs that follow")
    return _save(plans, json_file)


def _save(plans, json_file):
    records = [plan["record"] for plan in plans]
    if json_file is not None:
        json_file = Path(json_file)
        json_file.parent.mkdir(parents=True, exist_ok=True)
        json_file.write_text(json.dumps(records, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return records


def all_passed(records):
    """``True`` when every exercise of every notebook passed and every notebook ran to the end (or was not run).

    Examples
    --------
    >>> ok = {"exercises": {"f": "passed"}, "ran_to_end": True, "error": None}
    >>> all_passed([ok]), all_passed([ok, {**ok, "exercises": {"f": "not written"}}])
    (True, False)
    """
    return bool(records) and all(r["error"] is None and r["ran_to_end"] is not False and r["exercises"]
                                 and all(s == "passed" for s in r["exercises"].values()) for r in records)


def format_gradebook(records):
    """The terminal report: one line per notebook, one per exercise, the checker's message for each not passed.

    Examples
    --------
    >>> print(format_gradebook([{"notebook": "05_x", "student": "a/05_x.ipynb", "score": "0/1",
    ...     "exercises": {"f": "failed"}, "messages": {"f": "f, case 'ties': expected 0.8\\nHint: sort"},
    ...     "ran_to_end": True, "error": None, "notes": []}]))
    a/05_x.ipynb  05_x  0/1  ran to the end
      ✗ f  failed: f, case 'ties': expected 0.8
               Hint: sort
    0 of 1 notebook(s) fully passed
    """
    lines = []
    for r in records:
        state = ("ran to the end" if r["ran_to_end"] else f"ERROR: {r['error']}" if r["error"]
                 else "not run (verdicts only)" if r["ran_to_end"] is None else "did not run")
        lines.append(f"{r['student']}  {r['notebook'] or '?'}  {r['score']}  {state}")
        for name, status in r["exercises"].items():
            message = r.get("messages", {}).get(name)
            head = f"  {MARKS[status]} {name}" + (f"  {status}" if status != "passed" else "")
            if message:
                first, *rest = str(message).splitlines()
                lines.append(f"{head}: {first}")
                lines += [" " * 11 + line for line in rest]
            else:
                lines.append(head)
        lines += [f"  note: {note}" for note in r.get("notes", [])]
    passed = sum(all_passed([r]) for r in records)
    lines.append(f"{passed} of {len(records)} notebook(s) fully passed")
    return "\n".join(lines)
