"""Pull cursors: an opaque string wrapping (store epoch, change sequence, scope fingerprint).

A cursor is only usable against the same store epoch (a rebuilt or restored database gets a new
epoch), for the same scope (an officer whose assigned areas changed must start over), and for a
sequence the store can still serve (not ahead of it, not behind a tombstone purge)."""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from sync.model import Actor

VERSION = "c1"


@dataclass(frozen=True)
class Cursor:
    epoch: str
    seq: int
    scope: str


def scope_fingerprint(actor: Actor) -> str:
    text = actor.user_id + "|" + ",".join(sorted(actor.areas))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def encode(cursor: Cursor) -> str:
    raw = f"{VERSION}:{cursor.epoch}:{cursor.seq}:{cursor.scope}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(text: str) -> Cursor | None:
    """The cursor, or None when the text is not one of ours (treated as a reset, never a 500)."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        version, epoch, seq, scope = raw.split(":")
        number = int(seq)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if version != VERSION or number < 0 or not epoch or not scope:
        return None
    return Cursor(epoch, number, scope)
