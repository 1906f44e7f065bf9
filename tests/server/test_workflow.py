"""The office workflow: moves per permit type and role, stale views, reasons, corrections,
issuing, and the checks on a permit type's workflow block."""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

import pytest

from server import reference
from server.models import Application, AuditEvent, PermitType, Role, StatusChange
from server.services.applications import moves, sync_service
from server.services.applications.moves import MoveRequest
from server.services.applications.workflow import DEFAULT_WORKFLOW, workflow_problems
from server.services.errors import Conflict, NotFound, ServiceError
from server.services.forms.definitions import permit_type_problems

SPP_IRT = reference.PERMIT_TYPES_DIR / "spp-irt.json"


async def push_submitted(client, make_user, make_device, *, region="63.71.01.1002") -> str:
    """An officer's tablet pushes one application and submits it; returns its id."""
    officer = await make_user(Role.OFFICER, area_codes=["63.71"])
    token = (await make_device(officer)).token
    record_id = str(uuid.uuid4())
    code = "JB-" + uuid.uuid4().hex[:4].upper() + "-" + uuid.uuid4().hex[:4].upper()
    args = {
        "record_id": record_id,
        "permit_type": "siup_mikro",
        "form_version": 1,
        "tracking_code": code.replace("-", "-", 2),
        "status_token": "q3Vb8xY2mN4pR6tW1zA9cE" + uuid.uuid4().hex[:6],
        "fields": {"full_name": "Siti Rahmah", "business_region": region},
    }
    body = {
        "protocol": 1,
        "client_id": str(uuid.uuid4()),
        "mutations": [
            {"id": 1, "name": "create_application", "args": args},
            {"id": 2, "name": "submit_application", "args": {"record_id": record_id}},
        ],
    }
    answer = await client.post(
        "/api/sync/push", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert [r["status"] for r in answer.json()["results"]] == ["applied", "applied"], answer.text
    return record_id


async def step(user, app_id: str, to: str, **kw: Any) -> Application:
    app = await Application.get(id=app_id)
    return await moves.move(user, app_id, MoveRequest(to, app.version, **kw))


async def test_verifier_takes_an_application_to_issued(
    client, make_user, make_device, siup_mikro_form
):
    app_id = await push_submitted(client, make_user, make_device)
    verifier = await make_user(Role.VERIFIER)
    await step(verifier, app_id, "verifikasi")
    fixed = await step(
        verifier,
        app_id,
        "perlu_perbaikan",
        corrections={"full_name": "Nama tidak sama dengan KTP", "business_name": " "},
    )
    assert fixed.corrections == {"full_name": "Nama tidak sama dengan KTP"}
    await sync_service.engine().transition(  # the device resubmits
        sync_service.staff_actor(verifier), app_id, "verifikasi"
    )
    for to in ("diproses", "disetujui"):
        await step(verifier, app_id, to)
    issued = await step(verifier, app_id, "terbit", reference="NIB-0001")
    assert issued.status == "terbit" and issued.issued_reference == "NIB-0001"
    handed_over = await step(verifier, app_id, "selesai", note="Diserahkan di kantor desa")
    assert handed_over.status == "selesai" and handed_over.issued_reference == "NIB-0001"
    moved = await StatusChange.filter(application_id=app_id).order_by("id")
    assert [m.to_status for m in moved][-4:] == ["diproses", "disetujui", "terbit", "selesai"]
    audited = await AuditEvent.filter(action="application.status_move", object_id=app_id)
    assert [a.detail["to_status"] for a in audited] == [
        "verifikasi",
        "perlu_perbaikan",
        "diproses",
        "disetujui",
        "terbit",
        "selesai",
    ]
    assert audited[1].detail["corrected_fields"] == ["full_name"]
    assert "Siti" not in json.dumps([a.detail for a in audited])


async def test_second_person_on_an_old_view_gets_changed_meanwhile(
    client, make_user, make_device, siup_mikro_form
):
    app_id = await push_submitted(client, make_user, make_device)
    first, second = await make_user(Role.VERIFIER), await make_user(Role.SUPERVISOR)
    seen = (await Application.get(id=app_id)).version
    await moves.move(first, app_id, MoveRequest("verifikasi", seen))
    with pytest.raises(Conflict) as refused:
        await moves.move(second, app_id, MoveRequest("ditolak", seen, note="Tidak lengkap"))
    assert refused.value.code == "changed_meanwhile"
    assert "Verifikasi (Verification)" in refused.value.message
    assert refused.value.details["status"] == "verifikasi"
    app = await Application.get(id=app_id)
    assert app.status == "verifikasi" and app.version == seen + 1
    assert await StatusChange.filter(application_id=app_id, to_status="ditolak").count() == 0


async def test_invalid_moves_name_status_and_allowed_moves(
    client, make_user, make_device, siup_mikro_form
):
    app_id = await push_submitted(client, make_user, make_device)
    verifier = await make_user(Role.VERIFIER)
    with pytest.raises(Conflict) as refused:
        await step(verifier, app_id, "terbit", reference="1234567890123")
    message = refused.value.message
    assert "Diterima (Received)" in message and "Terbit (Issued)" in message
    assert "Verifikasi (Verification)" in message and "Tolak" not in message
    assert refused.value.details["allowed"] == [
        "verifikasi",
        "perlu_perbaikan",
        "ditolak",
        "dibatalkan",
    ]
    admin = await make_user(Role.ADMIN)  # admins run the system, not the workflow
    with pytest.raises(Conflict) as not_role:
        await step(admin, app_id, "verifikasi")
    assert "peran Anda" in not_role.value.message and "your role" in not_role.value.message
    assert (await Application.get(id=app_id)).status == "diterima"


async def test_refusal_needs_a_reason_and_keeps_it(client, make_user, make_device, siup_mikro_form):
    app_id = await push_submitted(client, make_user, make_device)
    verifier = await make_user(Role.VERIFIER)
    with pytest.raises(ServiceError) as no_reason:
        await step(verifier, app_id, "ditolak", note="   ")
    assert no_reason.value.code == "reason_required"
    await step(verifier, app_id, "ditolak", note="Usaha di luar wilayah kabupaten")
    refusal = await StatusChange.get(application_id=app_id, to_status="ditolak")
    assert refusal.note == "Usaha di luar wilayah kabupaten"


@pytest.mark.parametrize(
    ("corrections", "code"),
    [
        ({}, "corrections_required"),
        ({"full_name": "  "}, "corrections_required"),
        ({"no_such_field": "x"}, "unknown_fields"),
        ({"full_name": "x" * 501}, "note_too_long"),
    ],
)
async def test_bad_corrections_change_nothing(
    client, make_user, make_device, siup_mikro_form, corrections, code
):
    app_id = await push_submitted(client, make_user, make_device)
    verifier = await make_user(Role.VERIFIER)
    before = await Application.get(id=app_id)
    with pytest.raises(ServiceError) as refused:
        await step(verifier, app_id, "perlu_perbaikan", corrections=corrections)
    assert refused.value.code == code
    after = await Application.get(id=app_id)
    assert (after.status, after.version, after.corrections) == ("diterima", before.version, {})


async def test_issue_reference_must_match_the_permit_types_format(
    client, make_user, make_device, siup_mikro_form
):
    await PermitType.filter(code="siup_mikro").update(
        meta={"external_ref": {"label": {"id": "Nomor NIB", "en": "NIB"}, "pattern": r"\d{13}"}}
    )
    app_id = await push_submitted(client, make_user, make_device)
    verifier = await make_user(Role.VERIFIER)
    for to in ("verifikasi", "diproses", "disetujui"):
        await step(verifier, app_id, to)
    for bad in ("123456789012", "12345678901234", "12345678901a3", ""):
        with pytest.raises(ServiceError) as refused:
            await step(verifier, app_id, "terbit", reference=bad)
        assert refused.value.code == "bad_reference"
        assert "13 angka" in refused.value.message and "13 digits" in refused.value.message
    app = await step(verifier, app_id, "terbit", reference=" 9120001234567 ")
    assert app.issued_reference == "9120001234567"


async def test_roles_per_move_come_from_the_permit_types_workflow(
    client, make_user, make_device, siup_mikro_form
):
    spec = json.loads(SPP_IRT.read_text())
    await PermitType.filter(code="siup_mikro").update(meta={"workflow": spec["workflow"]})
    app_id = await push_submitted(client, make_user, make_device)
    verifier, supervisor = await make_user(Role.VERIFIER), await make_user(Role.SUPERVISOR)
    for to in ("verifikasi", "diproses", "pemeriksaan_lapangan"):
        await step(verifier, app_id, to)
    with pytest.raises(Conflict) as refused:
        await step(verifier, app_id, "disetujui")
    assert "peran Anda" in refused.value.message
    assert (await step(supervisor, app_id, "disetujui")).status == "disetujui"


async def test_applications_outside_the_area_are_not_found(
    client, make_user, make_device, siup_mikro_form
):
    app_id = await push_submitted(client, make_user, make_device)
    elsewhere = await make_user(Role.VERIFIER, area_codes=["63.03"])
    with pytest.raises(NotFound):
        await step(elsewhere, app_id, "verifikasi")


# --------------------------------------------------------------------------- definitions


def test_shipped_workflows_and_the_default_are_valid():
    spec = json.loads(SPP_IRT.read_text())
    assert permit_type_problems(spec) == []
    assert DEFAULT_WORKFLOW.allowed("diterima", "verifier") == [
        "verifikasi",
        "perlu_perbaikan",
        "ditolak",
        "dibatalkan",
    ]
    assert DEFAULT_WORKFLOW.allowed("diterima", "admin") == []


def _broken(change) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    spec = json.loads(SPP_IRT.read_text())
    workflow = copy.deepcopy(spec["workflow"])
    change(workflow)
    return workflow


BAD_WORKFLOWS = [
    ("not an object", lambda w: w.clear() or w.update({"moves": []}), "moves_not_object"),
    ("typo in a key", lambda w: w.update({"move": {}}), "unknown_workflow_setting"),
    ("unknown from", lambda w: w["moves"].update({"diterma": {}}), "unknown_status"),
    (
        "unknown to",
        lambda w: w["moves"]["diterima"].update({"terbitt": ["verifier"]}),
        "unknown_status",
    ),
    ("into draft", lambda w: w["moves"]["diterima"].update({"draf": ["verifier"]}), "into_draft"),
    (
        "to itself",
        lambda w: w["moves"]["diterima"].update({"diterima": ["verifier"]}),
        "to_itself",
    ),
    ("no roles", lambda w: w["moves"]["diterima"].update({"verifikasi": []}), "roles"),
    (
        "officer role",
        lambda w: w["moves"]["diterima"].update({"verifikasi": ["officer"]}),
        "roles",
    ),
    ("dead end", lambda w: w["moves"].pop("disetujui"), "dead_end"),
    ("no way in", lambda w: w["moves"].pop("diterima"), "no_start"),
    ("sla typo", lambda w: w["sla"].update({"begin": ["diproses"]}), "unknown_sla_setting"),
    ("sla empty", lambda w: w["sla"].update({"start": []}), "status_list"),
    ("sla unknown", lambda w: w["sla"].update({"pause": ["menunggu"]}), "unknown_status"),
    ("sla unreachable", lambda w: w["sla"].update({"start": ["draf"]}), "unreachable"),
]


@pytest.mark.parametrize(
    ("change", "code"), [b[1:] for b in BAD_WORKFLOWS], ids=[b[0] for b in BAD_WORKFLOWS]
)
def test_bad_workflows_are_refused_with_a_path_and_both_languages(change, code):
    problems = workflow_problems(_broken(change))
    assert code in [p.code for p in problems], problems
    for problem in problems:
        assert problem.path.startswith("workflow") and problem.id and problem.en
        assert problem.id != problem.en


def test_a_permit_type_with_a_bad_workflow_does_not_load():
    spec = json.loads(SPP_IRT.read_text())
    spec["workflow"]["moves"]["diterima"]["verifikasi"] = ["verifikator"]
    problems = permit_type_problems(spec)
    assert [p.path for p in problems] == ["workflow.moves.diterima.verifikasi"]
