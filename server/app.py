"""The application factory: ``create_app(settings)`` builds everything from settings."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import jinja2
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from server import db
from server.services.applications import scope, statuses, sync_service
from server.services.citizen import feedback
from server.services.throttling.limiter import Limiter
from server.settings import Settings
from server.web import dates, i18n
from server.web.auth import LANGUAGE_COOKIE, LoginRequired, SecondFactorRequired
from server.web.errors import EXCEPTION_HANDLERS
from server.web.requests_guard import RequestGuardMiddleware
from server.web.security import SecurityHeadersMiddleware
from server.web.timeouts import BodyTimeoutMiddleware

HERE = Path(__file__).resolve().parent

# Each module exports ``routes``; order matters only where paths overlap.
ROUTE_MODULES: tuple[str, ...] = (
    "server.api.health",
    "server.api.openapi",
    "server.api.accounts",
    "server.api.reference",
    "server.api.sync",
    "server.uploads.web",
    "server.admin.pages",
    "server.admin.signin",
    "server.admin.people",
    "server.admin.audit_log",
    "server.admin.reference",
    "server.admin.forms",
    "server.office.applications",
    "server.office.citizen",
    "server.office.inbox",
    "server.office.conflicts",
    "server.office.duplicates",
    "server.public.status",
    "server.public.feedback",
    "server.web.pwa",
)


def collect_routes() -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    for name in ROUTE_MODULES:
        routes.extend(importlib.import_module(name).routes)
    routes.append(Mount("/static", StaticFiles(directory=HERE / "static"), name="static"))
    return routes


def build_templates(settings: Settings) -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
    )
    templates = Jinja2Templates(env=env, context_processors=[staff_context])
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals["settings"] = settings
    env.globals["current_language"] = i18n.current_language.get
    env.filters["local_datetime"] = lambda value: dates.local_datetime(value, settings.timezone)
    env.filters["long_date"] = dates.long_date
    env.filters["rupiah"] = dates.rupiah
    env.filters["status_name"] = lambda code: statuses.status_name(
        code, i18n.current_language.get()
    )
    env.filters["label"] = i18n.label
    return templates


def staff_context(request: Request) -> dict[str, object]:
    session = request.state._state.get("staff_session")
    no_area = session is not None and scope.lacks_area(session.user)
    return {"staff": session, "no_area": no_area}


async def redirect_to_login(request: Request, exc: Exception) -> Response:
    return RedirectResponse(f"/login?next={request.url.path}", status_code=303)


async def redirect_to_second_factor(request: Request, exc: Exception) -> Response:
    return RedirectResponse(f"/login/second-factor?next={request.url.path}", status_code=303)


class LanguageMiddleware:
    """Picks the language for this request: session, then cookie, then Accept-Language."""

    def __init__(self, app, settings: Settings) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self.default = settings.default_language

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        language = i18n.pick_language(
            request.query_params.get("lang"),
            request.cookies.get(LANGUAGE_COOKIE),
            accept="",
            default=self.default,
        )
        token = i18n.current_language.set(language)
        try:
            await self.app(scope, receive, send)
        finally:
            i18n.current_language.reset(token)


def create_app(settings: Settings | None = None, *, manage_db: bool = True) -> Starlette:
    settings = settings or Settings.from_env()
    sync_service.configure(settings.timezone)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if not manage_db:
            yield
            return
        await db.init_db(settings)
        from server.uploads.web import cleanup_periodically
        from server.uploads.web import close as close_uploads

        sweeper = asyncio.create_task(cleanup_periodically(settings))
        try:
            yield
        finally:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
            await close_uploads(app)
            await app.state.limiter.close()
            await db.close_db()

    app = Starlette(
        routes=collect_routes(),
        middleware=[
            Middleware(SecurityHeadersMiddleware, hsts=settings.production),
            Middleware(LanguageMiddleware, settings=settings),
            Middleware(RequestGuardMiddleware, base_url=settings.base_url),
            Middleware(GZipMiddleware, minimum_size=800),
            Middleware(BodyTimeoutMiddleware, seconds=settings.body_timeout_seconds),
        ],
        exception_handlers={
            **EXCEPTION_HANDLERS,
            LoginRequired: redirect_to_login,
            SecondFactorRequired: redirect_to_second_factor,
        },
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.limiter = Limiter(settings.rate_limit_storage)
    app.state.templates = build_templates(settings)
    feedback.configure(settings.timezone)
    return app
