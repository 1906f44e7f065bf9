"""The database store passes the same contract as the memory store (SQLite by default,
PostgreSQL when TEST_DATABASE_URL points at one)."""

from __future__ import annotations

from typing import Any

import pytest

from server.models import Blob
from server.services.sync_store import TortoiseStore
from server.settings import Settings
from tests.sync.contract import StoreContract


class TestTortoiseStore(StoreContract):
    @pytest.fixture
    def store(self, db: Settings) -> TortoiseStore:
        return TortoiseStore()

    async def mark_blob(self, store: Any, sha256: str) -> None:
        await Blob.create(sha256=sha256, size=3, content_type="image/jpeg")
