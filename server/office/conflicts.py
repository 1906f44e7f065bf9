"""The conflict queue (``/office/conflicts``, twin ``.json``) and its per-field resolution."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from server.models import User
from server.office.inbox import OFFICE_ROLES
from server.services.applications import conflicts
from server.services.errors import ServiceError
from server.web.auth import require_staff
from server.web.bodies import check_text
from server.web.forms import staff_form
from server.web.i18n import gettext as _
from server.web.twin import respond, twin_routes, wants_json

UUID_RE = re.compile(r"[0-9a-fA-F-]{36}")


def _application_filter(request: Request) -> str:
    value = request.query_params.get("application", "")
    return check_text(value, "application", max_length=36)


async def _page(
    request: Request, user: User, *, status: int = 200, error: ServiceError | None = None
) -> Response:
    application = _application_filter(request)
    data: dict[str, Any] = {
        "groups": await conflicts.queue(user, application),
        "application": application,
        "error": None,
    }
    if error is not None:
        data["error"] = {"error": error.code, "message": error.message, "details": error.details}
    return respond(request, "office_conflicts.html", data, status=status)


async def conflict_queue(request: Request) -> Response:
    return await _page(request, await require_staff(request, *OFFICE_ROLES))


async def resolve_conflict(request: Request) -> Response:
    user = await require_staff(request, *OFFICE_ROLES)
    form = await staff_form(request)
    choice = str(form.get("choice", ""))
    if choice not in conflicts.CHOICES:
        error = ServiceError(
            _("Choose the tablet's value, the office's value, or type a new one."),
            code="choice_required",
        )
        return await _page(request, user, status=400, error=error)
    try:
        if choice == "value":
            typed = check_text(str(form.get("value", "")), "value", max_length=16_384)
            await conflicts.resolve(user, request.path_params["conflict_id"], typed=typed)
        else:
            await conflicts.resolve(user, request.path_params["conflict_id"], keep=choice)
    except ServiceError as exc:
        return await _page(request, user, status=exc.status, error=exc)
    if wants_json(request):
        return await _page(request, user)
    back = request.query_params.get("application", "")
    target = "/office/conflicts" + (f"?application={back}" if UUID_RE.fullmatch(back) else "")
    return RedirectResponse(target, status_code=303)


routes = [
    *twin_routes("/office/conflicts", conflict_queue, name="office_conflicts"),
    *twin_routes(
        "/office/conflicts/{conflict_id}/resolve",
        resolve_conflict,
        methods=["POST"],
        name="office_conflict_resolve",
    ),
]
