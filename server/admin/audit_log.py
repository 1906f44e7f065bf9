"""/admin/audit: the audit trail, newest first, filtered by action, person, object and period;
keyset pages (``before=<seq>``) stay fast however long the trail grows."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response

from server.admin.common import require_admin
from server.admin.people import local_time
from server.models import AuditEvent, User
from server.services import audit
from server.web.errors import ApiError
from server.web.i18n import gettext as _
from server.web.twin import respond, twin_routes

PAGE = 100
FILTERS = ("action", "user", "object_type", "object_id", "from", "to", "before")


def _day(raw: str, key: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(
            400, "bad_filter", _("%(key)s must be a date like 2026-08-17.") % {"key": key}
        ) from None


async def audit_page(request: Request) -> Response:
    await require_admin(request)
    params = request.query_params
    unknown = sorted(set(params) - set(FILTERS) - {"lang"})
    if unknown:
        raise ApiError(
            400, "bad_filter", _("Unknown filter: %(names)s.") % {"names": ", ".join(unknown)}
        )
    timezone = str(request.app.state.settings.timezone)
    zone = ZoneInfo(timezone)
    query = AuditEvent.all()
    chosen = {key: params.get(key, "").strip() for key in FILTERS}
    for key in ("action", "object_type", "object_id"):
        if len(chosen[key]) > 64:
            raise ApiError(400, "bad_filter", _("A filter is at most 64 characters."))
    if chosen["action"]:
        query = query.filter(action__startswith=chosen["action"])
    if chosen["object_type"]:
        query = query.filter(object_type=chosen["object_type"])
    if chosen["object_id"]:
        query = query.filter(object_id=chosen["object_id"])
    if chosen["user"]:
        person = await User.get_or_none(username=chosen["user"].lower()[:64])
        if person is None:
            raise ApiError(
                400, "bad_filter", _("There is no user %(name)s.") % {"name": chosen["user"]}
            )
        query = query.filter(actor_id=person.id)
    if chosen["from"]:
        start = datetime.combine(_day(chosen["from"], "from"), time(), zone)
        query = query.filter(at__gte=start)
    if chosen["to"]:
        end = datetime.combine(_day(chosen["to"], "to") + timedelta(days=1), time(), zone)
        query = query.filter(at__lt=end)
    if chosen["before"]:
        if not chosen["before"].isdigit() or len(chosen["before"]) > 18:
            raise ApiError(400, "bad_filter", _("before must be a row number."))
        query = query.filter(seq__lt=int(chosen["before"]))
    rows = await query.order_by("-seq").limit(PAGE + 1).prefetch_related("actor")
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    events: list[dict[str, Any]] = [
        {
            "seq": row.seq,
            "at": local_time(row.at, timezone),
            "actor": row.actor.username if row.actor else None,
            "action": row.action,
            "object_type": row.object_type,
            "object_id": row.object_id,
            "detail": row.detail,
            "hash": row.hash,
        }
        for row in rows
    ]
    next_before = events[-1]["seq"] if more and events else None
    data = {
        "filters": {k: v for k, v in chosen.items() if k != "before"},
        "events": events,
        "next_before": next_before,
        "actions": sorted(set(await AuditEvent.all().distinct().values_list("action", flat=True))),
    }
    return respond(request, "admin_audit.html", data)


async def verify_page(request: Request) -> Response:
    await require_admin(request)
    result = await audit.verify()
    data = {
        "ok": result.ok,
        "rows": result.rows,
        "head": result.head,
        "problem": result.problem,
        "bad_id": result.bad_id,
    }
    return respond(request, "admin_audit_verify.html", data, status=200 if result.ok else 409)


routes = [
    *twin_routes("/admin/audit", audit_page, name="admin_audit"),
    *twin_routes("/admin/audit/verify", verify_page, name="admin_audit_verify"),
]
