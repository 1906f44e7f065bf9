"""Random interleavings of device pushes (with lost responses and retries, duplicated and
reordered replays), staff edits and pulls against the memory store, checked against a small
model of the rules.

Invariants: every accepted write is in the final state or in a conflict record; no duplicate
records or conflicts; a pull from any earlier cursor converges to what a fresh pull returns."""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from sync import Actor, MemoryStore, Sync
from sync.errors import Conflict
from sync.validate import same
from tests.sync.helpers import Clock, Device, Replica, create, full_state, id_factory, intent, rid
from tests.sync.helpers import update as upd

RECORDS = range(1, 5)
FIELDS = ("a", "b")
VALUES = st.sampled_from([None, "x", "y", "z"])
REGIONS = ("63.01.01.2001", "63.02.01.2001")
EDITABLE = {"draf", "diterima"}


@dataclass
class ModelRecord:
    owner: str
    region: str
    status: str = "draf"
    fields: dict[str, Any] = field(default_factory=dict)
    deleted: bool = False


@dataclass
class Tablet:
    device: Device
    queue: list[dict[str, Any]] = field(default_factory=list)  # mutation bodies with ids
    sent: list[dict[str, Any]] = field(default_factory=list)  # bodies the server acknowledged
    history: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (cursor, records)
    replica: Replica | None = None


def sees(actor: Actor, rec: ModelRecord) -> bool:
    return rec.owner == actor.user_id or any(rec.region.startswith(p + ".") for p in actor.areas)


