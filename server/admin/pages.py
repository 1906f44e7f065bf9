"""Back-office pages: sign-in, each role's start page, users and devices."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.models import Device, Role
from server.services import audit
from server.services.accounts import devices, sessions, users
from server.services.errors import ServiceError, TooManyRequests
from server.settings import LANGUAGES
from server.web import ratelimit
from server.web.auth import (
    CSRF_FIELD,
    LANGUAGE_COOKIE,
    SESSION_COOKIE,
    START_PAGES,
    check_csrf,
    clear_session_cookie,
    current_session,
    require_staff,
    set_session_cookie,
)
from server.web.bodies import check_text, read_form
from server.web.errors import ApiError


def render(
    request: Request,
    template: str,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: object,
) -> Response:
    return request.app.state.templates.TemplateResponse(
        request, template, context, status_code=status, headers=headers
    )


def safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


async def home(request: Request) -> Response:
    session = await current_session(request)
    target = START_PAGES[session.user.role] if session else "/login"
    return RedirectResponse(target, status_code=303)


async def login(request: Request) -> Response:
    if request.method == "GET":
        return render(request, "login.html", next=request.query_params.get("next", ""))
    form = await read_form(request, max_files=0, max_fields=10)
    settings = request.app.state.settings
    username = str(form.get("username", ""))
    try:
        check_text(username, "username", max_length=64)
        password = check_text(str(form.get("password", "")), "password", max_length=256)
    except ApiError as exc:
        return render(request, "login.html", status=400, error=exc.detail, username="")
    try:
        await ratelimit.check_login(request, username)
    except TooManyRequests as exc:
        headers = {"Retry-After": str(exc.retry_after)}
        return render(
            request, "login.html", status=429, error=exc.message, username=username, headers=headers
        )
    try:
        user = await users.authenticate(username, password)
    except ServiceError as exc:
        await ratelimit.login_failed(request, username)
        await audit.login_failed(
            username, client=ratelimit.client_address(request), channel="office"
        )
        return render(request, "login.html", status=400, error=exc.message, username=username)
    await ratelimit.login_succeeded(request, username)
    language = request.cookies.get(LANGUAGE_COOKIE) or settings.default_language
    new = await sessions.start(user, hours=settings.session_hours, language=language)
    await audit.record(
        "login",
        actor=user,
        object_type="user",
        object_id=user.id,
        client=ratelimit.client_address(request),
    )
    target = safe_next(str(form.get("next", ""))) or START_PAGES[user.role]
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, new.token, settings)
    return response


async def logout(request: Request) -> Response:
    form = await read_form(request, max_files=0, max_fields=5)
    await check_csrf(request, str(form.get(CSRF_FIELD, "")))
    session = await current_session(request)
    await sessions.end(request.cookies.get(SESSION_COOKIE))
    if session is not None:
        user = session.user
        await audit.record("logout", actor=user, object_type="user", object_id=user.id)
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response)
    return response


async def set_language(request: Request) -> Response:
    code = request.path_params["code"]
    target = safe_next(request.query_params.get("next")) or "/"
    response = RedirectResponse(target, status_code=303)
    if code in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, code, max_age=365 * 86400, samesite="lax")
    return response


async def field_home(request: Request) -> Response:
    user = await require_staff(request, Role.OFFICER, Role.ADMIN)
    mine = await Device.filter(user=user).order_by("-created_at")
    return render(request, "field_home.html", user=user, devices=mine)


async def admin_home(request: Request) -> Response:
    user = await require_staff(request, Role.ADMIN)
    return render(
        request,
        "admin_home.html",
        user=user,
        users=await users.list_users(),
        devices=await devices.list_devices(),
    )


async def admin_revoke_device(request: Request) -> Response:
    actor = await require_staff(request, Role.ADMIN)
    form = await read_form(request, max_files=0, max_fields=5)
    await check_csrf(request, str(form.get(CSRF_FIELD, "")))
    await devices.revoke(request.path_params["device_id"], actor=actor)
    return RedirectResponse("/admin/#devices", status_code=303)


routes = [
    Route("/", home, methods=["GET"]),
    Route("/login", login, methods=["GET", "POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/lang/{code}", set_language, methods=["GET"]),
    Route("/field/", field_home, methods=["GET"]),
    Route("/admin/", admin_home, methods=["GET"]),
    Route("/admin/devices/{device_id}/revoke", admin_revoke_device, methods=["POST"]),
]
