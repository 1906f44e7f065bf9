"""Small SQL helpers for the sync store: one spelling of each statement for SQLite and
PostgreSQL (placeholders, JSON and timestamp values)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient


class Sql:
    def __init__(self, conn: BaseDBAsyncClient) -> None:
        self.conn = conn
        self.postgres = conn.capabilities.dialect == "postgres"

    def q(self, text: str) -> str:
        """Write statements with ``?``; PostgreSQL wants ``$1, $2, …``."""
        if not self.postgres:
            return text
        parts = text.split("?")
        out = [parts[0]]
        for n, part in enumerate(parts[1:], start=1):
            out.append(f"${n}{part}")
        return "".join(out)

    async def rows(self, text: str, values: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return await self.conn.execute_query_dict(self.q(text), list(values))

    async def run(self, text: str, values: Sequence[Any] = ()) -> None:
        await self.conn.execute_query(self.q(text), list(values))

    async def many(self, text: str, values: list[list[Any]]) -> None:
        if values:
            await self.conn.execute_many(self.q(text), values)

    def marks(self, count: int) -> str:
        return ", ".join("?" * count)


try:  # several times faster; the stdlib is the fallback
    import orjson
except ImportError:  # pragma: no cover - depends on the installed extras
    orjson = None  # type: ignore[assignment]

_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def dump(value: Any) -> str:
    text = orjson.dumps(value).decode() if orjson is not None else _encode(value)
    if "\\u0000" in text:  # PostgreSQL refuses NUL in JSON; only echoed device input has it
        text = dump(_without_nul(value))
    return text


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    return value


def load(value: Any) -> Any:
    if not isinstance(value, str | bytes):
        return value
    return orjson.loads(value) if orjson is not None else json.loads(value)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_body(raw: bytes) -> Any:
    """Strict JSON: NaN and Infinity are refused (they could never be answered back)."""
    if orjson is not None:
        return orjson.loads(raw)  # refuses lone surrogates and NaN itself
    data = json.loads(raw, parse_constant=_no_constants)
    if b"\\u" in raw:  # an escaped lone surrogate parses, but no database can store it
        _encode(data).encode("utf-8")  # UnicodeEncodeError is a ValueError
    return data


def load_nullable(value: Any) -> Any:
    return None if value is None else load(value)


def when(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    moment: datetime = value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
