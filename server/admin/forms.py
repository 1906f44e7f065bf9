"""/admin/permit-types: permit types and their form versions. A form is uploaded or pasted as
JSON, checked with the same rules as the shipped files, and stored as the next version (never
an edit in place); every version has a preview of the form as a person will see it."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from server.admin.common import (
    admin_form,
    answer_error,
    done,
    file_or_text,
    require_admin,
    text,
    texts,
)
from server.models import User
from server.services.errors import ServiceError
from server.services.forms import permit_sla, versions
from server.web.errors import ApiError
from server.web.i18n import current_language
from server.web.i18n import gettext as _
from server.web.twin import respond, twin_routes


async def list_data(request: Request, user: User) -> dict[str, Any]:
    return {"permit_types": await versions.list_permit_types()}


async def permit_types_page(request: Request) -> Response:
    user = await require_admin(request)
    return respond(request, "admin_permit_types.html", await list_data(request, user))


async def create_permit_type(request: Request) -> Response:
    actor, form = await admin_form(request)
    try:
        data, _name = await file_or_text(form, "file", "json")
        permit = await versions.create_permit_type(_decode(data), actor=actor)
    except ServiceError as exc:
        return await answer_error(request, actor, exc, "admin_permit_types.html", list_data)
    return done(request, f"/admin/permit-types/{permit.code}", {"code": permit.code})


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ServiceError(
            "Berkas bukan teks UTF-8 (the file is not UTF-8 text).", code="invalid_definition"
        ) from None


def _version_param(request: Request) -> int | None:
    raw = request.query_params.get("version") or request.path_params.get("version")
    if raw is None:
        return None
    if not str(raw).isdigit() or len(str(raw)) > 6:
        raise ApiError(400, "bad_version", _("version must be a whole number."))
    return int(raw)


async def permit_data(request: Request, user: User) -> dict[str, Any]:
    permit = await versions.get_permit_type(request.path_params["code"])
    forms = await versions.versions_of(permit)
    wanted = _version_param(request)
    shown = next((f for f in forms if wanted is None or f.version == wanted), None)
    if wanted is not None and shown is None:
        raise ApiError(404, "not_found", _("There is no such form version."))
    return {
        "permit_type": {
            "code": permit.code,
            "name_id": permit.name_id,
            "name_en": permit.name_en,
            "sla_days": permit.sla_days,
            "active": permit.active,
        },
        "sla": permit_sla.settings_of(permit),
        "versions": [{"version": f.version, "created_at": f.created_at.isoformat()} for f in forms],
        "shown": shown.version if shown else None,
        "preview": versions.preview(shown.definition, current_language.get()) if shown else [],
        "definition_json": json.dumps(shown.definition, ensure_ascii=False, indent=2)
        if shown
        else "",
    }


async def permit_type_page(request: Request) -> Response:
    user = await require_admin(request)
    return respond(request, "admin_permit_type.html", await permit_data(request, user))


async def add_version(request: Request) -> Response:
    actor, form = await admin_form(request)
    code = request.path_params["code"]
    try:
        data, _name = await file_or_text(form, "file", "json")
        created = await versions.add_version(code, _decode(data), actor=actor)
    except ServiceError as exc:
        return await answer_error(request, actor, exc, "admin_permit_type.html", permit_data)
    return done(
        request,
        f"/admin/permit-types/{code}?version={created.version}",
        {"version": created.version},
    )


async def set_sla(request: Request) -> Response:
    actor, form = await admin_form(request)
    code = request.path_params["code"]
    change = permit_sla.SlaChange(
        days=text(form, "sla_days", max_length=20),
        start=texts(form, "start"),
        pause=texts(form, "pause"),
    )
    try:
        permit = await permit_sla.set_sla(
            code, change, timezone=request.app.state.settings.timezone, actor=actor
        )
    except ServiceError as exc:
        if exc.status == 404:
            raise
        return await answer_error(request, actor, exc, "admin_permit_type.html", permit_data)
    now = {k: v for k, v in permit_sla.settings_of(permit).items() if k != "history"}
    return done(request, f"/admin/permit-types/{code}", {"sla": now})


routes = [
    *twin_routes("/admin/permit-types", permit_types_page, name="admin_permit_types"),
    *twin_routes("/admin/permit-types", create_permit_type, methods=["POST"]),
    *twin_routes("/admin/permit-types/{code}", permit_type_page, name="admin_permit_type"),
    *twin_routes("/admin/permit-types/{code}/forms", add_version, methods=["POST"]),
    *twin_routes("/admin/permit-types/{code}/sla", set_sla, methods=["POST"]),
]
