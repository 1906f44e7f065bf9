"""SLA lists for the office: what is overdue now, and how often the SLA was met per period
and permit type. Both read the ``Application.sla_*`` columns the status moves keep."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from server.models import PermitType, User
from server.services.applications import sla
from server.services.applications.scope import visible
from server.services.applications.statuses import STATUS_NAMES

OVERDUE_LIMIT = 500


def today(timezone: str) -> date:
    return datetime.now(UTC).astimezone(ZoneInfo(timezone)).date()


async def _permit_names() -> dict[str, dict[str, str]]:
    rows = await PermitType.all().values_list("code", "name_id", "name_en")
    return {code: {"id": name_id, "en": name_en} for code, name_id, name_en in rows}


async def overdue(user: User, *, timezone: str, limit: int = OVERDUE_LIMIT) -> list[dict[str, Any]]:
    """Applications past their due date while the office holds them, most overdue first."""
    apps = (
        await visible(user)
        .filter(sla_state=sla.RUNNING, sla_due__lt=today(timezone))
        .order_by("sla_due", "id")
        .limit(limit)
    )
    clocks = await sla.sla_for_many(apps, timezone=timezone)
    names = await _permit_names()
    return [
        {
            "id": app.id,
            "tracking_code": app.tracking_code,
            "permit_type": app.permit_type,
            "permit_name": names.get(app.permit_type, {"id": app.permit_type, "en": ""}),
            "status": app.status,
            "status_name": STATUS_NAMES.get(app.status),
            "region_code": app.region_code,
            "sla": clocks[app.id],
        }
        for app in apps
    ]


async def compliance(user: User, start: date, end: date, *, timezone: str) -> dict[str, Any]:
    """Per month and permit type: decisions taken (the clock stopped) between ``start`` and
    ``end`` (office dates, inclusive), how many within the SLA, and the share."""
    zone = ZoneInfo(timezone)
    low = datetime.combine(start, datetime.min.time(), zone).astimezone(UTC)
    high = datetime.combine(end, datetime.max.time(), zone).astimezone(UTC)
    rows = (
        await visible(user)
        .filter(sla_state__in=sla.FINISHED, sla_finished_at__gte=low, sla_finished_at__lte=high)
        .values_list("permit_type", "sla_state", "sla_finished_at")
    )
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: {"met": 0, "missed": 0})
    for permit_type, state, finished in rows:
        month = finished.astimezone(zone).strftime("%Y-%m")
        counts[(month, permit_type)][state] += 1
    names = await _permit_names()
    table: list[dict[str, Any]] = []
    for (month, permit_type), c in sorted(counts.items()):
        decided = c["met"] + c["missed"]
        table.append(
            {
                "period": month,
                "permit_type": permit_type,
                "permit_name": names.get(permit_type, {"id": permit_type, "en": permit_type}),
                "decided": decided,
                "met": c["met"],
                "missed": c["missed"],
                "compliance_pct": round(100 * c["met"] / decided, 1),
            }
        )
    met = sum(r["met"] for r in table)
    decided = sum(r["decided"] for r in table)
    running = visible(user).filter(sla_state=sla.RUNNING)
    return {
        "period_from": start,
        "period_to": end,
        "rows": table,
        "total": {
            "decided": decided,
            "met": met,
            "missed": decided - met,
            "compliance_pct": round(100 * met / decided, 1) if decided else None,
        },
        "open": {
            "running": await running.count(),
            "overdue": await running.filter(sla_due__lt=today(timezone)).count(),
            "paused": await visible(user).filter(sla_state=sla.PAUSED).count(),
        },
    }
