"""Office pages for one application (detail and its moves) and the SLA lists (overdue,
compliance). Each GET page has a JSON twin (``.json`` or ``Accept: application/json``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from server.models import Role, User
from server.services.applications import sla_reports
from server.services.applications.detail import application_detail
from server.services.applications.moves import MoveRequest, move
from server.services.errors import NotFound, ServiceError
from server.uploads.documents import store_pdf
from server.uploads.errors import UploadError
from server.uploads.web import component
from server.web.auth import CSRF_FIELD, check_csrf, require_staff
from server.web.bodies import check_text
from server.web.errors import ApiError
from server.web.i18n import gettext as _
from server.web.twin import respond, twin_routes, wants_json
from sync.model import ISSUED

OFFICE_ROLES = (Role.VERIFIER, Role.SUPERVISOR, Role.ADMIN)
CORRECTION_PREFIX = "correction."
MAX_FORM_FIELDS = 120


def _timezone(request: Request) -> str:
    return str(request.app.state.settings.timezone)


async def _form(request: Request) -> FormData:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ("application/x-www-form-urlencoded", "multipart/form-data", ""):
        raise ApiError(415, "not_a_form", _("Send the form as application/x-www-form-urlencoded."))
    form = await request.form(max_files=1, max_fields=MAX_FORM_FIELDS)
    try:
        await check_csrf(request, str(form.get(CSRF_FIELD, "")))
    except Exception:
        await form.close()
        raise
    return form


def _text(form: FormData, key: str, max_length: int) -> str:
    value = form.get(key, "")
    return check_text(value if isinstance(value, str) else "", key, max_length=max_length)


async def _page(
    request: Request,
    user: User,
    *,
    status: int = 200,
    reveal_nik: bool = False,
    error: ServiceError | None = None,
    form: dict[str, Any] | None = None,
) -> Response:
    try:
        data = await application_detail(
            user, request.path_params["id"], timezone=_timezone(request), reveal_nik=reveal_nik
        )
    except NotFound as exc:  # answered here so that even the refusal is never cached
        body = {"error": exc.code, "message": exc.message, "status": exc.status}
        return respond(request, "error.html", body, status=exc.status)
    if error is not None:
        data["error"] = {"error": error.code, "message": error.message, "details": error.details}
    data["form"] = form or {}
    return respond(request, "office_application.html", data, status=status)


async def application_page(request: Request) -> Response:
    user = await require_staff(request, *OFFICE_ROLES)
    return await _page(request, user)


async def reveal_nik(request: Request) -> Response:
    """Show the full NIK once (POST, so no prefetch or link can do it; audited)."""
    user = await require_staff(request, *OFFICE_ROLES)
    await (await _form(request)).close()
    return await _page(request, user, reveal_nik=True)


async def move_application(request: Request) -> Response:
    user = await require_staff(request, Role.VERIFIER, Role.SUPERVISOR)
    form = await _form(request)
    try:
        return await _move(request, user, form)
    finally:
        await form.close()


async def _move(request: Request, user: User, form: FormData) -> Response:
    try:
        version = int(str(form.get("version", "")))
    except ValueError:
        raise ApiError(
            400,
            "bad_version",
            _("The form lacks the application's version; reload the page and try again."),
        ) from None
    corrections = {
        key[len(CORRECTION_PREFIX) :]: _text(form, key, 2000)
        for key in form
        if key.startswith(CORRECTION_PREFIX)
    }
    wanted = MoveRequest(
        to_status=_text(form, "to_status", 40),
        expected_version=version,
        note=_text(form, "note", 4000),
        corrections=corrections,
        reference=_text(form, "reference", 200),
    )
    try:
        if wanted.to_status == ISSUED:
            wanted.permit_file = await _permit_pdf(request, form)
        await move(user, request.path_params["id"], wanted)
    except ServiceError as exc:
        if isinstance(exc, NotFound):
            return await _page(request, user)
        kept = {"to_status": wanted.to_status, "note": wanted.note, "reference": wanted.reference}
        kept["corrections"] = corrections  # type: ignore[assignment]
        return await _page(request, user, status=exc.status, error=exc, form=kept)
    if wants_json(request):
        return await _page(request, user)
    return RedirectResponse(f"/office/applications/{request.path_params['id']}", 303)


async def _permit_pdf(request: Request, form: FormData) -> str:
    """The optional permit PDF sent with an issue: stored (and checked) first; "" if none."""
    upload = form.get("permit_file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return ""
    limit = int(request.app.state.settings.max_upload_bytes)
    data = await upload.read(limit + 1)
    try:
        return await store_pdf(component(request).storage, data, max_bytes=limit)
    except UploadError as exc:
        error = ServiceError(
            f"Berkas izin ditolak; unggah PDF izin yang asli. (The permit file was refused: "
            f"{exc.message})",
            code=exc.code,
        )
        error.status = exc.status
        raise error from exc


def _day(request: Request, key: str, default: date) -> date:
    raw = request.query_params.get(key)
    if raw is None or raw == "":
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(
            400,
            "bad_date",
            _("The date %(key)s must be written YYYY-MM-DD, e.g. 2026-01-31.") % {"key": key},
        ) from None


async def overdue_page(request: Request) -> Response:
    user = await require_staff(request, *OFFICE_ROLES)
    rows = await sla_reports.overdue(user, timezone=_timezone(request))
    return respond(request, "office_overdue.html", {"applications": rows})


async def sla_page(request: Request) -> Response:
    user = await require_staff(request, *OFFICE_ROLES)
    today = sla_reports.today(_timezone(request))
    start = _day(request, "from", today.replace(day=1))
    end = _day(request, "to", today)
    if end < start:
        raise ApiError(
            400, "bad_period", _("The period ends before it starts; swap the two dates.")
        )
    if (end - start).days > 3 * 366:
        raise ApiError(400, "bad_period", _("Choose a period of at most three years."))
    report = await sla_reports.compliance(user, start, end, timezone=_timezone(request))
    return respond(request, "office_sla.html", report)


routes = [
    *twin_routes("/office/applications/{id}", application_page, name="office_application"),
    *twin_routes("/office/overdue", overdue_page, name="office_overdue"),
    *twin_routes("/office/sla", sla_page, name="office_sla"),
]
routes += twin_routes(
    "/office/applications/{id}/move", move_application, methods=["POST"], name="office_move"
)
routes += twin_routes(
    "/office/applications/{id}/nik", reveal_nik, methods=["POST"], name="office_reveal_nik"
)
