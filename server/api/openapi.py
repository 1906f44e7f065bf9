"""GET /api/openapi.json: the OpenAPI document of the JSON API, built from the route table
(server/web/openapi.py)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from server.web.openapi import document, ok, operation


@operation(
    "GET",
    summary="This document",
    security=[],
    responses={"200": ok("OpenAPI 3.1", {"type": "object"})},
)
async def openapi_json(request: Request) -> JSONResponse:
    return JSONResponse(document(request.app.routes), headers={"Cache-Control": "no-cache"})


routes = [Route("/api/openapi.json", openapi_json, methods=["GET"])]
