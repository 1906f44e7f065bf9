"""What the office sees of synced applications (filled in by the sync model)."""

from __future__ import annotations

from typing import Any

from server.models import User


async def recent(user: User, limit: int = 50) -> list[dict[str, Any]]:
    model = _application_model()
    if model is None:
        return []
    rows = await model.all().order_by("-updated_at").limit(limit)
    return [
        {
            "tracking_code": row.tracking_code,
            "permit_type": getattr(row, "permit_type_code", None)
            or getattr(row, "permit_type", ""),
            "status": row.status,
            "updated_at": row.updated_at,
        }
        for row in rows
    ]


async def count_by_status(user: User) -> dict[str, int]:
    model = _application_model()
    if model is None:
        return {}
    counts: dict[str, int] = {}
    for status in await model.all().values_list("status", flat=True):
        counts[str(status)] = counts.get(str(status), 0) + 1
    return counts


def _application_model() -> Any:
    import server.models as models

    return getattr(models, "Application", None)
