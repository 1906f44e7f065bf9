"""What every citizen-facing page shares: per-address rate limits, the headers that keep a
status page out of search engines, caches and Referer headers, and the checks on public forms
(CSRF token bound to a cookie, a minimum fill time, a honeypot field, size caps)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from server.services.errors import ServiceError
from server.web import ratelimit
from server.web.bodies import read_form
from server.web.errors import ApiError
from server.web.forms import FORM_TYPES
from server.web.i18n import gettext as _
from server.web.ratelimit import Rule

PUBLIC_HEADERS = {
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
}

# Per client address (counted by server/web/ratelimit.py, in RATE_LIMIT_STORAGE). The
# lookup form is the tight one: its second factor has 10,000 values.
LIMITS = {
    "status": Rule("public-status", "60 per minute"),
    "lookup": Rule("public-lookup", "10 per 10 minutes"),
    "lookup_code": Rule("public-lookup-code", "10 per hour"),  # per code, from any address
    "feedback": Rule("public-feedback", "5 per 10 minutes"),
    "survey": Rule("public-survey", "10 per hour"),
    "ticket": Rule("public-ticket", "60 per minute"),
}

FORM_COOKIE = "jb_form"
FORM_FIELD = "form_token"
HONEYPOT_FIELD = "website"
MIN_FILL_SECONDS = 3
MAX_FORM_AGE_SECONDS = 2 * 3600
# The longest honest body: a 2,000-character message of 4-byte characters, percent-encoded
# (12 bytes each), plus the contact fields, is under 28 KiB.
FORM_MAX_BYTES = 32 * 1024


async def limit(request: Request, bucket: str, key: str | None = None) -> None:
    """Count one hit; past the limit answer 429 with Retry-After (seconds until a slot frees)."""
    who = key if key is not None else ratelimit.client_address(request)
    await ratelimit.enforce(request, LIMITS[bucket], who)


def public(response: Response, extra: Mapping[str, str] | None = None) -> Response:
    response.headers.update({**PUBLIC_HEADERS, **(extra or {})})
    return response


def _sign(secret: str, nonce: str, issued: int) -> str:
    mac = hmac.new(secret.encode(), f"public-form|{nonce}|{issued}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()[:18]).decode()


def issue_form_token(request: Request, response_cookies: dict[str, str]) -> str:
    """A token for one form: signed, bound to a cookie nonce, stamped with the time."""
    nonce = request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(16)
    response_cookies[FORM_COOKIE] = nonce
    issued = int(time.time())
    return f"{issued}.{_sign(request.app.state.settings.secret_key, nonce, issued)}"


def set_form_cookie(response: Response, cookies: dict[str, str]) -> None:
    for name, value in cookies.items():
        response.set_cookie(
            name, value, max_age=MAX_FORM_AGE_SECONDS, path="/", httponly=True, samesite="strict"
        )


async def read_public_form(
    request: Request, *, max_fields: int = 24, max_part_size: int = FORM_MAX_BYTES
) -> FormData:
    """A public form read under a byte cap before it is parsed (413 past it, with or without
    Content-Length; 415 for anything but a form), in the reader's language. Starlette applies
    ``max_part_size`` to each percent-encoded value too, so by default it is the body cap:
    an honest message of non-ASCII characters is three to twelve times longer encoded."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in FORM_TYPES:
        raise ApiError(415, "not_a_form", _("Send the form from its page."))
    try:
        return await read_form(
            request,
            max_bytes=FORM_MAX_BYTES,
            max_files=0,
            max_fields=max_fields,
            max_part_size=max_part_size,
        )
    except ApiError as exc:
        if exc.status_code != 413:
            raise
        raise ApiError(
            413,
            "too_large",
            _(
                "What you sent is too long: a message may hold at most 2,000 characters. "
                "Shorten it and send it again."
            ),
        ) from None


def check_form(request: Request, form: Mapping[str, object]) -> None:
    """CSRF, time and honeypot checks; a refusal says what to do in the reader's language."""
    expired = ServiceError(
        _("This form has expired. Reload the page and try again."), code="csrf_failed"
    )
    expired.status = 403
    nonce = request.cookies.get(FORM_COOKIE, "")
    issued_text, _sep, signature = str(form.get(FORM_FIELD, "")).partition(".")
    if not nonce or not issued_text.isdigit() or len(issued_text) > 12:
        raise expired
    issued = int(issued_text)
    expected = _sign(request.app.state.settings.secret_key, nonce, issued)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise expired
    age = time.time() - issued
    if age > MAX_FORM_AGE_SECONDS or age < -5:
        raise expired
    if age < MIN_FILL_SECONDS or str(form.get(HONEYPOT_FIELD, "")).strip():
        raise ServiceError(
            _("That was sent too quickly. Please check the form and send it again."),
            code="too_fast",
        )
