"""The duplicates queue (``/office/duplicates``, twin ``.json``): link or dismiss."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from server.models import User
from server.office.inbox import OFFICE_ROLES
from server.services.applications import duplicate_queue
from server.services.errors import ServiceError
from server.web.auth import require_staff
from server.web.bodies import check_text
from server.web.forms import staff_form
from server.web.i18n import gettext as _
from server.web.twin import respond, twin_routes, wants_json


async def _page(
    request: Request, user: User, *, status: int = 200, error: ServiceError | None = None
) -> Response:
    application = check_text(
        request.query_params.get("application", ""), "application", max_length=36
    )
    data: dict[str, Any] = {
        "flags": await duplicate_queue.queue(user, application),
        "application": application,
        "error": None,
    }
    if error is not None:
        data["error"] = {"error": error.code, "message": error.message}
    return respond(request, "office_duplicates.html", data, status=status)


async def duplicate_list(request: Request) -> Response:
    return await _page(request, await require_staff(request, *OFFICE_ROLES))


async def decide(request: Request) -> Response:
    user = await require_staff(request, *OFFICE_ROLES)
    form = await staff_form(request)
    decision = str(form.get("decision", ""))
    if decision not in duplicate_queue.DECISIONS:
        error = ServiceError(
            _("Choose whether it is a duplicate (link) or not (dismiss)."),
            code="decision_required",
        )
        return await _page(request, user, status=400, error=error)
    flag_id = request.path_params["flag_id"]
    try:
        await duplicate_queue.decide(user, flag_id, decision)
    except ServiceError as exc:
        return await _page(request, user, status=exc.status, error=exc)
    if wants_json(request):
        return await _page(request, user)
    return RedirectResponse("/office/duplicates", status_code=303)


routes = [
    *twin_routes("/office/duplicates", duplicate_list, name="office_duplicates"),
    *twin_routes(
        "/office/duplicates/{flag_id:int}/decide",
        decide,
        methods=["POST"],
        name="office_duplicate_decide",
    ),
]
