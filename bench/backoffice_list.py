"""The office inbox must cost what one page costs, not what the database holds: the same
filtered, sorted inbox page (one status, newest first, 50 rows, in a verifier's
area) and its JSON twin, through the real app under uvicorn on 127.0.0.1, against 1,000 and
100,000 submitted applications; plus one application's detail page at 100,000.

Applications are spread over 13 regencies (the verifier's area is one, a quarter of them),
seven statuses, four permit types and a year of submission dates; 1 % have an open conflict
and 1 % a suspected duplicate.

    .venv/bin/python bench/backoffice_list.py
    DATABASE_URL=postgres://…/scratch .venv/bin/python bench/backoffice_list.py

SQLite always; PostgreSQL as well when DATABASE_URL points at one (that database is WIPED:
give it a scratch database). Prints `name: value` lines per database; the headline,
list_growth (large / small, target <= 2), is last.
"""

from __future__ import annotations

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
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from _common import AREA, application, run, seed_officer, serve, settings_for
from tortoise import connections

from server import db
from server.models import Role, User
from server.services.accounts import sessions, users
from server.services.applications.sync_sql import Sql, dump
from server.settings import Settings

CHUNK = 5_000
REQUESTS = 25
WARM_UP = 3
STATUSES = (
    ["diterima"] * 30
    + ["verifikasi"] * 25
    + ["perlu_perbaikan"] * 10
    + ["diproses"] * 15
    + ["disetujui"] * 5
    + ["terbit"] * 10
    + ["ditolak"] * 5
)
PERMITS = ["nib-umk", "nib-umk", "sku", "spp-irt", "halal-self-declare"]
LIST_QUERY = "status=diterima&sort=newest"
COLUMNS = (
    "id, owner_user_id, created_by_client, permit_type, form_version, tracking_code, "
    "status_token_hash, status, data, corrections, files, region_code, captured_at, "
    "created_at, updated_at, version, change_seq, deleted, submitted_at, warnings, typed, "
    "nik, applicant_name, business_name, business_key, files_missing, issued_reference, "
    "permit_file_sha256, sla_state, sla_started_at, sla_due, sla_finished_at"
)


def row(rng: random.Random, n: int, now: datetime, officer_id: str) -> list[Any]:
    args = application(rng, n)
    fields = args["fields"]
    regency = AREA if rng.random() < 0.25 else f"63.{rng.randint(2, 13):02d}"
    village = f"{regency}.{rng.randint(1, 12):02d}.{2000 + rng.randint(1, 20)}"
    if regency == AREA:
        village = fields["business_region"]
    submitted = now - timedelta(minutes=rng.randint(0, 365 * 24 * 60))
    status = rng.choice(STATUSES)
    running = status in ("verifikasi", "diproses")
    due = (submitted + timedelta(days=14)).date() if running else None
    return [
        args["record_id"],
        officer_id if rng.random() < 0.5 else str(rng.randint(1000, 1040)),
        str(uuid.uuid4()),
        rng.choice(PERMITS),
        1,
        f"JB-{n:04X}-{rng.randint(0, 0xFFFF):04X}-BNCH"[:17],
        "",
        status,
        dump({**fields, "business_region": village}),
        "{}",
        "[]",
        village,
        submitted,
        submitted,
        submitted + timedelta(hours=rng.randint(0, 200)),
        1,
        n + 1,
        False,
        submitted,
        dump({"location": [{"code": "gps_inaccurate"}]} if rng.random() < 0.05 else {}),
        "{}",
        fields["nik"],
        fields["full_name"],
        fields["business_name"],
        fields["business_name"].lower(),
        rng.random() < 0.1,
        "",
        "",
        "running" if running else "",
        submitted if running else None,
        due,
        None,
    ]


async def wipe_postgres(settings: Settings) -> None:
    """Drop and create the scratch database (from the server's "postgres" database)."""
    import asyncpg

    url = urlsplit(settings.database_url.replace("postgres://", "postgresql://", 1))
    name = url.path.lstrip("/")
    admin = await asyncpg.connect(urlunsplit(url._replace(path="/postgres")))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


