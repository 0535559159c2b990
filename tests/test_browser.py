"""In a real browser: what a trainer starts, a trainee sees.

- ``make lab`` on a fresh copy of the kit (its own ``.venv``, as root in CI
  and on training machines) prints an address with its token before
  JupyterLab's own log, and that address opens JupyterLab.
- ``make desk`` on the same copy serves the practice desk with Voila: the
  three desks answer clicks, and no code cell's source is on the page.
- JupyterLab runs lesson 08, a trainee clicks the claim reviewer, and the
  feedback shown is the one :func:`recoup_lib.widgets.grade` gives.

Debian's headless Chromium is driven through chromedriver's W3C WebDriver
HTTP interface (plain ``urllib``: no Selenium, no download); every server
listens on a free port of 127.0.0.1; screenshots and logs are kept in
``test-artifacts/browser/``. Skipped with a message where chromium or
chromedriver is missing (``.ci/run`` installs both).

Every process it starts is stopped by its own id (or the process group it
made) at the end.
"""

from __future__ import annotations

import base64
import contextlib
import html
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
LESSON = ROOT / "notebooks" / "08_practice_desk.ipynb"
APP = ROOT / "apps" / "practice_desk.ipynb"
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
        self.profile = tempfile.mkdtemp(prefix="recoup-chromium-")
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1400,1000", "--no-first-run", "--disable-extensions",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     f"--user-data-dir={self.profile}"]}}}}
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
        shutil.rmtree(self.profile, ignore_errors=True)


needs_browser = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="browser test skipped: Chromium and chromedriver are not installed "
           "(Debian: apt-get install chromium chromium-driver; .ci/run does this)")


@contextlib.contextmanager
def _chromium():
    """chromedriver on a free port and a headless Chromium session over it; both stopped on exit."""
    port = _free_port()
    driver = subprocess.Popen([CHROMEDRIVER, f"--port={port}"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    browser = None
    try:
        _wait_http(f"http://127.0.0.1:{port}/status", STARTUP, "chromedriver", driver)
        browser = WebDriver(port, CHROMIUM, ARTIFACTS)
        yield browser
    finally:
        if browser is not None:
            browser.quit()
        _stop(driver)


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


# --- make lab and make desk on a fresh copy of the kit ------------------------------------------------


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
        env = {k: v for k, v in os.environ.items()
               if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "VIRTUAL_ENV", "PYTHONPATH"}}
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
