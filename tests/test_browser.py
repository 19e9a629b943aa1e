"""The workbook in a real browser: JupyterLab, headless Chromium, an exercise run through the UI.

The test starts JupyterLab from this environment on a free localhost port (a token, no browser, an
isolated Jupyter config), copies exercise 01 into an empty folder it serves, and drives Debian's
Chromium through Playwright (``executable_path``: Playwright never downloads a browser). In the
notebook it types a correct ``normalize_intensity`` into the answer cell, runs all cells from the
Run menu in smoke mode, waits until every cell has run, then checks what a student sees: the
checker's pass line for the answered exercise, its "not written yet" note for the other, no error
output, the Chinese title drawn with real glyphs. It saves with Ctrl+S, once right after opening
(the kernel has filled in ``language_info``) and once after the run, and checks that ``verify``
stays green on each saved file (apart from the answer typed). Screenshots go to
``build/browser/``, with the server's log.

Without Chromium (or a CJK font) the test is skipped with the command that installs them; under
CI (``CI`` set) it fails instead, since ``.ci/run`` installs both.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import psutil
import pytest

from medlab import workbook
from medlab._bank import QUESTIONS

ROOT = workbook.find_root(Path(__file__).parent)
OUT = ROOT / "build" / "browser"
NUMBER = 1
CHROMIUM = "/usr/bin/chromium"
INSTALL = "apt-get install chromium fonts-noto-cjk"
CHROMIUM_ARGS = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SERVER_START_S, KERNEL_START_S, RUN_ALL_S, SAVE_S, RESAVE_S = 60, 60, 120, 30, 3
IDLE = '.jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status="idle"]'
STDERR = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'

# A correct answer, typed into the answer cell through the editor.
ANSWER = '''def normalize_intensity(images):
    """Z-score each image of a batch (N, H, W, C) with its own mean and std; return float32."""
    images = np.asarray(images, dtype=np.float32)
    mean = images.mean(axis=(1, 2, 3), keepdims=True)
    std = images.std(axis=(1, 2, 3), keepdims=True)
    return (images - mean) / (std + 1e-6)'''

# The prompts ("[ ]:", "[*]:", "[3]:") of the code cells that hold code: JupyterLab does not run an
# empty cell (the exercise's emptied hidden-tests cells), so those keep "[ ]:".
_PROMPTS = """[...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell')]
    .filter(cell => cell.querySelector('.cm-content').textContent.trim() !== '')
    .map(cell => cell.querySelector('.jp-InputPrompt').textContent.trim())"""

# True once the kernel is idle and no cell is queued or running, and either every code cell has an
# execution count or an error output stopped "Run All" (the remaining cells then keep "[ ]:").
_RUN_FINISHED = f"""([idle, stderr]) => {{
    if (!document.querySelector(idle)) return false;
    const prompts = {_PROMPTS};
    if (prompts.some(t => t.includes('*'))) return false;
    return prompts.every(t => /^\\[\\d+\\]:$/.test(t)) || document.querySelector(stderr) !== null;
}}"""

# True when two different CJK characters draw differently in the title's font: with no CJK font
# both come out as the same "missing glyph" box.
_DRAWS_CJK = """(el) => {
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 64;
    const g = canvas.getContext('2d');
    const draw = (ch) => {
        g.clearRect(0, 0, 64, 64);
        g.font = `48px ${getComputedStyle(el).fontFamily}`;
        g.fillText(ch, 4, 52);
        return g.getImageData(0, 0, 64, 64).data.join(',');
    };
    return draw('医') !== draw('像');
}"""


def _playwright_or_skip():
    """Playwright's ``sync_playwright``; skip (fail under CI) when Chromium, a CJK font or Playwright is missing."""
    missing, how = [], []
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(f"Chromium ({CHROMIUM})")
    fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True) if shutil.which("fc-list") else None
    if fonts is None or not fonts.stdout.strip():
        missing.append("a CJK font")
    if missing:
        how.append(f"on Debian or Ubuntu: sudo {INSTALL}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing.append("the playwright package")
        how.append("make test installs it (requirements.txt)")
    if missing:
        message = f"browser test: {' and '.join(missing)} not installed; {'; '.join(how)} (.ci/run installs them)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return sync_playwright


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _api(base, token, path, method="GET"):
    """A call of the server's REST API (straight to localhost, never through a proxy); the JSON it returns."""
    request = urllib.request.Request(f"{base}{path}", method=method, headers={"Authorization": f"token {token}"})
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=5) as response:
        body = response.read()
    return json.loads(body) if body else None


def _lab_settings(folder):
    """User settings that keep JupyterLab off the network (no news, no update check)."""
    path = folder / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))


