from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.services.reference import catalog as reference
from server.web.auth import require_device
from server.web.openapi import DEVICE, ok, operation


@operation(
    "GET",
    summary="Permit types, their current forms and the officer's regions",
    security=DEVICE,
    parameters=[{"name": "If-None-Match", "in": "header", "schema": {"type": "string"}}],
    responses={"200": ok("reference data", {"type": "object"}), "304": ok("unchanged")},
)
async def reference_data(request: Request) -> Response:
    ctx = await require_device(request)
    body, version = await reference.payload_for(ctx.user)
    etag = f'"{version}"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return JSONResponse(body, headers=headers)


routes = [Route("/api/reference", reference_data, methods=["GET"])]
