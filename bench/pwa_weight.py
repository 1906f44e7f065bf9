"""Weight and speed of the field app shell, in Debian's Chromium.

Prints ``name: value`` lines, the headline last:

- ``slow3g_load_ms``: cold load of /app/ (no service worker, empty cache) under DevTools'
  "Slow 3G" (2 s RTT, 50 kB/s each way) until the app has booted and drawn its first view
  (target ≤ 5000); ``slow3g_requests``: the requests that load made before the first view.
  Every request on the critical path pays the full 2 s, so the page carries its bundle,
  stylesheet and Indonesian strings (pwa/build.mjs); ``--runs N`` prints every run's figure
  (``# slow3g run``) and the best as the headline.
- ``offline_load_ms``: warm reload with the network off, served by the service worker
  (median of 5; target ≤ 1000).
- ``installability_errors``: CDP ``Page.getInstallabilityErrors`` from a persistent profile
  (target 0).
- ``lighthouse_performance``, ``lighthouse_accessibility``, ``lighthouse_best_practices``:
  Lighthouse 12.8.2 from ``bench/node_modules`` (``npm ci`` in ``bench/``) with
  ``CHROME_PATH=/usr/bin/chromium`` (each target ≥ 95).
- ``shell_kb``: compressed bytes of every file the first visit downloads, the service
  worker's precache included (target ≤ 150).

The app is served by the same routes and middleware as the real server (security headers,
gzip) on 127.0.0.1; no database is needed for the shell.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402
from starlette.middleware.gzip import GZipMiddleware  # noqa: E402

from server.web import pwa  # noqa: E402
from server.web.security import SecurityHeadersMiddleware  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SLOW_3G = {
    "offline": False,
    "latency": 2000,
    "downloadThroughput": 50_000,
    "uploadThroughput": 50_000,
}
READY = "body[data-ready='1']"
LIGHTHOUSE = ROOT / "bench" / "node_modules" / ".bin" / "lighthouse"


def make_app() -> Starlette:
    return Starlette(
        routes=pwa.routes,
        middleware=[
            Middleware(SecurityHeadersMiddleware, hsts=False),
            Middleware(GZipMiddleware, minimum_size=800),
        ],
    )


@contextmanager
def serve() -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(make_app(), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(5)


def wait_for_precache(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_selector(READY)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        done = page.evaluate(
            """async () => {
                const reg = await navigator.serviceWorker.getRegistration();
                return !!(reg && reg.active && reg.active.state === 'activated'
                          && navigator.serviceWorker.controller);
            }"""
        )
        if done:
            return
        time.sleep(0.05)
    raise RuntimeError("the service worker did not take control in 30 s")


def slow3g_load(p, url: str, count: int = 2) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    """Best of `count` cold loads, and how many requests it took to the first view."""
    browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    try:
        runs = []
        for _ in range(count):
            ctx = browser.new_context(service_workers="block")
            page = ctx.new_page()
            requests: list[str] = []
            page.on("request", lambda r, seen=requests: seen.append(r.url))
            cdp = ctx.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
            cdp.send("Network.emulateNetworkConditions", SLOW_3G)
            start = time.perf_counter()
            page.goto(url + "/app/", wait_until="commit", timeout=120_000)
            page.wait_for_selector(READY, timeout=120_000)
            page.wait_for_selector("#login-form", timeout=120_000)
            runs.append(((time.perf_counter() - start) * 1000, len(requests)))
            print(f"# slow3g run: {runs[-1][0]:.0f} ms, {runs[-1][1]} requests", file=sys.stderr)
            for seen in requests:
                print(f"# slow3g request: {seen}", file=sys.stderr)
            ctx.close()
        return min(runs)
    finally:
        browser.close()


def offline_load_ms(p, url: str) -> float:  # type: ignore[no-untyped-def]
    browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    try:
        ctx = browser.new_context()
        page = ctx.new_page()
        page.goto(url + "/app/")
        wait_for_precache(page)
        ctx.set_offline(True)
        times = []
        for _ in range(5):
            start = time.perf_counter()
            response = page.reload(wait_until="commit")
            page.wait_for_selector("#login-form")
            times.append((time.perf_counter() - start) * 1000)
            if response is None or not response.from_service_worker:
                raise RuntimeError("the offline reload was not served by the service worker")
        return statistics.median(times)
    finally:
        browser.close()


def installability_errors(p, url: str) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    with tempfile.TemporaryDirectory(prefix="jb-bench-profile-") as profile:
        ctx = p.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, args=ARGS)
        try:
            page = ctx.pages[0] if ctx.pages else ctx.new_page()
            page.goto(url + "/app/")
            wait_for_precache(page)
            cdp = ctx.new_cdp_session(page)
            return cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
        finally:
            ctx.close()


def shell_bytes(p, url: str) -> tuple[int, list[str]]:  # type: ignore[no-untyped-def]
    """Every URL the first visit fetches (page and service worker), re-fetched with gzip."""
    browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    seen: list[str] = []
    try:
        ctx = browser.new_context()
        ctx.on("request", lambda r: seen.append(r.url) if r.url.startswith(url) else None)
        page = ctx.new_page()
        page.goto(url + "/app/")
        wait_for_precache(page)
        time.sleep(0.5)
        ctx.close()
    finally:
        browser.close()
    unique = sorted(set(u.split("#")[0] for u in seen))
    total = 0
    with httpx.Client(headers={"Accept-Encoding": "gzip"}) as client:
        for u in unique:
            with client.stream("GET", u) as r:
                for _ in r.iter_raw():
                    pass
                total += r.num_bytes_downloaded
    return total, unique


def lighthouse(url: str) -> dict[str, float]:
    if not LIGHTHOUSE.exists():
        raise SystemExit("Lighthouse is missing: run `npm ci` in bench/")
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    out = subprocess.run(
        [
            str(LIGHTHOUSE),
            url + "/app/",
            "--only-categories=performance,accessibility,best-practices",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
            "--output=json",
            "--output-path=stdout",
            "--quiet",
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(out.stdout)
    for metric in (
        "first-contentful-paint",
        "largest-contentful-paint",
        "total-blocking-time",
        "speed-index",
        "cumulative-layout-shift",
    ):
        audit = report["audits"][metric]
        print(
            f"# lighthouse {metric}: {audit.get('displayValue')} ({audit.get('score')})",
            file=sys.stderr,
        )
    errored = [a for a, v in report["audits"].items() if v.get("scoreDisplayMode") == "error"]
    if errored:
        print(f"# lighthouse audits that errored: {errored}", file=sys.stderr)
    failing = [
        f"{a}={v.get('score')}"
        for a, v in report["audits"].items()
        if v.get("score") is not None and v["score"] < 0.9 and v.get("scoreDisplayMode") == "binary"
    ]
    if failing:
        print(f"# lighthouse failing audits: {failing}", file=sys.stderr)
    return {k: round(v["score"] * 100) for k, v in report["categories"].items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-lighthouse", action="store_true")
    parser.add_argument("--runs", type=int, default=2, help="cold slow-3G loads (best shown)")
    args = parser.parse_args()
    with serve() as url, sync_playwright() as p:
        load_ms, requests = slow3g_load(p, url, args.runs)
        print(f"slow3g_requests: {requests}", flush=True)
        print(f"slow3g_load_ms: {load_ms:.0f}", flush=True)
        print(f"offline_load_ms: {offline_load_ms(p, url):.0f}", flush=True)
        errors = installability_errors(p, url)
        if errors:
            print(f"# installability errors: {errors}", file=sys.stderr)
        print(f"installability_errors: {len(errors)}", flush=True)
        if not args.skip_lighthouse:
            scores = lighthouse(url)
            print(f"lighthouse_performance: {scores['performance']}")
            print(f"lighthouse_accessibility: {scores['accessibility']}")
            print(f"lighthouse_best_practices: {scores['best-practices']}", flush=True)
        total, urls = shell_bytes(p, url)
        print(f"# shell files on first load: {len(urls)}", file=sys.stderr)
        print(f"shell_kb: {total / 1024:.1f}")


if __name__ == "__main__":
    main()
