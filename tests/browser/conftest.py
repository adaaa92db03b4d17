"""A real `streamlit run` server on localhost and headless Chromium (Debian's package).

Waits in a page are on conditions, never fixed sleeps: every page counts the script runs that
ended (`RUN_COUNTER_JS`), so `rerun` waits for the run an action starts, and `wait_still` for an
element to stop moving.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("TOKDASH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


#: Installed in every page before its scripts: ``window.__tdRunsEnded`` counts the script runs
#: that have ended, read from the server's messages (a ``ForwardMsg`` whose ``script_finished``
#: says finished or compile error; a run cut short by a rerun does not count). The app's
#: ``data-test-script-state`` is not enough: a fast rerun may never show ``running`` in the DOM.
RUN_COUNTER_JS = """
(() => {
  const FIELD = FINISHED_FIELD, DONE = FINISHED_DONE;
  window.__tdRunsEnded = 0;
  const ended = (buf) => {  // the top-level fields of one ForwardMsg (protobuf wire format)
    const b = new Uint8Array(buf);
    let i = 0;
    const varint = () => {
      let x = 0, shift = 0, c;
      do { c = b[i++]; x += (c & 0x7f) * 2 ** shift; shift += 7; } while (c & 0x80);
      return x;
    };
    while (i < b.length) {
      const tag = varint(), field = Math.floor(tag / 8), wire = tag & 7;
      if (wire === 0) { const v = varint(); if (field === FIELD) return DONE.includes(v); }
      else if (wire === 2) { const n = varint(); i += n; }  // not `i += varint()`
      else if (wire === 1) i += 8;
      else if (wire === 5) i += 4;
      else return false;
    }
    return false;
  };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (e) => {
        if (e.data instanceof ArrayBuffer && ended(e.data)) window.__tdRunsEnded += 1;
      });
    }
  };
})();
""".replace("FINISHED_FIELD", str(ForwardMsg.SCRIPT_FINISHED_FIELD_NUMBER)).replace(
    "FINISHED_DONE", str([ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR])
)
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
#: The page has drawn a finished run: not running, and no element left over from an older run.
SETTLED_JS = (
    "([n, idle]) => window.__tdRunsEnded > n && document.querySelector(idle) !== null"
    " && document.querySelector('[data-stale=\"true\"]') === null"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def screenshot_dir() -> Path:
    """docs/screenshots when refreshing the README's pictures, else test-artifacts/."""
    if os.environ.get("TOKDASH_UPDATE_SCREENSHOTS"):
        path = ROOT / "docs" / "screenshots"
    else:
        path = ROOT / "test-artifacts" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _serve(extra_env: dict[str, str]):
    """Start ``streamlit run app.py`` on a free local port with ``extra_env``; yields its URL."""
    port = _free_port()
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", **extra_env}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless=true",
            f"--server.port={port}",
            "--server.address=127.0.0.1",
            "--server.fileWatcherType=none",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
        if proc.poll() is not None:
            out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            pytest.fail(f"streamlit exited early:\n{out[-3000:]}")
    else:
        proc.kill()
        pytest.fail("streamlit did not become healthy in 90 s")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def server_url():
    # one heavy job at a time, as on the hosted demo (test_queue_browser checks the line)
    yield from _serve({"TOKDASH_HEAVY_JOBS": "1"})


@pytest.fixture(scope="module")
def hosted_server_url():
    """A server in hosted mode, with the Docker image's upload limit."""
    yield from _serve({"TOKDASH_HOSTED": "1", "STREAMLIT_SERVER_MAX_UPLOAD_SIZE": "20"})


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"no Chromium at {CHROMIUM}: install Debian's `chromium` package (.ci/run does)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def new_context(browser):
    """A browser context whose pages count their script runs (see `rerun`)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    context.add_init_script(RUN_COUNTER_JS)
    return context


@pytest.fixture
def page(browser):
    context = new_context(browser)
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    context.close()


def wait_idle(pg) -> None:
    """Wait until the Streamlit script is not running (it may not have started yet: after an
    action that reruns it, use `rerun`)."""
    pg.wait_for_selector(IDLE)


def runs_ended(pg) -> int:
    """How many script runs have ended in this page since it loaded."""
    return pg.evaluate("() => window.__tdRunsEnded || 0")


def wait_runs(pg, more_than: int, timeout: float | None = None) -> None:
    """Wait until more than ``more_than`` script runs have ended and none is going on."""
    pg.wait_for_function(SETTLED_JS, arg=[more_than, IDLE], timeout=timeout)


def open_page(pg, url: str, timeout: float | None = None) -> None:
    """Go to ``url`` and wait for its first script run to end."""
    pg.goto(url)
    wait_runs(pg, 0, timeout)


@contextlib.contextmanager
def rerun(pg):
    """Around an action that reruns the script (a widget change, a button): wait, after it, for
    that run to end. A run already going on is waited for first, so it is not mistaken for it."""
    wait_idle(pg)
    before = runs_ended(pg)
    yield
    wait_runs(pg, before)


def wait_still(locator, frames: int = 10) -> None:
    """Wait until ``locator``'s box has not moved or changed size for ``frames`` frames (e.g. a
    button pushed down while a table above it draws)."""
    locator.wait_for()
    locator.evaluate(
        """(el, frames) => new Promise((resolve) => {
          let last = "", same = 0;
          const tick = () => {
            const r = el.getBoundingClientRect();
            const key = [r.x, r.y, r.width, r.height].join();
            same = key === last ? same + 1 : 0;
            last = key;
            if (same >= frames) resolve(true); else requestAnimationFrame(tick);
          };
          requestAnimationFrame(tick);
        })""",
        frames,
    )


def choose(pg, box, option, tries: int = 4) -> None:
    """Open the select ``box`` and click ``option`` (a locator in the page), waiting for the
    rerun it starts. A rerun that redraws the box can close its list just after it opened: the
    list is opened again, up to ``tries`` times."""
    wait_idle(pg)
    wait_still(box)
    for attempt in range(tries):
        box.click()
        try:
            option.wait_for(state="visible", timeout=5_000)
            break
        except Exception:
            if attempt == tries - 1:
                raise
            pg.keyboard.press("Escape")
            wait_idle(pg)
    with rerun(pg):
        option.click()


def assert_no_exception(pg) -> None:
    assert pg.locator('[data-testid="stException"]').count() == 0, pg.locator(
        '[data-testid="stException"]'
    ).first.inner_text()


def full_screenshot(page, name: str) -> None:
    """The whole page: Streamlit scrolls inside its main block, so grow the viewport to it."""
    height = page.evaluate(
        "() => document.querySelector('[data-testid=\"stMain\"]')?.scrollHeight || 1000"
    )
    page.set_viewport_size({"width": 1400, "height": min(int(height) + 40, 6000)})
    wait_still(page.get_by_test_id("stMain"))  # the layout settles at the new size
    page.screenshot(path=str(screenshot_dir() / name), full_page=True)
