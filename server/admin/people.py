"""/admin/: the overview, users (create, edit roles/office/areas, disable, reset password)
and devices (per officer, last sync, clock drift, revoke). Every page has a JSON twin."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response

from server.admin.common import admin_form, answer_error, done, require_admin, text, texts
from server.models import (
    AuditEvent,
    Device,
    FormDefinition,
    Holiday,
    Office,
    PermitType,
    Region,
    Role,
    SyncClient,
    SyncPushLog,
    User,
)
from server.services.accounts import devices, users
from server.services.errors import ServiceError
from server.web.twin import respond, twin_routes

ROLES = [role.value for role in Role]


def local_time(moment: datetime | None, timezone: str) -> str:
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M %Z")


def _tz(request: Request) -> str:
    return str(request.app.state.settings.timezone)


def user_row(user: User) -> dict[str, Any]:
    office = user.office if user.office_id else None  # type: ignore[attr-defined]
    return {
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role.value,
        "office": office.code if office else None,
        "office_name": office.name if office else None,
        "area_codes": list(user.area_codes or []),
        "active": user.is_active,
        "enrol_blocked": user.enrol_blocked,
    }


async def _offices() -> list[dict[str, str]]:
    return [{"code": o.code, "name": o.name} for o in await Office.all().order_by("code")]


# --- overview ------------------------------------------------------------------------------


async def home(request: Request) -> Response:
    await require_admin(request)
    figures = {
        "users": await User.filter(is_active=True).count(),
        "devices": await Device.filter(revoked_at__isnull=True).count(),
        "offices": await Office.all().count(),
        "permit_types": await PermitType.all().count(),
        "form_versions": await FormDefinition.all().count(),
        "regions": await Region.all().count(),
        "holidays": await Holiday.all().count(),
        "audit_rows": await AuditEvent.all().count(),
    }
    return respond(request, "admin_home.html", {"figures": figures})


# --- users -----------------------------------------------------------------------------------


async def users_data(request: Request, user: User) -> dict[str, Any]:
    return {
        "users": [user_row(u) for u in await users.list_users()],
        "roles": ROLES,
        "offices": await _offices(),
    }


async def users_page(request: Request) -> Response:
    user = await require_admin(request)
    return respond(request, "admin_users.html", await users_data(request, user))


async def create_user(request: Request) -> Response:
    actor, form = await admin_form(request)
    try:
        created = await users.create_user(
            text(form, "username", max_length=64),
            text(form, "password", max_length=256),
            full_name=text(form, "full_name"),
            role=text(form, "role", max_length=20),
            office_code=text(form, "office", max_length=40) or None,
            area_codes=users.check_area_codes(texts(form, "area_codes")),
            actor=actor,
        )
    except ServiceError as exc:
        return await answer_error(request, actor, exc, "admin_users.html", users_data)
    return done(request, f"/admin/users/{created.username}", {"user": user_row(created)})


async def user_data(request: Request, actor: User) -> dict[str, Any]:
    person = await users.get_user(request.path_params["username"])
    await person.fetch_related("office")
    mine = await Device.filter(user=person).order_by("-created_at")
    return {
        "user": user_row(person),
        "roles": ROLES,
        "offices": await _offices(),
        "devices": [await device_row(d, _tz(request)) for d in mine],
    }


async def user_page(request: Request) -> Response:
    actor = await require_admin(request)
    return respond(request, "admin_user.html", await user_data(request, actor))


async def update_user(request: Request) -> Response:
    actor, form = await admin_form(request)
    username = request.path_params["username"]
    try:
        await users.update_user(
            username,
            full_name=text(form, "full_name"),
            role=text(form, "role", max_length=20),
            office_code=text(form, "office", max_length=40) or None,
            area_codes=texts(form, "area_codes"),
            actor=actor,
        )
    except ServiceError as exc:
        return await answer_error(request, actor, exc, "admin_user.html", user_data)
    return done(request, f"/admin/users/{username}")


async def set_password(request: Request) -> Response:
    actor, form = await admin_form(request)
    username = request.path_params["username"]
    try:
        await users.set_password(username, text(form, "password", max_length=256), actor=actor)
    except ServiceError as exc:
        return await answer_error(request, actor, exc, "admin_user.html", user_data)
    return done(request, f"/admin/users/{username}")


async def set_active(request: Request) -> Response:
    actor, form = await admin_form(request)
    username = request.path_params["username"]
    active = text(form, "active", max_length=5)
    try:
        if active not in ("1", "0"):
            raise ServiceError("active harus 1 atau 0 (active must be 1 or 0).", code="invalid")
        if username == actor.username and active == "0":
            raise ServiceError(
                "Anda tidak dapat menonaktifkan akun sendiri (you cannot disable yourself).",
                code="self_disable",
            )
        await users.set_active(username, active == "1", actor=actor)
    except ServiceError as exc:
        return await answer_error(request, actor, exc, "admin_user.html", user_data)
    return done(request, f"/admin/users/{username}")


async def allow_enrolment(request: Request) -> Response:
    """After a revoke, the officer may enrol a tablet again only once an admin says so."""
    actor, _form = await admin_form(request)
    username = request.path_params["username"]
    try:
        person = await users.get_user(username)
        await devices.allow_enrolment(person, actor=actor)
    except ServiceError as exc:
        return await answer_error(request, actor, exc, "admin_user.html", user_data)
    return done(request, f"/admin/users/{person.username}")


# --- devices ---------------------------------------------------------------------------------


async def device_row(device: Device, timezone: str) -> dict[str, Any]:
    rows = await SyncClient.filter(device_id=str(device.id)).values(
        "client_id", "clock_skew_s", "pending_reported", "pending_reported_at"
    )
    clients = [(row["client_id"], row["clock_skew_s"]) for row in rows]
    client_ids = [str(c) for c, _ in clients]
    reports = [r for r in rows if r["pending_reported_at"] is not None]
    report = max(reports, key=lambda r: r["pending_reported_at"]) if reports else None
    last_push = (
        await SyncPushLog.filter(client_id__in=client_ids).order_by("-received_at").first()
        if client_ids
        else None
    )
    skews = [int(s) for _, s in clients if s is not None]
    await device.fetch_related("user")
    return {
        "id": str(device.id),
        "name": device.name,
        "officer": device.user.username,
        "enrolled": local_time(device.created_at, timezone),
        "last_seen": local_time(device.last_seen_at, timezone),
        "last_sync": local_time(last_push.received_at if last_push else None, timezone),
        "clock_drift_s": max(skews, key=abs) if skews else None,
        "pending": report["pending_reported"] if report else None,
        "pending_at": local_time(report["pending_reported_at"], timezone) if report else "",
        "revoked": local_time(device.revoked_at, timezone),
    }


async def devices_data(request: Request, user: User) -> dict[str, Any]:
    rows = [await device_row(d, _tz(request)) for d in await devices.list_devices()]
    return {"devices": rows}


async def devices_page(request: Request) -> Response:
    user = await require_admin(request)
    return respond(request, "admin_devices.html", await devices_data(request, user))


async def revoke_device(request: Request) -> Response:
    actor, _form = await admin_form(request)
    try:
        await devices.revoke(request.path_params["device_id"], actor=actor)
    except ServiceError as exc:
        return await answer_error(request, actor, exc, "admin_devices.html", devices_data)
    return done(request, "/admin/devices")


routes = [
    *twin_routes("/admin/", home, name="admin_home"),
    *twin_routes("/admin/users", users_page, name="admin_users"),
    *twin_routes("/admin/users", create_user, methods=["POST"], name="admin_user_create"),
    *twin_routes("/admin/users/{username}", user_page, name="admin_user"),
    *twin_routes("/admin/users/{username}", update_user, methods=["POST"], name="admin_user_save"),
    *twin_routes("/admin/users/{username}/password", set_password, methods=["POST"]),
    *twin_routes("/admin/users/{username}/active", set_active, methods=["POST"]),
    *twin_routes("/admin/users/{username}/allow-enrol", allow_enrolment, methods=["POST"]),
    *twin_routes("/admin/devices", devices_page, name="admin_devices"),
    *twin_routes("/admin/devices/{device_id}/revoke", revoke_device, methods=["POST"]),
]
