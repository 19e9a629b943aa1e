"""Execute every solution notebook in fast mode through papermill and assert its quality bar.

One test class per notebook, so pytest-xdist's ``--dist loadscope`` spreads notebooks over the
workers. (Exercise notebooks are executed in smoke mode by nbval, collected from notebooks/.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from medlab import workbook

ROOT = workbook.find_root(Path(__file__).parent)


def _make_class(path):
    def test_fast_mode(self):
        rec = workbook.execute(path, mode="fast", kind="solution", root=ROOT)
        workbook.save_record(rec, ROOT, collect=False)
        where = f"{path.name} failed in fast mode (executed copy: {rec['executed']})"
        assert rec["error"] is None, f"{where}:\n{rec['error']}"
        bar = rec["bar"]
        assert bar is not None, f"{path.name} never called medlab.assert_bar: every solution asserts its bar"
        assert bar["passed"], f"{path.name}: bar not met: {bar}"

    return type(f"TestSolution{path.stem[:2]}", (), {"test_fast_mode": pytest.mark.notebook(test_fast_mode),
                                                    "__doc__": f"Run solutions/{path.name} in fast mode."})


for _path in workbook.solution_paths(ROOT):
    _cls = _make_class(_path)
    globals()[_cls.__name__] = _cls
