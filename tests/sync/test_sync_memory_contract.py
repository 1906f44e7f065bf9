from __future__ import annotations

import pytest

from sync import MemoryStore
from tests.sync.contract import StoreContract


class TestMemoryStore(StoreContract):
    @pytest.fixture
    def store(self) -> MemoryStore:
        return MemoryStore()
