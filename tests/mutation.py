"""Mutation testing for medlab: do the tests notice when the code is wrong?

``make mutation`` (or ``python tests/mutation.py [MODULE ...]``) takes each configured module,
makes small wrong versions of it (mutants) one at a time, and runs only that module's tests
against each. A mutant is *killed* when a test fails (or the run times out); a *surviving* mutant
is a change the tests cannot see. The operators:

* comparisons (``<`` / ``<=``, ``>`` / ``>=``, ``==`` / ``!=``, ``in`` / ``not in``, ``is`` / ``is not``);
* arithmetic (``+`` / ``-``, ``*`` / ``/``, ``//`` → ``/``, ``**`` → ``*``, augmented assignments);
* numeric constants (``n`` → ``n + 1``; ``0.5`` → ``0.75``), ``True`` / ``False``;
* returns (``return x`` → ``return None``), conditions (``if c`` → ``if not c``, ``and`` / ``or``,
  a ``not`` removed), and assignments (the statement dropped).

Message strings, docstrings and f-strings are never mutated. At least ``--sample`` mutants per
module are drawn (all of them where a module has fewer), with a fixed seed so runs compare.
Mutants listed in ``tests/mutation_equivalent.txt`` (equivalent to the original: no test can
kill them) are excluded, each with its reason, and reported as such.

The mutants are written into a scratch copy of the package under ``build/mutation/``, never into
the working tree, so notebooks and other tests running at the same time are not affected.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: module -> the tests that own it (test files, and the module's own doctests)
MODULES = {
    "medlab/metrics/_common.py": ["tests/test_metrics_classification.py", "tests/test_metrics_calibration.py",
                                  "tests/test_metrics_saliency.py"],
    "medlab/metrics/segmentation.py": ["tests/test_metrics_segmentation.py"],
    "medlab/metrics/classification.py": ["tests/test_metrics_classification.py"],
    "medlab/metrics/calibration.py": ["tests/test_metrics_calibration.py"],
    "medlab/metrics/bootstrap.py": ["tests/test_metrics_bootstrap.py"],
    "medlab/metrics/saliency.py": ["tests/test_metrics_saliency.py"],
    "medlab/metrics/image_quality.py": ["tests/test_metrics_image_quality.py"],
    "medlab/data/phantom.py": ["tests/test_data_phantom.py"],
    "medlab/data/splits.py": ["tests/test_data_splits.py"],
    "medlab/data/ct.py": ["tests/test_data_ct.py"],
    "medlab/data/multimodal.py": ["tests/test_data_multimodal.py"],
    "medlab/check/_core.py": ["tests/test_check_core.py"],
    "medlab/check/q02.py": ["tests/test_checkers.py"],
    "medlab/check/q05.py": ["tests/test_checkers.py", "tests/test_check_q05.py"],
}

#: module -> a pytest ``-k`` expression that keeps, of its test files, the tests that own it (the checker
#: contract in tests/test_checkers.py covers every checker; a mutant of one checker runs only its own cases)
KEYWORDS = {"medlab/check/q02.py": "q02", "medlab/check/q05.py": "q05"}

_CMP_SWAP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
             ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is}
_BIN_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div,
             ast.Pow: ast.Mult, ast.Mod: ast.FloorDiv}


def _docstring_nodes(tree):
    """Constant nodes that are docstrings (never mutated)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def _skipped_subtrees(tree):
    """Node ids inside f-strings, raise statements' arguments, annotations and ``__all__``."""
    skip = set()
    for node in ast.walk(tree):
        roots = []
        if isinstance(node, ast.JoinedStr):
            roots.append(node)
        elif isinstance(node, ast.Raise) and node.exc is not None:
            roots.append(node.exc)
        elif isinstance(node, (ast.arg, ast.AnnAssign)) and getattr(node, "annotation", None) is not None:
            roots.append(node.annotation)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns is not None:
            roots.append(node.returns)
        elif isinstance(node, (ast.Assign, ast.AugAssign)) and any(
                isinstance(t, ast.Name) and t.id == "__all__"
                for t in (node.targets if isinstance(node, ast.Assign) else [node.target])):
            roots.append(node)
        for r in roots:
            skip.update(id(n) for n in ast.walk(r))
    return skip


