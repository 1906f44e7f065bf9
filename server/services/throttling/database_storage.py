"""A `limits` storage kept in the application database, so every worker and every machine
sharing one database count together without another service to run. Fixed windows only:
one upsert per hit."""

from __future__ import annotations

import time
from typing import Any, cast

from limits.aio.storage import Storage
from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

TABLE = "rate_limit_counter"

_INCR = f"""
INSERT INTO {TABLE} (bucket, hits, expires_at) VALUES (?, ?, ?)
ON CONFLICT (bucket) DO UPDATE SET
  hits = CASE WHEN {TABLE}.expires_at <= ? THEN excluded.hits
              ELSE {TABLE}.hits + excluded.hits END,
  expires_at = CASE WHEN {TABLE}.expires_at <= ? THEN excluded.expires_at
                    ELSE {TABLE}.expires_at END
RETURNING hits
"""


def _sql(conn: BaseDBAsyncClient, text: str) -> str:
    """Statements are written with ``?``; PostgreSQL wants ``$1, $2, …``."""
    if conn.capabilities.dialect != "postgres":
        return text
    parts = text.split("?")
    return parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], start=1))


class DatabaseStorage(Storage):
    STORAGE_SCHEME = ["jemput+database"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: object):
        super().__init__(uri, wrap_exceptions=wrap_exceptions)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return Exception

    @staticmethod
    def _conn() -> BaseDBAsyncClient:
        return cast(BaseDBAsyncClient, connections.get("default"))

    async def _rows(self, text: str, values: list[object]) -> list[dict[str, object]]:
        conn = self._conn()
        return await conn.execute_query_dict(_sql(conn, text), values)

    async def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        rows = await self._rows(_INCR, [key[:200], amount, now + expiry, now, now])
        hits: Any = rows[0]["hits"]
        return int(hits)

    async def get(self, key: str) -> int:
        rows = await self._rows(
            f"SELECT hits FROM {TABLE} WHERE bucket = ? AND expires_at > ?",
            [key[:200], time.time()],
        )
        return int(rows[0]["hits"]) if rows else 0  # type: ignore[call-overload]

    async def get_expiry(self, key: str) -> float:
        rows = await self._rows(
            f"SELECT expires_at FROM {TABLE} WHERE bucket = ? AND expires_at > ?",
            [key[:200], time.time()],
        )
        return float(rows[0]["expires_at"]) if rows else time.time()  # type: ignore[arg-type]

    async def check(self) -> bool:
        await self._rows("SELECT 1 AS ok", [])
        return True

    async def reset(self) -> int | None:
        await self._rows(f"DELETE FROM {TABLE}", [])
        return None

    async def clear(self, key: str) -> None:
        await self._rows(f"DELETE FROM {TABLE} WHERE bucket = ?", [key[:200]])

    async def purge_expired(self) -> None:
        await self._rows(f"DELETE FROM {TABLE} WHERE expires_at <= ?", [time.time()])
