"""In a real browser: JupyterLab runs lesson 08, a trainee clicks the claim reviewer, the feedback shows.

Starts JupyterLab on 127.0.0.1 (a free port, a random token) over a copy of
the lesson, drives Debian's headless Chromium through chromedriver's W3C
WebDriver HTTP interface (plain ``urllib``: no Selenium, no download), runs
all cells, clicks *Clean* in the claim reviewer, checks that the feedback
shown is the one :func:`recoup_lib.widgets.grade` gives for that claim, and
keeps screenshots in ``test-artifacts/browser/``. Skipped with a message
where chromium or chromedriver is missing (``.ci/run`` installs both).

Every process it starts is stopped by its own id at the end.
"""

from __future__ import annotations

import base64
import html
import json
import os
import secrets
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

ROOT = Path(__file__).resolve().parents[1]
LESSON = ROOT / "notebooks" / "08_practice_desk.ipynb"
ARTIFACTS = ROOT / "test-artifacts" / "browser"

pytestmark = pytest.mark.browser

#: Seconds allowed for each start-up step (Lab, chromedriver, the page, the kernel); generous for
#: a loaded CI machine. Under no load the whole test takes about a minute.
STARTUP = float(os.environ.get("RECOUP_BROWSER_TIMEOUT", "240"))


def _find(name: str, *fallbacks: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    return next((p for p in fallbacks if Path(p).is_file() and os.access(p, os.X_OK)), None)


CHROMIUM = _find("chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMEDRIVER = _find("chromedriver", "/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, timeout: float, what: str, process: subprocess.Popen) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with status {process.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not answer {url} within {timeout:.0f} s")


def _stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


class WebDriver:
    """The few W3C WebDriver commands the test needs, over chromedriver's HTTP API."""

    ELEMENT = "element-6066-11e4-a52e-4f735466cecf"

    def __init__(self, port: int, chromium: str, shots: Path):
        self.base = f"http://127.0.0.1:{port}"
        self.shots = shots
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1400,1000", "--no-first-run", "--disable-extensions"]}}}}
        self.session = self._call("POST", "/session", caps)["sessionId"]

    def _call(self, method: str, path: str, body: dict | None = None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return json.loads(response.read() or b"{}").get("value")
        except urllib.error.HTTPError as exc:
            detail = json.loads(exc.read() or b"{}").get("value", {})
            raise RuntimeError(f"WebDriver {method} {path}: {detail.get('error')}: "
                               f"{str(detail.get('message', ''))[:300]}") from None

    def _s(self, path: str) -> str:
        return f"/session/{self.session}{path}"

    def get(self, url: str) -> None:
        self._call("POST", self._s("/url"), {"url": url})

    def find_all(self, css: str) -> list[str]:
        found = self._call("POST", self._s("/elements"), {"using": "css selector", "value": css})
        if not isinstance(found, list):
            raise RuntimeError(f"WebDriver find {css!r}: unexpected answer {str(found)[:300]}")
        return [f[self.ELEMENT] for f in found]

    def wait_for(self, css: str, timeout: float, what: str, text: str | None = None) -> str:
        """The first element matching ``css`` (and containing ``text``), or a failure with a screenshot."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for element in self.find_all(css):
                if text is None or text in self.text(element):
                    return element
            time.sleep(0.25)
        shot = self.screenshot(f"timeout_{what.replace(' ', '_')}.png")
        pytest.fail(f"{what}: nothing matched {css!r}{f' with {text!r}' if text else ''} within "
                    f"{timeout:.0f} s (screenshot {shot.relative_to(ROOT)})")

    def text(self, element: str) -> str:
        return self._call("GET", self._s(f"/element/{element}/text")) or ""

    def click(self, element: str) -> None:
        self.script("arguments[0].scrollIntoView({block: 'center'});", element)
        self._call("POST", self._s(f"/element/{element}/click"), {})

    def script(self, source: str, *elements: str):
        args = [{self.ELEMENT: e} for e in elements]
        return self._call("POST", self._s("/execute/sync"), {"script": source, "args": args})

    def screenshot(self, name: str, element: str | None = None) -> Path:
        path = self.shots / name
        where = self._s(f"/element/{element}/screenshot") if element else self._s("/screenshot")
        path.write_bytes(base64.b64decode(self._call("GET", where)))
        return path

    def quit(self) -> None:
        try:
            self._call("DELETE", self._s(""))
        except (RuntimeError, OSError):
            pass


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
    (tmp_path / "tests").symlink_to(ROOT / "tests", target_is_directory=True)
    settings = tmp_path / "lab-user-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    (tmp_path / "lab-workspaces").mkdir()
    return tmp_path


@pytest.mark.skipif(CHROMIUM is None or CHROMEDRIVER is None,
                    reason="browser test skipped: Chromium and chromedriver are not installed "
                           "(Debian: apt-get install chromium chromium-driver; .ci/run does this)")
def test_lesson_08_claim_reviewer_in_headless_chromium(workspace):
    from recoup_lib.widgets import build_deck, grade

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    params = _lesson_parameters()
    folder = (ROOT / "notebooks" / params["FOLDER"]).resolve()
    first = build_deck(folder, size=params["DECK_SIZE"], seed=params["SEED"])[0]
    expected = grade(first, "clean")

    token = secrets.token_hex(16)
    lab_port, driver_port = _free_port(), _free_port()
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
    lab = driver = browser = None
    started = time.monotonic()
    try:
        lab = subprocess.Popen(lab_cmd, cwd=workspace, env=env, stdout=log, stderr=subprocess.STDOUT)
        _wait_http(f"http://127.0.0.1:{lab_port}/api/status?token={token}", STARTUP, "JupyterLab", lab)
        with urllib.request.urlopen(f"http://127.0.0.1:{lab_port}/api/kernelspecs?token={token}") as r:
            spec = json.loads(r.read())["kernelspecs"]["python3"]
        # "python" in a kernel spec is started as the server's own interpreter: this venv's.
        assert spec["spec"]["argv"][0] in {"python", "python3", sys.executable}, spec["spec"]["argv"]
        driver = subprocess.Popen([CHROMEDRIVER, f"--port={driver_port}"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        _wait_http(f"http://127.0.0.1:{driver_port}/status", STARTUP, "chromedriver", driver)
        browser = WebDriver(driver_port, CHROMIUM, ARTIFACTS)
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
        desk = browser.wait_for(".recoup-appeal-desk .recoup-outcome", 2 * STARTUP, "appeal desk rendered")
        browser.click(browser.wait_for(".recoup-appeal-desk .recoup-decision-appeal", 60, "Appeal button"))
        browser.wait_for(".recoup-appeal-desk .recoup-outcome", 60, "appeal outcome", text="You appeal all")
        browser.screenshot("appeal_desk.png", browser.find_all(".recoup-appeal-desk")[0])
        assert desk
    finally:
        if browser is not None:
            browser.quit()
        _stop(driver)
        _stop(lab)
        log.close()
    (ARTIFACTS / "timing.txt").write_text(f"browser test end to end: {time.monotonic() - started:.1f} s\n")
    assert html.unescape(expected.feedback) in shown.replace("\n", " ") or expected.feedback in shown
    assert score.startswith(f"Score: {int(expected.correct)} right out of 1 answered")
    assert lab.returncode is not None and driver.returncode is not None
