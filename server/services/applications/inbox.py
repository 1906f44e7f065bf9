"""What the office sees of synced applications."""

from __future__ import annotations

from typing import Any

from tortoise.functions import Count

from server.models import Application, User


async def recent(user: User, limit: int = 50) -> list[dict[str, Any]]:
    rows = await Application.filter(deleted=False).order_by("-updated_at").limit(limit)
    return [
        {
            "tracking_code": row.tracking_code,
            "permit_type": row.permit_type,
            "status": row.status,
            "updated_at": row.updated_at,
        }
        for row in rows
    ]


async def count_by_status(user: User) -> dict[str, int]:
    rows = (
        await Application.filter(deleted=False)
        .annotate(n=Count("id"))
        .group_by("status")
        .values_list("status", "n")
    )
    return {str(status): int(n) for status, n in rows}
