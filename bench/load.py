"""Load on 127.0.0.1: the real server (`jemput serve`, 1 worker, SQLite WAL + synchronous=FULL
unless --database-url) under closed-loop clients at rising concurrency (1, 2, 4, 8, 16) for
each endpoint, requests spread over 200 enrolled tablets: push (a batch of 10 new
applications), pull (a page of 200), upload (a ~3 KB photo, tus creation-with-upload), the
office inbox (staff session). For each it prints the
highest rate whose p99 stays under the target with < 0.1% errors, and the server's RSS.
Baseline in the same run: GET /healthz (no database write) at the same concurrencies.

    .venv/bin/python bench/load.py [--seconds 5] [--database-url postgres://...]
    .venv/bin/python bench/load.py --soak 20   # minutes at half the push+pull rate found

The citizen status page (/t/<code>) is limited per client address by design (429 past the
limit), so one loopback client measures the limiter, not the page: it is left out.
Soak prints RSS, open files and WAL size every 10 s, then the RSS slope (MB/h after the first
2 minutes), the change in open files and the largest WAL.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import (  # noqa: E402
    AREA,
    BENCH_ENV,
    SECRET,
    application,
    more_tablets,
    prepare,
    run,
    settings_for,
)
from server import db  # noqa: E402
from server.models import Role  # noqa: E402
from server.services.accounts import users  # noqa: E402
from tests.conftest import live_staff_cookie, start_server, stop_server  # noqa: E402
from tests.reliability.field_client import photo  # noqa: E402
from tests.uploads.harness import encode_metadata  # noqa: E402

TARGET_MS = {"healthz": 100, "push": 1000, "pull": 1000, "upload": 2000, "inbox": 1000}
LEVELS = (1, 2, 4, 8, 16)
STAFF_PASSWORD = "Beban-Uji-Kantor-2026"


def proc(pid: int, name: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    return 0


TABLETS = 200  # requests spread over many tablets: each device has its own rate limits


def measure(
    call: Callable[[httpx.Client, random.Random], int],
    url: str,
    level: int,
    seconds: float,
    headers: dict[str, str],
) -> tuple[float, float, float, int]:
    """Run `level` client threads for `seconds`; returns (rate/s, p50 ms, p99 ms, errors)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(n: int) -> None:
        rng = random.Random(n * 7919 + level)
        with httpx.Client(base_url=url, headers=headers, timeout=30) as http:
            while time.monotonic() < stop:
                began = time.perf_counter()
                try:
                    ok = call(http, rng) < 400
                except httpx.HTTPError:
                    ok = False
                spent = (time.perf_counter() - began) * 1000
                with lock:
                    latencies.append(spent)
                    errors[0] += 0 if ok else 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(level)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    if not latencies:
        return 0.0, float("inf"), float("inf"), errors[0]
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return len(latencies) / elapsed, statistics.median(latencies), p99, errors[0]


def calls(
    tokens: list[str],
) -> dict[str, tuple[Callable[[httpx.Client, random.Random], int], bool]]:
    def tablet(rng: random.Random) -> dict[str, str]:
        return {"Authorization": f"Bearer {rng.choice(tokens)}"}

    def push(http: httpx.Client, rng: random.Random) -> int:
        mutations = [
            {"id": i + 1, "name": "create_application", "args": application(rng, i)}
            for i in range(10)
        ]
        body = {"protocol": 1, "client_id": str(uuid.uuid4()), "mutations": mutations}
        response = http.post("/api/sync/push", json=body, headers=tablet(rng))
        if response.status_code == 200 and any(
            r["status"] != "applied" for r in response.json()["results"]
        ):
            return 422  # a refused mutation is an error for this benchmark
        return response.status_code

    def pull(http: httpx.Client, rng: random.Random) -> int:
        body = {"protocol": 1, "client_id": str(uuid.uuid4()), "cursor": None, "limit": 200}
        return http.post("/api/sync/pull", json=body, headers=tablet(rng)).status_code

    def upload(http: httpx.Client, rng: random.Random) -> int:
        item = photo(rng, str(uuid.uuid4()), "ktp", size=96)
        meta = {
            "sha256": item.sha256,
            "record_id": item.record_id,
            "kind": "ktp",
            "filetype": "image/jpeg",
        }
        return http.post(
            "/api/uploads/",
            content=item.data,
            headers={
                **tablet(rng),
                "Tus-Resumable": "1.0.0",
                "Upload-Length": str(len(item.data)),
                "Upload-Metadata": encode_metadata(meta),
                "Content-Type": "application/offset+octet-stream",
            },
        ).status_code

    def inbox(http: httpx.Client, rng: random.Random) -> int:
        return http.get("/office/").status_code

    def healthz(http: httpx.Client, rng: random.Random) -> int:
        return http.get("/healthz").status_code

    return {
        "healthz": (healthz, False),
        "push": (push, False),
        "pull": (pull, False),
        "upload": (upload, False),
        "inbox": (inbox, True),
    }


async def enrol(settings, count: int) -> list[str]:  # type: ignore[no-untyped-def]
    await db.init_db(settings)
    try:
        return await more_tablets(count)
    finally:
        await db.close_db()


async def staff_cookie_setup(settings) -> None:  # type: ignore[no-untyped-def]
    await db.init_db(settings)
    await users.create_user(
        "kantor_beban",
        STAFF_PASSWORD,
        full_name="Kantor Beban",
        role=Role.SUPERVISOR,
        area_codes=[AREA],  # a supervisor with no area sees an empty inbox
    )
    await db.close_db()