def _server_env(home):
    """The server's environment: smoke mode and one thread (the kernel inherits them), Jupyter isolated.

    With its own config, data and settings folders, the server ignores the user's Jupyter set-up:
    the notebook's ``python3`` kernel is the one of this environment.
    """
    env = dict(os.environ)
    for name in ("MPLBACKEND", "MEDLAB_RECORD"):  # figures inline, as a student sees them; no test records
        env.pop(name, None)
    env.update(MEDLAB_MODE="smoke", MEDLAB_THREADS="1", JUPYTER_CONFIG_DIR=str(home / "config"),
               JUPYTER_DATA_DIR=str(home / "data"), JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"), IPYTHONDIR=str(home / "ipython"))
    _lab_settings(home / "settings")
    return env


def _wait_until_up(proc, base, token, log):
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"JupyterLab exited with status {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            _api(base, token, "/api/status")
            return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"JupyterLab did not answer within {SERVER_START_S} s:\n{log.read_text()[-3000:]}")


def _stop_server(proc, base, token):
    """Shut the kernels down through the API, stop the server, then end whatever it started."""
    try:
        for kernel in _api(base, token, "/api/kernels") or []:
            _api(base, token, f"/api/kernels/{kernel['id']}", method="DELETE")
    except OSError:
        pass
    try:
        children = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    for child in children:
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass


