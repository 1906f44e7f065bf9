"""Jemput Bola's sync core: protocol messages, named mutations, three-way field merge, cursors,
the Store interface and an in-memory Store. Standard library only."""

from sync.engine import Sync
from sync.errors import Rejected, SyncError
from sync.memory import MemoryStore
from sync.model import Actor
from sync.mutations import Context, MutationSpec, Registry
from sync.protocol import PROTOCOL, PullRequest, PushRequest, parse_pull, parse_push
from sync.store import ReadTx, Store, WriteTx

__all__ = [
    "PROTOCOL",
    "Actor",
    "Context",
    "MemoryStore",
    "MutationSpec",
    "PullRequest",
    "PushRequest",
    "ReadTx",
    "Registry",
    "Rejected",
    "Store",
    "Sync",
    "SyncError",
    "WriteTx",
    "parse_pull",
    "parse_push",
]