async def seed(settings: Settings, total: int) -> dict[str, str]:
    """A migrated database with ``total`` submitted applications (set-based inserts);
    returns the verifier's session cookie and one application id in the area."""
    if settings.database_url.startswith("postgres"):
        await wipe_postgres(settings)
    await db.migrate(settings)
    await db.close_db()
    await db.init_db(settings)
    await seed_officer()
    officer = await User.get(username="petugas_bench")
    verifier = await users.create_user(
        "verifikator_bench",
        "Bench-Password-2026",
        full_name="Verifikator Bench",
        role=Role.VERIFIER,
        area_codes=[AREA],
    )
    session = await sessions.start(verifier, hours=8, language="id")
    sql = Sql(connections.get("default"))
    rng = random.Random(total)
    now = datetime.now(UTC)
    marks = sql.marks(len(COLUMNS.split(", ")))
    sample = ""
    for start in range(0, total, CHUNK):
        rows = [row(rng, n, now, str(officer.id)) for n in range(start, min(total, start + CHUNK))]
        await sql.many(f"INSERT INTO application ({COLUMNS}) VALUES ({marks})", rows)
        flagged = [r for r in rows if rng.random() < 0.02]
        half = len(flagged) // 2
        await sql.many(
            "INSERT INTO sync_conflict (id, application_id, field, base, device_value, "
            "server_value, client_id, mutation_id, created_at, status, resolution, change_seq) "
            "VALUES (?, ?, 'phone', NULL, NULL, NULL, ?, 1, ?, 'open', NULL, ?)",
            [
                [str(uuid.uuid4()), r[0], str(uuid.uuid4()), now, total + start + i + 1]
                for i, r in enumerate(flagged[:half])
            ],
        )
        await sql.many(
            "INSERT INTO application_duplicate (application_id, other_id, reason, status, "
            "created_at, decided_by) VALUES (?, ?, 'nik', 'open', ?, '')",
            [[r[0], rows[0][0], now] for r in flagged[half:] if r[0] != rows[0][0]],
        )
        if not sample:
            sample = next(r[0] for r in rows if r[11].startswith(AREA + "."))
    await sql.run("UPDATE sync_counter SET value = ? WHERE id = 1", [total * 2 + 10])
    if sql.postgres:
        await sql.run("ANALYZE")
    await db.close_db()
    return {"cookie": f"__Host-jb_session={session.token}", "sample": sample}


def timed(client: httpx.Client, url: str, headers: dict[str, str], check: Any) -> float:
    times = []
    for attempt in range(REQUESTS + WARM_UP):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, (url, response.status_code, response.text[:300])
        check(response)
        if attempt >= WARM_UP:
            times.append(elapsed * 1000)
    return statistics.median(times)


def full_page(response: httpx.Response) -> None:
    if response.headers["content-type"].startswith("application/json"):
        body = response.json()
        assert len(body["applications"]) == 50 and body["next"], body.get("error")
        assert all(a["status"] == "diterima" for a in body["applications"])
    else:
        assert response.text.count('<tr data-id="') == 50


def measure(database_url: str | None, total: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="jb-bench-office-") as tmp:
        settings = settings_for(Path(tmp), database_url)
        seeded = run(seed(settings, total))
        headers = {"cookie": seeded["cookie"]}
        out: dict[str, float] = {}
        with serve(settings) as url, httpx.Client(base_url=url, timeout=60) as client:
            out["list"] = timed(client, f"/office/?{LIST_QUERY}", headers, full_page)
            out["json"] = timed(client, f"/office.json?{LIST_QUERY}", headers, full_page)
            if total >= 10_000:  # page 20, reached by following the keyset cursor
                page = f"/office.json?{LIST_QUERY}"
                for _ in range(19):
                    page = client.get(page, headers=headers).json()["next"]
                    page = page.replace("/office/?", "/office.json?")
                out["deep"] = timed(client, page, headers, full_page)
            detail = f"/office/applications/{seeded['sample']}"
            out["detail"] = timed(client, detail, headers, lambda r: None)
        return out


def report(name: str, database_url: str | None) -> float:
    small = measure(database_url, 1_000)
    large = measure(database_url, 100_000)
    print(f"database: {name}")
    print(f"list_query: {LIST_QUERY} (50 rows, verifier area {AREA})")
    print(f"list_ms_small: {small['list']:.1f}")
    print(f"list_ms_large: {large['list']:.1f}")
    print(f"json_ms_small: {small['json']:.1f}")
    print(f"json_ms_large: {large['json']:.1f}")
    print(f"page20_ms_large: {large['deep']:.1f}")
    print(f"detail_ms_large: {large['detail']:.1f}")
    print(f"json_growth: {large['json'] / small['json']:.2f}")
    growth = large["list"] / small["list"]
    print(f"list_growth: {growth:.2f}")
    return growth


def main() -> None:
    """Each database in its own process: Tortoise caches SQL per model in a process."""
    only = os.environ.get("BACKOFFICE_BENCH_ONLY")
    if only is not None:
        name = "postgresql" if only else "sqlite (WAL, synchronous=FULL)"
        print(f"list_growth: {report(name, only or None):.2f}")
        return
    url = os.environ.get("DATABASE_URL", "")
    targets = [""] + ([url] if url.startswith("postgres") else [])
    growths = []
    for target in targets:
        child = subprocess.run(
            [sys.executable, __file__],
            env={**os.environ, "BACKOFFICE_BENCH_ONLY": target},
            capture_output=True,
            text=True,
            check=True,
        )
        lines = child.stdout.strip().splitlines()
        print("\n".join(lines[:-1]))
        growths.append(float(lines[-1].split(":")[1]))
    print(f"list_growth: {max(growths):.2f}")


if __name__ == "__main__":
    main()
