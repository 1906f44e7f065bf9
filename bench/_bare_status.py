"""The baseline for bench/status_page.py: a bare Starlette endpoint doing the status page's
indexed lookup (tracking code → row, token hash compared in constant time) and nothing else.
Served by uvicorn on the same database, with the same ORM connection settings."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from server import db
from server.models import Application
from server.settings import Settings

settings = Settings.from_env()


async def status(request: Request) -> Response:
    app = await Application.get_or_none(tracking_code=request.path_params["code"], deleted=False)
    token = request.query_params.get("k", "")
    digest = hashlib.sha256(token.encode()).hexdigest()
    if app is None or not hmac.compare_digest(digest, app.status_token_hash):
        return PlainTextResponse("not found", status_code=404)
    return PlainTextResponse(app.status)


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    await db.init_db(settings)
    yield
    await db.close_db()


app = Starlette(routes=[Route("/t/{code}", status)], lifespan=lifespan)
