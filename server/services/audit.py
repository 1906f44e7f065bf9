"""Append-only audit trail: who saw or changed what, chained by hash so tampering shows.

Row ``seq`` (1, 2, 3, … without gaps) stores ``prev_hash`` = the hash of row ``seq - 1`` (64
zeros for the first) and ``hash`` = SHA-256 of the row's canonical serialisation::

    json.dumps({"seq", "at", "actor_id", "action", "object_type", "object_id", "detail",
                "prev_hash"}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

encoded as UTF-8, where ``at`` is ISO 8601 in UTC with microseconds
(``2026-12-03T04:10:00.123456+00:00``), ``actor_id`` an integer or null, and ``detail`` plain
JSON (floats and other non-JSON values are stored as strings, so every database returns the
same text). Appends are serialised so two writers never fork the chain: a transaction-scoped
advisory lock on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite; the unique ``seq`` is the last
guard. Nothing in the code updates or deletes a row, and on PostgreSQL a trigger (migration
0008) refuses UPDATE and DELETE. ``verify()`` walks the chain and names the first bad row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient
from tortoise.transactions import in_transaction

from server.models import AuditEvent, User

GENESIS = "0" * 64
# pg_advisory_xact_lock key: "jbaudit" read as a number; any constant unique in this database.
CHAIN_LOCK_KEY = 0x6A6261756469
MAX_TEXT = {"action": 64, "object_type": 40, "object_id": 64}


def plain(value: Any) -> Any:
    """The JSON every backend stores and returns byte for byte: no floats, no odd types."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [plain(item) for item in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    if isinstance(value, datetime):
        return stamp(value)
    return str(value)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def canonical(
    *,
    seq: int,
    at: datetime,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    detail: dict[str, Any],
    prev_hash: str,
) -> bytes:
    body = {
        "seq": seq,
        "at": stamp(at),
        "actor_id": actor_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "detail": detail,
        "prev_hash": prev_hash,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def row_hash(**fields: Any) -> str:
    return hashlib.sha256(canonical(**fields)).hexdigest()


async def record(
    action: str,
    *,
    actor: User | None = None,
    object_type: str = "",
    object_id: str | int | UUID = "",
    **detail: Any,
) -> AuditEvent:
    """Append one row. Inside a caller's transaction the row commits (or not) with it."""
    fields = _fields(action, actor.id if actor is not None else None, object_type, object_id)
    fields["detail"] = plain(detail)
    async with _append_lock() as conn:
        seq = await _append(conn, fields)
    return await AuditEvent.get(seq=seq)


async def record_in(
    conn: BaseDBAsyncClient,
    action: str,
    *,
    actor_id: int | None,
    object_type: str = "",
    object_id: str | int | UUID = "",
    **detail: Any,
) -> int:
    """Append one row on ``conn``, a transaction the caller has open (the sync store's write
    transaction of a status move): the row commits or rolls back with the caller's writes.
    On PostgreSQL the chain's advisory lock is taken on that transaction (held until it ends);
    on SQLite the caller must already hold the write lock (the sync store's first statement
    takes it), so no other writer can move the head between reading it and appending.
    Returns the row's ``seq``."""
    fields = _fields(action, actor_id, object_type, object_id)
    fields["detail"] = plain(detail)
    if _is_postgres(conn):
        await conn.execute_query("SELECT pg_advisory_xact_lock($1)", [CHAIN_LOCK_KEY])
    return await _append(conn, fields)


def _fields(
    action: str, actor_id: int | None, object_type: str, object_id: str | int | UUID
) -> dict[str, Any]:
    return {
        "at": datetime.now(UTC),
        "actor_id": actor_id,
        "action": action[: MAX_TEXT["action"]],
        "object_type": object_type[: MAX_TEXT["object_type"]],
        "object_id": str(object_id)[: MAX_TEXT["object_id"]],
    }


async def _append(conn: Any, fields: dict[str, Any]) -> int:
    """Read the chain's head and append after it; the caller holds the chain's lock."""
    last = await conn.execute_query_dict(
        "SELECT seq, hash FROM audit_event WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1"
    )
    seq = int(last[0]["seq"]) + 1 if last else 1
    prev = str(last[0]["hash"]) if last else GENESIS
    digest = row_hash(seq=seq, prev_hash=prev, **fields)
    columns = [
        "seq",
        "at",
        "actor_id",
        "action",
        "object_type",
        "object_id",
        "detail",
        "prev_hash",
        "hash",
    ]
    values = [
        seq,
        fields["at"],
        fields["actor_id"],
        fields["action"],
        fields["object_type"],
        fields["object_id"],
        json.dumps(fields["detail"], ensure_ascii=False),
        prev,
        digest,
    ]
    marks = ", ".join(_mark(conn, n) for n in range(1, len(values) + 1))
    await conn.execute_query(
        f"INSERT INTO audit_event ({', '.join(columns)}) VALUES ({marks})", values
    )
    return seq


async def login_failed(username: str, *, client: str, channel: str) -> AuditEvent:
    """A refused sign-in names the account tried (unknown ones too), never the password."""
    return await record(
        "login.failed",
        object_type="user",
        object_id=username.strip().lower()[:64],
        client=client,
        channel=channel,
    )


def _is_postgres(conn: BaseDBAsyncClient) -> bool:
    return conn.capabilities.dialect == "postgres"


def _mark(conn: BaseDBAsyncClient, n: int) -> str:
    return f"${n}" if _is_postgres(conn) else "?"


class _RawSqlite:
    """The few calls ``record`` makes, on the raw SQLite connection inside BEGIN IMMEDIATE."""

    def __init__(self, raw: Any, capabilities: Any) -> None:
        self.raw = raw
        self.capabilities = capabilities

    async def execute_query_dict(self, sql: str, values: list[Any] | None = None) -> list[Any]:
        return [dict(row) for row in await self.raw.execute_fetchall(sql, values or [])]

    async def execute_query(self, sql: str, values: list[Any]) -> None:
        await self.raw.execute(sql, values)


class _Lock:
    def __init__(self) -> None:
        self.context: Any = None
        self.raw: Any = None

    async def __aenter__(self) -> Any:
        conn = connections.get("default")
        if _is_postgres(conn):
            # Nested in a caller's transaction this is a savepoint; the lock lasts until the
            # outermost transaction ends, which is what keeps the chain linear.
            self.context = in_transaction()
            tx = await self.context.__aenter__()
            await tx.execute_query("SELECT pg_advisory_xact_lock($1)", [CHAIN_LOCK_KEY])
            return tx
        if isinstance(conn, TransactionalDBClient):
            # Already inside a caller's SQLite transaction: it holds the only connection.
            return conn
        # Outside a transaction: take the write lock before reading the chain's head, so a
        # second process waits (busy_timeout) instead of reading a head that is about to move.
        self.context = conn.acquire_connection()
        self.raw = await self.context.__aenter__()
        await self.raw.execute("BEGIN IMMEDIATE")
        return _RawSqlite(self.raw, conn.capabilities)

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if self.context is None:
            return
        try:
            if self.raw is not None:
                await (self.raw.rollback() if exc_type else self.raw.commit())
        finally:
            await self.context.__aexit__(exc_type, exc, tb)


def _append_lock() -> _Lock:
    return _Lock()


# --- reading and verifying -----------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    ok: bool
    rows: int
    head: str  # hash of the last good row (GENESIS for an empty trail)
    problem: str = ""
    bad_id: int | None = None
    bad_seq: int | None = None


async def _chain(batch: int = 1000) -> AsyncIterator[AuditEvent]:
    after: int | None = None
    while True:
        query = AuditEvent.filter(seq__not_isnull=True)
        if after is not None:
            query = query.filter(seq__gt=after)
        rows = await query.order_by("seq").limit(batch)
        for row in rows:
            yield row
        if len(rows) < batch:
            return
        after = rows[-1].seq


async def verify() -> Verification:
    """Walk the chain from the first row; stop at the first row that does not hold."""
    expected_seq = 1
    prev = GENESIS
    count = 0
    unchained = await AuditEvent.filter(seq__isnull=True).order_by("id").first()
    if unchained is not None:
        return Verification(
            False, 0, GENESIS, f"row id {unchained.id} is outside the chain (no seq)", unchained.id
        )
    async for row in _chain():
        assert row.seq is not None
        where = f"row id {row.id} (seq {row.seq})"
        if row.seq != expected_seq:
            problem = f"seq {expected_seq} is missing before {where}: a row was deleted"
            return Verification(False, count, prev, problem, row.id, row.seq)
        if row.prev_hash != prev:
            problem = f"{where} does not follow the previous row (prev_hash differs)"
            return Verification(False, count, prev, problem, row.id, row.seq)
        digest = row_hash(
            seq=row.seq,
            at=row.at,
            actor_id=row.actor_id,  # type: ignore[attr-defined]
            action=row.action,
            object_type=row.object_type,
            object_id=row.object_id,
            detail=row.detail,
            prev_hash=row.prev_hash,
        )
        if digest != row.hash:
            problem = f"{where} was changed after it was written (hash differs)"
            return Verification(False, count, prev, problem, row.id, row.seq)
        prev = row.hash
        count += 1
        expected_seq += 1
    return Verification(True, count, prev)


async def backfill(conn: BaseDBAsyncClient) -> int:
    """Chain rows written before the chain existed (migration 0008), oldest first."""
    rows = await conn.execute_query_dict(
        "SELECT id, at, actor_id, action, object_type, object_id, detail FROM audit_event "
        "WHERE seq IS NULL ORDER BY id"
    )
    prev = GENESIS
    for seq, row in enumerate(rows, start=1):
        detail = row["detail"]
        detail = plain(json.loads(detail) if isinstance(detail, str) else detail or {})
        at = row["at"]
        if isinstance(at, str):
            at = datetime.fromisoformat(at)
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        fields = {
            "seq": seq,
            "at": at,
            "actor_id": row["actor_id"],
            "action": row["action"],
            "object_type": row["object_type"],
            "object_id": row["object_id"],
            "detail": detail,
            "prev_hash": prev,
        }
        digest = row_hash(**fields)
        sql = (
            "UPDATE audit_event SET seq = {}, prev_hash = {}, hash = {}, detail = {} WHERE id = {}"
        ).format(*(_mark(conn, n) for n in range(1, 6)))
        await conn.execute_query(
            sql, [seq, prev, digest, json.dumps(detail, ensure_ascii=False), row["id"]]
        )
        prev = digest
    return len(rows)
