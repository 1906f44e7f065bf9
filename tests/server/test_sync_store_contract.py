"""The database store passes the same contract as the memory store (SQLite by default,
PostgreSQL when TEST_DATABASE_URL points at one)."""

from __future__ import annotations

from typing import Any

import pytest

from server.models import Blob, MutationResult, SyncPushLog
from server.services.applications.sync_store import TortoiseStore
from server.services.citizen import skm
from server.settings import Settings
from sync import Actor, Sync
from tests.sync.contract import StoreContract
from tests.sync.helpers import Device, create, intent


class TestTortoiseStore(StoreContract):
    @pytest.fixture
    def store(self, db: Settings) -> TortoiseStore:
        return TortoiseStore(
            effect_writers={"survey": skm.write_effects},
            claim_readers={"survey": skm.surveys_of},
        )

    async def mark_blob(self, store: Any, sha256: str) -> None:
        await Blob.create(sha256=sha256, size=3, content_type="image/jpeg")


async def test_only_non_trivial_answers_are_kept_and_every_mutation_is_audited(
    db: Settings,
) -> None:
    sync = Sync(TortoiseStore())
    device = Device(sync, Actor("7", "tab-7", ("63.01",)))
    device.sent_at = None
    await device.push(create(1), intent("resubmit_application", 1), intent("submit_application", 1))
    kept = await MutationResult.all().values_list("mutation_id", "result")
    assert kept == [
        (
            2,
            {
                "id": 2,
                "status": "rejected",
                "reason": "invalid_transition",
                "message": kept[0][1]["message"],
            },
        )
    ]
    (log,) = await SyncPushLog.all()
    assert (log.first_mutation_id, log.last_mutation_id) == (1, 3)
    assert [(e["id"], e["status"], e["hlc"]) for e in log.entries] == [
        (1, "applied", "0000000000001:0000:dev"),
        (2, "rejected", "0000000000002:0000:dev"),
        (3, "applied", "0000000000003:0000:dev"),
    ]
    assert log.entries[0]["device_time"] == "2026-03-01T02:00:00+00:00"
    replay = await device.send(device.body(create(1), first=1))
    assert replay["results"] == [{"id": 1, "status": "applied", "replayed": True}]
