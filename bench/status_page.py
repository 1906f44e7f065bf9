"""The citizen status page under load: requests per second of ``/t/<code>?k=<token>`` (the real
app: rate limit, lookup, token check, status history, SLA clock, office, template) against a
bare Starlette endpoint doing the same indexed lookup (bench/_bare_status.py), both under
uvicorn (one worker) on 127.0.0.1 with 10,000 applications in SQLite (WAL, synchronous=FULL).
50 concurrent connections; runs interleaved (bare, page, bare, page, …), median ratio kept.
Requests carry varied X-Forwarded-For addresses from a trusted proxy, as citizens behind a
reverse proxy would, so the per-address limit does not stop the load.

    .venv/bin/python bench/status_page.py

Prints `name: value` lines; the headline, status_vs_bare_ratio (target >= 0.7), is last.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from _common import ROOT, SECRET, application, free_port, prepare, run, serve, settings_for

from server import db
from server.services.applications.sync_store import TortoiseStore
from server.services.reference import demo
from sync.model import Batch, Record, StatusChange

TOTAL = 10_000
CHUNK = 2_000
CONCURRENCY = 50
REQUESTS = 1_500
ROUNDS = 3


def token_for(n: int) -> str:
    return hashlib.sha256(f"bench-token-{n}".encode()).hexdigest()[:22]


async def seed(settings) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """TOTAL applications in process, each with its status history; returns (code, token)."""
    await db.init_db(settings)
    await demo._offices()
    store = TortoiseStore()
    rng = random.Random(7)
    start = datetime.now(UTC) - timedelta(days=3)
    links: list[tuple[str, str]] = []
    for first in range(0, TOTAL, CHUNK):
        batch = Batch()
        for n in range(first, min(TOTAL, first + CHUNK)):
            args = application(rng, n)
            token = token_for(n)
            record = Record(
                id=args["record_id"],
                owner_user_id="bench",
                created_by_client=str(uuid.uuid4()),
                permit_type=args["permit_type"],
                form_version=1,
                tracking_code=args["tracking_code"],
                status_token=token,
                status="diproses",
                fields=args["fields"],
                created_at=start,
                updated_at=start,
                region_code=args["fields"]["business_region"],
            )
            batch.records[record.id] = record
            for hours, (before, after) in enumerate(
                [
                    (None, "draf"),
                    ("draf", "diterima"),
                    ("diterima", "verifikasi"),
                    ("verifikasi", "diproses"),
                ]
            ):
                moment = start + timedelta(hours=hours)
                batch.status_changes.append(
                    StatusChange(record.id, before, after, "device:bench", moment)
                )
            links.append((record.tracking_code, token))
        async with store.write() as tx:
            seq = await tx.allocate(len(batch.records))
            for record in batch.records.values():
                record.change_seq, seq = seq, seq + 1
            await tx.save(batch)
    await db.close_db()
    return links


class Bare:
    """bench/_bare_status.py under uvicorn, one worker, same database."""

    def __init__(self, settings) -> None:  # type: ignore[no-untyped-def]
        self.settings = settings

    def __enter__(self) -> str:
        port = free_port()
        env = {
            **os.environ,
            "DATA_DIR": str(self.settings.data_dir),
            "DATABASE_URL": self.settings.database_url,
            "SECRET_KEY": SECRET,
            "PYTHONPATH": f"{ROOT}:{ROOT / 'bench'}",
        }
        self.log = (self.settings.data_dir / "bare.log").open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "_bare_status:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=ROOT / "bench",
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("bare server did not start")
            try:
                httpx.get(url + "/t/none", timeout=1)
                return url
            except httpx.HTTPError:
                time.sleep(0.1)

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.log.close()


async def load(url: str, links: list[tuple[str, str]], seed: int) -> tuple[float, list[float]]:
    """REQUESTS GETs over CONCURRENCY connections; returns (requests per second, latencies)."""
    rng = random.Random(seed)
    picks = [rng.choice(links) for _ in range(REQUESTS)]
    latencies: list[float] = []
    queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    for item in picks:
        queue.put_nowait(item)
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:

        async def worker(n: int) -> None:
            while not queue.empty():
                code, token = queue.get_nowait()
                address = f"10.{n}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
                started = time.perf_counter()
                answer = await client.get(
                    f"/t/{code}?k={token}",
                    headers={"x-forwarded-for": address, "accept-encoding": "gzip"},
                )
                latencies.append((time.perf_counter() - started) * 1000)
                if answer.status_code != 200:
                    raise RuntimeError(f"{url}: {answer.status_code} {answer.text[:200]}")

        started = time.perf_counter()
        await asyncio.gather(*(worker(n) for n in range(CONCURRENCY)))
        elapsed = time.perf_counter() - started
    return REQUESTS / elapsed, latencies


def page_bytes(url: str, code: str, token: str) -> tuple[int, int]:
    """Bytes on the wire for one visit: the page and its stylesheet, gzip as a phone asks."""
    headers = {"accept-encoding": "gzip"}
    with httpx.Client(base_url=url) as client:
        page = client.get(f"/t/{code}?k={token}", headers=headers)
        css = client.get("/static/public.css", headers=headers)
    assert page.status_code == 200 and "*" in page.text, (page.status_code, page.text[:300])
    wire = 0
    for answer in (page, css):
        raw = answer.content
        wire += len(gzip.compress(raw)) if answer.headers.get("content-encoding") else len(raw)
    return wire, len(page.content) + len(css.content)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="jb-bench-status-") as tmp:
        settings = settings_for(Path(tmp))
        run(prepare(settings))
        links = run(seed(settings))
        os.environ["TRUSTED_PROXIES"] = "127.0.0.1/32"
        ratios, page_rps, bare_rps, page_lat = [], [], [], []
        with serve(settings) as page_url, Bare(settings) as bare_url:
            wire, plain = page_bytes(page_url, *links[0])
            run(load(page_url, links, 0))  # warm-up, discarded
            run(load(bare_url, links, 0))
            for n in range(ROUNDS):
                bare, _lat = run(load(bare_url, links, n + 1))
                page, lat = run(load(page_url, links, n + 1))
                bare_rps.append(bare)
                page_rps.append(page)
                page_lat.extend(lat)
                ratios.append(page / bare)
    page_lat.sort()
    p99 = page_lat[int(len(page_lat) * 0.99) - 1]
    print("database: sqlite (WAL, synchronous=FULL)")
    print(f"applications: {TOTAL}, concurrency: {CONCURRENCY}, requests_per_run: {REQUESTS}")
    print(f"page_bytes_uncompressed: {plain}")
    print(f"page_bytes: {wire}")
    print(f"status_rps: {statistics.median(page_rps):.0f}")
    print(f"bare_rps: {statistics.median(bare_rps):.0f}")
    print(f"p99_ms: {p99:.1f}")
    print(f"status_vs_bare_ratio: {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
