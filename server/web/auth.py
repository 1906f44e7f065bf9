"""Who is calling: a staff session (cookie) or an enrolled device (bearer token)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from server.models import Device, Role, StaffSession, User
from server.services.accounts import devices, sessions
from server.services.errors import Forbidden, Unauthorized
from server.settings import Settings
from server.web.i18n import gettext as _

SESSION_COOKIE = "__Host-jb_session"
LANGUAGE_COOKIE = "jb_lang"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True)
class DeviceContext:
    device: Device
    user: User


class LoginRequired(Exception):
    """A page needs a signed-in user; the handler redirects to the login page."""


async def require_device(request: Request) -> DeviceContext:
    header = request.headers.get("authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer":
        token = ""
    device = await devices.authenticate(token.strip())
    return DeviceContext(device=device, user=device.user)


async def current_session(request: Request) -> StaffSession | None:
    if "staff_session" not in request.state._state:
        request.state.staff_session = await sessions.load(request.cookies.get(SESSION_COOKIE))
    return request.state.staff_session


async def require_staff(request: Request, *roles: Role) -> User:
    """For pages and staff JSON calls. Roles empty = any signed-in staff member."""
    session = await current_session(request)
    if session is None:
        if request.url.path.startswith("/api/"):
            raise Unauthorized(_("Please sign in first."), code="login_required")
        raise LoginRequired
    user = session.user
    if roles and user.role not in roles:
        raise Forbidden(_("You are not allowed to do this."))
    return user


async def check_csrf(request: Request, submitted: str | None = None) -> None:
    """Every state-changing staff request carries the session's CSRF token, in the form
    field or the X-CSRF-Token header; a missing or wrong one is refused."""
    session = await current_session(request)
    token = submitted if submitted is not None else request.headers.get(CSRF_HEADER, "")
    if session is None or not token or not hmac.compare_digest(token, session.csrf_token):
        raise Forbidden(
            _("This form has expired. Reload the page and try again."), code="csrf_failed"
        )


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_hours * 3600,
        path="/",
        secure=True,
        httponly=True,
        samesite="strict",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="strict")


START_PAGES = {
    Role.OFFICER: "/field/",
    Role.VERIFIER: "/office/",
    Role.SUPERVISOR: "/office/dashboard",
    Role.ADMIN: "/admin/",
}
