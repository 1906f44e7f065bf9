"""Two rules every request passes through, in one place so no route can forget them:

* A state-changing request (any method but GET, HEAD, OPTIONS) that a browser marks as coming
  from another site is refused with 403 before any route sees it: ``Sec-Fetch-Site`` must be
  ``same-origin`` or ``none``; without that header, an ``Origin`` header must name this server.
  The field app's calls (bearer token) come from the same origin, so they pass the same rule.
  A request with neither header is not a browser's (the tus client, scripts): CSRF is an
  attack through a victim's browser, and browsers send at least ``Origin`` on every POST.
* Every response on a path that may carry personal data gets ``Cache-Control: no-store``
  (back office, device API, sign-in, citizen pages). Static files, the field-app shell and
  the reference data (forms and regions, nothing personal) keep their own caching.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.web.errors import error_response
from server.web.i18n import gettext as _

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ALLOWED_FETCH_SITES = frozenset({"same-origin", "none"})

PERSONAL_PREFIXES = (
    "/api/",
    "/office",
    "/admin",
    "/field",
    "/account",
    "/login",
    "/logout",
    "/t/",
    "/lacak",
    "/umpan-balik",
    "/tiket/",
)
CACHEABLE_PREFIXES = ("/api/reference",)


def carries_personal_data(path: str) -> bool:
    return path.startswith(PERSONAL_PREFIXES) and not path.startswith(CACHEABLE_PREFIXES)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def is_cross_site(request: Request, base_url: str) -> bool:
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site.strip().lower() not in ALLOWED_FETCH_SITES
    origin = request.headers.get("origin")
    if origin is None:
        return False
    origin = origin.strip().lower()
    if origin == _origin(base_url):
        return False
    host = request.headers.get("host", "").lower()
    return origin == "null" or not host or urlsplit(origin).netloc != host


class RequestGuardMiddleware:
    def __init__(self, app: ASGIApp, *, base_url: str) -> None:
        self.app = app
        self.base_url = base_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if request.method not in SAFE_METHODS and is_cross_site(request, self.base_url):
            response = error_response(
                request,
                403,
                "cross_origin",
                _("This request came from another website and was refused."),
            )
            await response(scope, receive, send)
            return
        if not carries_personal_data(scope["path"]):
            await self.app(scope, receive, send)
            return

        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_no_store)
