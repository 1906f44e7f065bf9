"""Rate limits for endpoints, answered with 429 and ``Retry-After``.

Use from any endpoint (the counters live where ``RATE_LIMIT_STORAGE`` says, shared by all
workers unless it is ``memory``)::

    from server.web import ratelimit

    PUBLIC_FORM = ratelimit.Rule("public-form", "10 per minute")

    async def submit(request):
        await ratelimit.enforce(request, PUBLIC_FORM, ratelimit.client_address(request))
        ...

    @ratelimit.limited(PUBLIC_FORM)  # keyed by the client address
    async def track(request): ...

``enforce`` counts one hit for every key given (each key has its own counter) and raises
``TooManyRequests`` (429, ``Retry-After``; JSON under /api/, a page elsewhere) when any of
them went over. ``check`` only looks (for "count failures only" rules, then ``record``).
Client addresses honour ``X-Forwarded-For`` only from ``TRUSTED_PROXIES``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable
from functools import cache, wraps

from starlette.requests import Request
from starlette.responses import Response

from server.services.errors import TooManyRequests
from server.services.throttling.limiter import Limiter, Rule
from server.settings import Settings
from server.web.i18n import gettext as _

__all__ = [
    "DEVICE_SYNC",
    "DEVICE_UPLOAD",
    "Rule",
    "check",
    "client_address",
    "enforce",
    "limited",
    "record",
]

# Sign-in (back office, enrolment, second factor) counts failures only, on three keys: the
# account from this address (one person's typos), the account from anywhere (a slow
# distributed guess), and a generous ceiling per address for every attempt (a username
# spray). Colleagues behind the same office NAT are never held up by one person's mistakes.
LOGIN_ACCOUNT = Rule("login-account", "20 per 15 minutes")
LOGIN_ADDRESS = Rule("login-address", "100 per 15 minutes")
DEVICE_SYNC = Rule("device-sync", "120 per minute")
DEVICE_UPLOAD = Rule("device-upload", "600 per minute")


@cache
def login_address_account_rule(max_failures: int, window_seconds: int) -> Rule:
    return Rule("login-address-account", f"{max_failures} per {window_seconds} seconds")


def limiter(request: Request) -> Limiter:
    return request.app.state.limiter  # type: ignore[no-any-return]


def _too_many(retry_after: int) -> TooManyRequests:
    return TooManyRequests(
        _("Too many attempts. Wait %(seconds)s seconds and try again.") % {"seconds": retry_after},
        retry_after=retry_after,
    )


async def check(request: Request, rule: Rule, *keys: str) -> None:
    """Refuse if any key is already over its limit; counts nothing."""
    waits = [await limiter(request).retry_after(rule, key) for key in keys]
    if max(waits, default=0):
        raise _too_many(max(waits))


async def record(request: Request, rule: Rule, *keys: str) -> None:
    """Count one hit on every key without refusing (the refusal comes at the next check)."""
    for key in keys:
        await limiter(request).hit(rule, key)


async def enforce(request: Request, rule: Rule, *keys: str) -> None:
    """Count one hit on every key; refuse when any went over its limit."""
    waits = [await limiter(request).hit(rule, key) for key in keys]
    if max(waits, default=0):
        raise _too_many(max(waits))


def limited(
    rule: Rule, key: Callable[[Request], str] | None = None
) -> Callable[[Callable[[Request], Awaitable[Response]]], Callable[[Request], Awaitable[Response]]]:
    """Decorator form of ``enforce``, keyed by the client address unless ``key`` says."""

    def wrap(endpoint: Callable[[Request], Awaitable[Response]]):  # type: ignore[no-untyped-def]
        @wraps(endpoint)
        async def limited_endpoint(request: Request) -> Response:
            await enforce(request, rule, (key or client_address)(request))
            return await endpoint(request)

        return limited_endpoint

    return wrap


def client_address(request: Request) -> str:
    """The caller's IP address. ``X-Forwarded-For`` is read right to left and only while
    each hop is a trusted proxy, so a client cannot choose its own address."""
    settings: Settings = request.app.state.settings
    address = request.client.host if request.client else "unknown"
    if not settings.trusted_proxies or not _is_trusted(address, settings):
        return address
    hops = [hop.strip() for hop in request.headers.get("x-forwarded-for", "").split(",")]
    for hop in reversed([hop for hop in hops if hop]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return address  # a mangled header: stop at the last proxy we trust
        address = hop
        if not _is_trusted(hop, settings):
            return hop
    return address


def _is_trusted(address: str, settings: Settings) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in settings.trusted_proxies)


# --- sign-in, shared by /login, the second factor and device enrolment ---------------------


def _login_keys(request: Request, username: str) -> tuple[str, str, str]:
    address = client_address(request)
    account = (username or "").strip().lower()[:64]
    return address, account, f"{address}|{account}"


async def check_login(request: Request, username: str) -> None:
    settings: Settings = request.app.state.settings
    address, account, both = _login_keys(request, username)
    pair_rule = login_address_account_rule(
        settings.login_max_failures, settings.login_window_seconds
    )
    await check(request, pair_rule, both)
    await check(request, LOGIN_ACCOUNT, account)
    await enforce(request, LOGIN_ADDRESS, address)


async def login_failed(request: Request, username: str) -> None:
    settings: Settings = request.app.state.settings
    _address, account, both = _login_keys(request, username)
    pair_rule = login_address_account_rule(
        settings.login_max_failures, settings.login_window_seconds
    )
    await record(request, pair_rule, both)
    await record(request, LOGIN_ACCOUNT, account)


async def login_succeeded(request: Request, username: str) -> None:
    settings: Settings = request.app.state.settings
    _address, _account, both = _login_keys(request, username)
    pair_rule = login_address_account_rule(
        settings.login_max_failures, settings.login_window_seconds
    )
    await limiter(request).clear(pair_rule, both)
