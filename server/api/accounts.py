"""Device enrollment and identity for the field app."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.models import Device, User
from server.services import audit
from server.services.accounts import devices, users
from server.services.errors import ServiceError
from server.web import ratelimit
from server.web.auth import require_device
from server.web.bodies import optional_str, read_json, require_str
from server.web.openapi import DEVICE, error, json_body, ok, operation


def user_json(user: User) -> dict[str, object]:
    office = user.office if user.office_id else None  # type: ignore[attr-defined]
    return {
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role.value,
        "area_codes": user.area_codes,
        "office": {"code": office.code, "name": office.name, "phone": office.phone}
        if office
        else None,
    }


def device_json(device: Device) -> dict[str, object]:
    return {"device_id": str(device.id), "name": device.name}


def field_app_json(request: Request) -> dict[str, object]:
    """Settings the field app applies on the tablet (an admin sets them on the server)."""
    settings = request.app.state.settings
    return {
        "lock_idle_seconds": settings.field_lock_idle_seconds,
        # The office's time zone (IANA name): the tablet shows times and "today" in it.
        "timezone": settings.timezone,
    }


@operation(
    "POST",
    summary="Enrol a tablet: an officer's username and password give a device token",
    security=[],
    requestBody=json_body(
        {
            "type": "object",
            "required": ["username", "password"],
            "properties": {
                "username": {"type": "string", "minLength": 1, "maxLength": 64},
                "password": {"type": "string", "minLength": 1, "maxLength": 256},
                "device_name": {"type": ["string", "null"], "maxLength": 100},
            },
        }
    ),
    responses={
        "201": ok("enrolled: `token` is shown once", {"type": "object"}),
        "400": error("login_failed: wrong username or password (unknown users alike)"),
        "403": error("this account may not enrol a tablet"),
        "413": error("body too large"),
        "415": error("not application/json"),
    },
)
async def enroll(request: Request) -> JSONResponse:
    data = await read_json(request, max_bytes=8 * 1024)
    username = require_str(data, "username", max_length=64)
    password = require_str(data, "password", max_length=256)
    device_name = optional_str(data, "device_name", max_length=100)
    await ratelimit.check_login(request, username)
    try:
        user = await users.authenticate(username, password)
    except ServiceError:
        await ratelimit.login_failed(request, username)
        await audit.login_failed(
            username, client=ratelimit.client_address(request), channel="device"
        )
        raise
    await ratelimit.login_succeeded(request, username)
    enrollment = await devices.enroll(user, device_name)
    await user.fetch_related("office")
    return JSONResponse(
        {
            **device_json(enrollment.device),
            "token": enrollment.token,
            "user": user_json(user),
            "field_app": field_app_json(request),
        },
        status_code=201,
        headers={"Cache-Control": "no-store"},
    )


@operation(
    "GET",
    summary="The officer and tablet behind this token",
    security=DEVICE,
    responses={"200": ok("who", {"type": "object"})},
)
async def me(request: Request) -> JSONResponse:
    ctx = await require_device(request)
    await ctx.user.fetch_related("office")
    return JSONResponse(
        {
            "user": user_json(ctx.user),
            "device": device_json(ctx.device),
            "field_app": field_app_json(request),
        },
        headers={"Cache-Control": "no-store"},
    )


@operation(
    "POST",
    summary="Field-app logout: the token is revoked",
    security=DEVICE,
    responses={"204": ok("revoked")},
)
async def log_out(request: Request) -> Response:
    """Field-app logout: the bearer token is revoked on the server (and audited)."""
    ctx = await require_device(request)
    await devices.log_out(ctx.device)
    return Response(status_code=204, headers={"Cache-Control": "no-store"})


routes = [
    Route("/api/devices/enroll", enroll, methods=["POST"]),
    Route("/api/me", me, methods=["GET"]),
    Route("/api/devices/logout", log_out, methods=["POST"]),
]
