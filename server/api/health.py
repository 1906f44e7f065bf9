from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from server import db


async def healthz(request: Request) -> JSONResponse:
    report = await db.health()
    return JSONResponse(report, status_code=200 if report["ok"] else 503)


routes = [Route("/healthz", healthz, methods=["GET"])]