async def staff_cookie(settings, url: str) -> str:  # type: ignore[no-untyped-def]
    """Signs in as a real browser would: the sign-in form's token, then the second factor a
    supervisor must give (tests.conftest.live_staff_cookie)."""
    await db.init_db(settings)
    try:
        async with httpx.AsyncClient(base_url=url) as http:
            return await live_staff_cookie(http, "kantor_beban", STAFF_PASSWORD)
    finally:
        await db.close_db()


def soak(url: str, pid: int, settings, tokens: list[str], rate: float, minutes: float) -> None:  # type: ignore[no-untyped-def]
    push, _ = calls(tokens)["push"]
    pull, _ = calls(tokens)["pull"]
    # SQLite's write-ahead log; PostgreSQL keeps its own (not sampled here)
    wal = (
        Path(settings.database_url.removeprefix("sqlite://") + "-wal")
        if settings.is_sqlite
        else None
    )
    stop = time.monotonic() + minutes * 60
    samples: list[tuple[float, int, int, int]] = []
    errors = [0, 0]
    latencies: list[tuple[float, float]] = []

    def paced(n: int) -> None:
        rng = random.Random(10**6 + n)  # not the load phase's seeds: new record ids
        gap = 2 / rate  # two workers share the rate
        with httpx.Client(base_url=url, timeout=30) as http:
            due = time.monotonic()
            while time.monotonic() < stop:
                call = push if rng.random() < 0.5 else pull
                began = time.perf_counter()
                try:
                    ok = call(http, rng) < 400
                except httpx.HTTPError:
                    ok = False
                latencies.append((time.monotonic(), (time.perf_counter() - began) * 1000))
                errors[0] += 1
                errors[1] += 0 if ok else 1
                due += gap
                time.sleep(max(0.0, due - time.monotonic()))

    threads = [threading.Thread(target=paced, args=(n,)) for n in range(2)]
    start = time.monotonic()
    for t in threads:
        t.start()
    while time.monotonic() < stop:
        fds = len(list(Path(f"/proc/{pid}/fd").iterdir()))
        wal_kb = wal.stat().st_size // 1024 if wal is not None and wal.exists() else 0
        samples.append((time.monotonic() - start, proc(pid, "VmRSS"), fds, wal_kb))
        print(
            f"soak_sample: t={samples[-1][0]:.0f}s rss_kb={samples[-1][1]} fds={fds} "
            f"wal_kb={wal_kb}",
            flush=True,
        )
        time.sleep(10)
    for t in threads:
        t.join()
    warm = [s for s in samples if s[0] >= 120] or samples
    xs = [s[0] / 3600 for s in warm]
    ys = [s[1] / 1024 for s in warm]
    slope = statistics.linear_regression(xs, ys).slope if len(warm) > 2 else 0.0
    first = sorted(ms for at, ms in latencies if at - start < 120)
    last = sorted(ms for at, ms in latencies if at > stop - 120)
    print(f"soak_minutes: {minutes}")
    print(f"soak_rate_per_s: {rate:.1f}")
    print(f"soak_requests: {errors[0]}")
    print(f"soak_error_share: {errors[1] / max(1, errors[0]):.4f}")
    print(f"soak_p99_first_2min_ms: {first[int(len(first) * 0.99)] if first else 0:.0f}")
    print(f"soak_p99_last_2min_ms: {last[int(len(last) * 0.99)] if last else 0:.0f}")
    print(f"soak_open_files_change: {samples[-1][2] - samples[0][2]}")
    print(f"soak_wal_max_kb: {max(s[3] for s in samples) if wal is not None else 'n/a'}")
    print(f"soak_rss_slope_mb_per_h: {slope:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--database-url")
    parser.add_argument("--soak", type=float, metavar="MINUTES", help="soak after the load run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="jb-load-") as tmp:
        settings = replace(settings_for(Path(tmp), args.database_url), secret_key=SECRET)
        token = run(prepare(settings))
        tokens = [token, *run(enrol(settings, TABLETS - 1))]
        run(staff_cookie_setup(settings))
        server = start_server(settings, extra_env=BENCH_ENV)
        try:
            pid = server.process.pid
            cookie = run(staff_cookie(settings, server.url))
            best: dict[str, float] = {}
            for name, (call, staff) in calls(tokens).items():
                headers = {"Cookie": cookie} if staff else {}
                best[name] = 0.0
                for level in LEVELS:
                    rate, p50, p99, errors = measure(call, server.url, level, args.seconds, headers)
                    total = max(1, round(rate * args.seconds))
                    ok = p99 <= TARGET_MS[name] and errors / total < 0.001
                    print(
                        f"{name}_c{level}: {rate:.1f}/s p50 {p50:.0f} ms p99 {p99:.0f} ms "
                        f"errors {errors}{'' if ok else ' (over target)'}",
                        flush=True,
                    )
                    if ok:
                        best[name] = max(best[name], rate)
            print(f"server_rss_mb: {proc(pid, 'VmRSS') / 1024:.0f}")
            print(f"server_rss_peak_mb: {proc(pid, 'VmHWM') / 1024:.0f}")
            for name in TARGET_MS:
                print(f"{name}_max_rate_per_s (p99 <= {TARGET_MS[name]} ms): {best[name]:.1f}")
            if args.soak:
                soak(
                    server.url, pid, settings, tokens, (best["push"] + best["pull"]) / 4, args.soak
                )
            if best["healthz"]:
                print(f"push_vs_healthz_rate: {best['push'] / best['healthz']:.3f}")
            else:  # the baseline itself never met its target: no ratio to speak of
                print("push_vs_healthz_rate: n/a (healthz p99 over target at every level)")
        finally:
            stop_server(server)


if __name__ == "__main__":
    main()
