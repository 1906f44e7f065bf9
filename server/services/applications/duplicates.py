"""Suspected duplicates: the same NIK with another open application of the same permit type,
or the same business name in the same village. Flagged by the sync store when a submitted
application is saved; staff link (it is a duplicate of the other) or dismiss. A decided pair
is never flagged again."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from server.services.applications.sync_sql import Sql, when
from sync.model import (
    APPROVED,
    NEEDS_CORRECTION,
    PROCESSING,
    RECEIVED,
    VERIFYING,
    Record,
)

# Applications still being worked on; a refused, cancelled or finished one is no rival.
OPEN_STATUSES = (RECEIVED, VERIFYING, NEEDS_CORRECTION, PROCESSING, APPROVED)
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_NIK = re.compile(r"\d{16}")


def business_key(name: Any) -> str:
    """ "  Warung  Bu-Siti " and "warung bu siti" are one business name."""
    if not isinstance(name, str):
        return ""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    return _NOT_ALNUM.sub(" ", text).strip()[:200]


def nik_of(fields: dict[str, Any]) -> str:
    value = fields.get("nik")
    return value if isinstance(value, str) and _NIK.fullmatch(value) else ""


def _later(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return (a["submitted_at"], a["id"]) > (b["submitted_at"], b["id"])


async def flag(sql: Sql, records: Iterable[Record], now: datetime) -> int:
    """Find rivals of these (just saved) records in two queries and record each pair once,
    the later submission flagged against the earlier one. Returns the pairs found."""
    candidates = [
        r for r in records if r.status in OPEN_STATUSES and not r.deleted and r.submitted_at
    ]
    niks = sorted({n for r in candidates if (n := nik_of(r.fields))})
    keys = sorted({k for r in candidates if (k := business_key(r.fields.get("business_name")))})
    if not niks and not keys:
        return 0
    open_marks = sql.marks(len(OPEN_STATUSES))
    rivals: list[dict[str, Any]] = []
    if niks:
        rivals += await sql.rows(
            "SELECT id, permit_type, region_code, nik, business_key, submitted_at "
            f"FROM application WHERE nik IN ({sql.marks(len(niks))}) "
            f"AND status IN ({open_marks}) AND deleted = ?",
            [*niks, *OPEN_STATUSES, False],
        )
    if keys:
        rivals += await sql.rows(
            "SELECT id, permit_type, region_code, nik, business_key, submitted_at "
            f"FROM application WHERE business_key IN ({sql.marks(len(keys))}) "
            f"AND status IN ({open_marks}) AND deleted = ?",
            [*keys, *OPEN_STATUSES, False],
        )
    pairs: set[tuple[str, str, str]] = set()
    for r in candidates:
        mine = {
            "id": r.id,
            "submitted_at": _aware(r.submitted_at),
            "nik": nik_of(r.fields),
            "key": business_key(r.fields.get("business_name")),
        }
        for other in rivals:
            if other["id"] == r.id:
                continue
            theirs = {"id": other["id"], "submitted_at": _aware(other["submitted_at"])}
            same_nik = mine["nik"] and other["nik"] == mine["nik"]
            if same_nik and other["permit_type"] == r.permit_type:
                pairs.add(_ordered(mine, theirs, "nik"))
            same_name = mine["key"] and other["business_key"] == mine["key"]
            if same_name and other["region_code"] == r.region_code and r.region_code:
                pairs.add(_ordered(mine, theirs, "business_name"))
    await sql.many(
        "INSERT INTO application_duplicate (application_id, other_id, reason, status, "
        "created_at, decided_by) VALUES (?, ?, ?, 'open', ?, '') "
        "ON CONFLICT (application_id, other_id, reason) DO NOTHING",
        [[a, b, reason, now] for a, b, reason in sorted(pairs)],
    )
    return len(pairs)


def _ordered(mine: dict[str, Any], theirs: dict[str, Any], reason: str) -> tuple[str, str, str]:
    if _later(mine, theirs):
        return mine["id"], theirs["id"], reason
    return theirs["id"], mine["id"], reason


def _aware(value: Any) -> datetime:
    return when(value) or datetime.min.replace(tzinfo=UTC)
