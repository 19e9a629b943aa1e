"""Execute every solution notebook in fast mode through papermill and assert its quality bar; in smoke mode too.

One test class per notebook, so pytest-xdist's ``--dist loadscope`` spreads notebooks over the
workers. (Exercise notebooks are executed in smoke mode by nbval, collected from notebooks/.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from medlab import workbook

ROOT = workbook.find_root(Path(__file__).parent)
MAX_EXECUTED_BYTES = 2 * 2**20  # an executed copy with its figures (DESIGN.md, budgets)


def _make_class(path):
    def test_fast_mode(self):
        rec = workbook.execute(path, mode="fast", kind="solution", root=ROOT)
        workbook.save_record(rec, ROOT, collect=False)
        where = f"{path.name} failed in fast mode (executed copy: {rec['executed']})"
        assert rec["error"] is None, f"{where}:\n{rec['error']}"
        assert rec["bars"], f"{path.name} never called medlab.assert_bar: every solution asserts its bar"
        for bar in rec["bars"]:
            assert bar["passed"], f"{path.name}: bar not met: {bar}"
        for finding in rec["findings"]:
            assert finding["passed"], f"{path.name}: finding does not hold: {finding}"
        assert not rec["grid_edges"], f"{path.name}: a baseline was tuned on the edge of its grid: {rec['grid_edges']}"
        executed = ROOT / rec["executed"]
        assert executed.stat().st_size <= MAX_EXECUTED_BYTES, (
            f"{rec['executed']} is {executed.stat().st_size / 2**20:.1f} MB, over the 2 MB budget")
        assert '"image/png"' in executed.read_text(encoding="utf-8"), f"{rec['executed']} holds no figure"

    def test_smoke_mode(self, tmp_path):
        """A student who writes the solution's code and runs it in smoke mode must not hit an error either
        (smoke mode runs Keras' loops eagerly; the exercises only run their fallbacks)."""
        rec = workbook.execute(path, mode="smoke", kind="solution", root=ROOT, out_dir=tmp_path)
        assert rec["error"] is None, f"{path.name} failed in smoke mode:\n{rec['error']}"

    return type(f"TestSolution{path.stem[:2]}", (), {"test_fast_mode": pytest.mark.notebook(test_fast_mode),
                                                    "test_smoke_mode": pytest.mark.notebook(test_smoke_mode),
                                                    "__doc__": f"Run solutions/{path.name} in fast and smoke mode."})


for _path in workbook.solution_paths(ROOT):
    _cls = _make_class(_path)
    globals()[_cls.__name__] = _cls