def mutation_points(source):
    """Every (node number, operator, description) a module offers; node numbers follow ``ast.walk``."""
    tree = ast.parse(source)
    docstrings, skip = _docstring_nodes(tree), _skipped_subtrees(tree)
    points = []
    for index, node in enumerate(ast.walk(tree)):
        if id(node) in skip or id(node) in docstrings:
            continue
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Compare):
            for k, op in enumerate(node.ops):
                if type(op) in _CMP_SWAP:
                    points.append((index, f"compare{k}", f"line {line}: {type(op).__name__} -> "
                                   f"{_CMP_SWAP[type(op)].__name__}"))
        elif isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in _BIN_SWAP:
            points.append((index, "binop", f"line {line}: {type(node.op).__name__} -> "
                           f"{_BIN_SWAP[type(node.op)].__name__}"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
            points.append((index, "bool", f"line {line}: {node.value} -> {not node.value}"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            points.append((index, "number", f"line {line}: {node.value!r} -> {_bump(node.value)!r}"))
        elif isinstance(node, ast.Return) and node.value is not None and not (
                isinstance(node.value, ast.Constant) and node.value.value is None):
            points.append((index, "return", f"line {line}: return ... -> return None"))
        elif isinstance(node, (ast.If, ast.While, ast.IfExp)):
            points.append((index, "condition", f"line {line}: condition negated"))
        elif isinstance(node, ast.BoolOp):
            points.append((index, "boolop", f"line {line}: {type(node.op).__name__} -> "
                           f"{'Or' if isinstance(node.op, ast.And) else 'And'}"))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub)):
            points.append((index, "unary", f"line {line}: {type(node.op).__name__} removed"))
        elif isinstance(node, (ast.Assign, ast.AugAssign)):
            points.append((index, "assign", f"line {line}: assignment removed"))
    return points


def _bump(value):
    if isinstance(value, int):
        return value + 1
    return value * 1.5 if value else 1.0


def mutate(source, target, operator):
    """Return the source of the mutant: ``operator`` applied at node number ``target``."""
    tree = ast.parse(source)
    nodes = list(ast.walk(tree))
    node = nodes[target]
    parents = {id(child): parent for parent in nodes for child in ast.iter_child_nodes(parent)}
    if operator.startswith("compare"):
        k = int(operator[len("compare"):])
        node.ops[k] = _CMP_SWAP[type(node.ops[k])]()
    elif operator == "binop":
        node.op = _BIN_SWAP[type(node.op)]()
    elif operator == "bool":
        node.value = not node.value
    elif operator == "number":
        node.value = _bump(node.value)
    elif operator == "return":
        node.value = ast.Constant(None)
    elif operator == "condition":
        node.test = ast.UnaryOp(ast.Not(), node.test)
    elif operator == "boolop":
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    elif operator == "unary":
        _replace(parents[id(node)], node, node.operand)
    elif operator == "assign":
        _replace(parents[id(node)], node, ast.Pass())
    else:  # pragma: no cover
        raise ValueError(f"operator: unknown {operator!r}")
    return ast.unparse(ast.fix_missing_locations(tree))


def _replace(parent, old, new):
    for field, value in ast.iter_fields(parent):
        if value is old:
            setattr(parent, field, new)
            return
        if isinstance(value, list):
            for i, item in enumerate(value):
                if item is old:
                    value[i] = new
                    return
    raise ValueError("node not found in its parent")  # pragma: no cover


def _scratch_copy(work):
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    shutil.copytree(ROOT / "medlab", work / "medlab", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "tests", work / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    (work / "solutions").mkdir()
    for name in ("conftest.py", "pyproject.toml"):
        shutil.copy(ROOT / name, work / name)


_PRELOADED = False


def _preload():
    """Import the heavy third-party libraries once; each mutant's test run is a fork of this process.

    medlab itself is never imported here, so every fork imports the mutated copy fresh. TensorFlow
    is not preloaded (it is not fork-safe); tests that need it import it in the fork.
    """
    global _PRELOADED
    if not _PRELOADED:
        import hypothesis  # noqa: F401
        import numpy  # noqa: F401
        import pytest  # noqa: F401
        import scipy.ndimage  # noqa: F401
        import scipy.stats  # noqa: F401
        import skimage.metrics  # noqa: F401
        import sklearn.metrics  # noqa: F401
        _PRELOADED = True


def _run_tests(work, module, tests, timeout):
    """Run the module's tests on the scratch copy in a forked child; 'passed', 'failed' or 'timeout'."""
    _preload()
    log = work / "pytest.log"
    args = ["-x", "-q", "-p", "no:cacheprovider", "--override-ini", "addopts=", "--doctest-modules",
            module, *tests]
    if module in KEYWORDS:
        args += ["-k", KEYWORDS[module]]
    pid = os.fork()
    if pid == 0:  # the child: import the mutated medlab from the scratch copy and run pytest
        code = 3
        try:
            os.chdir(work)
            sys.path.insert(0, str(work))
            os.environ.update(MEDLAB_THREADS="1", OMP_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1")
            fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            import pytest

            code = int(pytest.main(args))
        finally:
            os._exit(code)
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            out = log.read_text(errors="replace")[-1500:] if log.exists() else ""
            return ("passed" if code == 0 else "failed"), out
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            return "timeout", ""
        time.sleep(0.05)


def _equivalents(path):
    """Excluded mutants: ``(module, source line, mutation) -> reason``, from a tab-separated file.

    Each line: the module, the mutated source line (stripped), the mutation as the report shows
    it without its line number (e.g. ``Add -> Sub``), and why no test can tell it apart. Keys use
    the line's text, not its number, so they survive edits elsewhere in the module.
    """
    out = {}
    if path.exists():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 4:
                raise SystemExit(f"{path.name}:{number}: expected 4 tab-separated fields, got {len(parts)}")
            out[tuple(p.strip() for p in parts[:3])] = parts[3].strip()
    return out


def _key(module, source_lines, description):
    line, _, mutation = description.partition(": ")
    return module, source_lines[int(line.split()[1]) - 1].strip(), mutation


def run_module(module, tests, *, sample, seed, work, equivalents, echo=print):
    source = (ROOT / module).read_text(encoding="utf-8")
    points = mutation_points(source)
    rng = random.Random(seed)
    chosen = points if len(points) <= sample else rng.sample(points, sample)
    chosen.sort()
    _scratch_copy(work)
    start = time.perf_counter()
    status, out = _run_tests(work, module, tests, timeout=600)
    if status != "passed":
        raise SystemExit(f"{module}: its tests fail before any mutation:\n{out}")
    timeout = max(30.0, 4 * (time.perf_counter() - start))
    results = []
    target_file = work / module
    lines = source.splitlines()
    for number, (node, operator, description) in enumerate(chosen, 1):
        key = f"{module}:{node}:{operator}"
        eq = _key(module, lines, description)
        if eq in equivalents:
            results.append({"key": key, "description": description, "status": "equivalent",
                            "line": eq[1], "reason": equivalents[eq]})
            echo(f"  [{number:3d}/{len(chosen)}] equivalent {key}  {description}: {equivalents[eq]}")
            continue
        try:
            mutant = mutate(source, node, operator)
        except Exception as err:  # pragma: no cover - an operator the tree cannot take
            results.append({"key": key, "description": description, "status": "invalid", "reason": str(err)})
            continue
        target_file.write_text(mutant, encoding="utf-8")
        try:
            status, out = _run_tests(work, module, tests, timeout)
        finally:
            target_file.write_text(source, encoding="utf-8")
        killed = status in ("failed", "timeout")
        results.append({"key": key, "description": description, "line": eq[1],
                        "status": "killed" if killed else "survived"})
        echo(f"  [{number:3d}/{len(chosen)}] {'killed  ' if killed else 'SURVIVED'} {key}  {description}")
    counted = [r for r in results if r["status"] in ("killed", "survived")]
    killed = sum(r["status"] == "killed" for r in counted)
    return {"module": module, "tests": tests, "points": len(points), "sampled": len(chosen),
            "killed": killed, "counted": len(counted),
            "score": killed / len(counted) if counted else None, "results": results}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help="modules to mutate (default: all configured)")
    parser.add_argument("--sample", type=int, default=120, help="mutants per module (default 120; >= 100)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bar", type=float, default=0.90, help="fail when a module's score is below this")
    args = parser.parse_args(argv)
    modules = args.modules or list(MODULES)
    unknown = [m for m in modules if m not in MODULES]
    if unknown:
        parser.error(f"modules: unknown {unknown}; configured: {sorted(MODULES)}")
    equivalents = _equivalents(ROOT / "tests" / "mutation_equivalent.txt")
    out_dir = ROOT / "build" / "mutation"
    summaries = []
    for module in modules:
        print(f"{module}: mutating, tests {' '.join(MODULES[module])}", flush=True)
        s = run_module(module, MODULES[module], sample=args.sample, seed=args.seed, work=out_dir / "work",
                       equivalents=equivalents, echo=lambda line: print(line, flush=True))
        summaries.append(s)
        (out_dir / (module.replace("/", "_").removesuffix(".py") + ".json")).write_text(
            json.dumps(s, indent=1) + "\n", encoding="utf-8")
    print("\nmodule                     mutants  killed  equivalent  score")
    ok = True
    for s in summaries:
        eq = sum(r["status"] == "equivalent" for r in s["results"])
        score = "-" if s["score"] is None else f"{s['score']:.1%}"
        print(f"{s['module']:26} {s['sampled']:7d} {s['killed']:7d} {eq:11d}  {score}")
        ok &= s["score"] is not None and s["score"] >= args.bar
    shutil.rmtree(out_dir / "work", ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
