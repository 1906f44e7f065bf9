"""Removing abandoned partial uploads (called by `jemput uploads cleanup` and periodically)."""

from __future__ import annotations

import asyncio
import logging
import time

from server.uploads.errors import UploadError
from server.uploads.locks import Locks
from server.uploads.storage import Storage

log = logging.getLogger(__name__)


async def expire_uploads(storage: Storage, locks: Locks, now: float | None = None) -> int:
    """Delete every partial upload whose expiry has passed; returns how many went.
    An upload being written right now (lock held) is skipped, not waited for."""
    now = time.time() if now is None else now
    removed = 0
    uploads = await storage.list_uploads()
    for info in uploads:
        if info.expires > now:
            continue
        try:
            async with locks.hold(info.sha256, wait=0):
                await storage.discard_upload(info.sha256)
        except UploadError:
            continue
        remove_lock = getattr(locks, "remove_if_idle", None)
        if remove_lock is not None:
            remove_lock(info.sha256)
        removed += 1
    sweep = getattr(locks, "sweep", None)
    if sweep is not None:
        live = {info.sha256 for info in uploads if info.expires > now}
        await asyncio.to_thread(sweep, live, now - 3600)
    return removed


async def run_periodically(storage: Storage, locks: Locks, every_seconds: float = 3600) -> None:
    """A lifespan task: `asyncio.create_task(run_periodically(storage, locks))`."""
    while True:
        try:
            count = await expire_uploads(storage, locks)
            if count:
                log.info("removed %d expired partial uploads", count)
        except Exception:  # a failed sweep must not end the loop
            log.exception("upload cleanup failed")
        await asyncio.sleep(every_seconds)
