"""Headless Chromium over the DevTools protocol, for tests that look at a page as a person would (stdlib only).

Chromium is Debian's `chromium` package (`.ci/run` installs it), or $CHROMIUM. The `browser` fixture yields a
running browser, or the reason there is none; `need(browser)` fails on that reason in CI and skips elsewhere.
The protocol runs over --remote-debugging-pipe: fd 3 in, fd 4 out, NUL-separated JSON.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
    "--hide-scrollbars", "--mute-audio",
]
# puts the two pipe ends on fds 3 and 4 of the browser, then execs it (no preexec_fn in a threaded process)
_LAUNCHER = ("import fcntl, os, sys\n"
             "r, w = (fcntl.fcntl(int(a), fcntl.F_DUPFD_CLOEXEC, 10) for a in sys.argv[1:3])\n"
             "os.dup2(r, 3)\n"
             "os.dup2(w, 4)\n"
             "os.execv(sys.argv[3], sys.argv[3:])\n")


class Chromium:
    """A headless Chromium driven over the DevTools protocol with one page."""

    def __init__(self, executable: str, workdir: Path, width: int = 1400, height: int = 900):
        workdir.mkdir(parents=True, exist_ok=True)
        self.log = workdir / "chromium.log"
        self.width, self.height = width, height
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _LAUNCHER, str(to_browser_r), str(from_browser_w), executable,
                 *CHROMIUM_FLAGS, f"--user-data-dir={workdir / 'profile'}", "--remote-debugging-pipe", "about:blank"],
                pass_fds=(to_browser_r, from_browser_w), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._id = 0
        self.last_error = ""
        self.version = self.call("Browser.getVersion")["product"]
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.resize(width, height)

    def call(self, method: str, params: dict | None = None, page: bool = False, timeout: float = 30) -> dict:
        self._id += 1
        message = {"id": self._id, "method": method, "params": params or {}}
        if page:
            message["sessionId"] = self.session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self._to_browser, data):]
        deadline = time.monotonic() + timeout
        while True:
            reply = self._next(deadline, method)
            if reply.get("id") == self._id:  # anything else is an event: not needed here
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def _next(self, deadline: float, method: str) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no reply from Chromium to {method}")
            if select.select([self._from_browser], [], [], left)[0]:
                chunk = os.read(self._from_browser, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium exited:\n" + self.log.read_text(errors="replace")[-3000:])
                self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(raw)

    def resize(self, width: int, height: int) -> None:
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, page=True)

    def goto(self, url: str) -> None:
        """Load `url` as a new document (a hash change alone would keep the previous page state, e.g. an open graph)."""
        self.call("Page.navigate", {"url": "about:blank"}, page=True)
        result = self.call("Page.navigate", {"url": url}, page=True)
        assert not result.get("errorText"), f"{url}: {result['errorText']}"

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True},
                           page=True)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise RuntimeError(details.get("exception", {}).get("description") or details.get("text"))
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30):
        """Evaluate until the value is truthy; returns it (or the last value after the timeout)."""
        deadline = time.monotonic() + timeout
        value = None
        while time.monotonic() < deadline:
            try:
                value = self.evaluate(expression)
            except RuntimeError as exc:  # e.g. the page is still loading: evaluate again
                value = None
                self.last_error = str(exc)
            if value:
                return value
            time.sleep(0.2)
        return value

    def screenshot(self, path: Path) -> Path:
        path.write_bytes(base64.b64decode(self.call("Page.captureScreenshot", {"format": "png"}, page=True)["data"]))
        return path

    def full_page_screenshot(self, path: Path) -> Path:
        """The whole page in one PNG: the viewport grown to the document's height, so element boxes from
        getBoundingClientRect() (scrolled to the top) are pixel positions in the image. Restores the viewport."""
        self.evaluate("window.scrollTo(0, 0)")
        height = int(self.evaluate("Math.ceil(document.documentElement.scrollHeight)"))
        self.resize(self.width, height)
        try:
            self.wait_for(f"window.innerHeight === {height}", timeout=10)
            return self.screenshot(path)
        finally:
            self.resize(self.width, self.height)

    def close(self) -> None:
        try:
            self.call("Browser.close", timeout=5)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)


def chromium_executable() -> str | None:
    """$CHROMIUM if set (only it), else Debian's chromium."""
    if os.environ.get("CHROMIUM"):
        return os.environ["CHROMIUM"] if Path(os.environ["CHROMIUM"]).exists() else None
    for candidate in (shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """A running headless Chromium, or the reason there is none (the tests fail on it in CI, skip locally)."""
    executable = chromium_executable()
    if executable is None:
        yield "Chromium not found: install Debian's package (apt-get install -y chromium; .ci/run does it)"
        return
    chromium = Chromium(executable, tmp_path_factory.mktemp("chromium"))
    yield chromium
    chromium.close()


def need(browser) -> Chromium:
    if isinstance(browser, str):
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(browser)
        pytest.skip(browser)
    return browser
