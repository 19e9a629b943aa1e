"""Students work in their own copies: ``python -m medlab start`` and ``make lab`` (a real JupyterLab)."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest

from medlab import workbook

ROOT = workbook.find_root(Path(__file__).parent)



def _medlab(*args, cwd, env=None):
    return subprocess.run([sys.executable, "-m", "medlab", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=300)


def _exercise(root, number):
    return next((root / "notebooks").glob(f"{number}_*.ipynb"))


def test_start_copies_the_exercise_and_never_overwrites_a_copy(copy):
    exercise = _exercise(copy, "05")
    first = _medlab("start", "05", cwd=copy)
    assert first.returncode == 0, first.stderr
    mine = copy / "work" / exercise.name
    assert mine.read_bytes() == exercise.read_bytes()
    assert f"to work/{exercise.name}" in first.stdout
    nb = nbformat.read(mine, 4)
    nb.cells[1].source = "My answer, half written."
    nbformat.write(nb, mine)
    mine_before = mine.read_bytes()

    again = _medlab("start", "5", cwd=copy)
    assert again.returncode == 0, again.stderr
    assert f"already there: work/{exercise.name}" in again.stdout and "--fresh" in again.stdout
    assert mine.read_bytes() == mine_before

    for n in (2, 3):
        fresh = _medlab("start", "05", "--fresh", cwd=copy)
        assert fresh.returncode == 0, fresh.stderr
        numbered = mine.with_name(f"{exercise.stem}-{n}.ipynb")
        assert numbered.read_bytes() == exercise.read_bytes()
        assert f"work/{numbered.name}" in fresh.stdout
    assert mine.read_bytes() == mine_before
    assert {p.name for p in mine.parent.iterdir()} == {
        exercise.name, f"{exercise.stem}-2.ipynb", f"{exercise.stem}-3.ipynb"}


def test_start_into_another_folder_and_from_a_subfolder(copy, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("class") / "alice"
    done = workbook.start("01", root=copy, work_dir=elsewhere)
    assert done["created"] and done["path"] == elsewhere / _exercise(copy, "01").name
    (copy / "work").mkdir()
    from_work = _medlab("start", "02", cwd=copy / "work")  # the root is found from a subfolder
    assert from_work.returncode == 0, from_work.stderr
    assert (copy / "work" / _exercise(copy, "02").name).exists()


@pytest.mark.parametrize("args, message", [
    (["start", "99"], "expected a question number from 1 to 30, got 99"),
    (["start", "30"], "no notebooks/30_*.ipynb yet"),
    (["start", "five"], "expected a question number (01-30)"),
])
def test_start_errors_are_one_line(copy, args, message):
    done = _medlab(*args, cwd=copy)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (copy / "work").exists()


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_make_lab_opens_work_with_one_kernel(copy, tmp_path_factory):
    """``make lab`` (the real target, a real JupyterLab) lands on work/, and installs no second kernel."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    jupyter_home = tmp_path_factory.mktemp("jupyter")
    env = {**os.environ, "JUPYTER_DATA_DIR": str(jupyter_home / "data"),
           "JUPYTER_CONFIG_DIR": str(jupyter_home / "config"), "JUPYTER_RUNTIME_DIR": str(jupyter_home / "run")}
    port = _free_port()
    lab_args = f"--no-browser --ServerApp.port={port} --ServerApp.port_retries=0 --IdentityProvider.token="
    # STAMP= skips the install step (the environment is there); BIN points at this checkout's .venv
    cmd = ["make", "-s", "-f", str(ROOT / "Makefile"), "lab", "STAMP=", f"BIN={Path(sys.executable).parent}",
           f"LAB_ARGS={lab_args}"]
    log = open(jupyter_home / "lab.log", "w")
    proc = subprocess.Popen(cmd, cwd=copy, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        location = None
        deadline = time.monotonic() + 60
        while location is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                opener = urllib.request.build_opener(_NoRedirect)
                opener.open(f"http://127.0.0.1:{port}/", timeout=5)
            except urllib.error.HTTPError as err:
                location = err.headers.get("Location")
            except OSError:
                time.sleep(0.5)
        assert location is not None, (jupyter_home / "lab.log").read_text()
        assert location.split("?")[0].endswith("/lab/tree/work"), location
        assert (copy / "work").is_dir()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab/tree/work", timeout=10) as page:
            assert page.status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/kernelspecs", timeout=10) as page:
            specs = json.load(page)
        assert specs["default"] == "python3"
        assert "medlab" not in specs["kernelspecs"]
        assert not (jupyter_home / "data" / "kernels").exists()  # no user-level kernelspec was installed
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        log.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_every_notebook_names_the_python3_kernel(copy):
    for path in [*workbook.solution_paths(ROOT), *(ROOT / "notebooks").glob("*.ipynb")]:
        assert nbformat.read(path, 4).metadata["kernelspec"]["name"] == "python3", path
    sol = workbook.solution_paths(copy)[0]
    nb = nbformat.read(sol, 4)
    nb.metadata["kernelspec"] = {"name": "medlab", "display_name": "Python (medlab)", "language": "python"}
    nbformat.write(nb, sol)
    assert any("kernel must be 'python3'" in p and "'medlab'" in p for p in workbook.verify(copy))
