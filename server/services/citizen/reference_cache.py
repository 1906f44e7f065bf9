"""Reference data the status page reads on every visit (permit types, offices, holidays),
kept in memory for a minute: it changes a few times a year, and the page must stay close to a
bare lookup in cost (bench/status_page.py). Each process refreshes on its own."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from typing import cast

from server.models import Holiday, Office, PermitType

TTL_SECONDS = 60.0


@dataclass
class _Snapshot:
    loaded_at: float = -1e9
    permit_types: dict[str, PermitType] = field(default_factory=dict)
    offices: list[Office] = field(default_factory=list)
    holidays: frozenset[date] = frozenset()


_snapshot = _Snapshot()


async def current() -> _Snapshot:
    global _snapshot
    if time.monotonic() - _snapshot.loaded_at < TTL_SECONDS:
        return _snapshot
    days = await Holiday.all().values_list("date", flat=True)
    fresh = _Snapshot(
        loaded_at=time.monotonic(),
        permit_types={p.code: p for p in await PermitType.all()},
        offices=list(await Office.all()),
        holidays=frozenset(cast(list[date], days)),
    )
    _snapshot = fresh
    return fresh


def forget() -> None:
    """Tests: the next read loads again."""
    global _snapshot
    _snapshot = _Snapshot()
