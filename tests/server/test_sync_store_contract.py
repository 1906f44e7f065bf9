"""The database store passes the same contract as the memory store (SQLite by default,
PostgreSQL when TEST_DATABASE_URL points at one)."""

from __future__ import annotations

from typing import Any

import pytest

from server.services.sync_store import TortoiseStore
from server.settings import Settings
from tests.sync.contract import StoreContract


class TestTortoiseStore(StoreContract):
    @pytest.fixture
    def store(self, db: Settings) -> TortoiseStore:
        blobs: set[str] = set()

        async def known(sha256s: set[str]) -> set[str]:
            return sha256s & blobs

        store = TortoiseStore(known_blobs=known)
        store.blobs = blobs  # type: ignore[attr-defined]
        return store

    async def mark_blob(self, store: Any, sha256: str) -> None:
        store.blobs.add(sha256)
