"""The database-backed sync Store (SQLite and PostgreSQL through Tortoise's connection).

Every write transaction starts by locking the one ``sync_counter`` row, so writers are
serialised and change sequence numbers commit in the order they were handed out: a pull that
has read the counter at N has seen every change ≤ N. Batches are written set-based (one
``executemany`` per table), not one ORM round trip per row."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from tortoise.exceptions import DBConnectionError, IntegrityError, OperationalError
from tortoise.transactions import in_transaction

from server.db import is_transient_db_error
from server.services.applications import duplicates
from server.services.applications.sync_sql import Sql, dump, load, load_nullable, when
from server.services.citizen.links import token_hash
from sync.errors import StorageRefused, Transient
from sync.model import (
    Actor,
    Batch,
    ClientState,
    Conflict,
    FileRef,
    Record,
    StoredResult,
)
from sync.store import ReadTx, Store, WriteTx

log = logging.getLogger("jemput.sync")

BlobCheck = Callable[[Sql, set[str]], Awaitable[set[str]]]
EffectWriter = Callable[[Sql, list[dict[str, Any]]], Awaitable[None]]
ClaimReader = Callable[[Sql, list[str]], Awaitable[dict[str, str]]]  # keys -> holder ids
StatusHook = Callable[[Sql, list[str]], Awaitable[None]]

APP_COLUMNS = (
    "id, owner_user_id, created_by_client, permit_type, form_version, tracking_code, "
    "status_token_hash, status, data, corrections, files, region_code, captured_at, created_at, "
    "updated_at, version, change_seq, deleted, submitted_at, warnings, typed, nik, "
    "applicant_name, business_name, business_key, files_missing"
)
APP_UPDATE = (
    "status, data, corrections, files, region_code, updated_at, version, change_seq, deleted, "
    "submitted_at, warnings, typed, nik, applicant_name, business_name, business_key, "
    "files_missing"
)
CONFLICT_COLUMNS = (
    "id, application_id, field, base, device_value, server_value, client_id, mutation_id, "
    "created_at, status, resolution, change_seq"
)


async def arrived_blobs(sql: Sql, sha256s: set[str]) -> set[str]:
    """Files whose bytes have fully arrived (the uploads service's ``file_blob`` table)."""
    wanted = sorted(sha256s)
    rows = await sql.rows(
        f"SELECT sha256 FROM file_blob WHERE sha256 IN ({sql.marks(len(wanted))})", wanted
    )
    return {row["sha256"] for row in rows}


class TortoiseStore(Store):
    def __init__(
        self,
        connection: str = "default",
        known_blobs: BlobCheck = arrived_blobs,
        effect_writers: dict[str, EffectWriter] | None = None,
        after_status_moves: StatusHook | None = None,
        claim_readers: dict[str, ClaimReader] | None = None,
    ) -> None:
        self.connection = connection
        self.check_blobs = known_blobs
        self.effect_writers = effect_writers or {}
        self.claim_readers = claim_readers or {}
        self.after_status_moves = after_status_moves  # same transaction (SLA columns)
        self.fail_next_save = False  # tests: a transient failure at commit time
        self.refuse_value: str | None = None  # tests: refuse records holding this value

    @asynccontextmanager
    async def write(self) -> AsyncIterator[WriteTx]:
        try:
            async with in_transaction(self.connection) as conn:
                sql = Sql(conn)
                await _lock_counter(sql)
                yield _Write(self, sql)
        except IntegrityError as exc:
            raise StorageRefused(str(exc)) from exc
        except (OperationalError, DBConnectionError, OSError) as exc:
            if not is_transient_db_error(exc):
                raise StorageRefused(str(exc)) from exc
            log.warning("sync write failed, answering retry: %s", exc)
            raise Transient() from exc

    @asynccontextmanager
    async def read(self) -> AsyncIterator[ReadTx]:
        try:
            async with in_transaction(self.connection) as conn:
                yield _Read(Sql(conn))
        except (OperationalError, DBConnectionError, OSError) as exc:
            log.warning("sync read failed, answering retry: %s", exc)
            raise Transient() from exc

    async def purge_tombstones(self, upto: int) -> None:
        async with self.write() as tx:
            assert isinstance(tx, _Write)
            sql = tx.sql
            rows = await sql.rows("SELECT value FROM sync_counter WHERE id = 1")
            upto = min(upto, int(rows[0]["value"]))
            await sql.run(
                "DELETE FROM application WHERE deleted = ? AND change_seq <= ?", [True, upto]
            )
            await sql.run(
                "UPDATE sync_counter SET horizon = ? WHERE id = 1 AND horizon < ?", [upto, upto]
            )


async def _lock_counter(sql: Sql) -> dict[str, Any]:
    """Take the writer lock (a row lock on PostgreSQL, the write lock on SQLite)."""
    lock = "UPDATE sync_counter SET value = value WHERE id = 1 RETURNING value, epoch, horizon"
    rows = await sql.rows(lock)
    if not rows:  # a fresh (or emptied) database: a new epoch, so old cursors reset
        await sql.run(
            "INSERT INTO sync_counter (id, value, epoch, horizon) VALUES (1, 0, ?, 0) "
            "ON CONFLICT (id) DO NOTHING",
            [uuid.uuid4().hex[:12]],
        )
        rows = await sql.rows(lock)
    return rows[0]


def _record(row: dict[str, Any]) -> Record:
    return Record(
        id=row["id"],
        owner_user_id=row["owner_user_id"],
        created_by_client=row["created_by_client"],
        permit_type=row["permit_type"],
        form_version=row["form_version"],
        tracking_code=row["tracking_code"],
        status_token="",  # only its hash is stored (server.services.citizen.links)
        status=row["status"],
        fields=load(row["data"]),
        corrections=load(row["corrections"]),
        files=[FileRef(**f) for f in load(row["files"])],
        region_code=row["region_code"],
        captured_at=when(row["captured_at"]),
        created_at=when(row["created_at"]),  # type: ignore[arg-type]
        updated_at=when(row["updated_at"]),  # type: ignore[arg-type]
        version=row["version"],
        change_seq=int(row["change_seq"]),
        deleted=bool(row["deleted"]),
        submitted_at=when(row["submitted_at"]),
        warnings=load(row["warnings"]),
        typed=load(row["typed"]),
    )


def _conflict(row: dict[str, Any]) -> Conflict:
    return Conflict(
        id=row["id"],
        record_id=row["application_id"],
        field=row["field"],
        base=load_nullable(row["base"]),
        device_value=load_nullable(row["device_value"]),
        server_value=load_nullable(row["server_value"]),
        client_id=row["client_id"],
        mutation_id=int(row["mutation_id"]),
        created_at=when(row["created_at"]),  # type: ignore[arg-type]
        status=row["status"],
        resolution=load_nullable(row["resolution"]),
        change_seq=int(row["change_seq"]),
    )


def _client(row: dict[str, Any]) -> ClientState:
    return ClientState(
        client_id=row["client_id"],
        device_id=row["device_id"],
        user_id=row["user_id"],
        last_mutation_id=int(row["last_mutation_id"]),
        clock_skew_s=row["clock_skew_s"],
        clock_flagged_at=when(row["clock_flagged_at"]),
    )


async def _get_client(sql: Sql, client_id: str) -> ClientState | None:
    rows = await sql.rows("SELECT * FROM sync_client WHERE client_id = ?", [client_id])
    return _client(rows[0]) if rows else None


class _Write(WriteTx):
    def __init__(self, store: TortoiseStore, sql: Sql) -> None:
        self.store = store
        self.sql = sql

    async def client(self, client_id: str) -> ClientState | None:
        return await _get_client(self.sql, client_id)

    async def results(self, client_id: str, ids: Iterable[int]) -> dict[int, StoredResult]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        rows = await self.sql.rows(
            "SELECT mutation_id, name, result, received_at FROM sync_mutation_result "
            "WHERE client_id = ? AND mutation_id >= ? AND mutation_id <= ?",
            [client_id, wanted[0], wanted[-1]],
        )
        out = {}
        for row in rows:
            mid = int(row["mutation_id"])
            received = when(row["received_at"])
            assert received is not None  # the column is NOT NULL
            out[mid] = StoredResult(client_id, mid, row["name"], load(row["result"]), received)
        return out

    async def records(self, ids: Iterable[str]) -> dict[str, Record]:
        wanted = list(set(ids))
        if not wanted:
            return {}
        rows = await self.sql.rows(
            f"SELECT {APP_COLUMNS} FROM application WHERE id IN ({self.sql.marks(len(wanted))})",
            wanted,
        )
        return {row["id"]: _record(row) for row in rows}

    async def tracking_codes(self, codes: Iterable[str]) -> dict[str, str]:
        wanted = list(set(codes))
        if not wanted:
            return {}
        rows = await self.sql.rows(
            "SELECT id, tracking_code FROM application "
            f"WHERE tracking_code IN ({self.sql.marks(len(wanted))})",
            wanted,
        )
        return {row["tracking_code"]: row["id"] for row in rows}

    async def lookup(
        self, ids: Iterable[str], codes: Iterable[str]
    ) -> tuple[dict[str, Record], dict[str, str]]:
        wanted, taken = list(set(ids)), list(set(codes))
        where = []
        if wanted:
            where.append(f"id IN ({self.sql.marks(len(wanted))})")
        if taken:
            where.append(f"tracking_code IN ({self.sql.marks(len(taken))})")
        if not where:
            return {}, {}
        rows = await self.sql.rows(
            f"SELECT {APP_COLUMNS} FROM application WHERE {' OR '.join(where)}", wanted + taken
        )
        asked = set(wanted)
        records = {row["id"]: _record(row) for row in rows if row["id"] in asked}
        codes_in_use = {row["tracking_code"]: row["id"] for row in rows}
        return records, {code: codes_in_use[code] for code in taken if code in codes_in_use}

    async def known_blobs(self, sha256s: Iterable[str]) -> set[str]:
        return await self.store.check_blobs(self.sql, set(sha256s))

    async def claims(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        by_kind: dict[str, list[str]] = {}
        for kind, key in set(keys):
            by_kind.setdefault(kind, []).append(key)
        out: dict[tuple[str, str], str] = {}
        for kind, wanted in by_kind.items():
            held = await self.store.claim_readers[kind](self.sql, sorted(wanted))
            out.update({(kind, key): holder for key, holder in held.items()})
        return out

    async def conflict(self, conflict_id: str) -> Conflict | None:
        rows = await self.sql.rows(
            f"SELECT {CONFLICT_COLUMNS} FROM sync_conflict WHERE id = ?", [conflict_id]
        )
        return _conflict(rows[0]) if rows else None

    async def records_with_blob(self, sha256: str) -> list[Record]:
        rows = await self.sql.rows(
            "SELECT application_id FROM application_blob WHERE sha256 = ?", [sha256]
        )
        found = await self.records(row["application_id"] for row in rows)
        return list(found.values())

    async def allocate(self, count: int) -> int:
        rows = await self.sql.rows(
            "UPDATE sync_counter SET value = value + ? WHERE id = 1 RETURNING value", [count]
        )
        return int(rows[0]["value"]) - count + 1

    async def save(self, batch: Batch) -> None:
        if self.store.fail_next_save:
            self.store.fail_next_save = False
            raise Transient()
        refuse = self.store.refuse_value
        if refuse and any(refuse in r.fields.values() for r in batch.records.values()):
            raise StorageRefused(f"refusing {refuse!r}")
        await _save_records(self.sql, batch)
        if batch.records:
            await duplicates.flag(self.sql, batch.records.values(), _batch_time(batch))
        await _save_conflicts(self.sql, batch)
        await self.sql.many(
            "INSERT INTO application_status_change "
            "(application_id, from_status, to_status, actor, at, note) VALUES (?, ?, ?, ?, ?, ?)",
            [
                [c.record_id, c.from_status, c.to_status, c.actor, c.at, c.note]
                for c in batch.status_changes
            ],
        )
        if batch.status_changes and self.store.after_status_moves is not None:
            moved = list(dict.fromkeys(c.record_id for c in batch.status_changes))
            await self.store.after_status_moves(self.sql, moved)
        await _save_results(self.sql, batch)
        if batch.client is not None:
            c = batch.client
            await self.sql.run(
                "INSERT INTO sync_client (client_id, device_id, user_id, last_mutation_id, "
                "clock_skew_s, clock_flagged_at) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (client_id) DO UPDATE SET last_mutation_id = "
                "excluded.last_mutation_id, clock_skew_s = excluded.clock_skew_s, "
                "clock_flagged_at = excluded.clock_flagged_at",
                [
                    c.client_id,
                    c.device_id,
                    c.user_id,
                    c.last_mutation_id,
                    c.clock_skew_s,
                    c.clock_flagged_at,
                ],
            )
        by_kind: dict[str, list[dict[str, Any]]] = {}
        for effect in batch.effects:
            by_kind.setdefault(effect.kind, []).append(effect.data)
        for kind, items in by_kind.items():
            await self.store.effect_writers[kind](self.sql, items)


async def _save_records(sql: Sql, batch: Batch) -> None:
    if not batch.records:
        return
    sets = ", ".join(f"{col} = excluded.{col}" for col in APP_UPDATE.split(", "))
    await sql.many(
        f"INSERT INTO application ({APP_COLUMNS}) VALUES ({sql.marks(26)}) "
        f"ON CONFLICT (id) DO UPDATE SET {sets}",
        [
            [
                r.id,
                r.owner_user_id,
                r.created_by_client,
                r.permit_type,
                r.form_version,
                r.tracking_code,
                token_hash(r.status_token) if r.status_token else "",
                r.status,
                dump(r.fields),
                dump(r.corrections),
                dump([f.to_json() for f in r.files]),
                r.region_code,
                r.captured_at,
                r.created_at,
                r.updated_at,
                r.version,
                r.change_seq,
                r.deleted,
                r.submitted_at,
                dump(r.warnings),
                dump(r.typed),
                duplicates.nik_of(r.fields),
                _text(r.fields.get("full_name")),
                _text(r.fields.get("business_name")),
                duplicates.business_key(r.fields.get("business_name")),
                any(not f.arrived for f in r.files),
            ]
            for r in batch.records.values()
        ],
    )
    blobs = [[f.sha256, r.id] for r in batch.records.values() for f in r.files]
    await sql.many(
        "INSERT INTO application_blob (sha256, application_id) VALUES (?, ?) "
        "ON CONFLICT (sha256, application_id) DO NOTHING",
        blobs,
    )


async def _save_conflicts(sql: Sql, batch: Batch) -> None:
    if not batch.conflicts:
        return
    await sql.many(
        f"INSERT INTO sync_conflict ({CONFLICT_COLUMNS}) VALUES ({sql.marks(12)}) "
        "ON CONFLICT (id) DO UPDATE SET status = excluded.status, "
        "resolution = excluded.resolution, change_seq = excluded.change_seq",
        [
            [
                c.id,
                c.record_id,
                c.field,
                _json_or_null(c.base),
                _json_or_null(c.device_value),
                _json_or_null(c.server_value),
                c.client_id,
                c.mutation_id,
                c.created_at,
                c.status,
                _json_or_null(c.resolution),
                c.change_seq,
            ]
            for c in batch.conflicts.values()
        ],
    )


async def _save_results(sql: Sql, batch: Batch) -> None:
    """Answers other than a plain "applied" are kept for replay; every mutation goes into the
    batch's audit row (id, name, outcome, hlc, device time)."""
    if not batch.results:
        return
    kept = [r for r in batch.results if r.result != {"id": r.mutation_id, "status": "applied"}]
    await sql.many(
        "INSERT INTO sync_mutation_result (client_id, mutation_id, name, result, "
        "received_at, hlc, device_time, rejected_args) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            [
                r.client_id,
                r.mutation_id,
                r.name,
                dump(r.result),
                r.received_at,
                r.hlc,
                r.device_time,
                _json_or_null(r.rejected_args),
            ]
            for r in kept
        ],
    )
    entries = [
        {
            "id": r.mutation_id,
            "name": r.name,
            "status": r.result["status"],
            "hlc": r.hlc,
            "device_time": r.device_time.isoformat() if r.device_time else None,
        }
        for r in batch.results
    ]
    first = batch.results[0]
    await sql.run(
        "INSERT INTO sync_push_log (client_id, received_at, first_mutation_id, "
        "last_mutation_id, entries) VALUES (?, ?, ?, ?, ?)",
        [
            first.client_id,
            first.received_at,
            first.mutation_id,
            batch.results[-1].mutation_id,
            dump(entries),
        ],
    )


