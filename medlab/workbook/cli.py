"""The ``python -m medlab`` command line."""

from __future__ import annotations

import os
import sys

from ._common import _first_line, find_root, read_notebook, resolve_run_target, solution_paths
from .build import build
from .execute import execute
from .grade import all_passed, format_gradebook, grade
from .index import update_readme
from .records import format_table, save_record
from .seeds import format_seeds, parse_seeds, run_seeds
from .start import start
from .verify import verify


def _timeout_arg(value):
    if value is None:
        return "mode"
    return None if value <= 0 else value


def cmd_build(args):
    problems = []
    written = build(problems=problems)
    print(f"wrote {len(written)} exercise notebook(s)" if written else "notebooks/ is up to date")
    return 1 if problems else 0


def cmd_verify(args):
    problems = verify()
    for p in problems:
        print(f"✗ {p}")
    n = len(solution_paths(find_root()))
    print(f"{n} notebook(s) checked: " + ("all consistent" if not problems else f"{len(problems)} problem(s)"))
    return 1 if problems else 0


def cmd_run(args):
    path, kind = resolve_run_target(args.notebook, exercise=args.exercise)
    read_notebook(path)  # a corrupt file stops here, named in one line
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
    records = grade(args.paths, mode=args.mode, timeout=args.timeout, jobs=args.jobs, run=not args.no_run,
                    json_file=args.json, echo=lambda line: print(line, file=sys.stderr, flush=True))
    print(format_gradebook(records))
    if args.json:
        print(f"gradebook: {args.json}")
    return 0 if all_passed(records) else 1


def cmd_start(args):
    result = start(args.notebook, work_dir=args.dir, fresh=args.fresh)
    path = _shown(result["path"])
    if not result["created"]:
        print(f"your copy is already there: {path} (left as it is; open it in JupyterLab, "
              f"or `python -m medlab start {args.notebook} --fresh` for a new copy beside it)")
        return 0
    print(f"copied {_shown(result['source'])} to {path}: open it in JupyterLab (`make lab`) and work there")
    if result["edited_source"]:
        print(f"note: {_shown(result['source'])} was edited in place; the copy has those edits")
    return 0


def _shown(path):
    """``path`` relative to the cwd when it is below it, else absolute."""
    path = path.resolve()
    return str(path.relative_to(os.getcwd())) if path.is_relative_to(os.getcwd()) else str(path)


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
    start_p = sub.add_parser("start", help="copy an exercise into your own folder (work/) to work in")
    start_p.add_argument("notebook", help="question number (01-30)")
    start_p.add_argument("--dir", default=None, help="your folder (default: work/ at the workbook's root)")
    start_p.add_argument("--fresh", action="store_true",
                         help="if a copy exists, write a new numbered one beside it (05_x-2.ipynb)")
    start_p.set_defaults(func=cmd_start)
    run_p = sub.add_parser("run", help="execute a notebook with papermill into build/executed/")
    run_p.add_argument("notebook", help="question number (01-30) or path to a .ipynb (a path outside solutions/ "
                                        "runs as an exercise)")
    run_p.add_argument("--mode", choices=("smoke", "fast", "full"), default="fast")
    run_p.add_argument("--exercise", action="store_true", help="with a number: run the exercise, not the solution")
    run_p.add_argument("--timeout", type=float, default=None,
                       help="seconds per cell (default: 300 in smoke and fast mode, none in full mode; 0: none)")
    run_p.set_defaults(func=cmd_run)
    seeds_p = sub.add_parser("seeds", help="run a solution once per seed; every bar and finding per seed")
    seeds_p.add_argument("notebook", help="question number (01-30) or path to a solution .ipynb")
    seeds_p.add_argument("--seeds", default="0-4", help="seeds to run, e.g. 0-4 or 0,3,9 (default 0-4)")
    seeds_p.add_argument("--mode", choices=("smoke", "fast", "full"), default="fast")
    seeds_p.add_argument("--timeout", type=float, default=None, help="seconds per cell (0: none)")
    seeds_p.set_defaults(func=cmd_seeds)
    grade_p = sub.add_parser("grade", help="grade students' copies of the exercises (files or folders)")
    grade_p.add_argument("paths", nargs="+", metavar="PATH", help="students' .ipynb files, or folders of them")
    grade_p.add_argument("--mode", choices=("smoke", "fast"), default="smoke", help="the mode notebooks run in")
    grade_p.add_argument("--timeout", type=float, default=None,
                         help="seconds per exercise and per notebook cell; a notebook's run gets 30 s more "
                              "(default: 180 in smoke mode, 600 in fast)")
    grade_p.add_argument("--jobs", type=int, default=1, help="verdicts and notebooks to run at once (default 1)")
    grade_p.add_argument("--no-run", action="store_true", help="verdicts only: do not run the notebooks (quick)")
    grade_p.add_argument("--json", metavar="FILE", default=None, help="write the gradebook to FILE (JSON)")
    grade_p.set_defaults(func=cmd_grade)
    index_p = sub.add_parser("index", help="rewrite the README's question index from build/report.json")
    index_p.add_argument("--check", action="store_true", help="only report whether it is current")
    index_p.set_defaults(func=cmd_index)
    return top


def main(argv=None):
    """The ``python -m medlab`` command line; returns the exit status.

    Expected errors (a missing or corrupt file, a wrong argument, no workbook here) print one line
    on stderr and return 2, without a traceback; ``MEDLAB_DEBUG=1`` shows the traceback instead.
    """
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except (OSError, ValueError) as err:
        if os.environ.get("MEDLAB_DEBUG"):
            raise
        print(f"python -m medlab {args.command}: error: {_first_line(err)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"python -m medlab {args.command}: interrupted", file=sys.stderr)
        return 130
