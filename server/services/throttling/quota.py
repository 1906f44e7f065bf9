"""Daily upload quota per officer: files and bytes accepted since local midnight.

Counted in the application database (or Redis when ``RATE_LIMIT_STORAGE`` is a redis://
URL), so every worker and every machine counts together and a restart forgets nothing. A
refused upload is not counted: the counter is raised first (one atomic statement, so two
workers can never both take the last place) and lowered again when it went over. Only the
creation of a new upload is counted; resuming one, or sending a file the server already has,
never is (server/uploads/tus.py).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from limits.aio.storage import RedisStorage, Storage

from server.services.throttling.database_storage import DatabaseStorage

log = logging.getLogger("jemput.quota")


@dataclass(frozen=True)
class DailyQuota:
    """``files`` and ``bytes`` per officer per day in ``timezone``; 0 means no limit."""

    files: int
    bytes: int
    timezone: str


@dataclass(frozen=True)
class Refusal:
    what: str  # "files" or "bytes"
    retry_after: int  # seconds until local midnight


def make_storage(rate_limit_storage: str) -> Storage:
    if rate_limit_storage.startswith(("redis://", "rediss://")):
        return RedisStorage("async+" + rate_limit_storage, implementation="redispy")
    return DatabaseStorage()


def _day(quota: DailyQuota, now: datetime | None) -> tuple[str, int]:
    """Today's date in the office's time zone and the seconds left until its midnight."""
    local = (now or datetime.now(ZoneInfo(quota.timezone))).astimezone(ZoneInfo(quota.timezone))
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return local.date().isoformat(), max(1, math.ceil((midnight - local).total_seconds()))


async def take(
    storage: Storage,
    quota: DailyQuota,
    officer: str,
    size: int,
    now: datetime | None = None,
) -> Refusal | None:
    """Count one file of ``size`` bytes for ``officer`` today; a Refusal (nothing counted)
    when it would go over. A storage that cannot be reached admits the upload (logged), as
    the rate limits do: an outage of the counter must not stop field work."""
    day, left = _day(quota, now)
    expiry = left + 3600  # the key names the day; it only has to outlive it
    # Bytes are counted in KiB (rounded up): the database counter is a 32-bit integer.
    wanted = []
    if quota.files > 0:
        wanted.append(("files", quota.files, 1))
    if quota.bytes > 0:
        wanted.append(("bytes", max(1, quota.bytes // 1024), -(-size // 1024)))
    taken: list[tuple[str, int]] = []
    try:
        for what, limit, amount in wanted:
            key = f"upload-quota/{what}/{officer[:80]}/{day}"
            count = await storage.incr(key, expiry, amount=amount)
            taken.append((key, amount))
            if count > limit:
                for counted, added in taken:
                    await storage.incr(counted, expiry, amount=-added)
                return Refusal(what, left)
    except Exception:  # any storage failure, by design
        log.exception("upload quota storage failed; upload admitted")
    return None


async def used(
    storage: Storage, quota: DailyQuota, officer: str, now: datetime | None = None
) -> tuple[int, int]:
    """(files, KiB) counted for ``officer`` today."""
    day, _ = _day(quota, now)
    files = await storage.get(f"upload-quota/files/{officer[:80]}/{day}")
    kib = await storage.get(f"upload-quota/bytes/{officer[:80]}/{day}")
    return files, kib
