"""The conflict queue: fields a tablet and the office both changed differently. Staff whose
area covers the application see base, device and server values side by side and resolve each
field (take the device's, keep the server's, or type a value); the resolution goes back to the
tablet on its next pull. The audit row says who resolved which field how, never the value."""

from __future__ import annotations

import json
from typing import Any

from tortoise.expressions import Subquery

from server.models import Application, FormDefinition, SyncConflict, User
from server.services import audit
from server.services.applications import scope, sync_service
from server.services.applications.detail import mask_nik
from server.services.errors import NotFound, ServiceError
from server.services.forms.values import iter_fields
from sync.engine import MISSING

CHOICES = ("device", "server", "value")
TEXT_TYPES = frozenset(
    {"text", "textarea", "nik", "phone", "email", "date", "choice", "region", "checklist"}
)
NUMBER_TYPES = frozenset({"number", "rupiah"})
MAX_TYPED = 16_384


class ConflictNotFound(NotFound):
    code = "conflict_not_found"

    def __init__(self) -> None:
        super().__init__(
            "Konflik ini tidak ada atau di luar wilayah kerja Anda. "
            "(This conflict does not exist or is outside your area.)"
        )


async def _definitions(apps: list[Application]) -> dict[tuple[str, int], dict[str, Any]]:
    wanted = {(a.permit_type, a.form_version) for a in apps}
    if not wanted:
        return {}
    rows = await FormDefinition.filter(
        permit_type__code__in={p for p, _ in wanted}, version__in={v for _, v in wanted}
    ).values("version", "definition", "permit_type__code")
    return {(str(r["permit_type__code"]), int(r["version"])): r["definition"] for r in rows}


def _field(definition: dict[str, Any] | None, name: str) -> dict[str, Any]:
    for f in iter_fields(definition or {}):
        if f["name"] == name:
            return f
    return {"name": name, "type": "text", "label": {"id": name, "en": name}}


def shown(value: Any, field_type: str) -> str:
    """A value as a person reads it in the queue (a NIK masked, structures as JSON)."""
    if value is None:
        return ""
    if field_type == "nik" and isinstance(value, str):
        return mask_nik(value)
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


async def queue(user: User, application_id: str = "") -> list[dict[str, Any]]:
    """Open conflicts in the user's area, grouped by application (oldest first)."""
    apps_query = Application.filter(scope.area_filter(user), deleted=False)
    if application_id:
        apps_query = apps_query.filter(id=application_id)
    items = (
        await SyncConflict.filter(
            status="open", application_id__in=Subquery(apps_query.values("id"))
        )
        .order_by("created_at", "id")
        .limit(500)
    )
    apps = {
        a.id: a
        for a in await Application.filter(id__in={c.application_id for c in items})  # type: ignore[attr-defined]
    }
    definitions = await _definitions(list(apps.values()))
    groups: dict[str, dict[str, Any]] = {}
    for item in items:
        app = apps[item.application_id]  # type: ignore[attr-defined]
        field = _field(definitions.get((app.permit_type, app.form_version)), item.field)
        group = groups.setdefault(
            app.id,
            {
                "application": {
                    "id": app.id,
                    "tracking_code": app.tracking_code,
                    "applicant_name": app.applicant_name,
                    "status": app.status,
                    "permit_type": app.permit_type,
                },
                "conflicts": [],
            },
        )
        group["conflicts"].append(
            {
                "id": item.id,
                "field": item.field,
                "label": field["label"],
                "type": field["type"],
                "base": shown(item.base, field["type"]),
                "device": shown(item.device_value, field["type"]),
                "server": shown(app.data.get(item.field), field["type"]),
                "created_at": item.created_at,
            }
        )
    return list(groups.values())


async def _visible_conflict(user: User, conflict_id: str) -> tuple[SyncConflict, Application]:
    item = await SyncConflict.get_or_none(id=conflict_id)
    if item is None:
        raise ConflictNotFound()
    app = await Application.get(id=item.application_id)  # type: ignore[attr-defined]
    if app.deleted or not scope.covers(user, app.region_code):
        raise ConflictNotFound()
    return item, app


def typed_value(field: dict[str, Any], text: str) -> Any:
    """What a person typed for this field, as the form stores it."""
    text = text.strip()
    if len(text) > MAX_TYPED:
        raise ServiceError("Nilai terlalu panjang. (The value is too long.)", code="value_too_long")
    if not text:
        return None  # clears the field; the form's own check decides whether it may
    if field["type"] in TEXT_TYPES and not (field["type"] == "checklist" or field.get("multiple")):
        return text
    if field["type"] in NUMBER_TYPES:
        try:
            number = (
                float(text.replace(".", "").replace(",", "."))
                if field["type"] == "rupiah"
                else float(text)
            )
        except ValueError:
            raise ServiceError(
                "Tulis angka. (Write a number.)",
                code="invalid_fields",
                details={"field": field["name"]},
            ) from None
        return int(number) if number.is_integer() else number
    try:
        return json.loads(text)
    except ValueError:
        raise ServiceError(
            "Nilai ini ditulis sebagai JSON. (This value is written as JSON.)",
            code="invalid_fields",
            details={"field": field["name"]},
        ) from None


async def resolve(
    user: User,
    conflict_id: str,
    *,
    keep: str | None = None,
    value: Any = MISSING,
    typed: str | None = None,
) -> dict[str, Any]:
    """Resolve one field. ``keep`` is "device" or "server"; or give ``value`` (JSON) or
    ``typed`` (text from a form, converted by the field's type)."""
    item, app = await _visible_conflict(user, conflict_id)
    if typed is not None:
        definitions = await _definitions([app])
        field = _field(definitions.get((app.permit_type, app.form_version)), item.field)
        value = typed_value(field, typed)
    answer = await sync_service.resolve_conflict(user, conflict_id, value=value, keep=keep)
    await audit.record(
        "conflict.resolve",
        actor=user,
        object_type="application",
        object_id=app.id,
        conflict=conflict_id,
        field=item.field,
        # How it was resolved, never the value itself: the audit trail holds no personal data.
        outcome=f"keep_{keep}" if keep else "typed",
    )
    return answer