@pytest.fixture
def lab(tmp_path):
    """JupyterLab serving a folder that holds a copy of exercise NUMBER; yields (base URL, token, folder)."""
    served = tmp_path / "work"
    served.mkdir()
    exercise = workbook.resolve_notebook(f"{NUMBER:02d}", ROOT, folder="notebooks")
    shutil.copy2(exercise, served / exercise.name)
    OUT.mkdir(parents=True, exist_ok=True)
    log = OUT / "jupyterlab.log"
    port, token = _free_port(), secrets.token_hex(16)
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={served}", "--LabApp.news_url=None",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    with open(log, "w") as out:
        proc = subprocess.Popen(command, cwd=served, env=_server_env(tmp_path / "jupyter"), stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        _wait_until_up(proc, base, token, log)
        yield base, token, served
    finally:
        _stop_server(proc, base, token)


@pytest.fixture
def page():
    """A page of headless Chromium (Debian's), closed with its browser at the end.

    Playwright adds ``--headless`` and ``--no-sandbox`` (Chromium runs as root in CI) and starts the
    browser on a fresh, empty profile; ``CHROMIUM_ARGS`` keep it off the network.
    """
    sync_playwright = _playwright_or_skip()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": 1400, "height": 1000})
        finally:
            browser.close()


def _code_cell(page, text):
    return page.locator(".jp-NotebookPanel .jp-CodeCell").filter(has_text=text)


def _type_answer(page, stub_text, answer):
    """Replace the answer cell that shows ``stub_text`` with ``answer``, through the cell's editor."""
    editor = _code_cell(page, stub_text).locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(answer)


def _run_all(page):
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel").get_by_text("Run All Cells", exact=True).click()
    page.wait_for_selector(".jp-NotebookPanel .jp-CodeCell .jp-InputPrompt:has-text('*')", timeout=10_000)
    try:
        page.wait_for_function(_RUN_FINISHED, arg=[IDLE, STDERR], timeout=RUN_ALL_S * 1000, polling=500)
    except Exception as err:  # Playwright's TimeoutError: say where the run stands
        pytest.fail(f"Run All did not finish within {RUN_ALL_S} s; the code cells' prompts: "
                    f"{page.evaluate(f'() => {_PROMPTS}')}\n{err}")


def _output_of(page, text):
    return _code_cell(page, text).locator(".jp-OutputArea").text_content()


def _screenshot(page, locator, name):
    """Scroll ``locator`` to the middle of the notebook, let the browser paint it, keep a screenshot."""
    locator.evaluate("el => el.scrollIntoView({block: 'center'})")
    locator.wait_for(state="visible")
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    page.screenshot(path=OUT / name)


def _save(page, path, until=lambda text: True):
    """Ctrl+S in the notebook until the server has written ``path`` and ``until(text of the file)`` holds.

    A busy machine can lose a key press (JupyterLab still handling the click, or a save it started
    itself on opening still in flight), so Ctrl+S is pressed again every ``RESAVE_S`` seconds while
    the file has not changed.
    """
    deadline = time.monotonic() + SAVE_S
    while True:
        before = path.stat().st_mtime_ns
        pressed = 0.0
        while path.stat().st_mtime_ns == before:
            now = time.monotonic()
            if now > deadline:
                pytest.fail(f"Ctrl+S did not save {path.name} within {SAVE_S} s")
            if now - pressed > RESAVE_S:
                page.keyboard.press("Control+s")
                pressed = now
            time.sleep(0.2)
        if until(path.read_text(encoding="utf-8")):
            return
        if time.monotonic() > deadline:
            pytest.fail(f"{path.name} as saved within {SAVE_S} s:\n{path.read_text(encoding='utf-8')[-1500:]}")
        time.sleep(0.5)


def _has_kernel_metadata(text):
    """True when a saved notebook holds the ``language_info`` that the kernel reports (with a version)."""
    return "version" in json.loads(text)["metadata"].get("language_info", {})


def _verify_with(workbook_copy, name, text):
    """``medlab verify`` on a copy of the workbook whose ``notebooks/name`` is ``text`` on disk (git holds the
    built exercise, as in a checkout where a student opened, ran and saved it)."""
    (workbook_copy / "notebooks" / name).write_text(text, encoding="utf-8")
    return workbook.verify(workbook_copy)


@pytest.fixture
def workbook_copy(tmp_path):
    """Notebook NUMBER's solution and exercise in a scratch git checkout (in its index), for ``workbook.verify``."""
    copy = tmp_path / "workbook"
    for folder in ("solutions", "notebooks"):
        (copy / folder).mkdir(parents=True)
        shutil.copy2(workbook.resolve_notebook(f"{NUMBER:02d}", ROOT, folder=folder), copy / folder)
    (copy / "medlab").mkdir()
    for command in (["git", "init", "-q"], ["git", "add", "solutions", "notebooks"]):
        subprocess.run(command, cwd=copy, check=True, capture_output=True)
    problems = workbook.verify(copy)
    assert problems == [], "the workbook does not verify to begin with:\n" + "\n".join(problems)
    return copy


def test_an_exercise_runs_in_jupyterlab(page, lab, workbook_copy):
    failed = OUT / f"{NUMBER:02d}-failed.png"
    failed.unlink(missing_ok=True)
    try:
        _study_and_save(page, lab, workbook_copy)
    except BaseException:
        with contextlib.suppress(Exception):  # a broken page must not hide the failure
            page.screenshot(path=failed)
        raise


def _study_and_save(page, lab, workbook_copy):
    base, token, served = lab
    exercise = workbook.resolve_notebook(f"{NUMBER:02d}", ROOT, folder="notebooks")
    notebook = served / exercise.name
    page.goto(f"{base}/lab/tree/{exercise.name}?token={token}")
    page.wait_for_selector(IDLE, timeout=KERNEL_START_S * 1000)
    title = page.locator(".jp-NotebookPanel .jp-MarkdownCell").first

    # Opened and saved: the kernel's metadata goes into the file, and verify stays green.
    assert not _has_kernel_metadata(exercise.read_text(encoding="utf-8"))
    title.click()
    _save(page, notebook, until=_has_kernel_metadata)
    assert _verify_with(workbook_copy, exercise.name, notebook.read_text(encoding="utf-8")) == []

    _type_answer(page, "def normalize_intensity", ANSWER)
    _run_all(page)
    _screenshot(page, title, f"{NUMBER:02d}-title.png")
    _screenshot(page, _code_cell(page, "medlab.check.q01.normalize_intensity"), f"{NUMBER:02d}.png")

    errors = page.locator(STDERR)
    assert errors.count() == 0, "error output in the notebook:\n" + "\n---\n".join(errors.all_text_contents())
    prompts = page.evaluate(f"() => {_PROMPTS}")
    assert all(t[1:-2].isdigit() for t in prompts), f"cells without an execution count: {prompts}"
    passed = _output_of(page, "medlab.check.q01.normalize_intensity")
    assert "✓ normalize_intensity: all" in passed and "cases pass" in passed, passed
    fallback = _output_of(page, "medlab.check.q01.build_cnn")
    assert "○ build_cnn: not written yet" in fallback, fallback
    assert page.locator(".jp-NotebookPanel .jp-OutputArea-output img").count() > 0, "no figure was drawn"
    assert QUESTIONS[NUMBER][0] in title.text_content(), "the Chinese question is not in the title cell"
    assert title.locator("blockquote").first.is_visible()
    assert title.evaluate(_DRAWS_CJK), "the Chinese title is drawn as boxes: no CJK font reaches Chromium"

    # Answered, run and saved: the file holds the answer and the outputs; apart from the answer,
    # verify sees the exercise it was built as.
    _save(page, notebook)
    saved = nbformat.read(notebook, as_version=4)
    code = [c for c in saved.cells if c.cell_type == "code" and c.source.strip()]
    assert all(c.execution_count for c in code) and any(c.outputs for c in code), "saved without the run"
    answer = next(c for c in code if "def normalize_intensity" in c.source)
    assert answer.source == ANSWER
    stub = next(c for c in nbformat.read(exercise, as_version=4).cells if c.get("id") == answer.get("id"))
    answer.source = stub.source
    assert _verify_with(workbook_copy, exercise.name, nbformat.writes(saved)) == []


def test_without_chromium_the_browser_test_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(globals(), "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"Chromium \(/nonexistent/chromium\).*apt-get install chromium"):
        _playwright_or_skip()
    monkeypatch.setenv("CI", "true")  # CI installs Chromium first: there, missing it is a failure
    with pytest.raises(pytest.fail.Exception, match="apt-get install chromium fonts-noto-cjk"):
        _playwright_or_skip()
