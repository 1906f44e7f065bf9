"""The audit trail: append-only, hash-chained, verifiable, one linear chain under concurrency."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
import sys
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import pytest
from tortoise import connections
from tortoise.exceptions import OperationalError
from tortoise.transactions import in_transaction

from server.models import AuditEvent, Role
from server.services import audit
from tests.conftest import ROOT, is_postgres


def mark(n: int) -> str:
    return f"${n}" if is_postgres() else "?"


@asynccontextmanager
async def trigger_off():
    """What someone with the database owner's rights could do: switch the guard off."""
    conn = connections.get("default")
    if is_postgres():
        await conn.execute_script("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
    try:
        yield conn
    finally:
        if is_postgres():
            await conn.execute_script(
                "ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only"
            )


async def test_rows_form_one_chain_with_the_documented_hash(db, make_user):
    admin = await make_user(Role.ADMIN)
    before = await AuditEvent.all().count()  # make_user writes user.create
    first = await audit.record("user.view", actor=admin, object_type="user", object_id=7, a=1)
    second = await audit.record("export", object_type="report", ratio=0.5, tags={"b", "a"})
    assert first.seq == before + 1 and second.seq == before + 2
    assert second.prev_hash == first.hash
    # The canonical serialisation, written out by hand as docs/audit.md describes it.
    text = (
        '{"action":"export","actor_id":null,"at":"'
        + second.at.astimezone()
        .astimezone(__import__("datetime").UTC)
        .isoformat(timespec="microseconds")
        + '","detail":{"ratio":"0.5","tags":["a","b"]},"object_id":"","object_type":"report",'
        + f'"prev_hash":"{first.hash}","seq":{second.seq}}}'
    )
    assert second.hash == hashlib.sha256(text.encode()).hexdigest()
    assert second.detail == {"ratio": "0.5", "tags": ["a", "b"]}
    result = await audit.verify()
    assert result.ok and result.rows == before + 2 and result.head == second.hash


async def test_first_row_follows_genesis(db):
    row = await audit.record("login.failed", object_type="user", object_id="nobody")
    assert row.seq == 1 and row.prev_hash == audit.GENESIS


async def test_a_changed_row_is_named(db):
    rows = [await audit.record("file.view", object_type="file", object_id=str(n)) for n in range(5)]
    victim = rows[2]
    async with trigger_off() as conn:
        await conn.execute_query(
            f"UPDATE audit_event SET object_id = {mark(1)} WHERE id = {mark(2)}",
            ["someone-else", victim.id],
        )
    result = await audit.verify()
    assert not result.ok
    assert result.bad_id == victim.id and result.rows == 2
    assert f"row id {victim.id}" in result.problem and "changed" in result.problem


async def test_a_deleted_row_is_named(db):
    rows = [await audit.record("file.view", object_type="file", object_id=str(n)) for n in range(4)]
    async with trigger_off() as conn:
        await conn.execute_query(f"DELETE FROM audit_event WHERE id = {mark(1)}", [rows[1].id])
    result = await audit.verify()
    assert not result.ok and result.bad_id == rows[2].id
    assert f"seq {rows[1].seq} is missing" in result.problem


async def test_a_rewritten_chain_still_breaks_at_the_next_row(db):
    """Recomputing one row's own hash is not enough: the next row points at the old one."""
    rows = [await audit.record("export", object_type="x", object_id=str(n)) for n in range(3)]
    forged = audit.row_hash(
        seq=rows[0].seq,
        at=rows[0].at,
        actor_id=None,
        action="export",
        object_type="x",
        object_id="forged",
        detail={},
        prev_hash=rows[0].prev_hash,
    )
    async with trigger_off() as conn:
        await conn.execute_query(
            f"UPDATE audit_event SET object_id = 'forged', hash = {mark(1)} WHERE id = {mark(2)}",
            [forged, rows[0].id],
        )
    result = await audit.verify()
    assert not result.ok and result.bad_id == rows[1].id and "prev_hash" in result.problem


@pytest.mark.skipif(not is_postgres(), reason="the database trigger is PostgreSQL's")
async def test_postgres_refuses_update_and_delete(db):
    row = await audit.record("export", object_type="x", object_id="1")
    conn = connections.get("default")
    for sql in (
        "UPDATE audit_event SET action = 'nothing' WHERE id = $1",
        "DELETE FROM audit_event WHERE id = $1",
    ):
        with pytest.raises(OperationalError, match="append-only"):
            await conn.execute_query(sql, [row.id])
    assert (await audit.verify()).ok


async def test_a_row_in_a_rolled_back_transaction_leaves_no_gap(db):
    await audit.record("a")
    with pytest.raises(RuntimeError):
        async with in_transaction():
            await audit.record("b")
            raise RuntimeError("the caller's change failed")
    kept = await audit.record("c")
    assert kept.seq == 2
    assert [r.action for r in await AuditEvent.all().order_by("seq")] == ["a", "c"]
    assert (await audit.verify()).ok


async def test_concurrent_writers_in_one_process_keep_one_chain(db):
    await asyncio.gather(*(audit.record("file.view", object_id=str(n)) for n in range(40)))
    result = await audit.verify()
    assert result.ok and result.rows == 40
    seqs = [r.seq for r in await AuditEvent.all().order_by("seq")]
    assert seqs == list(range(1, 41))


WRITER = """
import asyncio, sys
from server import db
from server.services import audit
from server.settings import Settings

async def main():
    settings = Settings.from_env()
    await db.init_db(settings)
    try:
        for n in range(int(sys.argv[1])):
            await audit.record("file.view", object_type="file", object_id=f"{sys.argv[2]}-{n}")
    finally:
        await db.close_db()

asyncio.run(main())
"""


@pytest.mark.slow
async def test_concurrent_processes_keep_one_chain(db):
    env = {**os.environ, "DATABASE_URL": db.database_url, "DATA_DIR": str(db.data_dir)}
    env["SECRET_KEY"] = db.secret_key
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            WRITER,
            "25",
            f"p{i}",
            cwd=ROOT,
            env=env,
            stderr=subprocess.PIPE,
        )
        for i in range(3)
    ]
    for process in processes:
        _out, err = await process.communicate()
        assert process.returncode == 0, err.decode()[-2000:]
    result = await audit.verify()
    assert result.ok, result.problem
    assert result.rows == 75


