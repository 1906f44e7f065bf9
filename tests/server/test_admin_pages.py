"""/admin/ as an administrator uses it: users, devices, offices, holidays, regions, permit
types and form versions, the audit trail. Bad input answers 4xx naming the problem (both
languages) and changes nothing; every change leaves an audit row."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, date, datetime

import httpx
import pytest

from server.models import (
    AuditEvent,
    Device,
    FormDefinition,
    Holiday,
    Office,
    PermitType,
    Region,
    Role,
    StaffSession,
    SyncClient,
    SyncPushLog,
    User,
)
from server.services import audit
from server.services.reference import region_jobs
from tests.conftest import ROOT, TEST_PASSWORD, staff_login
from tests.forms import install_siup_mikro

JSON = {"Accept": "application/json"}


@pytest.fixture
async def admin(client, make_user):  # type: ignore[no-untyped-def]
    user = await make_user(Role.ADMIN, username="admin1")
    csrf = await staff_login(client, "admin1")
    return user, csrf


async def audit_actions(actor: User) -> list[str]:
    """What the actor did, sign-in steps left out (they depend on the second factor)."""
    rows = await AuditEvent.filter(actor=actor).order_by("seq")
    return [e.action for e in rows if not e.action.startswith("login")]


# --- users ---------------------------------------------------------------------------------


async def test_create_edit_reset_and_disable_a_user(client: httpx.AsyncClient, admin) -> None:
    actor, csrf = admin
    await Office.create(code="dpmptsp-bjm", name="DPMPTSP Banjarmasin", region_code="63.71")
    created = await client.post(
        "/admin/users",
        data={
            "csrf_token": csrf,
            "username": "Verif.Baru",
            "password": "Kuat-Sekali-2026",
            "full_name": " Siti Verifikator ",
            "role": "verifier",
            "office": "dpmptsp-bjm",
            "area_codes": "63.71, 63.03.05",
        },
    )
    assert created.status_code == 303 and created.headers["location"] == "/admin/users/verif.baru"
    person = await User.get(username="verif.baru").prefetch_related("office")
    assert (person.full_name, person.role, person.office.code, person.area_codes) == (
        "Siti Verifikator",
        Role.VERIFIER,
        "dpmptsp-bjm",
        ["63.71", "63.03.05"],
    )
    page = (await client.get("/admin/users/verif.baru.json")).json()
    assert page["user"]["area_codes"] == ["63.71", "63.03.05"]

    # A new role, no office, one area; the audit row names what changed.
    changed = await client.post(
        "/admin/users/verif.baru",
        data={
            "csrf_token": csrf,
            "full_name": "Siti Verifikator",
            "role": "supervisor",
            "office": "",
            "area_codes": "63.71",
        },
    )
    assert changed.status_code == 303
    person = await User.get(username="verif.baru")
    assert (person.role, person.office_id, person.area_codes) == (  # type: ignore[attr-defined]
        Role.SUPERVISOR,
        None,
        ["63.71"],
    )
    update = await AuditEvent.get(action="user.update")
    assert update.detail["changed"] == ["area_codes", "office", "role"]
    assert update.detail["role"] == ["verifier", "supervisor"]

    reset = await client.post(
        "/admin/users/verif.baru/password",
        data={"csrf_token": csrf, "password": "Sandi-Baru-Lagi-77"},
    )
    assert reset.status_code == 303
    other = httpx.AsyncClient(transport=client._transport, base_url="https://testserver")  # type: ignore[attr-defined]
    async with other:
        await staff_login(other, "verif.baru", "Sandi-Baru-Lagi-77")
    assert await StaffSession.filter(user=person).count() == 1

    disabled = await client.post(
        "/admin/users/verif.baru/active", data={"csrf_token": csrf, "active": "0"}
    )
    assert disabled.status_code == 303
    assert not (await User.get(username="verif.baru")).is_active
    assert await StaffSession.filter(user=person).count() == 0  # signed out everywhere
    assert await audit_actions(actor) == [
        "user.create",
        "user.update",
        "user.set_password",
        "user.disable",
    ]
    assert "Sandi-Baru" not in str([e.detail for e in await AuditEvent.all()])


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"username": "x"}, "username: 3–64"),
        ({"password": "pendek"}, "password too short"),
        ({"role": "raja"}, "unknown role"),
        ({"office": "no-such"}, "unknown office"),
        ({"area_codes": "63.71 banjar"}, "is not a region code"),
    ],
)
async def test_a_bad_new_user_is_refused_with_the_reason(
    client: httpx.AsyncClient, admin, fields, fragment
) -> None:
    _actor, csrf = admin
    form = {
        "csrf_token": csrf,
        "username": "petugas.baru",
        "password": "Kuat-Sekali-2026",
        "full_name": "Petugas Baru",
        "role": "officer",
        **fields,
    }
    before = await User.all().count()
    refused = await client.post("/admin/users", data=form)
    assert refused.status_code in (400, 404)
    assert fragment in refused.text
    assert refused.headers["cache-control"] == "no-store"
    as_json = await client.post("/admin/users.json", data=form)
    assert fragment in as_json.json()["error"]["message"]
    assert await User.all().count() == before


async def test_an_admin_cannot_disable_themselves(client: httpx.AsyncClient, admin) -> None:
    _actor, csrf = admin
    refused = await client.post(
        "/admin/users/admin1/active.json", data={"csrf_token": csrf, "active": "0"}
    )
    assert refused.status_code == 400 and refused.json()["error"]["error"] == "self_disable"
    assert (await User.get(username="admin1")).is_active


# --- devices -------------------------------------------------------------------------------


async def test_devices_show_last_sync_and_clock_drift_and_can_be_revoked(
    client: httpx.AsyncClient, admin, make_user, make_device
) -> None:
    _actor, csrf = admin
    officer = await make_user(Role.OFFICER, username="petugas1")
    enrollment = await make_device(officer, "Tablet A")
    device = enrollment.device
    client_id = str(uuid.uuid4())
    await SyncClient.create(
        client_id=client_id, device_id=str(device.id), user_id=str(officer.id), clock_skew_s=-420
    )
    pushed = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)  # 09:30 in Banjarmasin
    await SyncPushLog.create(
        client_id=client_id, received_at=pushed, first_mutation_id=1, last_mutation_id=3
    )
    listed = (await client.get("/admin/devices.json")).json()["devices"]
    assert [(d["name"], d["officer"], d["last_sync"], d["clock_drift_s"]) for d in listed] == [
        ("Tablet A", "petugas1", "2026-12-01 09:30 WITA", -420)
    ]
    html = (await client.get("/admin/devices")).text
    assert "-420 s" in html and "2026-12-01 09:30 WITA" in html
    revoked = await client.post(f"/admin/devices/{device.id}/revoke", data={"csrf_token": csrf})
    assert revoked.status_code == 303 and revoked.headers["location"] == "/admin/devices"
    assert (await Device.get(id=device.id)).revoked_at is not None
    missing = await client.post(f"/admin/devices/{uuid.uuid4()}/revoke", data={"csrf_token": csrf})
    assert missing.status_code == 404 and "no such device" in missing.text


# --- offices -------------------------------------------------------------------------------


async def test_offices_are_created_and_edited(client: httpx.AsyncClient, admin) -> None:
    actor, csrf = admin
    form = {"csrf_token": csrf, "code": "dpmptsp-tnl", "name": "DPMPTSP Tanah Laut"}
    bad = await client.post("/admin/offices", data={**form, "region_code": "Tanah Laut"})
    assert bad.status_code == 400 and "office region must be a code like 63.71" in bad.text
    assert await Office.all().count() == 0
    made = await client.post("/admin/offices", data={**form, "region_code": "63.01"})
    assert made.status_code == 303
    edited = await client.post(
        "/admin/offices/dpmptsp-tnl",
        data={**form, "region_code": "63.01", "phone": "0512-21000", "hours": "Sen–Jum 08–16"},
    )
    assert edited.status_code == 303
    office = await Office.get(code="dpmptsp-tnl")
    assert (office.phone, office.hours) == ("0512-21000", "Sen–Jum 08–16")
    again = await client.post("/admin/offices.json", data={**form, "region_code": "63.01"})
    assert again.status_code == 409
    assert await audit_actions(actor) == ["office.create", "office.update"]
    assert (await AuditEvent.get(action="office.update")).detail == {"changed": ["hours", "phone"]}


# --- holidays ------------------------------------------------------------------------------


async def test_holiday_file_with_a_bad_date_names_the_line_and_changes_nothing(
    client: httpx.AsyncClient, admin
) -> None:
    _actor, csrf = admin
    bad = "date,name\n2027-01-01,Tahun Baru\n2027-02-30,Bukan tanggal\n"
    refused = await client.post(
        "/admin/holidays/import",
        data={"csrf_token": csrf},
        files={"file": ("libur-2027.csv", bad.encode(), "text/csv")},
    )
    assert refused.status_code == 400
    assert "libur-2027.csv:3: &#39;2027-02-30&#39; is not a date like 2026-08-17" in refused.text
    assert "bukan tanggal seperti" in refused.text
    assert await Holiday.all().count() == 0

    good = "date,name\n2027-01-01,Tahun Baru\n2027-08-17,Hari Kemerdekaan\n"
    imported = await client.post(
        "/admin/holidays/import.json", data={"csrf_token": csrf, "csv": good}
    )
    assert imported.json() == {"ok": True, "imported": 2}
    renamed = await client.post(
        "/admin/holidays/set",
        data={"csrf_token": csrf, "date": "2027-08-17", "name": "HUT RI ke-82"},
    )
    assert renamed.status_code == 303 and renamed.headers["location"] == "/admin/holidays?year=2027"
    removed = await client.post(
        "/admin/holidays/remove", data={"csrf_token": csrf, "date": "2027-01-01"}
    )
    assert removed.status_code == 303
    listed = (await client.get("/admin/holidays.json?year=2027")).json()["holidays"]
    assert listed == [{"date": "2027-08-17", "name": "HUT RI ke-82"}]
    assert (await client.get("/admin/holidays.json?year=27")).status_code == 400
    gone = await client.post(
        "/admin/holidays/remove", data={"csrf_token": csrf, "date": "2027-01-01"}
    )
    assert gone.status_code == 404
    assert await Holiday.filter(date=date(2027, 8, 17)).count() == 1


# --- regions -------------------------------------------------------------------------------


async def wait_for_job(client: httpx.AsyncClient, location: str) -> dict:
    await region_jobs.wait_all()
    return (await client.get(location + ".json")).json()["job"]


async def test_region_import_runs_with_progress(client: httpx.AsyncClient, admin) -> None:
    actor, csrf = admin
    lines = ["code,parent_code,name", "63.71,63,Kota Banjarmasin", "63.71.01,63.71,Banjarmasin X"]
    lines += [f"63.71.01.{n},63.71.01,Kelurahan {n}" for n in range(1001, 2201)]
    data = "\n".join(lines).encode()
    started = await client.post(
        "/admin/regions/import",
        data={"csrf_token": csrf},
        files={"file": ("wilayah.csv", data, "text/csv")},
    )
    assert started.status_code == 303
    location = started.headers["location"]
    assert location.startswith("/admin/regions/jobs/")
    job = await wait_for_job(client, location)
    assert (job["state"], job["done"], job["total"]) == ("done", 1202, 1202)
    assert job["result"] == {"created": 1203, "updated": 0, "unchanged": 0}  # + the province
    assert await Region.filter(level=4).count() == 1200
    page = (await client.get(location)).text
    assert '<progress max="1202" value="1202">' in page and 'http-equiv="refresh"' not in page
    assert "regions.import" in await audit_actions(actor)


async def test_a_bad_region_line_is_named_and_nothing_is_imported(
    client: httpx.AsyncClient, admin
) -> None:
    _actor, csrf = admin
    bad = "code,parent_code,name\n63.71,63,Kota Banjarmasin\n63.71.1,63.71,Salah\n"
    refused = await client.post("/admin/regions/import", data={"csrf_token": csrf, "csv": bad})
    assert refused.status_code == 400
    assert "csv:3: &#39;63.71.1&#39; is not a Kemendagri code" in refused.text
    assert await Region.all().count() == 0
    unknown = await client.get("/admin/regions/jobs/nope.json")
    assert unknown.status_code == 404


# --- permit types and form versions ---------------------------------------------------------


async def test_a_form_change_is_a_new_version_checked_first(
    client: httpx.AsyncClient, admin, db
) -> None:
    actor, csrf = admin
    await install_siup_mikro()
    page = (await client.get("/admin/permit-types/siup_mikro.json")).json()
    assert page["shown"] == 1 and page["preview"][0]["fields"][0]["label"] == "Nama lengkap"
    definition = json.loads(page["definition_json"])

    broken = {**definition, "sections": [{"title": {"id": "X", "en": "X"}, "fields": []}]}
    refused = await client.post(
        "/admin/permit-types/siup_mikro/forms.json",
        data={"csrf_token": csrf, "json": json.dumps(broken)},
    )
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert "nothing changed" in error["message"] and "tidak ada yang diubah" in error["message"]
    assert error["details"][0]["path"] == "sections[0].fields"
    not_json = await client.post(
        "/admin/permit-types/siup_mikro/forms",
        data={"csrf_token": csrf, "json": '{"version": 1,\n  "sections": [}'},
    )
    assert not_json.status_code == 400 and "siup_mikro.json:2:16" in not_json.text
    assert await FormDefinition.filter(permit_type__code="siup_mikro").count() == 1

    definition["sections"][0]["fields"][0]["label"] = {"id": "Nama sesuai KTP", "en": "Name"}
    saved = await client.post(
        "/admin/permit-types/siup_mikro/forms",
        data={"csrf_token": csrf, "json": json.dumps(definition)},  # still says version 1
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/admin/permit-types/siup_mikro?version=2"
    versions = await FormDefinition.filter(permit_type__code="siup_mikro").order_by("version")
    assert [f.version for f in versions] == [1, 2]
    assert versions[0].definition["sections"][0]["fields"][0]["label"]["id"] == "Nama lengkap"
    assert versions[1].definition["version"] == 2
    preview = await client.get("/admin/permit-types/siup_mikro?version=2")
    assert "Nama sesuai KTP" in preview.text
    assert (await client.get("/admin/permit-types/siup_mikro?version=9")).status_code == 404
    assert "form.version" in await audit_actions(actor)


async def test_a_permit_type_file_creates_the_type_with_its_forms(
    client: httpx.AsyncClient, admin
) -> None:
    _actor, csrf = admin
    shipped = json.loads((ROOT / "server/reference/permit_types/sku.json").read_text())
    shipped["code"] = "sku_uji"
    made = await client.post(
        "/admin/permit-types",
        data={"csrf_token": csrf},
        files={"file": ("sku.json", json.dumps(shipped).encode(), "application/json")},
    )
    assert made.status_code == 303
    permit = await PermitType.get(code="sku_uji")
    assert await FormDefinition.filter(permit_type=permit).count() == len(shipped["forms"])
    again = await client.post(
        "/admin/permit-types.json", data={"csrf_token": csrf, "json": json.dumps(shipped)}
    )
    assert again.status_code == 409
    listed = (await client.get("/admin/permit-types.json")).json()["permit_types"]
    assert [p["code"] for p in listed] == ["sku_uji"]


# --- the audit trail -------------------------------------------------------------------------


async def test_audit_page_filters_pages_and_checks_the_chain(
    client: httpx.AsyncClient, admin, db
) -> None:
    actor, _csrf = admin
    for n in range(105):
        await audit.record("file.view", actor=actor, object_type="file", object_id=f"f{n}")
    await audit.record("export", object_type="report", object_id="r1")
    first = (await client.get("/admin/audit.json?action=file.view&user=admin1")).json()
    assert len(first["events"]) == 100 and first["events"][0]["object_id"] == "f104"
    older = (
        await client.get(f"/admin/audit.json?action=file.view&before={first['next_before']}")
    ).json()
    assert [e["object_id"] for e in older["events"]] == ["f4", "f3", "f2", "f1", "f0"]
    assert older["next_before"] is None
    exports = (await client.get("/admin/audit.json?object_type=report")).json()["events"]
    assert [e["action"] for e in exports] == ["export"]
    assert (await client.get("/admin/audit?user=nobody")).status_code == 400
    assert (await client.get("/admin/audit?from=kemarin")).status_code == 400
    assert (await client.get("/admin/audit?colour=red")).status_code == 400
    html = await client.get("/admin/audit?action=export")
    assert "report r1" in html.text and html.headers["cache-control"] == "no-store"

    assert (await client.get("/admin/audit/verify.json")).json()["ok"] is True
    row = await AuditEvent.get(action="export")
    from tests.server.test_audit import mark, trigger_off

    async with trigger_off() as conn:
        await conn.execute_query(
            f"UPDATE audit_event SET object_id = 'r2' WHERE id = {mark(1)}", [row.id]
        )
    broken = await client.get("/admin/audit/verify.json")
    assert broken.status_code == 409 and broken.json()["bad_id"] == row.id


async def test_pages_answer_in_english_too(client: httpx.AsyncClient, admin) -> None:
    indonesian = await client.get("/admin/")
    assert "Jejak audit" in indonesian.text
    await client.get("/lang/en")
    english = await client.get("/admin/")
    assert "Audit trail" in english.text
    await asyncio.sleep(0)
    assert TEST_PASSWORD not in english.text


async def test_the_outbox_count_a_tablet_reports_shows_on_the_device_list(
    client: httpx.AsyncClient, admin, make_user, make_device
) -> None:
    officer = await make_user(Role.OFFICER, username="petugas2")
    enrollment = await make_device(officer, "Tablet B")
    bearer = {"Authorization": f"Bearer {enrollment.token}"}
    body = {"protocol": 1, "client_id": str(uuid.uuid4())}
    for bad in (-1, "3", 1.5, True, 10**7):
        refused = await client.post("/api/sync/pull", json={**body, "pending": bad}, headers=bearer)
        assert refused.status_code == 400, bad
    assert (await client.get("/admin/devices.json")).json()["devices"][0]["pending"] is None
    pulled = await client.post("/api/sync/pull", json={**body, "pending": 7}, headers=bearer)
    assert pulled.status_code == 200
    row = (await client.get("/admin/devices.json")).json()["devices"][0]
    assert row["pending"] == 7 and row["pending_at"].endswith("WITA")
    assert ">7 <small>" in (await client.get("/admin/devices")).text
    # Another tablet's report cannot land on this one: the client id is bound to its device.
    other = await make_device(officer, "Tablet C")
    stolen = await client.post(
        "/api/sync/pull",
        json={**body, "pending": 99},
        headers={"Authorization": f"Bearer {other.token}"},
    )
    assert stolen.status_code in (400, 403, 409)
    assert await SyncClient.filter(pending_reported=99).count() == 0
