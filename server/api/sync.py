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
from server.web.openapi import DEVICE, STAFF, UUID, error, json_body, ok, operation
from sync import parse_pull, parse_push
from sync.engine import MISSING
from sync.errors import SyncError, Transient

RESOLVERS = (Role.VERIFIER, Role.SUPERVISOR, Role.ADMIN)
# ISO 8601 with an offset, in the years 1 to 9999 once in UTC (sync/validate.py::timestamp)
TIMESTAMP = {"type": ["string", "null"], "format": "date-time", "maxLength": 40}


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


@operation(
    "POST",
    summary="Push named mutations (docs/sync-protocol.md)",
    security=DEVICE,
    requestBody=json_body(
        {
            "type": "object",
            "required": ["protocol", "client_id", "mutations"],
            "additionalProperties": False,
            "properties": {
                "protocol": {"const": 1},
                "client_id": UUID,
                "sent_at": TIMESTAMP,
                "mutations": {
                    "type": "array",
                    "maxItems": 100,
                    "description": "Ids are consecutive integers (no fraction). Everything "
                    "else of a mutation is checked on its own: a bad one is rejected in "
                    "`results` and the rest of the batch still applies (200).",
                    "items": {
                        "type": "object",
                        "required": ["id"],
                        "properties": {
                            "id": {"type": "integer", "minimum": 1, "maximum": 2**53 - 1},
                            "name": {"description": "a mutation name, e.g. create_application"},
                            "args": {"description": "an object, as the mutation defines"},
                            "hlc": {"description": "hybrid logical clock, 1-64 printable ASCII"},
                            "device_time": {"description": "ISO 8601 with offset, or null"},
                        },
                    },
                },
            },
        }
    ),
    responses={
        "200": ok("one result per mutation", {"type": "object"}),
        "403": error("the client_id belongs to another device"),
        "409": error("mutation_gap: resend from `expected`"),
        "413": error("body or batch too large"),
        "415": error("not JSON, or an unsupported Content-Encoding"),
    },
)
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


@operation(
    "POST",
    summary="Pull changed records, tombstones and conflicts after a cursor",
    security=DEVICE,
    requestBody=json_body(
        {
            "type": "object",
            "required": ["protocol", "client_id"],
            "additionalProperties": False,
            "properties": {
                "protocol": {"const": 1},
                "client_id": UUID,
                "cursor": {"type": ["string", "null"]},
                "limit": {
                    "type": ["integer", "null"],
                    "minimum": 1,
                    "maximum": 500,
                    "description": "null or absent: 200",
                },
                "sent_at": TIMESTAMP,
                "pending": {
                    "type": ["integer", "null"],
                    "minimum": 0,
                    "maximum": 1_000_000,
                    "description": "mutations still in the outbox (shown to admins)",
                },
            },
        }
    ),
    responses={
        "200": ok("a page", {"type": "object"}),
        "403": error("the client_id belongs to another device"),
        "409": error("mutation_gap: resend from `expected`"),
        "413": error("body or batch too large"),
        "415": error("not JSON, or an unsupported Content-Encoding"),
    },
)
async def pull(request: Request) -> Response:
    ctx = await require_device(request)
    await ratelimit.enforce(request, ratelimit.DEVICE_SYNC, str(ctx.device.id))
    body = await _body(request, 64 * 1024)
    try:
        parsed = parse_pull(body)
        answer = await sync_service.engine().pull(
            sync_service.device_actor(ctx.user, ctx.device), parsed
        )
    except SyncError as exc:
        return _error(exc)
    if parsed.pending is not None:
        await sync_service.note_pending(parsed.client_id, ctx.device, parsed.pending)
    secret = request.app.state.settings.secret_key
    for record in answer["records"]:
        # A re-enrolled tablet has lost the token it printed; this one works as well.
        record["status_token"] = links.reprint_token(secret, record["id"])
    return JSONResponse(answer)


@operation(
    "POST",
    summary="Resolve a conflict (staff session + X-CSRF-Token)",
    security=STAFF,
    parameters=[
        {"name": "conflict_id", "in": "path", "required": True, "schema": {"type": "string"}},
        {"name": "X-CSRF-Token", "in": "header", "schema": {"type": "string"}},
    ],
    requestBody=json_body(
        {
            "type": "object",
            "additionalProperties": False,
            "properties": {"keep": {"enum": ["server", "device"]}, "value": {}},
        }
    ),
    responses={
        "200": ok("resolved", {"type": "object"}),
        "403": error("no CSRF token, or this role may not resolve"),
        "404": error("no such conflict"),
        "409": error("already resolved"),
        "413": error("body too large"),
        "415": error("not application/json"),
    },
)
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
