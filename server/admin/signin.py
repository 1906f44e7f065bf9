"""Staff sign-in: password, then the second factor (TOTP or a recovery code) where the role
or the person asks for it, enrolment of an authenticator, and sign-out.

Every step is throttled with the sign-in rules of server/web/ratelimit.py. The session id
changes when the second factor is done, so a cookie seen before it is worth nothing after.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.admin.pages import render, safe_next
from server.models import StaffSession, User
from server.services import audit
from server.services.accounts import second_factor, sessions, users
from server.services.errors import ServiceError, TooManyRequests
from server.web import ratelimit
from server.web.auth import (
    CLEAR_SITE_DATA,
    CSRF_FIELD,
    LANGUAGE_COOKIE,
    SESSION_COOKIE,
    START_PAGES,
    check_csrf,
    clear_session_cookie,
    current_session,
    login_form_is_genuine,
    login_form_token,
    set_login_cookie,
    set_session_cookie,
)
from server.web.bodies import check_text, read_form
from server.web.errors import ApiError
from server.web.i18n import gettext as _

SECOND_FACTOR_PAGE = "/login/second-factor"
SETUP_PAGE = "/login/second-factor/setup"


def login_page(
    request: Request, status: int = 200, headers: dict[str, str] | None = None, **context: object
) -> Response:
    nonce, token = login_form_token(request)
    response = render(
        request, "login.html", status=status, headers=headers, login_token=token, **context
    )
    set_login_cookie(response, nonce)
    return response


async def login(request: Request) -> Response:
    if request.method == "GET":
        return login_page(request, next=request.query_params.get("next", ""))
    form = await read_form(request, max_files=0, max_fields=10)
    settings = request.app.state.settings
    username = str(form.get("username", ""))
    next_page = safe_next(str(form.get("next", ""))) or ""
    if not login_form_is_genuine(request, str(form.get("login_token", ""))):
        expired = _("This form has expired. Reload the page and try again.")
        return login_page(request, status=403, error=expired, next=next_page)
    try:
        check_text(username, "username", max_length=64)
        password = check_text(str(form.get("password", "")), "password", max_length=256)
    except ApiError as exc:
        return login_page(request, status=400, error=exc.detail, username="")
    try:
        await ratelimit.check_login(request, username)
    except TooManyRequests as exc:
        headers = {"Retry-After": str(exc.retry_after)}
        return login_page(request, 429, headers, error=exc.message, username=username)
    try:
        user = await users.authenticate(username, password)
    except ServiceError as exc:
        await ratelimit.login_failed(request, username)
        await audit.login_failed(
            username, client=ratelimit.client_address(request), channel="office"
        )
        return login_page(request, status=400, error=exc.message, username=username)
    await ratelimit.login_succeeded(request, username)
    language = request.cookies.get(LANGUAGE_COOKIE) or settings.default_language
    needs_code = second_factor.required(user)
    new = await sessions.start(
        user, hours=settings.session_hours, language=language, second_factor_done=not needs_code
    )
    await audit.record(
        "login" if not needs_code else "login.password",
        actor=user,
        object_type="user",
        object_id=user.id,
        client=ratelimit.client_address(request),
    )
    if needs_code:
        page = SECOND_FACTOR_PAGE if user.totp_secret else SETUP_PAGE
        target = f"{page}?next={next_page}" if next_page else page
    else:
        target = next_page or START_PAGES[user.role]
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, new.token, settings)
    return response


async def _pending(request: Request) -> StaffSession | None:
    session = await current_session(request)
    return session if session is not None and not session.second_factor_done else None


async def _finish(request: Request, session: StaffSession, target: str) -> Response:
    """Second factor done: a fresh session id with full rights replaces the pending one."""
    settings = request.app.state.settings
    user: User = session.user
    await sessions.end(request.cookies.get(SESSION_COOKIE))
    new = await sessions.start(user, hours=settings.session_hours, language=session.language)
    await audit.record(
        "login",
        actor=user,
        object_type="user",
        object_id=user.id,
        client=ratelimit.client_address(request),
        second_factor=True,
    )
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, new.token, settings)
    return response


async def second_factor_page(request: Request) -> Response:
    session = await _pending(request)
    if session is None:
        return RedirectResponse("/login", status_code=303)
    user: User = session.user
    if not user.totp_secret:
        return RedirectResponse(SETUP_PAGE, status_code=303)
    next_page = safe_next(request.query_params.get("next")) or ""
    if request.method == "GET":
        return render(request, "second_factor.html", csrf=session.csrf_token, next=next_page)
    form = await read_form(request, max_files=0, max_fields=5)
    await check_csrf(request, str(form.get(CSRF_FIELD, "")))
    code = str(form.get("code", ""))[:64]
    next_page = safe_next(str(form.get("next", ""))) or ""
    try:
        await ratelimit.check_login(request, user.username)
    except TooManyRequests as exc:
        headers = {"Retry-After": str(exc.retry_after)}
        return render(
            request,
            "second_factor.html",
            status=429,
            headers=headers,
            error=exc.message,
            csrf=session.csrf_token,
            next=next_page,
        )
    if second_factor.looks_like_recovery_code(code):
        accepted = await second_factor.use_recovery_code(user, code)
    else:
        accepted = await second_factor.verify(user, code)
    if not accepted:
        await ratelimit.login_failed(request, user.username)
        await audit.login_failed(
            user.username, client=ratelimit.client_address(request), channel="second_factor"
        )
        error = _("That code is wrong or was already used. Wait for the next code and try again.")
        return render(
            request,
            "second_factor.html",
            status=400,
            error=error,
            csrf=session.csrf_token,
            next=next_page,
        )
    await ratelimit.login_succeeded(request, user.username)
    return await _finish(request, session, next_page or START_PAGES[user.role])


async def second_factor_setup(request: Request) -> Response:
    """Enrol an authenticator: at the first sign-in where it is required, or any time for a
    signed-in person who has none yet (optional for officers and verifiers)."""
    session = await current_session(request)
    if session is None:
        return RedirectResponse("/login", status_code=303)
    user: User = session.user
    if user.totp_secret:
        target = SECOND_FACTOR_PAGE if not session.second_factor_done else START_PAGES[user.role]
        return RedirectResponse(target, status_code=303)
    settings = request.app.state.settings
    if request.method == "GET":
        secret = second_factor.new_secret()
        return _setup_page(request, session, user, secret)
    form = await read_form(request, max_files=0, max_fields=6)
    await check_csrf(request, str(form.get(CSRF_FIELD, "")))
    secret = str(form.get("secret", ""))[:64]
    signature = str(form.get("signature", ""))[:128]
    if not second_factor.pending_is_genuine(
        settings.secret_key, session.id_hash, secret, signature
    ):
        return _setup_page(
            request, session, user, second_factor.new_secret(), status=400,
            error=_("This form has expired. Reload the page and try again."),
        )  # fmt: skip
    try:
        await ratelimit.check_login(request, user.username)
    except TooManyRequests as exc:
        return _setup_page(
            request, session, user, secret, status=429, error=exc.message,
            headers={"Retry-After": str(exc.retry_after)},
        )  # fmt: skip
    codes = await second_factor.confirm_enrolment(user, secret, str(form.get("code", ""))[:64])
    if codes is None:
        await ratelimit.login_failed(request, user.username)
        error = _("That code does not match. Check the time on your phone and try again.")
        return _setup_page(request, session, user, secret, status=400, error=error)
    response = render(request, "recovery_codes.html", codes=codes, next=START_PAGES[user.role])
    if not session.second_factor_done:
        finished = await _finish(request, session, START_PAGES[user.role])
        response.raw_headers.extend(
            (k, v) for k, v in finished.raw_headers if k.lower() == b"set-cookie"
        )
    return response


def _setup_page(
    request: Request,
    session: StaffSession,
    user: User,
    secret: str,
    *,
    status: int = 200,
    error: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    settings = request.app.state.settings
    uri = second_factor.provisioning_uri(user, secret)
    return render(
        request,
        "second_factor_setup.html",
        status=status,
        headers=headers,
        error=error,
        csrf=session.csrf_token,
        secret=secret,
        signature=second_factor.sign_pending(settings.secret_key, session.id_hash, secret),
        qr_svg=second_factor.qr_svg(uri),
        required=second_factor.required(user),
    )


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
    response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response


routes = [
    Route("/login", login, methods=["GET", "POST"]),
    Route(SECOND_FACTOR_PAGE, second_factor_page, methods=["GET", "POST"]),
    Route(SETUP_PAGE, second_factor_setup, methods=["GET", "POST"]),
    Route("/logout", logout, methods=["POST"]),
]
