"""In a real browser: what a trainer starts, a trainee sees.

- ``make lab`` on a fresh copy of the kit (its own ``.venv``, as root in CI
  and on training machines) prints an address with its token before
  JupyterLab's own log, and that address opens JupyterLab.
- ``make desk`` on the same copy serves the practice desk with Voila: the
  three desks answer clicks, and no code cell's source is on the page.

The helpers are in ``browser_helpers.py``; lesson 08 in the browser is
``test_browser.py``. Every process a test starts is stopped by its own id
(or the process group it made) at the end.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest

from browser_helpers import ARTIFACTS, ROOT, STARTUP, WebDriver, _chromium, _free_port, _wait_http, needs_browser

APP = ROOT / "apps" / "practice_desk.ipynb"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def kit(tmp_path_factory) -> Path:
    """The kit as a fresh clone has it: the files git tracks or would track, as they are now; no .venv.

    The first ``make`` target run in it creates its ``.venv`` from the lock,
    as on a new training machine.
    """
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], capture_output=True)
    if listed.returncode != 0 or shutil.which("make") is None:
        pytest.skip("needs git (to tell the kit's files from local ones) and make")
    dest = tmp_path_factory.mktemp("fresh") / "recoup-kit"
    for name in filter(None, listed.stdout.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    assert (dest / "Makefile").is_file() and not (dest / ".venv").exists()
    return dest


class Served:
    """``make TARGET`` in its own process group, its output collected (and kept as a log), stopped by group."""

    def __init__(self, kit: Path, target: str, *assignments: str):
        self.home = home = Path(tempfile.mkdtemp(prefix=f"recoup-make-{target}-"))
        # Without the test run's bytecode settings, the copy's processes keep their bytecode beside the
        # copy's own sources, as on a user's machine, and it goes with the copy: under the run's
        # PYTHONPYCACHEPREFIX (the kit's .venv) every run left about 60 MB of it for a folder gone.
        env = {k: v for k, v in os.environ.items()
               if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "VIRTUAL_ENV", "PYTHONPATH",
                            "PYTHONPYCACHEPREFIX", "PYTHONDONTWRITEBYTECODE"}}
        env.update(JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
                   JUPYTERLAB_SETTINGS_DIR=str(home / "lab-settings"),
                   JUPYTERLAB_WORKSPACES_DIR=str(home / "lab-workspaces"))
        self.lines: list[str] = []
        self.log = (ARTIFACTS / f"make_{target}.log").open("w")
        self.process = subprocess.Popen(["make", target, *assignments], cwd=kit, env=env, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            self.log.write(line)
            self.log.flush()

    def wait_for(self, pattern: str, timeout: float) -> tuple[int, re.Match]:
        """The first output line matching ``pattern`` (its index and match), else a failure with the output."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for i, line in enumerate(list(self.lines)):
                found = re.search(pattern, line)
                if found:
                    return i, found
            if self.process.poll() is not None and not self.reader.is_alive():
                break
            time.sleep(0.2)
        pytest.fail(f"no line matching {pattern!r} within {timeout:.0f} s; make said:\n"
                    + "\n".join(self.lines[-40:]))

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.reader.join(timeout=10)
        self.log.close()
        shutil.rmtree(self.home, ignore_errors=True)


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@needs_browser
def test_make_lab_on_a_fresh_copy_prints_an_address_that_opens_jupyterlab(kit):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    started = time.monotonic()
    served = Served(kit, "lab", f"PORT={port}")
    try:
        at, found = served.wait_for(rf"http://127\.0\.0\.1:{port}/lab\?token=([0-9a-f]{{48}})", 3 * STARTUP)
        url, token = found.group(0), found.group(1)
        assert not any("ServerApp" in line for line in served.lines[:at]), \
            "the address must come before JupyterLab's own log"
        served.wait_for(r"ServerApp.*(Jupyter Server|http://127\.0\.0\.1)", STARTUP)
        _wait_http(f"http://127.0.0.1:{port}/api/status?token={token}", STARTUP, "make lab", served.process)
        assert _status(f"http://127.0.0.1:{port}/api/status") == 403, "the server must ask for the token"
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            assert not any("Running as root is not recommended" in line for line in served.lines)
        with _chromium() as browser:
            browser.get(url)
            browser.wait_for(".jp-LabShell, #jp-main-dock-panel", STARTUP, "JupyterLab opened")
            browser.wait_for(".jp-DirListing-item", STARTUP, "the lessons folder listed", text="notebooks")
            browser.screenshot("make_lab.png")
    finally:
        served.stop()
    (ARTIFACTS / "timing_make_lab.txt").write_text(
        f"make lab on a fresh copy (venv included) to JupyterLab in the browser: "
        f"{time.monotonic() - started:.1f} s\n")
    assert served.process.returncode is not None


