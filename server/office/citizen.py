"""Office pages for what citizens send: the feedback inbox (states, assignment, overdue list,
replies) and the SKM report (chart, table, CSV). Each GET page has a JSON twin."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.models import Application, Feedback, PermitType, Role, User
from server.office.charts import ikm_bars
from server.public import labels
from server.services.citizen import feedback, skm
from server.services.errors import NotFound, ServiceError
from server.web.auth import require_staff
from server.web.bodies import check_text
from server.web.forms import staff_form
from server.web.i18n import gettext as _
from server.web.i18n import service_message
from server.web.twin import NO_STORE, respond, twin_routes, wants_json

OFFICE_ROLES = (Role.VERIFIER, Role.SUPERVISOR, Role.ADMIN)
REPORT_ROLES = (Role.SUPERVISOR, Role.ADMIN)


def _now() -> datetime:
    return datetime.now(UTC)


def _today(request: Request) -> date:
    from zoneinfo import ZoneInfo

    return _now().astimezone(ZoneInfo(request.app.state.settings.timezone)).date()


def _ticket_json(item: Feedback, today: date, names: dict[int, str]) -> dict[str, Any]:
    return {
        "id": item.id,
        "ticket_code": item.ticket_code,
        "kind": item.kind,
        "category": item.category,
        "state": item.state,
        "source": item.source,
        "created_at": item.created_at,
        "due_on": item.due_on,
        "overdue": feedback.is_overdue(item, today),
        "assigned_to": names.get(item.assigned_to_id) if item.assigned_to_id else None,
        "application_id": item.application_id,
    }


async def _staff_names() -> dict[int, str]:
    rows = await User.filter(role__in=[r.value for r in OFFICE_ROLES]).values_list(
        "id", "full_name"
    )
    return dict(rows)


async def feedback_inbox(request: Request) -> Response:
    await require_staff(request, *OFFICE_ROLES)
    state = request.query_params.get("state") or None
    today = _today(request)
    overdue = request.query_params.get("overdue") == "1"
    try:
        items = await feedback.inbox(state=state, overdue_on=today if overdue else None)
    except ServiceError as exc:
        return respond(
            request, "error.html", {"status": 400, "message": service_message(exc)}, status=400
        )
    names = await _staff_names()
    data = {
        "state": state,
        "overdue_only": overdue,
        "counts": await feedback.counts(),
        "tickets": [_ticket_json(i, today, names) for i in items],
    }
    return respond(request, "office_feedback_inbox.html", _with_labels(data))


def _with_labels(data: dict[str, Any]) -> dict[str, Any]:
    """Templates need the words; the JSON twin does not (it carries the codes)."""
    return {
        **data,
        "_kinds": labels.kind_labels(),
        "_categories": labels.category_labels(),
        "_states": labels.state_labels(),
    }


async def _detail(request: Request, user: User, *, status: int = 200, error: str = "") -> Response:
    try:
        item = await feedback.get(request.path_params["id"], user)
    except NotFound:
        body = {"status": 404, "message": _("This ticket does not exist.")}
        return respond(request, "error.html", body, status=404)
    names = await _staff_names()
    tracking = None
    if item.application_id:
        app = await Application.get_or_none(id=item.application_id)
        tracking = app.tracking_code if app else None
    data = {
        **_ticket_json(item, _today(request), names),
        "message": item.message,
        "contact_name": item.contact_name,
        "contact": item.contact,
        "reply": item.reply,
        "replied_at": item.replied_at,
        "assigned_to_id": item.assigned_to_id,
        "tracking_code": tracking,
        "staff": [{"id": k, "name": v} for k, v in sorted(names.items())],
        "error": error,
    }
    return respond(request, "office_feedback_ticket.html", _with_labels(data), status=status)


async def feedback_ticket(request: Request) -> Response:
    user = await require_staff(request, *OFFICE_ROLES)
    return await _detail(request, user)


async def feedback_action(request: Request) -> Response:
    user = await require_staff(request, *OFFICE_ROLES)
    form = await staff_form(request, max_part_size=16 * 1024)
    action = request.path_params["action"]
    ticket_id = request.path_params["id"]
    try:
        if action == "reply":
            text = check_text(str(form.get("reply", "")), "reply", max_length=feedback.REPLY_MAX)
            await feedback.reply(ticket_id, text, user, _now())
        elif action == "assign":
            raw = str(form.get("assignee", "")).strip()
            if raw and not raw.isdigit():
                raise ServiceError(_("Choose a staff member from the list."))
            await feedback.assign(ticket_id, int(raw) if raw else None, user, _now())
        elif action == "state":
            await feedback.set_state(ticket_id, str(form.get("state", "")), user, _now())
        else:
            raise NotFound(_("This action does not exist."))
    except NotFound:
        body = {"status": 404, "message": _("This ticket does not exist.")}
        return respond(request, "error.html", body, status=404)
    except ServiceError as exc:
        return await _detail(request, user, status=exc.status, error=service_message(exc))
    if wants_json(request):
        return await _detail(request, user)
    return RedirectResponse(f"/office/feedback/{ticket_id}", status_code=303, headers=NO_STORE)


def _current_quarter(today: date) -> str:
    return skm.quarter_of(today)


async def skm_report(request: Request) -> Response:
    await require_staff(request, *REPORT_ROLES)
    key = request.query_params.get("period") or _current_quarter(_today(request))
    permit_type = request.query_params.get("permit_type") or None
    try:
        report = await skm.report(key, request.app.state.settings.timezone, permit_type)
    except ServiceError as exc:
        return respond(
            request, "error.html", {"status": 400, "message": service_message(exc)}, status=400
        )
    data = skm.report_json(report)
    data["permit_type"] = permit_type
    if wants_json(request):
        return respond(request, "office_skm.html", data)
    names = {p.code: p for p in await PermitType.all()}
    questions = {name: question for name, question, _answers in labels.skm_questions()}
    bars = [
        (f"U{n + 1}", element.ikm if element.answers else None)
        for n, element in enumerate(report.overall.index.elements)
    ]
    chart = ikm_bars(bars, _("IKM per element, %(period)s") % {"period": report.period.key})
    return respond(
        request,
        "office_skm.html",
        {**data, "chart": chart, "questions": questions, "permit_names": names},
    )


async def skm_csv(request: Request) -> Response:
    await require_staff(request, *REPORT_ROLES)
    key = request.query_params.get("period") or _current_quarter(_today(request))
    try:
        report = await skm.report(
            key, request.app.state.settings.timezone, request.query_params.get("permit_type")
        )
    except ServiceError as exc:
        return Response(service_message(exc), status_code=400, headers=NO_STORE)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(skm.report_csv_rows(report))
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            **NO_STORE,
            "Content-Disposition": f'attachment; filename="skm-{report.period.key}.csv"',
        },
    )


routes = [
    *twin_routes("/office/feedback", feedback_inbox),
    *twin_routes("/office/feedback/{id}", feedback_ticket),
    Route("/office/feedback/{id}/{action}", feedback_action, methods=["POST"]),
    Route("/office/skm.csv", skm_csv, methods=["GET"]),
    *twin_routes("/office/skm", skm_report),
]
