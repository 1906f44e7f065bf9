"""Sync endpoints (docs/sync-protocol.md): device push and pull, and the staff call that
resolves a conflict. Thin: read the body, call the engine, answer."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.models import Role
from server.services.applications import conflicts, sync_service
from server.services.applications.sync_sql import parse_body
from server.services.citizen import links
from server.web import ratelimit
from server.web.auth import check_csrf, require_device, require_staff
from server.web.bodies import read_body, read_json
from server.web.errors import ApiError
from sync import parse_pull, parse_push
from sync.engine import MISSING
from sync.errors import SyncError, Transient

RESOLVERS = (Role.VERIFIER, Role.SUPERVISOR, Role.ADMIN)


async def _body(request: Request, limit: int) -> Any:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise ApiError(415, "not_json", "Send the body as application/json.")
    raw = await read_body(request, limit)
    if len(raw) > limit:
        raise ApiError(413, "too_large", f"The body exceeds {limit} bytes once decompressed.")
    try:
        return parse_body(raw)
    except ValueError as exc:  # JSONDecodeError (both parsers) and UnicodeDecodeError
        raise ApiError(400, "bad_json", f"The body is not valid JSON: {exc}") from None


def _error(exc: SyncError) -> Response:
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, Transient) else None
    return JSONResponse(exc.to_json(), status_code=exc.status, headers=headers)


async def push(request: Request) -> Response:
    ctx = await require_device(request)
    await ratelimit.enforce(request, ratelimit.DEVICE_SYNC, str(ctx.device.id))
    settings = request.app.state.settings
    body = await _body(request, settings.sync_max_body_bytes)
    try:
        parsed = parse_push(body, max_mutations=settings.sync_max_batch)
        answer = await sync_service.engine().push(
            sync_service.device_actor(ctx.user, ctx.device), parsed
        )
    except SyncError as exc:
        return _error(exc)
    return JSONResponse(answer)


async def pull(request: Request) -> Response:
    ctx = await require_device(request)
    await ratelimit.enforce(request, ratelimit.DEVICE_SYNC, str(ctx.device.id))
    body = await _body(request, 64 * 1024)
    try:
        answer = await sync_service.engine().pull(
            sync_service.device_actor(ctx.user, ctx.device), parse_pull(body)
        )
    except SyncError as exc:
        return _error(exc)
    secret = request.app.state.settings.secret_key
    for record in answer["records"]:
        # A re-enrolled tablet has lost the token it printed; this one works as well.
        record["status_token"] = links.reprint_token(secret, record["id"])
    return JSONResponse(answer)


async def resolve(request: Request) -> Response:
    user = await require_staff(request, *RESOLVERS)
    await check_csrf(request)
    data = await read_json(request, max_bytes=64 * 1024)
    unknown = sorted(set(data) - {"value", "keep"})
    if unknown:
        raise ApiError(400, "invalid_request", f"Unknown field(s): {', '.join(unknown)}.")
    # Area check and audit (how, never the value) live in the conflicts service.
    conflict = await conflicts.resolve(
        user,
        request.path_params["conflict_id"],
        value=data.get("value", MISSING),
        keep=data.get("keep"),
    )
    return JSONResponse({"conflict": conflict})


routes = [
    Route("/api/sync/push", push, methods=["POST"]),
    Route("/api/sync/pull", pull, methods=["POST"]),
    Route("/api/conflicts/{conflict_id}/resolve", resolve, methods=["POST"]),
]