def _click_through_the_desk(browser: WebDriver, url: str, code_lines: list[str]) -> None:
    """Open the desk, check no code is on the page, and use each of its four desks once."""
    browser._call("POST", browser._s("/timeouts"), {"pageLoad": int(3 * STARTUP * 1000)})
    browser.get(url)
    browser.wait_for(".recoup-practice-desk", 2 * STARTUP, "the desk app rendered")
    browser.wait_for(".recoup-claim-reviewer .recoup-claim", 60, "a claim shown", text="Claim 1 of")

    page = browser.script("return document.documentElement.outerHTML;")
    shown = [line for line in code_lines if html.escape(line, quote=False) in page or line in page]
    assert not shown, f"code on the page: {shown[:5]}"
    assert "PosixPath(" not in page and "/tmp/" not in page, "a cell's return value or a machine path is on the page"
    editors = browser.script("return document.querySelectorAll('.jp-CodeCell .jp-InputArea, "
                             ".jp-InputArea-editor, .cm-editor, .CodeMirror').length;")
    assert editors == 0, f"{editors} code cell inputs on the page"
    browser.screenshot("make_desk_claims.png")

    browser.click(browser.wait_for(".recoup-claim-reviewer .recoup-choice-clean", 60, "Clean button"))
    browser.wait_for(".recoup-claim-reviewer .recoup-score", 60, "the score counts the answer",
                     text="out of 1 answered")
    feedback = browser.text(browser.find_all(".recoup-claim-reviewer .recoup-feedback")[0])
    assert "Pick Clean" not in feedback and len(feedback) > 40, feedback

    browser.click(browser.wait_for(".recoup-practice-desk .lm-TabBar-tab", 60, "notices tab",
                                   text="Decide notices"))
    browser.wait_for(".recoup-appeal-desk .recoup-outcome", 60, "the appeal desk shown",
                     text="Choose appeal")
    browser.click(browser.wait_for(".recoup-appeal-desk .recoup-decision-appeal", 60, "Appeal button"))
    browser.wait_for(".recoup-appeal-desk .recoup-outcome", 60, "the appeal's outcome", text="You appeal")
    browser.screenshot("make_desk_notices.png")

    browser.click(browser.wait_for(".recoup-practice-desk .lm-TabBar-tab", 60, "deposits tab",
                                   text="Explain a deposit"))
    browser.wait_for(".recoup-practice-desk p", 60, "a deposit explained", text="deposited")
    browser.screenshot("make_desk_deposits.png")

    browser.click(browser.wait_for(".recoup-practice-desk .lm-TabBar-tab", 60, "mapping tab",
                                   text="Map an export"))
    browser.wait_for(".recoup-practice-desk .recoup-mapping", 60, "the export's mapping shown", text="rows read")
    browser.screenshot("make_desk_mapping.png")


@needs_browser
def test_make_desk_serves_the_three_desks_with_no_code_on_the_page(kit):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    code_lines = [line.strip() for cell in nbformat.read(APP, as_version=4).cells if cell.cell_type == "code"
                  for line in cell.source.splitlines() if len(line.strip()) >= 12]
    assert code_lines
    started = time.monotonic()
    served = Served(kit, "desk", f"DESK_PORT={port}")
    try:
        _, found = served.wait_for(rf"http://127\.0\.0\.1:{port}/\?token=[0-9a-f]{{48}}", 3 * STARTUP)
        served.wait_for(r"Voil(a|à) is running at", STARTUP)
        with _chromium() as browser:
            _click_through_the_desk(browser, found.group(0), code_lines)
    finally:
        served.stop()
    (ARTIFACTS / "timing_make_desk.txt").write_text(
        f"make desk on a fresh copy to three desks clicked in the browser: {time.monotonic() - started:.1f} s\n")
    assert served.process.returncode is not None
