"""Push throughput: 1,000 generated applications (about 1.5 KB of JSON each) in batches of 100
through the real app under uvicorn on 127.0.0.1 (gzip bodies, idempotency and merge on), against
raw batched inserts of the same rows into the same kind of database through the same driver.
Then every batch is replayed: nothing may be duplicated. SQLite runs WAL + synchronous=FULL.

    .venv/bin/python bench/sync_push.py

Prints `name: value` lines; the headline, push_vs_raw_ratio (target >= 0.25), is last.
Other targets: duplicates == 0, push_bytes_per_app <= 400.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiosqlite
import httpx
from _common import application, prepare, run, serve, settings_for

from server import db
from server.settings import Settings

TOTAL = 1_000
BATCH = 100
RUNS = 5


def batches(seed: int) -> list[list[dict[str, Any]]]:
    rng = random.Random(seed)
    apps = [application(rng, n) for n in range(TOTAL)]
    return [apps[i : i + BATCH] for i in range(0, TOTAL, BATCH)]


def push_bodies(groups: list[list[dict[str, Any]]]) -> list[bytes]:
    client_id = str(uuid.uuid4())
    bodies, next_id = [], 1
    for group in groups:
        mutations = []
        for args in group:
            mutations.append(
                {
                    "id": next_id,
                    "name": "create_application",
                    "args": args,
                    "hlc": f"1772327700000:{next_id:04d}:bench",
                    "device_time": "2026-03-01T10:15:00+08:00",
                }
            )
            next_id += 1
        body = {"protocol": 1, "client_id": client_id, "mutations": mutations}
        bodies.append(gzip.compress(json.dumps(body, separators=(",", ":")).encode()))
    return bodies


def push_run(seed: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="jb-bench-push-") as tmp:
        settings = settings_for(Path(tmp))
        token = run(prepare(settings))
        bodies = push_bodies(batches(seed))
        headers = {
            "authorization": f"Bearer {token}",
            "content-type": "application/json",
            "content-encoding": "gzip",
        }
        with serve(settings) as url, httpx.Client(base_url=url, timeout=60) as client:
            client.post(
                "/api/sync/pull",
                headers=headers,  # warm the connection and caches
                content=gzip.compress(
                    b'{"protocol":1,"client_id":"' + str(uuid.uuid4()).encode() + b'"}'
                ),
            )
            started = time.perf_counter()
            for body in bodies:
                answer = client.post("/api/sync/push", content=body, headers=headers)
                answer.raise_for_status()
                assert all(r["status"] == "applied" for r in answer.json()["results"])
            elapsed = time.perf_counter() - started
            replayed = 0
            for body in bodies:
                answer = client.post("/api/sync/push", content=body, headers=headers)
                answer.raise_for_status()
                replayed += sum(1 for r in answer.json()["results"] if r.get("replayed"))
        rows = (
            sqlite3.connect(settings.data_dir / "bench.sqlite3")
            .execute("SELECT COUNT(*), COUNT(DISTINCT id) FROM application")
            .fetchone()
        )
        return {
            "docs_per_s": TOTAL / elapsed,
            "duplicates": (rows[0] - TOTAL) + (rows[0] - rows[1]) + (TOTAL - replayed),
            "bytes_per_app": sum(len(b) for b in bodies) / TOTAL,
        }


async def raw_inserts(path: Path, groups: list[list[dict[str, Any]]]) -> float:
    """The same rows into the same application table, one executemany per batch of 100."""
    conn = await aiosqlite.connect(path, isolation_level=None)
    await conn.execute("PRAGMA journal_mode=WAL")
    await conn.execute("PRAGMA synchronous=FULL")
    sql = (
        "INSERT INTO application (id, owner_user_id, created_by_client, permit_type, "
        "form_version, tracking_code, status_token_hash, status, data, corrections, files, "
        "region_code, captured_at, created_at, updated_at, version, change_seq, deleted) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    seq = 0
    started = time.perf_counter()
    for group in groups:
        rows = []
        for args in group:
            seq += 1
            now = time.strftime("%Y-%m-%d %H:%M:%S+00:00")
            rows.append(
                [
                    args["record_id"],
                    "1",
                    "c",
                    args["permit_type"],
                    1,
                    args["tracking_code"],
                    hashlib.sha256(args["status_token"].encode()).hexdigest(),
                    "draf",
                    json.dumps(args["fields"]),
                    "{}",
                    "[]",
                    args["fields"]["business_region"],
                    now,
                    now,
                    now,
                    1,
                    seq,
                    0,
                ]
            )
        await conn.execute("BEGIN")
        await conn.executemany(sql, rows)
        await conn.commit()
    elapsed = time.perf_counter() - started
    await conn.close()
    return TOTAL / elapsed


def raw_run(seed: int, repeats: int = 3) -> float:
    """Median of a few fresh databases: one fsync per batch makes single runs jumpy."""
    rates = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="jb-bench-raw-") as tmp:
            settings = settings_for(Path(tmp))

            async def go(settings: Settings = settings, tmp: str = tmp) -> float:
                await db.migrate(settings)
                await db.close_db()
                return await raw_inserts(Path(tmp) / "bench.sqlite3", batches(seed))

            rates.append(float(run(go())))
    return statistics.median(rates)


def main() -> None:
    # Interleaved, so both sides of each ratio see the same machine load.
    push, raw = [], []
    for seed in range(RUNS):
        push.append(push_run(seed))
        raw.append(raw_run(seed))
    push_rate = statistics.median(p["docs_per_s"] for p in push)
    raw_rate = statistics.median(raw)
    ratios = [p["docs_per_s"] / r for p, r in zip(push, raw, strict=True)]
    print("database: sqlite (WAL, synchronous=FULL)")
    print(f"runs: {RUNS} (medians; ratio per interleaved pair)")
    print(f"push_docs_per_s: {push_rate:.0f}")
    print(f"raw_docs_per_s: {raw_rate:.0f}")
    print(f"ratio_range: {min(ratios):.2f}-{max(ratios):.2f}")
    print(f"duplicates: {int(sum(p['duplicates'] for p in push))}")
    print(f"push_bytes_per_app: {statistics.median(p['bytes_per_app'] for p in push):.0f}")
    print(f"push_vs_raw_ratio: {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
