"""Citizen feedback (complaints, questions, thanks, suggestions), its ticket page, and the SKM
survey behind the status link. Thin: limit, check the form, call the service, render."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.models import Application
from server.public import guard, labels
from server.public.status import LAPOR_URL, not_found, now, render
from server.services.citizen import feedback, skm, status
from server.services.errors import Conflict, NotFound


async def _linked_application(request: Request, code: str, token: str) -> Application | None:
    if not code and not token:
        return None
    return await status.find(code, token, request.app.state.settings, now())


def _form_page(
    request: Request,
    *,
    app: Application | None,
    code: str,
    token: str,
    values: dict[str, str],
    problems: dict[str, str],
    status_code: int = 200,
) -> Response:
    cookies: dict[str, str] = {}
    form_token = guard.issue_form_token(request, cookies)
    response = render(
        request,
        "public/feedback_form.html",
        status_code=status_code,
        form_token=form_token,
        app=app,
        code=code,
        token=token,
        values=values,
        problems={k: labels.problem_message(v) for k, v in problems.items()},
        kinds=labels.kind_labels(),
        categories=labels.category_labels(),
        lapor_url=LAPOR_URL,
    )
    guard.set_form_cookie(response, cookies)
    return response


async def feedback_form(request: Request) -> Response:
    if request.method == "GET":
        code = request.query_params.get("t", "")
        token = request.query_params.get("k", "")
        try:
            app = await _linked_application(request, code, token)
        except NotFound:
            return not_found(request)
        kind = request.query_params.get("jenis", "")
        return _form_page(
            request, app=app, code=code, token=token, values={"kind": kind}, problems={}
        )
    await guard.limit(request, "feedback")
    form = await guard.read_public_form(request)
    guard.check_form(request, form)
    code, token = str(form.get("t", "")), str(form.get("k", ""))
    try:
        app = await _linked_application(request, code, token)
    except NotFound:
        return not_found(request)
    values = {name: str(form.get(name, "")) for name in feedback.FIELDS}
    settings = request.app.state.settings
    try:
        ticket = await feedback.create(
            values,
            source="status_page" if app else "public",
            now=now(),
            timezone=settings.timezone,
            application=app,
        )
    except feedback.FeedbackInvalid as exc:
        return _form_page(
            request,
            app=app,
            code=code,
            token=token,
            values={k: v[:4000] for k, v in values.items()},
            problems=exc.problems,
            status_code=400,
        )
    target = f"/tiket/{ticket.feedback.ticket_code}?k={ticket.token}&baru=1"
    return guard.public(RedirectResponse(target, status_code=303))


async def ticket_page(request: Request) -> Response:
    await guard.limit(request, "ticket")
    try:
        item = await feedback.find_ticket(
            request.path_params["code"], request.query_params.get("k", "")
        )
    except NotFound:
        return not_found(request)
    return render(
        request,
        "public/ticket.html",
        item=item,
        fresh=request.query_params.get("baru") == "1",
        kinds=labels.kind_labels(),
        categories=labels.category_labels(),
        states=labels.state_labels(),
        lapor_url=LAPOR_URL,
    )


async def survey(request: Request) -> Response:
    settings = request.app.state.settings
    code = request.path_params["code"]
    token = request.query_params.get("k", "")
    if request.method == "POST":
        await guard.limit(request, "survey")
    try:
        app = await status.find(code, token, settings, now())
    except NotFound:
        return not_found(request)
    if not await skm.is_open(app):
        return render(request, "public/survey_closed.html", status_code=409, code=code, token=token)
    values: dict[str, str] = {}
    problems: dict[str, str] = {}
    if request.method == "POST":
        form = await guard.read_public_form(request)
        guard.check_form(request, form)
        values = {name: str(form.get(name, ""))[:20] for name in skm.FIELDS}
        try:
            await skm.submit(app, values, source="status_page", now=now())
        except skm.SurveyInvalid as exc:
            problems = exc.problems
        except Conflict:
            return render(
                request, "public/survey_closed.html", status_code=409, code=code, token=token
            )
        else:
            return render(request, "public/survey_done.html", code=code, token=token)
    cookies: dict[str, str] = {}
    form_token = guard.issue_form_token(request, cookies)
    response = render(
        request,
        "public/survey.html",
        status_code=400 if problems else 200,
        form_token=form_token,
        code=code,
        token=token,
        values=values,
        problems={k: labels.problem_message(v) for k, v in problems.items()},
        questions=labels.skm_questions(),
        choices=labels.profile_choices(),
    )
    guard.set_form_cookie(response, cookies)
    return response


routes = [
    Route("/umpan-balik", feedback_form, methods=["GET", "POST"]),
    Route("/tiket/{code}", ticket_page, methods=["GET"]),
    Route("/t/{code}/survei", survey, methods=["GET", "POST"]),
]
