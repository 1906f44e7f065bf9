"""Who is calling: a staff session (cookie) or an enrolled device (bearer token)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
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


class SecondFactorRequired(Exception):
    """Password given, second factor not yet: the handler redirects to the code page."""


async def require_device(request: Request) -> DeviceContext:
    header = request.headers.get("authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer":
        token = ""
    device = await devices.authenticate(token.strip())
    return DeviceContext(device=device, user=device.user)


async def current_session(request: Request) -> StaffSession | None:
    if "staff_session" not in request.state._state:
        request.state.staff_session = await sessions.load(
            request.cookies.get(SESSION_COOKIE),
            idle_minutes=request.app.state.settings.session_idle_minutes,
        )
    return request.state.staff_session


async def require_staff(request: Request, *roles: Role) -> User:
    """For pages and staff JSON calls. Roles empty = any signed-in staff member."""
    session = await current_session(request)
    if session is None:
        if request.url.path.startswith("/api/"):
            raise Unauthorized(_("Please sign in first."), code="login_required")
        raise LoginRequired
    if not session.second_factor_done:
        if request.url.path.startswith("/api/"):
            raise Unauthorized(
                _("Enter the code from your authenticator app first."),
                code="second_factor_required",
            )
        raise SecondFactorRequired
    user = session.user
    if roles and user.role not in roles:
        raise Forbidden(_("You are not allowed to do this."))
    return user


async def check_csrf(request: Request, submitted: str | None = None) -> None:
    """Every state-changing staff request carries the session's CSRF token, in the form
    field or the X-CSRF-Token header; a missing or wrong one is refused."""
    session = await current_session(request)
    token = submitted if submitted is not None else request.headers.get(CSRF_HEADER, "")
    # bytes: compare_digest refuses str with non-ASCII characters (a forged field can hold any)
    if (
        session is None
        or not token
        or not hmac.compare_digest(token.encode(), session.csrf_token.encode())
    ):
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


# Back-office logout clears the browser's HTTP cache and cookies for this origin. Not
# "storage": the field app shares the origin, and its IndexedDB may hold unsynced work.
CLEAR_SITE_DATA = '"cache", "cookies"'


# --- the sign-in form's own CSRF token (there is no session yet) ------------------------------

LOGIN_COOKIE = "__Host-jb_login"
LOGIN_COOKIE_SECONDS = 2 * 3600


def _login_mac(settings: Settings, nonce: str) -> str:
    message = f"login-form|{nonce}".encode()
    return hmac.new(settings.secret_key.encode(), message, hashlib.sha256).hexdigest()


def login_form_token(request: Request) -> tuple[str, str]:
    """(nonce for the cookie, token for the form): a double submit bound by the server key."""
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    if not (16 <= len(nonce) <= 64 and nonce.replace("-", "").replace("_", "").isalnum()):
        nonce = secrets.token_urlsafe(24)
    return nonce, _login_mac(request.app.state.settings, nonce)


def set_login_cookie(response: Response, nonce: str) -> None:
    response.set_cookie(
        LOGIN_COOKIE,
        nonce,
        max_age=LOGIN_COOKIE_SECONDS,
        path="/",
        secure=True,
        httponly=True,
        samesite="strict",
    )


def login_form_is_genuine(request: Request, submitted: str) -> bool:
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    if not nonce or not submitted or len(submitted) > 128:
        return False
    expected = _login_mac(request.app.state.settings, nonce)
    return hmac.compare_digest(expected.encode(), submitted.encode())


START_PAGES = {
    Role.OFFICER: "/field/",
    Role.VERIFIER: "/office/",
    Role.SUPERVISOR: "/office/dashboard",
    Role.ADMIN: "/admin/",
}
