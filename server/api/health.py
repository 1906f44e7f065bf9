from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from server import db
from server.web.openapi import ok, operation


@operation(
    "GET",
    summary="Health of the server and its database",
    security=[],
    responses={"200": ok("healthy", {"type": "object"}), "503": ok("the database is away")},
)
async def healthz(request: Request) -> JSONResponse:
    report = await db.health()
    return JSONResponse(report, status_code=200 if report["ok"] else 503)


routes = [Route("/healthz", healthz, methods=["GET"])]