class SyncMachine(RuleBasedStateMachine):
    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def teardown(self) -> None:
        if hasattr(self, "loop"):
            self.loop.close()

    @initialize()
    def setup(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.store = MemoryStore()
        self.sync = Sync(self.store, clock=Clock(), new_id=id_factory())
        self.staff = Actor("staff", None)
        actors = [Actor("ani", "tab-1", ("63.01",)), Actor("budi", "tab-2", ("63.02",))]
        self.tablets = [Tablet(Device(self.sync, a)) for a in actors]
        for tablet in self.tablets:
            tablet.replica = Replica(tablet.device)
        self.records: dict[int, ModelRecord] = {}
        self.conflicts: list[tuple[str, int, str, str, Any, Any, Any]] = []
        self.last: dict[str, int] = {t.device.client_id: 0 for t in self.tablets}
        self.results: dict[tuple[str, int], dict[str, Any]] = {}

    # --- queueing on a tablet -----------------------------------------------------------------

    def enqueue(self, tablet: Tablet, mutation: dict[str, Any]) -> None:
        (body,) = tablet.device.body(mutation)["mutations"]
        tablet.queue.append(body)

    @rule(
        t=st.integers(0, 1), n=st.sampled_from(RECORDS), region=st.sampled_from(REGIONS), a=VALUES
    )
    def create(self, t: int, n: int, region: str, a: Any) -> None:
        fields = {"business_region": region} | ({"a": a} if a is not None else {})
        self.enqueue(self.tablets[t], create(n, fields))

    @rule(
        t=st.integers(0, 1),
        n=st.sampled_from(RECORDS),
        name=st.sampled_from(FIELDS),
        from_replica=st.booleans(),
        base=VALUES,
        value=VALUES,
    )
    def edit(self, t: int, n: int, name: str, from_replica: bool, base: Any, value: Any) -> None:
        tablet = self.tablets[t]
        assert tablet.replica is not None
        if from_replica and rid(n) in tablet.replica.records:
            base = tablet.replica.records[rid(n)]["fields"].get(name)
        self.enqueue(tablet, upd(n, **{name: (base, value)}))

    @rule(t=st.integers(0, 1), n=st.sampled_from(RECORDS))
    def submit(self, t: int, n: int) -> None:
        self.enqueue(self.tablets[t], intent("submit_application", n))

    # --- the server's side, modelled ----------------------------------------------------------

    def model_apply(self, actor: Actor, client: str, m: dict[str, Any]) -> tuple[str, set[str]]:
        args = m["args"]
        n = int(args["record_id"].rsplit("-", 1)[1])
        rec = self.records.get(n)
        if m["name"] == "create_application":
            if rec is None:
                self.records[n] = ModelRecord(
                    actor.user_id, args["fields"]["business_region"], fields=dict(args["fields"])
                )
                return "applied", set()
            if rec.deleted or not sees(actor, rec):
                return "record_exists", set()
            return self.merge(client, m["id"], n, {k: (None, v) for k, v in args["fields"].items()})
        if rec is None or rec.deleted or not sees(actor, rec):
            return "not_found", set()
        if m["name"] == "submit_application":
            if rec.status == "draf":
                rec.status = "diterima"
            return ("applied" if rec.status == "diterima" else "invalid_transition"), set()
        if rec.status not in EDITABLE:
            return "record_locked", set()
        changes = {k: (c["base"], c["value"]) for k, c in args["changes"].items()}
        return self.merge(client, m["id"], n, changes)

    def merge(self, client: str, mid: int, n: int, changes: dict[str, Any]) -> tuple[str, set[str]]:
        rec = self.records[n]
        clashes = set()
        for name, (base, value) in changes.items():
            current = rec.fields.get(name)
            if same(current, value) or same(base, value):
                continue
            if same(current, base):
                if value is None:
                    rec.fields.pop(name, None)
                else:
                    rec.fields[name] = value
            else:
                clashes.add(name)
                self.conflicts.append((client, mid, rid(n), name, base, value, current))
        return ("conflict" if clashes else "applied"), clashes

    # --- pushes -------------------------------------------------------------------------------

    @precondition(lambda self: any(t.queue for t in self.tablets))
    @rule(t=st.integers(0, 1), k=st.integers(1, 5), lose_response=st.booleans())
    def push(self, t: int, k: int, lose_response: bool) -> None:
        tablet = self.tablets[t]
        if not tablet.queue:
            return
        client = tablet.device.client_id
        body = {"protocol": 1, "client_id": client, "mutations": tablet.queue[:k]}
        out = self.run(tablet.device.send(copy.deepcopy(body)))
        for m, result in zip(body["mutations"], out["results"], strict=True):
            if m["id"] <= self.last[client]:
                assert result.get("replayed") is True
                assert {**self.results[(client, m["id"])], "replayed": True} == result
                continue
            assert "replayed" not in result
            outcome, clashes = self.model_apply(tablet.device.actor, client, m)
            expected = outcome if outcome in ("applied", "conflict") else "rejected"
            assert result["status"] == expected, (m, result, outcome)
            if expected == "rejected":
                assert result["reason"] == outcome
            assert {c["field"] for c in result.get("conflicts", [])} == clashes
            self.results[(client, m["id"])] = result
            self.last[client] = m["id"]
        assert out["last_mutation_id"] == self.last[client]
        if not lose_response:
            tablet.queue = [m for m in tablet.queue if m["id"] > out["last_mutation_id"]]
            tablet.sent.append(body)

    @precondition(lambda self: any(t.sent for t in self.tablets))
    @rule(t=st.integers(0, 1), pick=st.integers(0, 1000))
    def replay_old_batch(self, t: int, pick: int) -> None:
        tablet = self.tablets[t]
        if not tablet.sent:
            return
        body = tablet.sent[pick % len(tablet.sent)]
        out = self.run(tablet.device.send(copy.deepcopy(body)))
        client = tablet.device.client_id
        for m, result in zip(body["mutations"], out["results"], strict=True):
            assert {**self.results[(client, m["id"])], "replayed": True} == result

    @precondition(lambda self: any(len(t.queue) > 1 for t in self.tablets))
    @rule(t=st.integers(0, 1))
    def push_out_of_order(self, t: int) -> None:
        tablet = self.tablets[t]
        client = tablet.device.client_id
        if len(tablet.queue) < 2 or tablet.queue[1]["id"] <= self.last[client] + 1:
            return
        body = {"protocol": 1, "client_id": client, "mutations": tablet.queue[1:3]}
        with pytest.raises(Conflict) as caught:
            self.run(tablet.device.send(body))
        assert caught.value.details == {"expected": self.last[client] + 1}

    # --- staff and pulls ----------------------------------------------------------------------

    @precondition(lambda self: any(not r.deleted for r in self.records.values()))
    @rule(
        n=st.sampled_from(RECORDS),
        name=st.sampled_from(FIELDS),
        value=VALUES,
        action=st.sampled_from(["edit", "edit", "verify", "delete"]),
    )
    def staff_acts(self, n: int, name: str, value: Any, action: str) -> None:
        rec = self.records.get(n)
        if rec is None or rec.deleted:
            return
        if action == "edit":
            self.run(self.sync.staff_update(self.staff, rid(n), {name: value}))
            if value is None:
                rec.fields.pop(name, None)
            else:
                rec.fields[name] = value
        elif action == "verify" and rec.status == "diterima":
            self.run(self.sync.transition(self.staff, rid(n), "verifikasi"))
            rec.status = "verifikasi"
        elif action == "delete":
            self.run(self.sync.delete_record(self.staff, rid(n)))
            rec.deleted = True

    @rule(t=st.integers(0, 1), limit=st.integers(1, 4))
    def pull(self, t: int, limit: int) -> None:
        tablet = self.tablets[t]
        assert tablet.replica is not None
        self.run(tablet.replica.catch_up(limit))
        assert tablet.replica.cursor is not None
        tablet.history.append((tablet.replica.cursor, copy.deepcopy(tablet.replica.records)))

    @precondition(lambda self: any(t.history for t in self.tablets))
    @rule(t=st.integers(0, 1), pick=st.integers(0, 1000), limit=st.integers(1, 4))
    def pull_from_earlier_cursor_converges(self, t: int, pick: int, limit: int) -> None:
        tablet = self.tablets[t]
        if not tablet.history:
            return
        cursor, records = tablet.history[pick % len(tablet.history)]
        replica = Replica(tablet.device, cursor=cursor, records=copy.deepcopy(records))
        self.run(replica.catch_up(limit))
        truth = self.run(full_state(tablet.device))
        assert replica.records == truth.records

    # --- invariants ---------------------------------------------------------------------------

    @invariant()
    def server_matches_model(self) -> None:
        if not hasattr(self, "store"):
            return
        stored = self.store.state.records
        assert len(stored) == len(self.records)  # no duplicates, nothing invented
        for n, rec in self.records.items():
            got = stored[rid(n)]
            assert (got.fields, got.status, got.deleted) == (rec.fields, rec.status, rec.deleted)
        kept = sorted(
            (c.client_id, c.mutation_id, c.record_id, c.field)
            for c in self.store.state.conflicts.values()
        )
        assert kept == sorted(c[:4] for c in self.conflicts)
        by_key = {
            (c.client_id, c.mutation_id, c.field): c for c in self.store.state.conflicts.values()
        }
        for client, mid, _record, name, base, device, server in self.conflicts:
            c = by_key[(client, mid, name)]
            assert (c.base, c.device_value, c.server_value) == (base, device, server)


SyncMachine.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=35,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestSyncStateful = SyncMachine.TestCase