async def test_backfill_chains_rows_written_before_the_chain(db):
    conn = connections.get("default")
    async with trigger_off():
        for n in range(3):
            await conn.execute_query(
                "INSERT INTO audit_event (at, action, object_type, object_id, detail) "
                f"VALUES ({mark(1)}, {mark(2)}, '', '', {mark(3)})",
                [
                    datetime.now(UTC),
                    f"old{n}",
                    json.dumps({"n": n, "x": 1.5}),
                ],
            )
        assert not (await audit.verify()).ok  # rows outside the chain are reported
        assert await audit.backfill(conn) == 3
    assert (await audit.verify()).ok
    new = await audit.record("new")
    assert new.seq == 4
    assert (await audit.verify()).rows == 4


def jemput(settings, *args):
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "DATA_DIR": str(settings.data_dir),
        "SECRET_KEY": settings.secret_key,
    }
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_cli_verify_reports_intact_and_broken(db):
    rows = [await audit.record("export", object_id=str(n)) for n in range(3)]
    intact = await asyncio.to_thread(jemput, db, "audit", "verify")
    assert intact.returncode == 0, intact.stderr
    assert f"3 rows, head {rows[-1].hash}" in intact.stdout
    async with trigger_off() as conn:
        await conn.execute_query(
            f"UPDATE audit_event SET action = 'nothing' WHERE id = {mark(1)}", [rows[1].id]
        )
    broken = await asyncio.to_thread(jemput, db, "audit", "verify")
    assert broken.returncode == 3
    assert f"row id {rows[1].id} (seq {rows[1].seq})" in broken.stderr
