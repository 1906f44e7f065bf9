"""An in-memory Store: the reference implementation the contract suite is written against."""

from __future__ import annotations

import asyncio
import bisect
import copy
import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from sync.errors import StorageRefused, Transient
from sync.model import (
    Actor,
    Batch,
    ClientState,
    Conflict,
    Effect,
    Record,
    StatusChange,
    StoredResult,
)
from sync.store import ReadTx, Store, WriteTx


@dataclass
class _State:
    seq: int = 0
    records: dict[str, Record] = field(default_factory=dict)
    by_seq: list[tuple[int, str]] = field(default_factory=list)  # sorted (change_seq, id)
    conflicts: dict[str, Conflict] = field(default_factory=dict)
    clients: dict[str, ClientState] = field(default_factory=dict)
    results: dict[tuple[str, int], StoredResult] = field(default_factory=dict)
    status_changes: list[StatusChange] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)


class MemoryStore(Store):
    def __init__(self, epoch: str | None = None) -> None:
        self.state = _State()
        self.epoch = epoch or uuid.uuid4().hex[:12]
        self.purged_upto = 0
        self.blobs: set[str] = set()
        self.fail_next_save = False  # tests: simulate a transient failure at commit time
        self.refuse_value: str | None = None  # tests: the store refuses records holding it
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[WriteTx]:
        async with self._lock:
            tx = _MemoryWrite(self)
            yield tx
            if tx.pending is not None:
                self.state = tx.pending

    @asynccontextmanager
    async def read(self) -> AsyncIterator[ReadTx]:
        yield _MemoryRead(self, self.state)

    async def purge_tombstones(self, upto: int) -> None:
        """Forget deleted records changed at or before ``upto``; older cursors now reset."""
        state = self.state
        for record_id, record in list(state.records.items()):
            if record.deleted and record.change_seq <= upto:
                del state.records[record_id]
                state.by_seq.remove((record.change_seq, record_id))
        self.purged_upto = max(self.purged_upto, min(upto, state.seq))


class _MemoryWrite(WriteTx):
    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self.state = store.state
        self.pending: _State | None = None
        self.next_seq = self.state.seq

    async def client(self, client_id: str) -> ClientState | None:
        return copy.deepcopy(self.state.clients.get(client_id))

    async def results(self, client_id: str, ids: Iterable[int]) -> dict[int, StoredResult]:
        found = ((i, self.state.results.get((client_id, i))) for i in ids)
        return {i: copy.deepcopy(r) for i, r in found if r is not None}

    async def records(self, ids: Iterable[str]) -> dict[str, Record]:
        return {i: self.state.records[i].clone() for i in ids if i in self.state.records}

    async def tracking_codes(self, codes: Iterable[str]) -> dict[str, str]:
        wanted = set(codes)
        return {
            r.tracking_code: r.id for r in self.state.records.values() if r.tracking_code in wanted
        }

    async def known_blobs(self, sha256s: Iterable[str]) -> set[str]:
        return set(sha256s) & self.store.blobs

    async def claims(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        wanted = set(keys)
        return {
            (e.kind, e.claim): str(e.data["id"])
            for e in self.state.effects
            if e.claim is not None and (e.kind, e.claim) in wanted
        }

    async def conflict(self, conflict_id: str) -> Conflict | None:
        found = self.state.conflicts.get(conflict_id)
        return found.clone() if found else None

    async def records_with_blob(self, sha256: str) -> list[Record]:
        return [
            r.clone()
            for r in self.state.records.values()
            if any(f.sha256 == sha256 for f in r.files)
        ]

    async def allocate(self, count: int) -> int:
        first = self.next_seq + 1
        self.next_seq += count
        return first

    async def save(self, batch: Batch) -> None:
        if self.store.fail_next_save:
            self.store.fail_next_save = False
            raise Transient()
        refuse = self.store.refuse_value
        if refuse and any(refuse in r.fields.values() for r in batch.records.values()):
            raise StorageRefused(f"refusing {refuse!r}")
        new = copy.deepcopy(self.state)
        new.seq = self.next_seq
        for record in batch.records.values():
            old = new.records.get(record.id)
            if old is not None:
                new.by_seq.remove((old.change_seq, old.id))
            new.records[record.id] = copy.deepcopy(record)
            bisect.insort(new.by_seq, (record.change_seq, record.id))
        for item in batch.conflicts.values():
            new.conflicts[item.id] = copy.deepcopy(item)
        for result in batch.results:
            new.results[(result.client_id, result.mutation_id)] = copy.deepcopy(result)
        if batch.client is not None:
            new.clients[batch.client.client_id] = copy.deepcopy(batch.client)
        new.status_changes.extend(copy.deepcopy(batch.status_changes))
        new.effects.extend(copy.deepcopy(batch.effects))
        self.pending = new


class _MemoryRead(ReadTx):
    def __init__(self, store: MemoryStore, state: _State) -> None:
        self.store = store
        self.state = state  # a snapshot: writes replace the state object, never mutate it

    async def epoch(self) -> str:
        return self.store.epoch

    async def high_water(self) -> int:
        return self.state.seq

    async def horizon(self) -> int:
        return self.store.purged_upto

    async def client(self, client_id: str) -> ClientState | None:
        return copy.deepcopy(self.state.clients.get(client_id))

    async def changed_records(
        self, actor: Actor, after: int, upto: int, limit: int
    ) -> list[Record]:
        start = bisect.bisect_right(self.state.by_seq, (after, "\uffff"))
        out: list[Record] = []
        for seq, record_id in self.state.by_seq[start:]:
            if seq > upto or len(out) >= limit:
                break
            record = self.state.records[record_id]
            if actor.sees(record):
                out.append(record.clone())
        return out

    async def changed_conflicts(self, client_id: str, after: int, upto: int) -> list[Conflict]:
        found = [
            c
            for c in self.state.conflicts.values()
            if c.client_id == client_id and after < c.change_seq <= upto
        ]
        return [c.clone() for c in sorted(found, key=lambda c: c.change_seq)]
