"""Crashes: a real `jemput serve` process is killed with SIGKILL at a random moment while a
field client pushes applications and uploads their photos; while it is down the database is
compared with the client's acknowledgements, then the server restarts on the same port and
the client replays until everything is acknowledged. Used by tests/reliability/test_crash.py
(a few rounds) and bench/crash.py (50 rounds by default)."""

from __future__ import annotations

import asyncio
import random
import sqlite3
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from server.models import Application, Blob, SyncClient
from server.settings import Settings
from tests.reliability import ledger
from tests.reliability.dropped import Workload, queue_applications
from tests.reliability.field_client import FieldClient

Server = Any  # tests.conftest.LiveServer (kept loose: bench/ passes its own starter)
Starter = Callable[[int], Server]


@dataclass
class CrashReport:
    rounds: int = 0
    killed_in: dict[str, int] = field(default_factory=dict)
    half_applied: int = 0
    lost_acknowledged: int = 0
    integrity_failures: int = 0
    duplicates: int = 0
    acknowledged_but_missing: int = 0
    photo_hash_mismatches: int = 0
    photos_not_marked_arrived: int = 0
    orphan_files: list[str] = field(default_factory=list)
    restart_seconds: list[float] = field(default_factory=list)
    acknowledged: int = 0
    retries: int = 0

    def lines(self) -> dict[str, Any]:
        return {
            "rounds": self.rounds,
            "killed_during": ", ".join(f"{k} {v}" for k, v in sorted(self.killed_in.items())),
            "acknowledged": self.acknowledged,
            "retries": self.retries,
            "half_applied": self.half_applied,
            "lost_acknowledged": self.lost_acknowledged,
            "duplicates": self.duplicates,
            "acknowledged_but_missing": self.acknowledged_but_missing,
            "photo_hash_mismatches": self.photo_hash_mismatches,
            "photos_not_marked_arrived": self.photos_not_marked_arrived,
            "integrity_failures": self.integrity_failures,
            "orphan_files": len(self.orphan_files),
            "restart_p50_s": round(statistics.median(self.restart_seconds or [0]), 2),
            "restart_max_s": round(max(self.restart_seconds or [0]), 2),
        }


def sqlite_integrity(settings: Settings) -> str:
    """`PRAGMA integrity_check` on the file (PostgreSQL: not applicable, 'ok')."""
    if not settings.is_sqlite:
        return "ok"
    path = settings.database_url.removeprefix("sqlite://")
    with sqlite3.connect(path, timeout=30) as conn:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
        problems = conn.execute("PRAGMA foreign_key_check").fetchall()
    result = "; ".join(str(r[0]) for r in rows)
    return result if not problems else f"{result}; foreign keys: {problems[:3]}"


def drive(client: FieldClient, work: Workload, errors: list[Exception]) -> None:
    """The tablet's sync: push everything, pull, upload the photos, pull again."""
    try:
        client.phase = "push"
        client.push_all()
        client.phase = "pull"
        client.pull_all()
        client.phase = "upload"
        for item in work.photos:
            client.upload(item)
        client.phase = "pull"
        client.pull_all()
        client.phase = "done"
    except Exception as exc:  # noqa: BLE001 - reported by the round, never swallowed
        errors.append(exc)


async def half_applied(client: FieldClient, work: Workload) -> tuple[int, int]:
    """With the server down: everything up to the stored last_mutation_id is applied, nothing
    after it is, and no acknowledgement went past it. Returns (half_applied, lost_acked)."""
    row = await SyncClient.get_or_none(client_id=client.client_id)
    last = row.last_mutation_id if row else 0
    wrong = 0
    if await ledger.processed_ids(client.client_id) != list(range(1, last + 1)):
        wrong += 1
    records = {a.id: a for a in await Application.filter(created_by_client=client.client_id)}
    for mid, args in work.creates.items():
        if (args["record_id"] in records) != (mid <= last):
            wrong += 1
    for mid, (record_id, sha) in work.attaches.items():
        record = records.get(record_id)
        attached = record is not None and any(f["sha256"] == sha for f in record.files)
        if attached != (mid <= last):
            wrong += 1
    return wrong, int(client.acked_up_to > last)


async def crash_rounds(
    settings: Settings,
    tokens: list[str],
    start: Starter,
    stop: Callable[[Server], None],
    port: int,
    *,
    rounds: int,
    seed: int,
    applications: int = 12,
    batch_size: int = 12,
) -> CrashReport:
    rng = random.Random(seed)
    report = CrashReport()
    server = start(port)
    url = f"http://127.0.0.1:{port}"
    # a tablet per round (each device has its own rate limits, as in the field)
    window = await _measure_window(url, tokens[-1], seed, applications, batch_size)
    try:
        for number in range(rounds):
            client = FieldClient(url, tokens[number % len(tokens)], max_attempts=400, pause=0.05)
            client.batch_size = batch_size
            work = queue_applications(client, applications, seed * 1000 + number)
            errors: list[Exception] = []
            thread = threading.Thread(target=drive, args=(client, work, errors), daemon=True)
            thread.start()
            await asyncio.sleep(rng.uniform(0.0, window))
            report.killed_in[client.phase] = report.killed_in.get(client.phase, 0) + 1
            server.process.kill()
            server.process.wait()
            stop(server)
            wrong, lost = await half_applied(client, work)
            report.half_applied += wrong
            report.lost_acknowledged += lost
            if sqlite_integrity(settings) != "ok":
                report.integrity_failures += 1
            began = time.monotonic()
            server = start(port)
            report.restart_seconds.append(time.monotonic() - began)
            await asyncio.to_thread(thread.join, 180)
            if thread.is_alive() or errors:
                raise AssertionError(f"round {number}: the client did not finish: {errors}")
            client.close()
            checked = await ledger.check(
                client, work.creates, work.attaches, work.photos, settings.media_dir
            )
            report.rounds += 1
            report.acknowledged += checked["acknowledged"]
            report.retries += client.tally.retries
            report.duplicates += checked["duplicates"]
            report.acknowledged_but_missing += checked["acknowledged_but_missing"]
            report.photo_hash_mismatches += checked["photo_hash_mismatches"]
            report.photos_not_marked_arrived += checked["photos_not_marked_arrived"]
    finally:
        stop(server)
    known = set(await Blob.all().values_list("sha256", flat=True))
    report.orphan_files = ledger.orphan_files(Path(settings.media_dir), known)
    return report


async def _measure_window(
    url: str, token: str, seed: int, applications: int, batch_size: int
) -> float:
    """How long one round's sync takes undisturbed: kills are drawn from 0 to 1.2 × that."""
    client = FieldClient(url, token)
    client.batch_size = batch_size
    work = queue_applications(client, applications, seed * 1000 - 1)
    began = time.monotonic()
    errors: list[Exception] = []
    await asyncio.to_thread(drive, client, work, errors)
    client.close()
    if errors:
        raise errors[0]
    return 1.2 * (time.monotonic() - began)
