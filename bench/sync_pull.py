"""Pull cost must follow the changes, not the database: the same pull of 100 changes (from a
stored cursor, through the real app under uvicorn on 127.0.0.1) against a database of 1,000
applications and one of 100,000. Applications are spread over 13 regencies; the officer's area
is one of them (a quarter of the applications), and the 100 changes in scope are interleaved
with 100 elsewhere.

    .venv/bin/python bench/sync_pull.py

Prints `name: value` lines; the headline, pull_growth (large / small, target <= 1.5), is last.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
from _common import AREA, application, prepare, run, serve, settings_for

from server import db
from server.models import Device, User
from server.services.applications.sync_store import TortoiseStore
from server.settings import Settings
from sync import Actor, Sync
from sync import cursor as cursors
from sync.model import Batch, Record

CHUNK = 2_000
CHANGES = 100
PULLS = 25


def make_record(rng: random.Random, n: int, now: datetime) -> Record:
    args = application(rng, n)
    regency = AREA if rng.random() < 0.25 else f"63.{rng.randint(2, 13):02d}"
    village = f"{regency}.{rng.randint(1, 12):02d}.{2000 + rng.randint(1, 20)}"
    args["fields"]["business_region"] = village
    return Record(
        id=args["record_id"],
        owner_user_id=f"other-{rng.randint(1, 40)}",
        created_by_client=str(uuid.uuid4()),
        permit_type=args["permit_type"],
        form_version=1,
        tracking_code=args["tracking_code"],
        status_token=args["status_token"],
        status="diterima",
        fields=args["fields"],
        created_at=now,
        updated_at=now,
        region_code=village,
    )


async def seed(settings: Settings, total: int) -> str:
    """Fill the database through the store itself; returns the officer's cursor from just
    before the last 2 x CHANGES edits."""
    await db.init_db(settings)
    store = TortoiseStore()
    rng = random.Random(total)
    now = datetime.now(UTC)
    ids_in, ids_out = [], []
    for start in range(0, total, CHUNK):
        batch = Batch()
        for n in range(start, min(total, start + CHUNK)):
            record = make_record(rng, n, now)
            batch.records[record.id] = record
            (ids_in if record.region_code.startswith(AREA + ".") else ids_out).append(record.id)
        async with store.write() as tx:
            seq = await tx.allocate(len(batch.records))
            for record in batch.records.values():
                record.change_seq, seq = seq, seq + 1
            await tx.save(batch)
    user = await User.get(username="petugas_bench")
    device = await Device.get(user=user)
    officer = Actor(str(user.id), str(device.id), (AREA,))
    async with store.read() as read:
        cursor = cursors.encode(
            cursors.Cursor(
                await read.epoch(), await read.high_water(), cursors.scope_fingerprint(officer)
            )
        )
    sync = Sync(store)
    staff = Actor("bench-staff", None)
    changed = zip(rng.sample(ids_in, CHANGES), rng.sample(ids_out, CHANGES), strict=True)
    for n, (mine, elsewhere) in enumerate(changed):  # one in the officer's area, one not
        await sync.staff_update(staff, mine, {"note": f"cek {n}"})
        await sync.staff_update(staff, elsewhere, {"note": f"cek {n}"})
    await db.close_db()
    return cursor


def measure(total: int) -> float:
    with tempfile.TemporaryDirectory(prefix="jb-bench-pull-") as tmp:
        settings = settings_for(Path(tmp))
        token = run(prepare(settings))
        cursor = run(seed(settings, total))
        headers = {"authorization": f"Bearer {token}"}
        body = {"protocol": 1, "client_id": str(uuid.uuid4()), "cursor": cursor, "limit": 200}
        times = []
        with serve(settings) as url, httpx.Client(base_url=url, timeout=60) as client:
            for attempt in range(PULLS + 3):
                started = time.perf_counter()
                answer = client.post("/api/sync/pull", json=body, headers=headers)
                elapsed = time.perf_counter() - started
                answer.raise_for_status()
                page = answer.json()
                assert page["has_more"] is False and not page["reset"]
                assert len(page["records"]) == CHANGES, len(page["records"])
                if attempt >= 3:  # warm-up discarded
                    times.append(elapsed * 1000)
        return statistics.median(times)


def main() -> None:
    small = measure(1_000)
    large = measure(100_000)
    print("database: sqlite (WAL, synchronous=FULL)")
    print(f"changes_pulled: {CHANGES} (plus {CHANGES} outside the area), pulls: {PULLS}")
    print(f"pull_ms_small: {small:.1f}")
    print(f"pull_ms_large: {large:.1f}")
    print(f"pull_growth: {large / small:.2f}")


if __name__ == "__main__":
    main()
