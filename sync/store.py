"""The storage interface. A store offers two kinds of transaction:

- ``write()``: entering it takes the store's writer lock (so reads inside see every earlier
  commit), the engine reads what it needs, computes a ``Batch`` in memory, asks for a range of
  change sequence numbers and hands the batch to ``save``. Leaving the block commits; an
  exception rolls everything back.
- ``read()``: one consistent read for a pull page.

Change sequence numbers are taken inside the write transaction while the lock is held, so a
transaction with a higher number always commits after every transaction with a lower one: a
pull that has seen N has seen everything up to N."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from contextlib import AbstractAsyncContextManager

from sync.model import Actor, Batch, ClientState, Conflict, Record, StoredResult


class WriteTx(ABC):
    @abstractmethod
    async def client(self, client_id: str) -> ClientState | None: ...

    @abstractmethod
    async def results(self, client_id: str, ids: Iterable[int]) -> dict[int, StoredResult]:
        """Stored answers for these ids. A store may keep only answers other than
        ``{"id": n, "status": "applied"}``: a processed id without one was applied."""

    @abstractmethod
    async def records(self, ids: Iterable[str]) -> dict[str, Record]: ...

    @abstractmethod
    async def tracking_codes(self, codes: Iterable[str]) -> dict[str, str]:
        """code -> record id, for the codes already in use."""

    async def lookup(
        self, ids: Iterable[str], codes: Iterable[str]
    ) -> tuple[dict[str, Record], dict[str, str]]:
        """``records(ids)`` and ``tracking_codes(codes)`` at once (a store may use one query)."""
        return await self.records(ids), await self.tracking_codes(codes)

    @abstractmethod
    async def known_blobs(self, sha256s: Iterable[str]) -> set[str]:
        """Which of these files have fully arrived in the file store."""

    @abstractmethod
    async def claims(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """Which of these (effect kind, claim) pairs stored effects hold, and the id of the
        effect holding each (e.g. the survey already answered for an application)."""

    @abstractmethod
    async def conflict(self, conflict_id: str) -> Conflict | None: ...

    @abstractmethod
    async def records_with_blob(self, sha256: str) -> list[Record]: ...

    @abstractmethod
    async def allocate(self, count: int) -> int:
        """Reserve ``count`` consecutive change sequence numbers; returns the first."""

    @abstractmethod
    async def save(self, batch: Batch) -> None: ...


class ReadTx(ABC):
    @abstractmethod
    async def epoch(self) -> str: ...

    @abstractmethod
    async def high_water(self) -> int:
        """The highest change sequence committed."""

    @abstractmethod
    async def horizon(self) -> int:
        """Cursors below this sequence can no longer be served (tombstones purged)."""

    @abstractmethod
    async def client(self, client_id: str) -> ClientState | None: ...

    @abstractmethod
    async def changed_records(
        self, actor: Actor, after: int, upto: int, limit: int
    ) -> list[Record]:
        """Records (deleted ones included) the actor may see with after < change_seq <= upto,
        in change_seq order, at most ``limit``."""

    @abstractmethod
    async def changed_conflicts(self, client_id: str, after: int, upto: int) -> list[Conflict]:
        """This client's conflicts with after < change_seq <= upto, in change_seq order."""


class Store(ABC):
    @abstractmethod
    def write(self) -> AbstractAsyncContextManager[WriteTx]: ...

    @abstractmethod
    def read(self) -> AbstractAsyncContextManager[ReadTx]: ...

    @abstractmethod
    async def purge_tombstones(self, upto: int) -> None:
        """Forget deleted records changed at or before ``upto``; cursors older than that reset."""
