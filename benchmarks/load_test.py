"""Hosted-mode load test: 4 browser sessions at once through every page, on 127.0.0.1 only.

Starts ``streamlit run app.py`` in hosted mode (``TOKDASH_HOSTED=1``, cache ttl ``--ttl`` s,
longer than the tours so that no entry expires during them, as with the hosted default of an
hour). One session walks every page first (the server's caches fill). Then ``--sessions``
headless Chromium sessions, each a new browser in its own thread, walk every page of the sidebar
once as first-time visitors (round 0: the browser also downloads and compiles the page's
scripts, e.g. plotly.js, about a CPU second that lands on whichever page is drawing) and then
``--rounds`` more times as returning visitors, clicking the page links as a user does. A page's
render time is from the click to the end of its script run, drawn. Beside it: the browser's own
CPU seconds for the run (Chrome's TaskDuration) and the server's own time per run (from
``TOKDASH_TIMING_LOG``, every run of the tours), since the 4 browsers share this machine's 2
cores with the server. Then two heavy jobs are started at once (a speed probe on the 125m preset
and a training run) so that the second waits in the server's line, and finally, with every
session closed, the server is left idle past the cache ttl and one session opens the Home page.

Server memory is the RSS of the streamlit process tree, sampled every 0.5 s. Printed and written
to ``benchmarks/results/load_test.csv`` (per page, returning visits: p50, p95, max seconds,
browser CPU, runs, exceptions; first visits: p50, p95, browser CPU; server p50, p95) and
``load_test_rss.csv`` (the series); the summary lines give first-pass, peak and idle RSS.

    python benchmarks/load_test.py [--sessions 4] [--rounds 2] [--ttl 300] [--tours-only]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import write_results  # noqa: E402

from tests.browser.conftest import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    IDLE,
    RUN_COUNTER_JS,
    SETTLED_JS,
    _free_port,
)

PAGES = [
    "Home", "Catalog", "Tokens", "Regex splits", "Compression", "Vocabulary", "Code structure",
    "Train", "Speed", "Swap", "Paper check",
]  # fmt: skip


TIMING_LOG = ROOT / "benchmarks" / "results" / "load_test_server_times.tsv"


def start_server(port: int, ttl: int) -> subprocess.Popen:
    TIMING_LOG.parent.mkdir(parents=True, exist_ok=True)
    TIMING_LOG.unlink(missing_ok=True)
    env = {
        **os.environ,
        "TOKDASH_TIMING_LOG": str(TIMING_LOG),
        "TOKDASH_HOSTED": "1",
        "TOKDASH_CACHE_TTL": str(ttl),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        "STREAMLIT_SERVER_MAX_UPLOAD_SIZE": "20",
    }
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true",
        f"--server.port={port}", "--server.address=127.0.0.1", "--server.fileWatcherType=none",
    ]  # fmt: skip
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("streamlit did not start")


class RssSampler(threading.Thread):
    """RSS (MB) of the server's process tree every 0.5 s, with a phase label."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.proc, self.rows, self.phase, self.stop = psutil.Process(pid), [], "start", False
        self.t0 = time.monotonic()

    def rss(self) -> float:
        try:
            procs = [self.proc, *self.proc.children(recursive=True)]
            return sum(p.memory_info().rss for p in procs) / 1e6
        except psutil.Error:
            return 0.0

    def run(self) -> None:
        while not self.stop:
            self.rows.append((round(time.monotonic() - self.t0, 1), self.phase, round(self.rss())))
            time.sleep(0.5)


#: Every chart of the page is drawn (plotly.js draws after the run has ended, and on a first
#: visit only once its script has loaded).
CHARTS_DRAWN_JS = (
    "() => [...document.querySelectorAll('[data-testid=\"stPlotlyChart\"]')]"
    ".every(e => e.querySelector('.main-svg') !== null)"
)


def settle(pg, before: int, timeout_ms: int) -> None:
    """The run started after ``before`` runs has ended, is drawn, and so is every chart."""
    pg.wait_for_function(SETTLED_JS, arg=[before, IDLE], timeout=timeout_ms)
    pg.wait_for_function(CHARTS_DRAWN_JS, timeout=timeout_ms)