def _text(value: Any) -> str:
    return value.strip()[:200] if isinstance(value, str) else ""


def _batch_time(batch: Batch) -> datetime:
    return max(r.updated_at for r in batch.records.values())


def _json_or_null(value: Any) -> str | None:
    return None if value is None else dump(value)


class _Read(ReadTx):
    def __init__(self, sql: Sql) -> None:
        self.sql = sql
        self._counter: dict[str, Any] | None = None

    async def _row(self) -> dict[str, Any]:
        if self._counter is None:
            rows = await self.sql.rows(
                "SELECT value, epoch, horizon FROM sync_counter WHERE id = 1"
            )
            self._counter = rows[0] if rows else {"value": 0, "epoch": "", "horizon": 0}
        return self._counter

    async def epoch(self) -> str:
        return str((await self._row())["epoch"])

    async def high_water(self) -> int:
        return int((await self._row())["value"])

    async def horizon(self) -> int:
        return int((await self._row())["horizon"])

    async def client(self, client_id: str) -> ClientState | None:
        return await _get_client(self.sql, client_id)

    async def changed_records(
        self, actor: Actor, after: int, upto: int, limit: int
    ) -> list[Record]:
        scope = ["owner_user_id = ?"]
        values: list[Any] = [after, upto, actor.user_id]
        for prefix in actor.areas:
            scope.append("region_code = ? OR (region_code >= ? AND region_code < ?)")
            values += [prefix, prefix + ".", prefix + "/"]  # "/" sorts right after "."
        values.append(limit)
        rows = await self.sql.rows(
            f"SELECT {APP_COLUMNS} FROM application WHERE change_seq > ? AND change_seq <= ? "
            f"AND ({' OR '.join(scope)}) ORDER BY change_seq LIMIT ?",
            values,
        )
        return [_record(row) for row in rows]

    async def changed_conflicts(self, client_id: str, after: int, upto: int) -> list[Conflict]:
        rows = await self.sql.rows(
            f"SELECT {CONFLICT_COLUMNS} FROM sync_conflict WHERE client_id = ? "
            "AND change_seq > ? AND change_seq <= ? ORDER BY change_seq",
            [client_id, after, upto],
        )
        return [_conflict(row) for row in rows]
