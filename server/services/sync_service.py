"""The server's sync engine and the server-side writes other services use.

Anything that changes an application (back-office actions, conflict resolution, an upload
completing) goes through here, so the change gets a change sequence number and devices pull
it."""

from __future__ import annotations

from typing import Any

from server.models import Device, User
from server.services.sync_store import TortoiseStore
from sync import Actor, Sync
from sync.engine import MISSING
from sync.model import Record

_engine: Sync | None = None


def engine() -> Sync:
    global _engine
    if _engine is None:
        _engine = Sync(TortoiseStore())
    return _engine


def device_actor(user: User, device: Device) -> Actor:
    return Actor(
        user_id=str(user.id),
        device_id=str(device.id),
        areas=tuple(str(code) for code in user.area_codes or ()),
        role=str(user.role.value),
        name=user.username,
    )


def staff_actor(user: User) -> Actor:
    return Actor(user_id=str(user.id), role=str(user.role.value), name=user.username)


async def resolve_conflict(
    user: User, conflict_id: str, *, value: Any = MISSING, keep: str | None = None
) -> dict[str, Any]:
    return await engine().resolve_conflict(staff_actor(user), conflict_id, value=value, keep=keep)


async def update_fields(user: User, record_id: str, values: dict[str, Any]) -> Record:
    return await engine().staff_update(staff_actor(user), record_id, values)


async def transition(
    user: User,
    record_id: str,
    to_status: str,
    note: str = "",
    corrections: dict[str, str] | None = None,
) -> Record:
    return await engine().transition(staff_actor(user), record_id, to_status, note, corrections)


async def delete_application(user: User, record_id: str) -> None:
    await engine().delete_record(staff_actor(user), record_id)


async def file_arrived(sha256: str) -> int:
    """Call when an upload completes: records referencing it show ``arrived: true``."""
    return await engine().file_arrived(sha256)
