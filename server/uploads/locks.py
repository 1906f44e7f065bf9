"""One PATCH at a time per upload, across processes.

`FileLocks` (default) uses flock(2) on a per-digest lock file: good for any number of
processes on one machine. `PgAdvisoryLocks` uses PostgreSQL session advisory locks: good for
several machines sharing one database. Both are non-blocking: a busy upload answers 423.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

from server.uploads.errors import UploadError
from server.uploads.protocol import SHA256_RE


def locked() -> UploadError:
    return UploadError(
        423, "upload_locked", "Another request is writing this upload; retry in a moment."
    )


# A request that ended by a disconnect may still be syncing its last bytes when the client's
# retry arrives; waiting this long before answering 423 spares the client a retry round.
GRACE_SECONDS = 0.5
_POLL = 0.02


class Locks(Protocol):
    def hold(self, sha: str, wait: float = GRACE_SECONDS) -> Any:
        """Async context manager: hold the lock for `sha`, waiting at most `wait` seconds
        for it, or raise UploadError(423)."""


class FileLocks:
    def __init__(self, lock_dir: str | os.PathLike[str]) -> None:
        self.dir = Path(lock_dir)
        self.dir.mkdir(parents=True, exist_ok=True)

    def _try(self, sha: str) -> int | None:
        path = self.dir / f"{sha}.lock"
        while True:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return None
            # The cleanup may have unlinked the file between our open and flock: then the
            # lock we hold is on an orphan inode and someone else can lock the new file.
            try:
                if os.fstat(fd).st_ino == os.stat(path).st_ino:
                    return fd
            except FileNotFoundError:
                pass
            os.close(fd)

    @asynccontextmanager
    async def hold(self, sha: str, wait: float = GRACE_SECONDS) -> AsyncIterator[None]:
        assert SHA256_RE.match(sha)
        deadline = time.monotonic() + wait
        fd = self._try(sha)
        while fd is None and time.monotonic() < deadline:
            await asyncio.sleep(_POLL)
            fd = self._try(sha)
        if fd is None:
            raise locked()
        try:
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the flock

    def remove_if_idle(self, sha: str) -> None:
        """Delete the lock file of a finished or expired upload if nobody holds it."""
        fd = self._try(sha)
        if fd is not None:
            try:
                os.unlink(self.dir / f"{sha}.lock")
            finally:
                os.close(fd)

    def sweep(self, active: set[str], older_than: float) -> int:
        """Delete idle lock files of uploads no longer in progress (completed or removed)."""
        removed = 0
        for path in self.dir.glob("*.lock"):
            sha = path.stem
            if sha in active or not SHA256_RE.match(sha):
                continue
            try:
                if path.stat().st_mtime >= older_than:
                    continue
            except FileNotFoundError:
                continue
            self.remove_if_idle(sha)
            removed += 1
        return removed


def advisory_key(sha: str) -> int:
    """A signed 64-bit key in a namespace of its own (hash of a prefix + the digest)."""
    digest = hashlib.sha256(b"jemput-bola-upload:" + sha.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PgAdvisoryLocks:
    """Session advisory locks: the connection is held for as long as the PATCH runs, so the
    pool size bounds the number of uploads written at once (a request that finds the pool
    exhausted for longer than its wait answers 423 and the client retries)."""

    def __init__(self, pool: Any = None, *, dsn: str = "", max_connections: int = 20) -> None:
        self.pool = pool  # an asyncpg.Pool, or made from `dsn` on first use
        self.dsn, self.max_connections = dsn, max_connections
        self._opening = asyncio.Lock()

    @classmethod
    def for_database(cls, database_url: str, max_connections: int = 20) -> PgAdvisoryLocks:
        return cls(
            dsn="postgresql://" + database_url.split("://", 1)[1], max_connections=max_connections
        )

    async def _pool(self) -> Any:
        async with self._opening:
            if self.pool is None:
                import asyncpg

                self.pool = await asyncpg.create_pool(
                    self.dsn, min_size=0, max_size=self.max_connections
                )
        return self.pool

    async def close(self) -> None:
        if self.pool is not None and self.dsn:  # only a pool this object opened
            await self.pool.close()
            self.pool = None

    @asynccontextmanager
    async def hold(self, sha: str, wait: float = GRACE_SECONDS) -> AsyncIterator[None]:
        assert SHA256_RE.match(sha)
        key = advisory_key(sha)
        deadline = time.monotonic() + wait
        pool = await self._pool()
        try:
            conn = await pool.acquire(timeout=max(wait, 0.05))
        except TimeoutError:
            raise locked() from None
        try:
            while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", key):
                if time.monotonic() >= deadline:
                    raise locked()
                await asyncio.sleep(_POLL)
            try:
                yield
            finally:
                await asyncio.shield(conn.fetchval("SELECT pg_advisory_unlock($1)", key))
        finally:
            await pool.release(conn)

    def remove_if_idle(self, sha: str) -> None:
        """Advisory locks leave nothing behind."""


def locks_for(settings: Any) -> FileLocks | PgAdvisoryLocks:
    """The lock kind the settings ask for (``UPLOAD_LOCKS``)."""
    if settings.upload_locks == "postgres":
        return PgAdvisoryLocks.for_database(settings.database_url)
    return FileLocks(settings.media_dir / "locks")


async def close_locks(locks: Any) -> None:
    close = getattr(locks, "close", None)
    if close is not None:
        await close()
