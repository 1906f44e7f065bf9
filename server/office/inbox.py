"""The office inbox (``/office/``, twin ``/office.json``) and the supervisor dashboard."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from server.models import Device, PermitType, Region, Role, User
from server.services.applications import inbox
from server.web.auth import require_staff
from server.web.i18n import gettext as _
from server.web.i18n import translations
from server.web.twin import respond, twin_routes

OFFICE_ROLES = (Role.VERIFIER, Role.SUPERVISOR, Role.ADMIN)

# FilterError code -> English message id (Indonesian in messages.po).
FILTER_MESSAGES = {
    "unknown_parameter": "There is no filter called “{parameter}”; remove it from the address.",
    "unknown_status": "“{value}” is not a status; pick one from the list.",
    "unknown_permit_type": "There is no permit type “{value}”; pick one from the list.",
    "unknown_region": "There is no region with code “{value}”; pick one from the list.",
    "region_outside_area": "Region {value} lies outside your work area.",
    "unknown_officer": "There is no field officer “{value}”; pick one from the list.",
    "invalid_date": "“{value}” is not a date; write it as YYYY-MM-DD.",
    "date_range_reversed": "The end date comes before the start date; swap them.",
    "invalid_flag": "The “{parameter}” filter is either on (1) or off (0).",
    "unknown_sort": "“{value}” is not a sort order; pick one from the list.",
    "invalid_limit": "Show between 1 and 200 applications per page.",
    "search_too_long": "A search may have at most 100 characters.",
    "invalid_cursor": "This page link is damaged; start again from the first page.",
}


def filter_message(error: inbox.FilterError, language: str) -> str:
    template = translations(language).gettext(FILTER_MESSAGES[error.code])
    return template.format(parameter=error.parameter, value=error.value)


async def office_inbox(request: Request) -> Response:
    user = await require_staff(request, *OFFICE_ROLES)
    params = dict(request.query_params)
    data: dict[str, Any] = {"options": await inbox.filter_options(user)}
    try:
        filters = inbox.parse_filters(params)
        result = await inbox.page(
            user,
            filters,
            timezone=request.app.state.settings.timezone,
            now=datetime.now(UTC),
        )
    except inbox.FilterError as exc:
        messages = {lang: filter_message(exc, lang) for lang in ("id", "en")}
        data.update(
            applications=[],
            next=None,
            filters={k: v for k, v in params.items() if k in inbox.PARAMETERS},
            error={
                "error": exc.code,
                "parameter": exc.parameter,
                "message": _(FILTER_MESSAGES[exc.code]).format(
                    parameter=exc.parameter, value=exc.value
                ),
                "messages": messages,
            },
        )
        return respond(request, "office_inbox.html", data, status=400)
    next_url = None
    if result.next_cursor:
        path = request.url.path
        next_url = f"{path}?{urlencode({**filters.as_params(), 'cursor': result.next_cursor})}"
    data.update(
        applications=result.rows,
        next=next_url,
        filters=filters.as_params(),
        first_page=filters.cursor is None,
        error=None,
    )
    return respond(request, "office_inbox.html", data)


async def office_dashboard(request: Request) -> Response:
    user = await require_staff(request, Role.SUPERVISOR, Role.ADMIN)
    figures = {
        "officers": await User.filter(role=Role.OFFICER, is_active=True).count(),
        "devices": await Device.filter(revoked_at__isnull=True).count(),
        "permit_types": await PermitType.filter(active=True).count(),
        "villages": await Region.filter(level=4).count(),
    }
    by_status = await inbox.count_by_status(user)
    return respond(
        request,
        "office_dashboard.html",
        {"figures": figures, "by_status": by_status},
    )


routes = [
    *twin_routes("/office/", office_inbox),
    *twin_routes("/office/dashboard", office_dashboard),
]
