"""Append-only audit trail: who saw or changed what."""

from __future__ import annotations

from typing import Any

from server.models import AuditEvent, User


async def record(
    action: str,
    *,
    actor: User | None = None,
    object_type: str = "",
    object_id: str | int = "",
    **detail: Any,
) -> AuditEvent:
    return await AuditEvent.create(
        action=action,
        actor=actor,
        object_type=object_type,
        object_id=str(object_id),
        detail=detail,
    )
