"""What the browser tests share: finding Chromium, free ports, waiting for servers, a WebDriver client.

Debian's headless Chromium is driven through chromedriver's W3C WebDriver
HTTP interface (plain ``urllib``: no Selenium, no download); every server
listens on a free port of 127.0.0.1; screenshots and logs are kept in
``test-artifacts/browser/``. Tests using it are skipped with a message where
chromium or chromedriver is missing (``.ci/run`` installs both). The
lesson's test and the ``make`` targets' tests live in two files, so the two
test workers run them side by side.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest


ROOT = Path(__file__).resolve().parents[1]
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

