"""The ``python -m medlab`` command line."""

from __future__ import annotations

import sys

from ._common import find_root, resolve_notebook, solution_paths
from .build import build
from .execute import execute
from .grade import grade
from .index import update_readme
from .records import format_table, save_record
from .seeds import format_seeds, parse_seeds, run_seeds
from .verify import verify


def _timeout_arg(value):
    if value is None:
        return "mode"
    return None if value <= 0 else value


def cmd_build(args):
    written = build()
    print(f"wrote {len(written)} exercise notebook(s)" if written else "notebooks/ is up to date")
    return 0


def cmd_verify(args):
    problems = verify()
    for p in problems:
        print(f"✗ {p}")
    n = len(solution_paths(find_root()))
    print(f"{n} notebook(s) checked: " + ("all consistent" if not problems else f"{len(problems)} problem(s)"))
    return 1 if problems else 0


def cmd_run(args):
    folder = "notebooks" if args.exercise else "solutions"
    path = resolve_notebook(args.notebook, folder=folder)
    kind = "exercise" if args.exercise else "solution"
    print(f"running {path} in {args.mode} mode ...", flush=True)
    rec = execute(path, mode=args.mode, kind=kind, timeout=_timeout_arg(args.timeout))
    save_record(rec)
    print(format_table([rec]))
    print(f"executed copy: {rec['executed']}")
    if rec["error"]:
        print(rec["error"], file=sys.stderr)
        return 1
    return 0


def cmd_seeds(args):
    summary = run_seeds(args.notebook, parse_seeds(args.seeds), mode=args.mode, timeout=_timeout_arg(args.timeout))
    print(format_seeds(summary))
    print(f"written: build/seeds/{summary['notebook'][:2]}.json")
    return 0 if summary["all_hold"] else 1


def cmd_grade(args):
    rec = grade(args.notebook, mode=args.mode)
    checks = rec["checks"]
    if not checks:
        print("no exercise checker ran: is this a workbook notebook?")
        return 1
    for name, status in checks.items():
        mark = {"passed": "✓", "failed": "✗", "fallback": "○ not written"}[status]
        print(f"{mark} {name}")
    passed = sum(s == "passed" for s in checks.values())
    print(f"score: {passed}/{len(checks)} exercises pass (executed copy: {rec['executed']})")
    return 0


def cmd_index(args):
    if args.check:
        ok = update_readme(check=True)
        print("README index is current" if ok else "README index is out of date: run `python -m medlab index`")
        return 0 if ok else 1
    update_readme()
    print("README index updated")
    return 0


def parser():
    """The argument parser: one subcommand per ``cmd_*`` function."""
    import argparse

    top = argparse.ArgumentParser(prog="python -m medlab",
                                  description="Build, verify, run, seed and grade the medlab workbook.")
    sub = top.add_subparsers(dest="command", required=True)
    sub.add_parser("build", help="write notebooks/ from solutions/").set_defaults(func=cmd_build)
    sub.add_parser("verify", help="check that the workbook is consistent").set_defaults(func=cmd_verify)
    run_p = sub.add_parser("run", help="execute a notebook with papermill into build/executed/")
    run_p.add_argument("notebook", help="question number (01-30) or path to a .ipynb")
    run_p.add_argument("--mode", choices=("smoke", "fast", "full"), default="fast")
    run_p.add_argument("--exercise", action="store_true", help="run the exercise instead of the solution")
    run_p.add_argument("--timeout", type=float, default=None,
                       help="seconds per cell (default: 300 in smoke and fast mode, none in full mode; 0: none)")
    run_p.set_defaults(func=cmd_run)
    seeds_p = sub.add_parser("seeds", help="run a solution once per seed; every bar and finding per seed")
    seeds_p.add_argument("notebook", help="question number (01-30) or path to a solution .ipynb")
    seeds_p.add_argument("--seeds", default="0-4", help="seeds to run, e.g. 0-4 or 0,3,9 (default 0-4)")
    seeds_p.add_argument("--mode", choices=("smoke", "fast", "full"), default="fast")
    seeds_p.add_argument("--timeout", type=float, default=None, help="seconds per cell (0: none)")
    seeds_p.set_defaults(func=cmd_seeds)
    grade_p = sub.add_parser("grade", help="grade a student's copy of an exercise notebook")
    grade_p.add_argument("notebook", help="path to the student's .ipynb")
    grade_p.add_argument("--mode", choices=("smoke", "fast", "full"), default="smoke")
    grade_p.set_defaults(func=cmd_grade)
    index_p = sub.add_parser("index", help="rewrite the README's question index from build/report.json")
    index_p.add_argument("--check", action="store_true", help="only report whether it is current")
    index_p.set_defaults(func=cmd_index)
    return top


def main(argv=None):
    """The ``python -m medlab`` command line."""
    args = parser().parse_args(argv)
    return args.func(args)
