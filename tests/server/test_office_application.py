"""The application page and its moves over HTTP: labelled fields, the masked NIK and its
audited reveal, CSRF, stale forms, refusals in both languages, the JSON twin, inert payloads,
and the overdue and SLA compliance lists."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from server.models import Application, AuditEvent, Role
from server.services.applications import sla_reports
from tests.conftest import staff_login
from tests.uploads.harness import pdf_bytes, pdf_leaks

NIK = "6371055208900001"
PAYLOAD = '<script>alert("x")</script>'


async def push(client, make_user, make_device, fields: dict) -> str:  # type: ignore[no-untyped-def]
    officer = await make_user(Role.OFFICER, area_codes=["63.71"])
    token = (await make_device(officer)).token
    record_id = str(uuid.uuid4())
    suffix = uuid.uuid4().hex[:8].upper()
    args = {
        "record_id": record_id,
        "permit_type": "siup_mikro",
        "form_version": 1,
        "tracking_code": f"JB-{suffix[:4]}-{suffix[4:]}",
        "status_token": "q3Vb8xY2mN4pR6tW1zA9cE" + suffix,
        "fields": {"business_region": "63.71.01.1002", **fields},
    }
    body = {
        "protocol": 1,
        "client_id": str(uuid.uuid4()),
        "mutations": [
            {"id": 1, "name": "create_application", "args": args},
            {
                "id": 2,
                "name": "submit_application",
                "args": {"record_id": record_id},
                "device_time": "2026-11-02T01:15:00Z",  # 09.15 WITA on the tablet
            },
        ],
    }
    answer = await client.post(
        "/api/sync/push", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert [r["status"] for r in answer.json()["results"]] == ["applied"] * 2, answer.text
    return record_id


async def signed_in(client, make_user, role=Role.VERIFIER, **kw):  # type: ignore[no-untyped-def]
    user = await make_user(role, **kw)
    return user, await staff_login(client, user.username)


async def test_detail_labels_fields_masks_the_nik_and_audits_its_reveal(
    client, make_user, make_device, siup_mikro_form
):
    app_id = await push(
        client,
        make_user,
        make_device,
        {"full_name": "Siti Rahmah", "nik": NIK, "capital": 5000000, "phone": "0812 3456 7890"},
    )
    user, csrf = await signed_in(client, make_user)
    page = await client.get(f"/office/applications/{app_id}")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "Nama lengkap" in page.text and "Siti Rahmah" in page.text
    assert "Rp5.000.000" in page.text and "Diterima" in page.text
    assert NIK not in page.text and "6371********0001" in page.text
    assert "2 November 2026, 09.15 WITA" in page.text  # the tablet's time of the submit
    phone = page.text[page.text.index('data-field="phone"') :][:200]
    assert "0812-3456-7890" in phone  # stored in E.164, shown as people write it
    assert await AuditEvent.filter(action="application.nik_viewed").count() == 0

    no_csrf = await client.post(f"/office/applications/{app_id}/nik", data={})
    assert no_csrf.status_code == 403 and NIK not in no_csrf.text
    shown = await client.post(f"/office/applications/{app_id}/nik", data={"csrf_token": csrf})
    assert shown.status_code == 200 and NIK in shown.text
    event = await AuditEvent.get(action="application.nik_viewed")
    assert event.object_id == app_id and event.actor_id == user.id  # type: ignore[attr-defined]
    assert NIK not in str(event.detail)

    twin = await client.get(f"/office/applications/{app_id}.json")
    data = twin.json()
    assert twin.headers["cache-control"] == "no-store"
    assert data["application"]["status"] == "diterima" and data["nik_revealed"] is False
    assert [m["to"] for m in data["moves"]] == [
        "verifikasi",
        "perlu_perbaikan",
        "ditolak",
        "dibatalkan",
    ]
    nik_row = next(f for s in data["sections"] for f in s["fields"] if f["name"] == "nik")
    assert nik_row["text"] == "6371********0001"


async def test_moves_through_the_page_with_csrf_stale_forms_and_reasons(
    client, make_user, make_device, siup_mikro_form
):
    app_id = await push(client, make_user, make_device, {"full_name": "Siti Rahmah"})
    _user, csrf = await signed_in(client, make_user)
    url = f"/office/applications/{app_id}/move"
    form = {"csrf_token": csrf, "version": "2", "to_status": "verifikasi"}
    assert (await Application.get(id=app_id)).version == 2

    forged = await client.post(url, data={**form, "csrf_token": "nope"})
    assert forged.status_code == 403
    assert (await Application.get(id=app_id)).status == "diterima"

    moved = await client.post(url, data=form)
    assert moved.status_code == 303 and moved.headers["location"].endswith(app_id)

    stale = await client.post(url, data={**form, "to_status": "ditolak", "note": "x"})
    assert stale.status_code == 409
    assert "sudah diubah" in stale.text and 'data-status="verifikasi"' in stale.text

    no_reason = await client.post(url, data={**form, "version": "3", "to_status": "ditolak"})
    assert no_reason.status_code == 400 and "alasan penolakan" in no_reason.text
    wrong = await client.post(
        url,
        data={**form, "version": "3", "to_status": "terbit"},
        headers={"Accept": "application/json"},
    )
    assert wrong.status_code == 409
    body = wrong.json()
    assert body["error"]["error"] == "invalid_transition"
    assert "Verifikasi (Verification)" in body["error"]["message"]
    assert body["application"]["status"] == "verifikasi"

    corrected = await client.post(
        url,
        data={
            **form,
            "version": "3",
            "to_status": "perlu_perbaikan",
            "correction.full_name": "Tulis sesuai KTP",
            "correction.phone": "Nomor tidak aktif",
            "correction.capital": "",
        },
    )
    assert corrected.status_code == 303
    app = await Application.get(id=app_id)
    assert app.corrections == {"full_name": "Tulis sesuai KTP", "phone": "Nomor tidak aktif"}
    page = await client.get(f"/office/applications/{app_id}")
    assert "Tulis sesuai KTP" in page.text and "Perlu Perbaikan" in page.text

    not_a_form = await client.post(url, json={"to_status": "dibatalkan"})
    assert not_a_form.status_code == 415


async def test_roles_and_areas_guard_the_page(client, make_user, make_device, siup_mikro_form):
    app_id = await push(client, make_user, make_device, {"full_name": "Siti"})
    anonymous = await client.get(f"/office/applications/{app_id}")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    await signed_in(client, make_user, Role.OFFICER)
    assert (await client.get(f"/office/applications/{app_id}")).status_code == 403
    await signed_in(client, make_user, Role.VERIFIER, area_codes=["63.03"])
    elsewhere = await client.get(f"/office/applications/{app_id}")
    assert elsewhere.status_code == 404 and "di luar wilayah" in elsewhere.text
    assert (await client.get("/office/applications/nope")).status_code == 404
    _admin, csrf = await signed_in(client, make_user, Role.ADMIN)
    assert (await client.get(f"/office/applications/{app_id}")).status_code == 200
    admin_move = await client.post(
        f"/office/applications/{app_id}/move",
        data={"csrf_token": csrf, "version": "2", "to_status": "verifikasi"},
    )
    assert admin_move.status_code == 403


async def test_script_payloads_are_inert_text(client, make_user, make_device, siup_mikro_form):
    app_id = await push(
        client,
        make_user,
        make_device,
        {"full_name": PAYLOAD, "business_name": PAYLOAD + "<img src=x onerror=alert(1)>"},
    )
    _user, csrf = await signed_in(client, make_user)
    await client.post(
        f"/office/applications/{app_id}/move",
        data={
            "csrf_token": csrf,
            "version": "2",
            "to_status": "perlu_perbaikan",
            "correction.full_name": PAYLOAD,
            "note": PAYLOAD,
        },
    )
    page = (await client.get(f"/office/applications/{app_id}")).text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


async def test_overdue_list_and_sla_compliance(
    client, make_user, make_device, siup_mikro_form, monkeypatch
):
    late_id = await push(client, make_user, make_device, {"full_name": "Terlambat"})
    on_time_id = await push(client, make_user, make_device, {"full_name": "Tepat"})
    _user, csrf = await signed_in(client, make_user)
    for app_id, steps in (
        (late_id, ["verifikasi", "diproses"]),
        (on_time_id, ["verifikasi", "diproses", "disetujui"]),
    ):
        for version, to in enumerate(steps, start=2):
            answer = await client.post(
                f"/office/applications/{app_id}/move",
                data={"csrf_token": csrf, "version": str(version), "to_status": to},
            )
            assert answer.status_code == 303, answer.text
    assert (await client.get("/office/overdue.json")).json()["applications"] == []

    real_today = sla_reports.today("Asia/Makassar")
    monkeypatch.setattr(sla_reports, "today", lambda tz: real_today + timedelta(days=30))
    overdue = (await client.get("/office/overdue.json")).json()["applications"]
    assert [a["id"] for a in overdue] == [late_id]
    page = await client.get("/office/overdue")
    assert (await Application.get(id=late_id)).tracking_code in page.text

    month = datetime.now(UTC).date().replace(day=1).isoformat()
    report = (await client.get(f"/office/sla.json?from={month}")).json()
    assert report["total"] == {"decided": 1, "met": 1, "missed": 0, "compliance_pct": 100.0}
    assert report["rows"][0]["permit_type"] == "siup_mikro"
    assert report["open"]["running"] == 1 and report["open"]["overdue"] == 1
    bad = await client.get("/office/sla?from=2026-13-01")
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.text
    backwards = await client.get("/office/sla?from=2026-02-01&to=2026-01-01")
    assert backwards.status_code == 400


PDF = pdf_bytes(author="Petugas Penerbit")


async def test_issue_with_a_permit_pdf_that_staff_can_open(
    client, make_user, make_device, siup_mikro_form
):
    app_id = await push(client, make_user, make_device, {"full_name": "Siti"})
    _user, csrf = await signed_in(client, make_user)
    url = f"/office/applications/{app_id}/move"
    for version, to in enumerate(("verifikasi", "diproses", "disetujui"), start=2):
        answer = await client.post(
            url, data={"csrf_token": csrf, "version": str(version), "to_status": to}
        )
        assert answer.status_code == 303
    issue = {"csrf_token": csrf, "version": "5", "to_status": "terbit", "reference": "SIUP-001"}

    disguised = await client.post(
        url,
        data=issue,
        files={"permit_file": ("izin.pdf", b"\xff\xd8\xff\xe0 not a pdf", "application/pdf")},
    )
    assert disguised.status_code in (415, 422) and "Berkas izin ditolak" in disguised.text
    assert (await Application.get(id=app_id)).status == "disetujui"

    issued = await client.post(
        url, data=issue, files={"permit_file": ("izin.pdf", PDF, "application/pdf")}
    )
    assert issued.status_code == 303, issued.text
    app = await Application.get(id=app_id)
    assert app.status == "terbit" and app.issued_reference == "SIUP-001"
    page = await client.get(f"/office/applications/{app_id}")
    link = page.text.split('id="permit-pdf" href="')[1].split('"')[0]
    assert link == f"/api/uploads/{app.permit_file_sha256}/content"
    # What the page's link opens, for the verifier who issued it: the permit without the
    # author, software and dates it was made with.
    served = await client.get(link)
    assert served.status_code == 200 and served.headers["content-type"] == "application/pdf"
    assert (
        pdf_leaks(PDF, "Petugas Penerbit") and pdf_leaks(served.content, "Petugas Penerbit") == []
    )
    refused = await client.get(f"/api/uploads/{app.permit_file_sha256}/content?variant=original")
    assert refused.status_code == 403  # the file as uploaded: supervisors and admins
    await signed_in(client, make_user, Role.SUPERVISOR, area_codes=["63.71"])
    kept = await client.get(f"/api/uploads/{app.permit_file_sha256}/content?variant=original")
    assert kept.status_code == 200 and kept.content == PDF
    elsewhere = await make_user(Role.VERIFIER, area_codes=["63.03"])
    await staff_login(client, elsewhere.username)
    hidden = await client.get(f"/api/uploads/{app.permit_file_sha256}/content?variant=original")
    assert hidden.status_code == 404


async def test_stored_warnings_and_typed_values_are_shown(
    client, make_user, make_device, siup_mikro_form
):
    app_id = await push(
        client, make_user, make_device, {"full_name": "Siti", "phone": "081234567890"}
    )
    await Application.filter(id=app_id).update(
        warnings={
            "nik": [
                {"code": "nik_birth_date", "id": "Tanggal lahir beda", "en": "Birth date differs"}
            ]
        },
        typed={"phone": "0812.3456.7890"},
    )
    await signed_in(client, make_user)
    page = (await client.get(f"/office/applications/{app_id}")).text
    warnings = page[page.index('id="warnings"') :][:400]
    assert "NIK:" in warnings and "Tanggal lahir beda" in warnings
    assert "diketik: 0812.3456.7890" in page
    data = (await client.get(f"/office/applications/{app_id}.json")).json()
    assert data["warnings"][0]["code"] == "nik_birth_date"


async def test_bad_move_input_is_refused_with_a_reason_and_changes_nothing(
    client, make_user, make_device, siup_mikro_form
):
    app_id = await push(client, make_user, make_device, {"full_name": "Siti"})
    _user, csrf = await signed_in(client, make_user)
    url = f"/office/applications/{app_id}/move"
    base = {"csrf_token": csrf, "version": "2", "to_status": "verifikasi"}
    cases = [
        ({**base, "version": "dua"}, 400, "muat ulang"),
        ({**base, "version": ""}, 400, "muat ulang"),
        ({**base, "note": "a\x00b"}, 400, "note"),
        ({**base, "to_status": "x" * 41}, 400, "to_status"),
        ({**base, "to_status": "entah"}, 409, "Langkah yang boleh"),
        ({**base, **{f"correction.f{n}": "x" for n in range(130)}}, 400, ""),
    ]
    for form, status, text in cases:
        answer = await client.post(url, data=form)
        assert answer.status_code == status, (form.get("to_status"), answer.text[:300])
        assert text in answer.text
    app = await Application.get(id=app_id)
    assert (app.status, app.version) == ("diterima", 2)
