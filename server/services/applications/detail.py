"""Everything the office sees of one application, as plain data (the page and its JSON twin
render the same dict): fields labelled as in the form version it was filled with, files,
warnings, corrections, the status timeline with device and server times, the sync history,
the SLA clock and the moves open to the viewer.

The NIK is masked unless ``reveal_nik`` is set, which writes an audit row naming the viewer."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from server.models import (
    Application,
    FormDefinition,
    PermitType,
    Region,
    StatusChange,
    SyncPushLog,
    User,
)
from server.services import audit
from server.services.applications import sla
from server.services.applications.moves import workflow_for
from server.services.applications.scope import visible_application
from server.services.applications.statuses import MOVE_NAMES, STATUS_NAMES
from server.services.forms.definitions import iter_fields
from server.services.forms.validation import format_phone, format_rupiah
from sync.model import ISSUED, NEEDS_CORRECTION, REFUSED

DEVICE_MOVE_MUTATIONS = ("submit_application", "resubmit_application", "cancel_application")


def mask_nik(nik: str) -> str:
    """ "6371********0001": the region and the serial stay readable, the birth date hides."""
    return nik[:4] + "*" * (len(nik) - 8) + nik[-4:] if len(nik) > 8 else "*" * len(nik)


async def application_detail(
    user: User, application_id: str, *, timezone: str, reveal_nik: bool = False
) -> dict[str, Any]:
    app = await visible_application(user, application_id)
    permit = await PermitType.get_or_none(code=app.permit_type)
    form = await FormDefinition.get_or_none(
        permit_type__code=app.permit_type, version=app.form_version
    )
    definition: dict[str, Any] = form.definition if form else {"sections": []}
    regions = await _region_names(app.data)
    if reveal_nik:
        await audit.record(
            "application.nik_viewed", actor=user, object_type="application", object_id=app.id
        )
    flow = await workflow_for(app.permit_type)
    allowed = flow.allowed(app.status, str(user.role.value))
    clock = await sla.sla_for(app, timezone=timezone)
    changes = await StatusChange.filter(application_id=app.id).order_by("at", "id")
    by_name = {f["name"]: f for f in iter_fields(definition)}
    timeline, history = await _timeline(app, changes)
    return {
        "application": {
            "id": app.id,
            "tracking_code": app.tracking_code,
            "permit_type": app.permit_type,
            "permit_name": {
                "id": permit.name_id if permit else app.permit_type,
                "en": permit.name_en if permit else app.permit_type,
            },
            "form_version": app.form_version,
            "status": app.status,
            "status_name": STATUS_NAMES.get(app.status, {"id": app.status, "en": app.status}),
            "version": app.version,
            "region_code": app.region_code,
            "captured_at": app.captured_at,
            "created_at": app.created_at,
            "updated_at": app.updated_at,
            "issued_reference": app.issued_reference,
            "permit_file_sha256": app.permit_file_sha256,
            "refusal_reason": _refusal_reason(app, changes),
            "corrections": [
                {
                    "field": name,
                    "label": _label(by_name.get(name), name),
                    "note": note,
                }
                for name, note in (app.corrections or {}).items()
            ],
        },
        "sections": _sections(app, definition, regions, reveal_nik),
        "warnings": _warnings(app, definition),
        "timeline": timeline,
        "sync_history": history,
        "sla": clock,
        "moves": [
            {"to": to, "name": MOVE_NAMES.get(to, STATUS_NAMES[to]), "needs": _needs(to)}
            for to in allowed
        ],
        "reference_label": ((permit.meta if permit else {}).get("external_ref") or {}).get(
            "label", {"id": "Nomor izin", "en": "Permit number"}
        ),
        "nik_revealed": reveal_nik,
    }


def _moment(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _refusal_reason(app: Application, changes: list[StatusChange]) -> str:
    if app.status != REFUSED:
        return ""
    refusals = [c for c in changes if c.to_status == REFUSED]
    return refusals[-1].note if refusals else ""


def _needs(to_status: str) -> str:
    """What a move asks for besides a confirmation: a reason, notes per field, a reference."""
    return {REFUSED: "reason", NEEDS_CORRECTION: "corrections", ISSUED: "reference"}.get(
        to_status, ""
    )


def _label(field: dict[str, Any] | None, name: str) -> dict[str, str]:
    if field and isinstance(field.get("label"), dict):
        return cast(dict[str, str], field["label"])
    return {"id": name, "en": name}


async def _region_names(values: dict[str, Any]) -> dict[str, str]:
    codes: set[str] = set()
    for value in values.values():
        if isinstance(value, str) and value[:2].isdigit() and "." in value:
            parts = value.split(".")
            codes.update(".".join(parts[:n]) for n in range(1, len(parts) + 1))
    if not codes:
        return {}
    return dict(await Region.filter(code__in=codes).values_list("code", "name"))


def _sections(
    app: Application, definition: dict[str, Any], regions: dict[str, str], reveal_nik: bool
) -> list[dict[str, Any]]:
    data = app.data or {}
    out = []
    known: set[str] = set()
    for section in definition.get("sections", []):
        rows = []
        for field in section.get("fields", []):
            known.add(field["name"])
            rows.append(_row(app, field, data.get(field["name"]), regions, reveal_nik))
        out.append({"title": section.get("title"), "fields": rows})
    extra = [name for name in data if name not in known]
    if extra:  # values the form version does not name: shown, never hidden
        out.append(
            {
                "title": {"id": "Isian lain", "en": "Other values"},
                "fields": [
                    _row(app, {"name": n, "type": "text"}, data[n], regions, reveal_nik)
                    for n in extra
                ],
            }
        )
    return out


def _row(
    app: Application,
    field: dict[str, Any],
    value: Any,
    regions: dict[str, str],
    reveal_nik: bool,
) -> dict[str, Any]:
    kind = field.get("type", "text")
    row: dict[str, Any] = {
        "name": field["name"],
        "type": kind,
        "label": _label(field, field["name"]),
        "empty": value is None or value == "" or value == [],
        "text": "",
    }
    if row["empty"]:
        return row
    typed = (app.typed or {}).get(field["name"])
    if isinstance(typed, str) and field.get("type") != "nik":
        row["typed"] = typed  # what the officer typed, before it was made canonical
    if kind == "nik" and isinstance(value, str):
        row["text"] = value if reveal_nik else mask_nik(value)
        row["masked"] = not reveal_nik
    elif kind == "phone" and isinstance(value, str) and value.startswith("+62"):
        row["text"] = format_phone(value)
    elif kind == "rupiah" and isinstance(value, int):
        row["text"] = format_rupiah(value)
    elif kind == "region" and isinstance(value, str):
        parts = value.split(".")
        path = [".".join(parts[:n]) for n in range(2, len(parts) + 1)]
        row["text"] = " › ".join(regions.get(code, code) for code in path)
        row["code"] = value
    elif kind == "choice":
        labels = {o["value"]: o["label"] for o in field.get("options", [])}
        chosen = value if isinstance(value, list) else [value]
        row["choices"] = [labels.get(v, {"id": str(v), "en": str(v)}) for v in chosen]
    elif kind == "checklist" and isinstance(value, list):
        row["choices"] = [{"id": str(v), "en": str(v)} for v in value]
    elif kind in ("photo", "signature") and isinstance(value, dict):
        sha = str(value.get("sha256", ""))
        arrived = any(f.get("sha256") == sha and f.get("arrived") for f in app.files or [])
        row["file"] = {
            "sha256": sha,
            "kind": value.get("kind", kind),
            "arrived": arrived,
            "thumb_url": f"/api/uploads/{sha}/content?variant=thumb",
            "full_url": f"/api/uploads/{sha}/content?variant=safe",
        }
    elif kind == "gps" and isinstance(value, dict):
        lat, lon = value.get("lat"), value.get("lon")
        row["gps"] = {
            "lat": lat,
            "lon": lon,
            "accuracy_m": value.get("accuracy_m"),
            "captured_at": value.get("captured_at"),
            "map_url": f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=18/{lat}/{lon}",
        }
    else:
        row["text"] = value if isinstance(value, str) else str(value)
    return row


def _warnings(app: Application, definition: dict[str, Any]) -> list[dict[str, Any]]:
    """The form check's warnings stored when the application arrived (a birth date that
    contradicts the NIK, a GPS point less accurate than the form allows, documents missing)."""
    by_name = {f["name"]: f for f in iter_fields(definition)}
    return [
        {
            "field": name,
            "label": _label(by_name.get(name), name),
            "code": issue.get("code", ""),
            "message": {"id": issue.get("id", ""), "en": issue.get("en", "")},
        }
        for name, issues in (app.warnings or {}).items()
        for issue in issues
        if isinstance(issue, dict)
    ]


async def _timeline(
    app: Application, changes: list[StatusChange]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Status moves oldest first (a device's move carries the time the tablet made it), and
    the push batches that brought this application's moves."""
    pushes = await SyncPushLog.filter(
        client_id=app.created_by_client,
        received_at__in=list({app.created_at, *[c.at for c in changes]}),
    )
    device_times: dict[datetime, list[str]] = {}
    history = []
    for push in pushes:
        for entry in push.entries:
            if entry.get("name") in DEVICE_MOVE_MUTATIONS and entry.get("device_time"):
                device_times.setdefault(push.received_at, []).append(entry["device_time"])
        history.append(
            {
                "received_at": push.received_at,
                "mutations": [
                    {"id": e.get("id"), "name": e.get("name"), "status": e.get("status")}
                    for e in push.entries
                ],
            }
        )
    staff_ids = [c.actor.split(":", 1)[1] for c in changes if c.actor.startswith("user:")]
    names = dict(
        await User.filter(id__in=[int(i) for i in staff_ids if i.isdigit()]).values_list(
            "id", "full_name"
        )
    )
    out = []
    for change in changes:
        by_device = change.actor.startswith("device:")
        who = change.actor.split(":", 1)[1]
        times = device_times.get(change.at, []) if by_device else []
        out.append(
            {
                "from_status": change.from_status,
                "to_status": change.to_status,
                "to_name": STATUS_NAMES.get(change.to_status),
                "actor": change.actor,
                "actor_name": "" if by_device else names.get(int(who), "") if who.isdigit() else "",
                "by_device": by_device,
                "at": change.at,
                "device_time": _moment(times[0]) if times else None,
                "note": change.note,
            }
        )
    return out, sorted(history, key=lambda h: h["received_at"])
