"""Named rate-limit rules and the limiter that counts them (fixed windows, `limits`)."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter

from server.services.throttling.database_storage import DatabaseStorage

log = logging.getLogger("jemput.ratelimit")


@dataclass(frozen=True)
class Rule:
    """``name`` keeps counters of different rules apart; ``limit`` is in the `limits`
    notation, e.g. ``"5 per 15 minutes"``."""

    name: str
    limit: str
    item: RateLimitItem = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "item", parse(self.limit))


def make_storage(spec: str) -> Storage:
    """``memory`` (one process), ``database`` (shared through the application database) or
    a ``redis://host:port/db`` URL (shared through Redis)."""
    if spec == "memory":
        return MemoryStorage()
    if spec == "database":
        return DatabaseStorage()
    if spec.startswith(("redis://", "rediss://")):
        return RedisStorage("async+" + spec, implementation="redispy")
    raise ValueError(f"unknown rate-limit storage {spec!r}")


class Limiter:
    """Created with the app; the storage opens on first use, inside the event loop (the
    memory storage schedules its expiry task at construction)."""

    def __init__(self, storage_spec: str) -> None:
        self.storage_spec = storage_spec
        self._strategy: FixedWindowRateLimiter | None = None

    @property
    def strategy(self) -> FixedWindowRateLimiter:
        if self._strategy is None:
            self._strategy = FixedWindowRateLimiter(make_storage(self.storage_spec))
        return self._strategy

    async def close(self) -> None:
        """Closes a Redis connection pool; memory and database storages hold nothing open."""
        if self._strategy is not None and isinstance(self._strategy.storage, RedisStorage):
            await self._strategy.storage.bridge.storage.aclose()  # type: ignore[attr-defined]
        self._strategy = None

    async def reset(self) -> None:
        """Forget every counter (tests; an operator after a false alarm)."""
        await self.strategy.storage.reset()

    async def purge_expired(self) -> None:
        storage = self.strategy.storage
        if isinstance(storage, DatabaseStorage):
            await storage.purge_expired()

    @staticmethod
    def _ids(rule: Rule, keys: tuple[str, ...]) -> tuple[str, ...]:
        # Keys may carry user input (a typed username): bounded, and never the storage's
        # own separator.
        return (rule.name, *(key[:80].replace("/", "%2F") for key in keys))

    async def retry_after(self, rule: Rule, *keys: str) -> int:
        """0 when one more hit is allowed, else the seconds until the window resets. A
        storage that cannot be reached lets the request through (logged): an outage of the
        counter must not lock every officer out."""
        ids = self._ids(rule, keys)
        try:
            if await self.strategy.test(rule.item, *ids):
                return 0
            stats = await self.strategy.get_window_stats(rule.item, *ids)
        except Exception:  # any storage failure, by design
            log.exception("rate-limit storage failed; request allowed")
            return 0
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def hit(self, rule: Rule, *keys: str) -> int:
        """Count one hit; returns the Retry-After seconds if this hit went over the limit."""
        ids = self._ids(rule, keys)
        try:
            if await self.strategy.hit(rule.item, *ids):
                return 0
            stats = await self.strategy.get_window_stats(rule.item, *ids)
        except Exception:
            log.exception("rate-limit storage failed; request allowed")
            return 0
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def clear(self, rule: Rule, *keys: str) -> None:
        try:
            await self.strategy.clear(rule.item, *self._ids(rule, keys))
        except Exception:
            log.exception("rate-limit storage failed while clearing")
