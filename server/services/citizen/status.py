"""What a citizen holding a receipt may see about their application, and nothing more:
never NIK, phone, address, GPS or photos. Unknown, wrong and expired links look the same."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from server.models import Application, FormDefinition, Office, StatusChange
from server.services.citizen import links, reference_cache, sla
from server.services.errors import NotFound
from server.settings import Settings
from sync.model import CANCELLED, DONE, ISSUED, REFUSED, in_area

CLOSED = frozenset({DONE, REFUSED, CANCELLED})
SURVEY_STATUSES = frozenset({ISSUED, DONE})
TRACKING_CODE_RE = re.compile(r"^JB(-[2-9A-HJ-NP-Z]{4}){3}$")
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


@dataclass(frozen=True)
class Step:
    status: str
    at: datetime


@dataclass(frozen=True)
class Correction:
    label: dict[str, str]
    note: str


@dataclass
class StatusView:
    application_id: str
    tracking_code: str
    permit_name: dict[str, str]
    masked_name: str
    status: str
    timeline: list[Step]
    sla: sla.SlaView | None
    corrections: list[Correction]
    refusal_reason: str
    office: Office | None
    fee_rupiah: int
    issued_reference: str
    survey_open: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def zone(settings: Settings) -> ZoneInfo:
    return ZoneInfo(settings.timezone)


def normalise_code(raw: str) -> str | None:
    """What a person typed ("jb 7k3m 9qxd 4htw") in the printed form, or None."""
    body = re.sub(r"[^0-9A-Z]", "", raw.upper())[:40]
    if body.startswith("JB"):
        body = body[2:]
    if len(body) != 12:
        return None
    code = f"JB-{body[0:4]}-{body[4:8]}-{body[8:12]}"
    return code if TRACKING_CODE_RE.match(code) else None


def mask_name(name: str) -> str:
    """ "Siti Aminah" -> "S*** A*****": the initials and the length of each word only."""
    words = [w for w in str(name).split() if w][:6]
    return " ".join(w[0] + "*" * (len(w) - 1) for w in words)


async def find(code: str, token: str, settings: Settings, now: datetime) -> Application:
    """The application behind a status link, or NotFound (unknown, wrong token, expired)."""
    app = None
    if TRACKING_CODE_RE.match(code) and 20 <= len(token) <= 64:
        app = await Application.get_or_none(tracking_code=code, deleted=False)
    ok = app is not None and links.status_token_ok(
        token, app.status_token_hash, settings.secret_key, app.id
    )
    if app is None or not ok or await _expired(app, settings, now):
        raise NotFound("not_found")
    return app


async def find_by_phone(code: str, last4: str, settings: Settings, now: datetime) -> Application:
    """The lookup form's second factor: the last four digits of the applicant's phone."""
    app = None
    if TRACKING_CODE_RE.match(code) and re.fullmatch(r"\d{4}", last4):
        app = await Application.get_or_none(tracking_code=code, deleted=False)
    phone = str((app.data or {}).get("phone", "")) if app is not None else ""
    ok = len(phone) >= 4 and links.hmac_equal(phone[-4:], last4)
    if app is None or not ok or await _expired(app, settings, now):
        raise NotFound("not_found")
    return app


async def _expired(app: Application, settings: Settings, now: datetime) -> bool:
    if app.status not in CLOSED:
        return False
    closed = await StatusChange.filter(application_id=app.id, to_status=app.status).order_by("-at")
    closed_at = closed[0].at if closed else app.updated_at
    return now - closed_at > timedelta(days=settings.status_link_days)


async def view(app: Application, settings: Settings, now: datetime) -> StatusView:
    steps = await StatusChange.filter(application_id=app.id).order_by("at", "id")
    reference = await reference_cache.current()
    permit = reference.permit_types.get(app.permit_type)
    refusal = ""
    for step in steps:
        if step.to_status == REFUSED:
            refusal = step.note
    return StatusView(
        application_id=app.id,
        tracking_code=app.tracking_code,
        permit_name={"id": permit.name_id, "en": permit.name_en}
        if permit
        else {"id": app.permit_type, "en": app.permit_type},
        masked_name=mask_name((app.data or {}).get("full_name", "")),
        status=app.status,
        timeline=[Step(s.to_status, s.at) for s in steps],
        sla=await sla.for_application(app, settings, now, reference.holidays),
        corrections=await _corrections(app),
        refusal_reason=refusal,
        office=office_for(app.region_code, reference.offices),
        fee_rupiah=int((permit.meta or {}).get("fee_rupiah", 0)) if permit else 0,
        issued_reference=sla.issued_reference(app),
    )


async def _corrections(app: Application) -> list[Correction]:
    notes = {k: str(v) for k, v in (app.corrections or {}).items() if v}
    if not notes:
        return []
    form = await FormDefinition.get_or_none(
        permit_type__code=app.permit_type, version=app.form_version
    )
    labels: dict[str, dict[str, str]] = {}
    for section in (form.definition if form else {}).get("sections", []):
        for item in section.get("fields", []):
            labels[item["name"]] = item.get("label", {})
    return [
        Correction(labels.get(name) or {"id": name, "en": name}, note)
        for name, note in sorted(notes.items())
    ]


def office_for(region_code: str, offices: list[Office]) -> Office | None:
    """The office whose area holds the business: the most specific region prefix wins."""
    best: Office | None = None
    for office in offices:
        if in_area(region_code, office.region_code) and (
            best is None or len(office.region_code) > len(best.region_code)
        ):
            best = office
    return best
