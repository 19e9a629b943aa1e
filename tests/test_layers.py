"""The import contracts of pyproject.toml ([tool.importlinter]) hold, and they catch what they are meant to.

``make test`` runs ``lint-imports`` on the package; here each contract is also shown to fail: a scratch copy of
medlab gets one bad import (or an unplaced module) and lint-imports must reject it, naming the contract.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("importlinter", reason="import-linter is a test requirement (requirements-test.txt)")

ROOT = Path(__file__).resolve().parents[1]
LINT = "from importlinter.cli import lint_imports_command; lint_imports_command()"


def _lint(root):
    run = subprocess.run([sys.executable, "-c", LINT, "--no-cache"], cwd=root, capture_output=True, text=True,
                         timeout=120)
    return run.returncode, run.stdout + run.stderr


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    root = tmp_path_factory.mktemp("layers")
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    shutil.copytree(ROOT / "medlab", root / "medlab", ignore=shutil.ignore_patterns("__pycache__"))
    return root


def test_the_package_keeps_its_contracts():
    code, out = _lint(ROOT)
    assert code == 0, out
    assert "0 broken" in out, out


@pytest.mark.parametrize("path, line, broken", [
    ("medlab/metrics/_common.py", "import keras", "never import TensorFlow or Keras"),
    ("medlab/data/splits.py", "from ..preprocess import window_hu", "data is not allowed to import medlab.preprocess"),
    ("medlab/data/ct.py", "from ..models import unet", "medlab.data is not allowed to import medlab.models"),
    ("medlab/models/fusion.py", "from ..explain import grad_cam", "models is not allowed to import medlab.explain"),
    ("medlab/check/q01.py", "from ..workbook import _common", "medlab.check is not allowed to import medlab.workbook"),
    ("medlab/__init__.py", "import medlab.workbook.cli", "Nothing in the library imports the workbook"),
    ("medlab/stray.py", "x = 1", "exhaustive"),
])
def test_each_contract_rejects_a_bad_import(scratch, path, line, broken):
    target = scratch / path
    original = target.read_text() if target.exists() else None
    target.write_text((original or "") + f"\n{line}  # noqa\n")
    try:
        code, out = _lint(scratch)
    finally:
        if original is None:
            target.unlink()
        else:
            target.write_text(original)
    assert code != 0, f"lint-imports accepted {line!r} in {path}:\n{out}"
    assert broken in " ".join(out.split()), out
