"""The office moves an application along its permit type's workflow.

Every refusal names what to do, in Bahasa Indonesia and English, and changes nothing: a move
the workflow does not have (or not for this role) lists the moves that are open; a move made
on an older view of the application (``expected_version``) is refused as "changed meanwhile"
with the current state; a rejection needs its reason (shown to the citizen); a correction
needs a note per field; an issue needs the issuing system's reference in its format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from server.models import Application, FormDefinition, PermitType, User
from server.services.applications import sync_service
from server.services.applications.scope import visible_application
from server.services.applications.statuses import both
from server.services.applications.workflow import Workflow, workflow_of
from server.services.errors import Conflict, ServiceError
from server.services.forms.definitions import iter_fields
from sync.model import ISSUED, NEEDS_CORRECTION, REFUSED, Effect, Record

MAX_NOTE = 2000
MAX_CORRECTION_NOTE = 500
MAX_CORRECTIONS = 60
SHA256_RE = re.compile(r"[0-9a-f]{64}")


@dataclass
class MoveRequest:
    to_status: str
    expected_version: int
    note: str = ""
    corrections: dict[str, str] = field(default_factory=dict)  # field name -> note
    reference: str = ""
    permit_file: str = ""  # sha256 of an uploaded PDF


async def workflow_for(permit_type: str) -> Workflow:
    permit = await PermitType.get_or_none(code=permit_type)
    return workflow_of(permit.meta if permit else None)


async def move(user: User, application_id: str, request: MoveRequest) -> Application:
    app = await visible_application(user, application_id)
    flow = await workflow_for(app.permit_type)
    role = str(user.role.value)
    if request.expected_version != app.version:
        raise changed_meanwhile(app)
    allowed = flow.allowed(app.status, role)
    if request.to_status not in allowed:
        raise _not_allowed(app.status, request.to_status, allowed, flow)
    note = request.note.strip()
    corrections: dict[str, str] = {}
    effects: list[Effect] = []
    if len(note) > MAX_NOTE:
        raise ServiceError(
            f"Catatan paling panjang {MAX_NOTE} karakter (a note has at most {MAX_NOTE} "
            "characters).",
            code="note_too_long",
        )
    if request.to_status == REFUSED and not note:
        raise ServiceError(
            "Tuliskan alasan penolakan; pemohon akan membacanya. "
            "(Write the reason for the rejection; the applicant will read it.)",
            code="reason_required",
        )
    if request.to_status == NEEDS_CORRECTION:
        corrections = await _checked_corrections(app, request.corrections)
    if request.to_status == ISSUED:
        effects.append(await _issue_effect(app, request))

    # The audit row is written by the move's own transaction (after the issue effect, if
    # any): if it cannot be written, nothing of the move is kept.
    effects.append(
        Effect(
            "audit",
            {
                "action": "application.status_move",
                "actor_id": user.id,
                "object_type": "application",
                "object_id": app.id,
                "from_status": app.status,
                "to_status": request.to_status,
                "corrected_fields": sorted(corrections),
            },
        )
    )

    def open_moves(record: Record) -> list[str]:
        return flow.allowed(record.status, role)

    try:
        await sync_service.transition(
            user,
            app.id,
            request.to_status,
            note,
            corrections,
            expected_version=request.expected_version,
            allowed=open_moves,
            effects=effects,
        )
    except ServiceError as exc:
        if exc.code in ("changed_meanwhile", "invalid_transition", "record_not_found"):
            fresh = await Application.get_or_none(id=app.id)
            if fresh is not None:
                raise changed_meanwhile(fresh) from exc
        raise
    return await Application.get(id=app.id)


def changed_meanwhile(app: Application) -> Conflict:
    return Conflict(
        f"Permohonan {app.tracking_code} sudah diubah orang lain sementara itu; sekarang "
        f"berstatus {both(app.status)}. Periksa lagi sebelum bertindak. (This application "
        "changed meanwhile; look at its new state before acting.)",
        code="changed_meanwhile",
        details={"status": app.status, "version": app.version},
    )


def _not_allowed(status: str, to_status: str, allowed: list[str], flow: Workflow) -> Conflict:
    names = ", ".join(both(s) for s in allowed) or "tidak ada (none)"
    if flow.exists(status, to_status):
        reason = "peran Anda tidak boleh melakukan langkah ini (your role may not make this move)"
    else:
        reason = "langkah ini tidak ada di alur kerja (this move is not in the workflow)"
    return Conflict(
        f"Permohonan berstatus {both(status)} tidak bisa dipindah ke {both(to_status)}: "
        f"{reason}. Langkah yang boleh (allowed moves): {names}.",
        code="invalid_transition",
        details={"status": status, "allowed": allowed},
    )


async def _checked_corrections(app: Application, given: dict[str, str]) -> dict[str, str]:
    notes = {name: text.strip() for name, text in given.items() if text and text.strip()}
    if not notes:
        raise ServiceError(
            "Pilih isian yang perlu diperbaiki dan tulis catatan untuk masing-masing. "
            "(Choose the fields that need correcting and write a note for each.)",
            code="corrections_required",
        )
    if len(notes) > MAX_CORRECTIONS:
        raise ServiceError(
            f"Paling banyak {MAX_CORRECTIONS} isian (at most {MAX_CORRECTIONS} fields).",
            code="too_many_corrections",
        )
    form = await FormDefinition.get_or_none(
        permit_type__code=app.permit_type, version=app.form_version
    )
    known = {f["name"] for f in iter_fields(form.definition)} if form else set()
    unknown = sorted(set(notes) - known)
    if unknown:
        raise ServiceError(
            f"Isian tidak ada di formulir ini (not fields of this form): {', '.join(unknown)}.",
            code="unknown_fields",
        )
    long = sorted(n for n, t in notes.items() if len(t) > MAX_CORRECTION_NOTE)
    if long:
        raise ServiceError(
            f"Catatan paling panjang {MAX_CORRECTION_NOTE} karakter (a note has at most "
            f"{MAX_CORRECTION_NOTE} characters): {', '.join(long)}.",
            code="note_too_long",
        )
    return notes


async def _issue_effect(app: Application, request: MoveRequest) -> Effect:
    permit = await PermitType.get_or_none(code=app.permit_type)
    ref_spec: dict[str, Any] = (permit.meta if permit else {}).get("external_ref") or {}
    pattern = ref_spec.get("pattern", r"\S.{0,63}")
    label = ref_spec.get("label", {"id": "Nomor izin", "en": "Permit number"})
    reference = request.reference.strip()
    if not re.fullmatch(pattern, reference) or len(reference) > 64:
        example = " (NIB: 13 angka / 13 digits)" if pattern == r"\d{13}" else ""
        raise ServiceError(
            f"{label['id']} tidak sesuai format{example}. ({label['en']} is not in the "
            f"expected format{example}.)",
            code="bad_reference",
        )
    if request.permit_file and not SHA256_RE.fullmatch(request.permit_file):
        raise ServiceError(
            "Berkas izin tidak dikenal (unknown permit file).", code="bad_permit_file"
        )
    return Effect(
        "issue",
        {"record_id": app.id, "reference": reference, "permit_file": request.permit_file},
    )