def tour(
    url: str, rounds: int, results: list, errors: list, pages: tuple | list = tuple(PAGES)
) -> None:
    """One session, a new browser: every page ``rounds + 1`` times, timed. Round 0 is this
    browser's first visit of each page (it also loads and compiles the page's scripts, such as
    plotly.js, on this machine's cores); rounds 1.. are a returning visitor's. Each run also
    records the browser's own CPU seconds for it (Chrome's TaskDuration)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        ctx.add_init_script(RUN_COUNTER_JS)
        pg = ctx.new_page()
        cdp = ctx.new_cdp_session(pg)
        cdp.send("Performance.enable")

        def cpu() -> float:
            metrics = cdp.send("Performance.getMetrics")["metrics"]
            return next(m["value"] for m in metrics if m["name"] == "TaskDuration")

        try:
            pg.goto(url)
            settle(pg, 0, 180_000)
            for round_no in range(rounds + 1):
                for title in pages:
                    before = pg.evaluate("() => window.__tdRunsEnded || 0")
                    cpu0 = cpu()
                    t0 = time.perf_counter()
                    nav = pg.get_by_test_id("stSidebarNav")
                    nav.get_by_role("link", name=title, exact=True).click()
                    settle(pg, before, 180_000)
                    seconds = time.perf_counter() - t0
                    exc = pg.locator('[data-testid="stException"]').count()
                    results.append(
                        {
                            "page": title,
                            "round": round_no,
                            "seconds": seconds,
                            "browser_cpu_s": cpu() - cpu0,
                            "exceptions": exc,
                        }
                    )
        except Exception as exc:  # a timeout or a crash is a finding, not a stop
            errors.append(f"{type(exc).__name__}: {str(exc)[:300]}")
        finally:
            browser.close()


def heavy_jobs(url: str, out: dict) -> None:
    """A speed probe (125m) and, started right after it, a training run: the second waits."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        pages = []
        for path in ("speed", "train"):
            ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
            ctx.add_init_script(RUN_COUNTER_JS)
            pg = ctx.new_page()
            pg.set_default_timeout(300_000)
            pg.goto(f"{url}/{path}")
            settle(pg, 0, 300_000)
            pages.append(pg)
        speed, train = pages
        for label, value in (("Prompt tokens", 32), ("New tokens", 8), ("Repeats (median)", 1)):
            box = speed.get_by_label(label, exact=True)
            box.fill(str(value))
            box.press("Tab")
        t0 = time.perf_counter()
        speed.get_by_role("button", name="Run probe").click()
        speed.get_by_test_id("stMain").get_by_role("button", name="Stop").wait_for()
        train.get_by_role("button", name="Train", exact=True).click()
        try:
            train.get_by_text("Waiting for the server").wait_for(timeout=60_000)
            out["second_waited"] = True
        except Exception:
            out["second_waited"] = False
        speed.wait_for_selector('[data-testid="stMetric"]', timeout=300_000)
        out["probe_s"] = round(time.perf_counter() - t0, 1)
        train.get_by_role("button", name="Download tokenizer.json").wait_for(timeout=300_000)
        out["both_s"] = round(time.perf_counter() - t0, 1)
        out["exceptions"] = sum(p.locator('[data-testid="stException"]').count() for p in pages)
        browser.close()


class _ToursDone(Exception):
    """--tours-only: the tours are done."""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--ttl", type=int, default=300, help="cache ttl of the server (s)")
    ap.add_argument(
        "--tours-only", action="store_true", help="stop after the tours (no heavy jobs, no idle)"
    )
    args = ap.parse_args()
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_server(port, args.ttl)
    sampler = RssSampler(server.pid)
    sampler.start()
    summary = {}
    errors: list = []
    try:
        summary["rss_start_MB"] = round(sampler.rss())
        sampler.phase = "first pass"
        first: list = []
        tour(url, 0, first, [])
        summary["rss_first_pass_MB"] = round(sampler.rss())
        sampler.phase = f"{args.sessions} sessions"
        results: list = []
        threads = [
            threading.Thread(target=tour, args=(url, args.rounds, results, errors))
            for _ in range(args.sessions)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        tour_runs = len(TIMING_LOG.read_text().splitlines())  # the server's runs of the tours
        if args.tours_only:
            raise _ToursDone
        sampler.phase = "heavy jobs"
        heavy: dict = {}
        peak_before = max(r[2] for r in sampler.rows)
        heavy_jobs(url, heavy)
        summary["rss_peak_heavy_MB"] = max(r[2] for r in sampler.rows if r[1] == "heavy jobs")
        summary["rss_peak_sessions_MB"] = peak_before
        summary.update({f"heavy_{k}": v for k, v in heavy.items()})
        sampler.phase = "idle"
        time.sleep(args.ttl + 15)
        sampler.phase = "after ttl"
        tour(url, 0, [], [], pages=())  # a new session opens Home: expired entries are dropped
        time.sleep(2)
        summary["rss_idle_after_ttl_MB"] = round(sampler.rss())
    except _ToursDone:
        pass
    finally:
        summary["session_errors"] = "; ".join(errors) or "none"
        sampler.stop = True
        server.terminate()
        server.wait(timeout=20)
    df = pd.DataFrame(results)
    returning = df[df["round"] > 0]
    table = (
        returning.groupby("page", sort=False)
        .agg(
            runs=("seconds", "size"),
            p50_s=("seconds", lambda s: round(statistics.median(s), 2)),
            p95_s=("seconds", lambda s: round(float(s.quantile(0.95)), 2)),
            max_s=("seconds", lambda s: round(float(s.max()), 2)),
            browser_cpu_p50_s=("browser_cpu_s", lambda s: round(statistics.median(s), 2)),
            exceptions=("exceptions", "sum"),
        )
        .reset_index()
    )
    first = df[df["round"] == 0].groupby("page", sort=False)
    table = table.merge(
        first.agg(
            first_p50_s=("seconds", lambda s: round(statistics.median(s), 2)),
            first_p95_s=("seconds", lambda s: round(float(s.quantile(0.95)), 2)),
            first_browser_cpu_p50_s=("browser_cpu_s", lambda s: round(statistics.median(s), 2)),
            first_exceptions=("exceptions", "sum"),
        ).reset_index(),
        on="page",
        how="left",
    )
    server = pd.read_csv(TIMING_LOG, sep="\t", names=["page", "server_s", "ended"])
    server = server.iloc[:tour_runs]  # the page tours only (not the heavy jobs' runs)
    server = server[server["page"].isin(set(df["page"]))]
    stats = server.groupby("page", sort=False)["server_s"].agg(
        server_p50_s=lambda s: round(statistics.median(s), 2),
        server_p95_s=lambda s: round(float(s.quantile(0.95)), 2),
    )
    table = table.merge(stats.reset_index(), on="page", how="left")
    write_results(table, "load_test.csv")
    pd.DataFrame(sampler.rows, columns=["t_s", "phase", "rss_MB"]).to_csv(
        ROOT / "benchmarks" / "results" / "load_test_rss.csv", index=False
    )
    for k, v in summary.items():
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
