"""In a real browser: JupyterLab runs lesson 08, a trainee clicks the claim reviewer, and the
feedback shown is the one :func:`recoup_lib.widgets.grade` gives.

``make lab`` and ``make desk`` on a fresh copy of the kit are in
``test_browser_make.py``; the helpers both files use (Chromium through
chromedriver's WebDriver interface, free ports, stopping what was started)
are in ``browser_helpers.py``. Every process a test starts is stopped by its
own id (or the process group it made) at the end.
"""

from __future__ import annotations

import html
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest

from browser_helpers import ARTIFACTS, ROOT, STARTUP, _chromium, _free_port, _stop, _wait_http, needs_browser

LESSON = ROOT / "notebooks" / "08_practice_desk.ipynb"

pytestmark = pytest.mark.browser


def _lesson_parameters() -> dict:
    """Run the lesson's ``parameters`` cell to know which deck the page shows."""
    book = nbformat.read(LESSON, as_version=4)
    cell = next(c for c in book.cells if "parameters" in c.metadata.get("tags", []))
    namespace: dict = {}
    exec(cell.source, namespace)
    return namespace


@pytest.fixture
def workspace(tmp_path):
    """A copy of the lesson (JupyterLab autosaves what it opens), the demo data beside it, fresh Lab settings."""
    (tmp_path / "notebooks").mkdir()
    shutil.copy(LESSON, tmp_path / "notebooks" / LESSON.name)
    (tmp_path / "synthetic").symlink_to(ROOT / "synthetic", target_is_directory=True)
    settings = tmp_path / "lab-user-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    (tmp_path / "lab-workspaces").mkdir()
    return tmp_path


@needs_browser
def test_lesson_08_claim_reviewer_in_headless_chromium(workspace):
    from recoup_lib.widgets import build_deck, grade

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    params = _lesson_parameters()
    folder = (ROOT / "notebooks" / params["FOLDER"]).resolve()
    first = build_deck(folder, size=params["DECK_SIZE"], seed=params["SEED"])[0]
    expected = grade(first, "clean")

    token = secrets.token_hex(16)
    lab_port = _free_port()
    env = {**os.environ, "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter"),
           "JUPYTERLAB_SETTINGS_DIR": str(workspace / "lab-user-settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(workspace / "lab-workspaces"),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    lab_cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={lab_port}",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={workspace}",
               "--LabApp.expose_app_in_browser=True", "--ServerApp.port_retries=0"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        lab_cmd.append("--allow-root")
    log = (ARTIFACTS / "jupyterlab.log").open("w")
    lab = None
    started = time.monotonic()
    try:
        lab = subprocess.Popen(lab_cmd, cwd=workspace, env=env, stdout=log, stderr=subprocess.STDOUT)
        _wait_http(f"http://127.0.0.1:{lab_port}/api/status?token={token}", STARTUP, "JupyterLab", lab)
        with urllib.request.urlopen(f"http://127.0.0.1:{lab_port}/api/kernelspecs?token={token}") as r:
            spec = json.loads(r.read())["kernelspecs"]["python3"]
        # "python" in a kernel spec is started as the server's own interpreter: this venv's.
        assert spec["spec"]["argv"][0] in {"python", "python3", sys.executable}, spec["spec"]["argv"]
        with _chromium() as browser:
            browser.get(f"http://127.0.0.1:{lab_port}/lab/tree/notebooks/{LESSON.name}?token={token}")
            browser.wait_for(".jp-Notebook", STARTUP, "notebook opened")
            browser.wait_for(".jp-Notebook-ExecutionIndicator, #jp-main-statusbar", 60, "status bar")
            end = time.monotonic() + STARTUP
            while time.monotonic() < end and not browser.script(
                    "const p = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
                    "return !!(p && p.sessionContext && p.sessionContext.session && p.sessionContext.session.kernel"
                    " && p.sessionContext.session.kernel.status === 'idle');"):
                time.sleep(0.25)
            browser.script("window.jupyterapp.commands.execute('notebook:run-all-cells');")
            reviewer = browser.wait_for(".recoup-claim-reviewer", 2 * STARTUP, "claim reviewer rendered")
            browser.wait_for(".recoup-claim-reviewer .recoup-claim", 60, "claim shown", text=first.claim_id)
            browser.click(browser.wait_for(".recoup-claim-reviewer .recoup-choice-clean", 60, "Clean button"))
            verdict = "Right:" if expected.correct else "Not this time" if first.is_clean else "Not clean"
            feedback = browser.wait_for(".recoup-claim-reviewer .recoup-feedback", 60, "feedback", text=verdict)
            shown = browser.text(feedback)
            score = browser.text(browser.find_all(".recoup-claim-reviewer .recoup-score")[0])
            browser.script("arguments[0].scrollIntoView({block: 'center'});", feedback)
            browser.screenshot("claim_reviewer_feedback.png")
            browser.screenshot("claim_reviewer.png", reviewer)
            browser.wait_for(".recoup-appeal-desk .recoup-outcome", 2 * STARTUP, "appeal desk rendered")
            browser.click(browser.wait_for(".recoup-appeal-desk .recoup-decision-appeal", 60, "Appeal button"))
            browser.wait_for(".recoup-appeal-desk .recoup-outcome", 60, "appeal outcome", text="You appeal all")
            browser.screenshot("appeal_desk.png", browser.find_all(".recoup-appeal-desk")[0])
    finally:
        _stop(lab)
        log.close()
    (ARTIFACTS / "timing.txt").write_text(f"browser test end to end: {time.monotonic() - started:.1f} s\n")
    assert html.unescape(expected.feedback) in shown.replace("\n", " ") or expected.feedback in shown
    assert score.startswith(f"Score: {int(expected.correct)} right out of 1 answered")
    assert lab.returncode is not None
