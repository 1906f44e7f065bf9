"""The server's sync engine and the server-side writes other services use.

Anything that changes an application (back-office actions, conflict resolution, an upload
completing) goes through here, so the change gets a change sequence number and devices pull
it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from server.models import Device, User
from server.services.applications.sync_store import TortoiseStore
from server.services.citizen import feedback, skm
from server.services.errors import ServiceError
from server.services.forms.rules import FormCatalog
from sync import Actor, Sync
from sync.engine import MISSING
from sync.errors import SyncError
from sync.model import Record

_engine: Sync | None = None
form_catalog = FormCatalog()


def engine() -> Sync:
    global _engine
    if _engine is None:
        writers = {"feedback": feedback.write_effects, "survey": skm.write_effects}
        _engine = Sync(TortoiseStore(effect_writers=writers), forms=form_catalog)
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


@asynccontextmanager
async def _as_service_errors() -> AsyncIterator[None]:
    """The web layer answers ServiceError with JSON or a page; keep the sync core's status."""
    try:
        yield
    except SyncError as exc:
        error = ServiceError(exc.message, code=exc.code, details=exc.details or None)
        error.status = exc.status
        raise error from exc


async def resolve_conflict(
    user: User, conflict_id: str, *, value: Any = MISSING, keep: str | None = None
) -> dict[str, Any]:
    async with _as_service_errors():
        return await engine().resolve_conflict(
            staff_actor(user), conflict_id, value=value, keep=keep
        )


async def update_fields(user: User, record_id: str, values: dict[str, Any]) -> Record:
    async with _as_service_errors():
        return await engine().staff_update(staff_actor(user), record_id, values)


async def transition(
    user: User,
    record_id: str,
    to_status: str,
    note: str = "",
    corrections: dict[str, str] | None = None,
) -> Record:
    async with _as_service_errors():
        return await engine().transition(staff_actor(user), record_id, to_status, note, corrections)


async def delete_application(user: User, record_id: str) -> None:
    async with _as_service_errors():
        await engine().delete_record(staff_actor(user), record_id)


async def file_arrived(sha256: str) -> int:
    """Call when an upload completes: records referencing it show ``arrived: true``."""
    async with _as_service_errors():
        return await engine().file_arrived(sha256)
