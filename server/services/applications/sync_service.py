"""The server's sync engine and the server-side writes other services use.

Anything that changes an application (back-office actions, conflict resolution, an upload
completing) goes through here, so the change gets a change sequence number and devices pull
it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from tortoise.exceptions import IntegrityError

from server.models import Device, SyncClient, User
from server.services import audit
from server.services.applications import sla
from server.services.applications.sync_sql import Sql
from server.services.applications.sync_store import TortoiseStore
from server.services.citizen import feedback, skm
from server.services.errors import ServiceError
from server.services.forms.rules import FormCatalog
from sync import Actor, Sync
from sync.engine import MISSING
from sync.errors import SyncError
from sync.model import Effect, Record

_engine: Sync | None = None
form_catalog = FormCatalog()
office_timezone = "Asia/Makassar"  # set from settings by configure()


def configure(timezone: str) -> None:
    global office_timezone
    office_timezone = timezone


async def _refresh_sla(sql: Sql, record_ids: list[str]) -> None:
    await sla.refresh_columns(sql, record_ids, office_timezone)


async def _write_issue(sql: Sql, items: list[dict[str, Any]]) -> None:
    await sql.many(
        "UPDATE application SET issued_reference = ?, permit_file_sha256 = ? WHERE id = ?",
        [[i["reference"], i.get("permit_file", ""), i["record_id"]] for i in items],
    )
    await sql.many(  # so staff who may see the application may open its permit PDF
        "INSERT INTO application_blob (sha256, application_id) VALUES (?, ?) "
        "ON CONFLICT (sha256, application_id) DO NOTHING",
        [[i["permit_file"], i["record_id"]] for i in items if i.get("permit_file")],
    )


async def _write_audit(sql: Sql, items: list[dict[str, Any]]) -> None:
    """Audit rows of a status move, in the move's own transaction: if one cannot be written
    the move, its status-change row and its SLA columns roll back with it."""
    for item in items:
        detail = dict(item)
        await audit.record_in(
            sql.conn,
            detail.pop("action"),
            actor_id=detail.pop("actor_id"),
            object_type=detail.pop("object_type"),
            object_id=detail.pop("object_id"),
            **detail,
        )


def engine() -> Sync:
    global _engine
    if _engine is None:
        store = TortoiseStore(
            effect_writers={
                "issue": _write_issue,
                "audit": _write_audit,
                "feedback": feedback.write_effects,
                "survey": skm.write_effects,
            },
            after_status_moves=_refresh_sla,
            claim_readers={"survey": skm.surveys_of},
        )
        _engine = Sync(store, forms=form_catalog, region_of=form_catalog.region_of)
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
    *,
    expected_version: int | None = None,
    allowed: Callable[[Record], Collection[str]] | None = None,
    effects: Sequence[Effect] = (),
) -> Record:
    async with _as_service_errors():
        return await engine().transition(
            staff_actor(user),
            record_id,
            to_status,
            note,
            corrections,
            expected_version=expected_version,
            allowed=allowed,
            effects=effects,
        )


async def delete_application(user: User, record_id: str) -> None:
    async with _as_service_errors():
        await engine().delete_record(staff_actor(user), record_id)


async def file_arrived(sha256: str) -> int:
    """Call when an upload completes: records referencing it show ``arrived: true``."""
    async with _as_service_errors():
        return await engine().file_arrived(sha256)


async def note_pending(client_id: str, device: Device, pending: int) -> None:
    """What the tablet reported still waiting in its outbox (for the admin's device list).
    Called after the engine accepted the pull, so the client id is this device's (a tablet
    that has only pulled so far gets its row here; a later push binds to the same row)."""
    owner = str(device.user_id)  # type: ignore[attr-defined]
    # IntegrityError: a concurrent request of the same tablet created it first.
    with contextlib.suppress(IntegrityError):
        await SyncClient.get_or_create(
            client_id=client_id, defaults={"device_id": str(device.id), "user_id": owner}
        )
    await SyncClient.filter(client_id=client_id, device_id=str(device.id)).update(
        pending_reported=pending, pending_reported_at=datetime.now(UTC)
    )
