"""Back-office pages: each role's start page, users and devices (sign-in: signin.py)."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.models import Device, Role
from server.settings import LANGUAGES
from server.web.auth import (
    LANGUAGE_COOKIE,
    START_PAGES,
    current_session,
    require_staff,
)


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


routes = [
    Route("/", home, methods=["GET"]),
    Route("/lang/{code}", set_language, methods=["GET"]),
    Route("/field/", field_home, methods=["GET"]),
]
