"""PostgreSQL: a write that takes its change sequence first but commits late is never skipped
by a pull that runs in between (the bug of cursors built on sequences or clocks)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from server.services.applications.sync_store import TortoiseStore
from server.settings import Settings
from sync import Actor, Sync
from sync.store import WriteTx
from tests.conftest import is_postgres
from tests.sync.helpers import Device, create, rid

pytestmark = pytest.mark.postgres


class PausingStore(TortoiseStore):
    """Holds the next write transaction open after it has written, until ``gate`` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.reached = asyncio.Event()
        self.gate = asyncio.Event()
        self.pause_next = True

    @asynccontextmanager
    async def write(self) -> AsyncIterator[WriteTx]:
        async with super().write() as tx:
            yield tx
            if self.pause_next:
                self.pause_next = False
                self.reached.set()
                await self.gate.wait()


@pytest.fixture
def pg(db: Settings) -> Settings:
    if not is_postgres():
        pytest.skip("needs PostgreSQL: set TEST_DATABASE_URL")
    return db


async def test_late_commit_is_not_skipped(pg: Settings) -> None:
    store = PausingStore()
    sync = Sync(store)
    ani = Device(sync, Actor("u-ani", "d-ani", ("63.01",)))
    staff = Actor("u-staff", None)
    budi = Device(sync, Actor("u-budi", "d-budi", ("63.01",)))
    start = (await ani.pull())["cursor"]

    slow = asyncio.create_task(ani.push(create(1, {"business_region": "63.01.01.2001"})))
    await asyncio.wait_for(store.reached.wait(), 10)  # written, sequence taken, not committed
    fast = asyncio.create_task(budi.push(create(2, {"business_region": "63.01.02.2001"})))
    await asyncio.sleep(0.3)
    assert not fast.done(), "the second writer must wait for the first to commit"

    between = await ani.pull(start)
    assert between["records"] == [] and between["has_more"] is False

    store.gate.set()
    await asyncio.wait_for(asyncio.gather(slow, fast), 10)
    await sync.staff_update(staff, rid(2), {"note": "checked"})
    after = await ani.pull(between["cursor"])
    assert [r["id"] for r in after["records"]] == [rid(1), rid(2)]
    assert after["records"][1]["fields"]["note"] == "checked"


async def test_concurrent_pushes_to_one_record_lose_nothing(pg: Settings) -> None:
    sync = Sync(TortoiseStore())
    ani = Device(sync, Actor("u-ani", "d-ani", ("63.01",)))
    await ani.push(create(1, {"a": "0", "b": "0"}))
    other = Device(sync, Actor("u-ani", "d-ani-2", ("63.01",)))
    edits = [
        ani.push(
            {
                "name": "update_fields",
                "args": {"record_id": rid(1), "changes": {"a": {"base": "0", "value": "ani"}}},
            }
        ),
        other.push(
            {
                "name": "update_fields",
                "args": {
                    "record_id": rid(1),
                    "changes": {
                        "a": {"base": "0", "value": "tab2"},
                        "b": {"base": "0", "value": "tab2"},
                    },
                },
            }
        ),
    ]
    results = await asyncio.gather(*edits)
    statuses = sorted(r["results"][0]["status"] for r in results)
    assert statuses == ["applied", "conflict"]  # one wins field a, the other keeps a conflict
    record = (await ani.pull())["records"][0]
    assert record["fields"]["b"] == "tab2"
    assert record["fields"]["a"] in ("ani", "tab2")


async def test_a_database_data_error_rejects_the_mutation_instead_of_retrying(
    pg: Settings,
) -> None:
    long_region = "63.01." + "9" * 30  # too long for the column: PostgreSQL error class 22
    sync = Sync(TortoiseStore(), region_of=lambda r: r.fields.get("business_region", ""))
    ani = Device(sync, Actor("u-ani", "d-ani", ("63.01",)))
    out = await ani.push(create(1), create(2, {"business_region": long_region}), create(3))
    assert [(r["status"], r.get("reason")) for r in out["results"]] == [
        ("applied", None),
        ("rejected", "storage_refused"),
        ("applied", None),
    ]
    assert {r["id"] for r in (await ani.pull())["records"]} == {rid(1), rid(3)}
