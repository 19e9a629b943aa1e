"""Workbook tooling: build exercises from solutions, verify the workbook, run and grade notebooks.

``solutions/NN_slug.ipynb`` is the only hand-written source. ``notebooks/NN_slug.ipynb`` is
generated from it with nbgrader's markers:

* in code cells, the lines from ``### BEGIN SOLUTION`` to ``### END SOLUTION`` become
  ``# YOUR CODE HERE`` and ``raise NotImplementedError()`` (at the marker's indentation);
* in markdown cells the region becomes ``YOUR ANSWER HERE``;
* regions from ``### BEGIN HIDDEN TESTS`` to ``### END HIDDEN TESTS`` are dropped.

One module per command (``build``, ``verify``, ``execute``, ``records``, ``grade``, ``start``,
``seeds``, ``index``) and ``cli`` for the command line: ``python -m medlab build | verify | start NN |
run NN | seeds NN | grade PATH... | index``. The library never imports this package.
"""

from ._common import (
                      BEGIN_HIDDEN,
                      BEGIN_SOLUTION,
                      END_HIDDEN,
                      END_SOLUTION,
                      find_root,
                      read_notebook,
                      reads_notebook,
                      resolve_notebook,
                      resolve_run_target,
                      solution_paths,
                      source_view,
                      strip_outputs,
                      write_notebook,
)
from .build import build, edited_since_build, make_exercise, solution_regions, source_hash
from .cli import main
from .execute import CELL_TIMEOUT, CELL_TIMEOUTS, INLINE_BACKEND, PeakRSS, execute
from .grade import grade
from .index import INDEX_END, INDEX_START, index_figures, render_index, update_readme
from .records import collect_report, format_table, read_events, save_record, summarize_events
from .seeds import format_seeds, parse_seeds, run_seeds
from .start import WORK_DIR, start
from .verify import verify

__all__ = ["BEGIN_HIDDEN", "BEGIN_SOLUTION", "END_HIDDEN", "END_SOLUTION", "find_root", "read_notebook",
           "resolve_notebook", "solution_paths", "strip_outputs", "write_notebook", "build", "edited_since_build",
           "make_exercise", "solution_regions", "source_hash", "main", "CELL_TIMEOUT", "CELL_TIMEOUTS",
           "INLINE_BACKEND", "PeakRSS", "execute", "grade", "INDEX_END", "INDEX_START", "render_index",
           "update_readme", "collect_report", "format_table", "read_events", "save_record", "summarize_events",
           "format_seeds", "parse_seeds", "run_seeds", "verify", "reads_notebook", "resolve_run_target", "source_view",
           "index_figures", "WORK_DIR", "start"]
