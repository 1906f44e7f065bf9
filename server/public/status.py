"""The citizen's status page (the receipt's QR link ``/t/<code>?k=<token>``) and the lookup
form ``/lacak`` (tracking code + last four phone digits). Thin: limit, find, render."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.models import SurveyResponse
from server.public import guard
from server.public.labels import permit_name, status_label
from server.services.citizen import links, status
from server.services.errors import NotFound
from server.web.errors import DEFAULT_MESSAGES, error_response
from server.web.i18n import current_language
from server.web.i18n import gettext as _

LAPOR_URL = "https://www.lapor.go.id"


def now() -> datetime:
    return datetime.now(UTC)


def not_found(request: Request) -> Response:
    """Unknown, wrong and expired links all answer exactly this."""
    return error_response(
        request, 404, "not_found", _(DEFAULT_MESSAGES[404]), headers=guard.PUBLIC_HEADERS
    )


def render(request: Request, template: str, status_code: int = 200, **context: object) -> Response:
    response = request.app.state.templates.TemplateResponse(
        request, template, context, status_code=status_code
    )
    return guard.public(response)


def status_link(code: str, token: str) -> str:
    return f"/t/{code}?k={token}"


async def status_page(request: Request) -> Response:
    await guard.limit(request, "status")
    settings = request.app.state.settings
    code = request.path_params["code"]
    token = request.query_params.get("k", "")
    moment = now()
    try:
        app = await status.find(code, token, settings, moment)
    except NotFound:
        return not_found(request)
    view = await status.view(app, settings, moment)
    if view.status in status.SURVEY_STATUSES:
        view.survey_open = not await SurveyResponse.exists(application_id=app.id)
    link = status_link(app.tracking_code, token)
    return render(
        request,
        "public/status.html",
        view=view,
        link=link,
        permit=permit_name(view.permit_name),
        status_label=status_label,
        lapor_url=LAPOR_URL,
        language=current_language.get(),
    )


async def lookup(request: Request) -> Response:
    if request.method == "GET":
        cookies: dict[str, str] = {}
        token = guard.issue_form_token(request, cookies)
        response = render(request, "public/lookup.html", form_token=token, values={}, error="")
        guard.set_form_cookie(response, cookies)
        return response
    await guard.limit(request, "lookup")
    form = await guard.read_public_form(request, max_fields=8, max_part_size=1024)
    guard.check_form(request, form)
    code = status.normalise_code(str(form.get("code", "")))
    last4 = str(form.get("phone_last4", "")).strip()
    if code is not None:
        await guard.limit(request, "lookup_code", key=code)
    settings = request.app.state.settings
    try:
        if code is None:
            raise NotFound("not_found")
        app = await status.find_by_phone(code, last4, settings, now())
    except NotFound:
        cookies = {}
        token = guard.issue_form_token(request, cookies)
        response = render(
            request,
            "public/lookup.html",
            status_code=404,
            form_token=token,
            values={"code": str(form.get("code", ""))[:40]},
            error=_(
                "No application matches this tracking code and these phone digits. "
                "Check both against your receipt."
            ),
        )
        guard.set_form_cookie(response, cookies)
        return response
    target = status_link(app.tracking_code, links.reprint_token(settings.secret_key, app.id))
    return guard.public(RedirectResponse(target, status_code=303))


routes = [
    Route("/t/{code}", status_page, methods=["GET"]),
    Route("/lacak", lookup, methods=["GET", "POST"]),
]
