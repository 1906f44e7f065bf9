"""The office inbox must cost what one page costs, not what the database holds: the same
filtered, sorted inbox page (one status, newest first, 50 rows, in a verifier's
area) and its JSON twin, through the real app under uvicorn on 127.0.0.1, against 1,000 and
100,000 submitted applications; plus one application's detail page at 100,000.

Applications are spread over 13 regencies (the verifier's area is one, a quarter of them),
seven statuses, four permit types and a year of submission dates; 1 % have an open conflict
and 1 % a suspected duplicate.

    .venv/bin/python bench/backoffice_list.py
    DATABASE_URL=postgres://…/scratch .venv/bin/python bench/backoffice_list.py

SQLite always; PostgreSQL as well when DATABASE_URL points at one: the scratch databases
<name>_small and <name>_large on that server are dropped and created again. Prints
`name: value` lines per database; the headline,
list_growth (the median of per-pair large / small ratios, the two servers asked in turn;
target <= 2), is last.
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
from contextlib import ExitStack
from dataclasses import dataclass
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
DUE_QUERY = "sort=due"  # every status, open SLA clocks first by due date
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


def once(client: httpx.Client, url: str, headers: dict[str, str], check: Any) -> float:
    started = time.perf_counter()
    response = client.get(url, headers=headers)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, (url, response.status_code, response.text[:300])
    check(response)
    return elapsed * 1000


def timed(client: httpx.Client, url: str, headers: dict[str, str], check: Any) -> float:
    times = [once(client, url, headers, check) for _ in range(REQUESTS + WARM_UP)]
    return statistics.median(times[WARM_UP:])


def full_page(response: httpx.Response) -> None:
    if response.headers["content-type"].startswith("application/json"):
        body = response.json()
        assert len(body["applications"]) == 50 and body["next"], body.get("error")
        assert all(a["status"] == "diterima" for a in body["applications"])
    else:
        assert response.text.count('<tr data-id="') == 50


def due_page(response: httpx.Response) -> None:
    body = response.json()
    assert len(body["applications"]) == 50 and body["next"], body.get("error")
    dues = [a["sla"]["due"] for a in body["applications"]]
    assert all(dues) and dues == sorted(dues), dues


@dataclass
class Side:
    client: httpx.Client
    headers: dict[str, str]
    sample: str


def open_side(stack: ExitStack, database_url: str | None, total: int, tag: str) -> Side:
    tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix=f"jb-bench-office-{tag}-"))
    if database_url:  # one scratch database per size, both served at once
        parts = urlsplit(database_url)
        database_url = urlunsplit(parts._replace(path=f"{parts.path}_{tag}"))
    settings = settings_for(Path(tmp), database_url)
    seeded = run(seed(settings, total))
    url = stack.enter_context(serve(settings))
    client = stack.enter_context(httpx.Client(base_url=url, timeout=60))
    return Side(client, {"cookie": seeded["cookie"]}, seeded["sample"])


def interleaved(
    small: Side, large: Side, path: str, check: Any = full_page
) -> tuple[float, float, float]:
    """The same request to both servers in turn, so load from other work hits both alike;
    returns both medians and the median of the per-pair ratios."""
    pairs = []
    for attempt in range(REQUESTS + WARM_UP):
        pair = (
            once(small.client, path, small.headers, check),
            once(large.client, path, large.headers, check),
        )
        if attempt >= WARM_UP:
            pairs.append(pair)
    return (
        statistics.median(p[0] for p in pairs),
        statistics.median(p[1] for p in pairs),
        statistics.median(p[1] / p[0] for p in pairs),
    )


def report(name: str, database_url: str | None) -> float:
    with ExitStack() as stack:
        small = open_side(stack, database_url, 1_000, "small")
        large = open_side(stack, database_url, 100_000, "large")
        html = interleaved(small, large, f"/office/?{LIST_QUERY}")
        json = interleaved(small, large, f"/office.json?{LIST_QUERY}")
        due = interleaved(small, large, f"/office.json?{DUE_QUERY}", due_page)
        page = f"/office.json?{LIST_QUERY}"
        for _ in range(19):  # page 20, reached by following the keyset cursor
            page = large.client.get(page, headers=large.headers).json()["next"]
            page = page.replace("/office/?", "/office.json?")
        deep = timed(large.client, page, large.headers, full_page)
        detail = timed(
            large.client, f"/office/applications/{large.sample}", large.headers, lambda r: None
        )
    print(f"database: {name}")
    print(f"list_query: {LIST_QUERY} (50 rows, verifier area {AREA})")
    print(f"list_ms_small: {html[0]:.1f}")
    print(f"list_ms_large: {html[1]:.1f}")
    print(f"json_ms_small: {json[0]:.1f}")
    print(f"json_ms_large: {json[1]:.1f}")
    print(f"page20_ms_large: {deep:.1f}")
    print(f"detail_ms_large: {detail:.1f}")
    print(f"due_json_ms_small: {due[0]:.1f}  ({DUE_QUERY})")
    print(f"due_json_ms_large: {due[1]:.1f}")
    print(f"due_growth: {due[2]:.2f}")
    print(f"json_growth: {json[2]:.2f}")
    print(f"list_growth: {html[2]:.2f}")
    return html[2]


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
