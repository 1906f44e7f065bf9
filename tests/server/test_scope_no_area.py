"""A verifier or supervisor with no work area sees no application anywhere — inbox, detail,
JSON twins, queues, reports, files, moves — and every page says why; only an office-wide
role (admin) sees every application without an area."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import httpx
import pytest

from server import reference
from server.models import (
    ApplicationDuplicate,
    AuditEvent,
    Role,
    StatusChange,
    SyncConflict,
)
from server.services.applications import files, moves, scope
from server.services.applications.moves import MoveRequest
from server.services.errors import NotFound
from server.services.reference import demo, regions
from tests.conftest import staff_login
from tests.server.test_office_inbox import T0, add

NOTICE_ID = "Anda belum diberi wilayah kerja"
NOTICE_EN = "You have no work area assigned"


@pytest.fixture
async def office(db, make_user):  # type: ignore[no-untyped-def]
    await regions.import_rows(regions.read_csv(reference.DEMO_REGIONS_FILE))
    await demo.load_permit_types()
    officer = await make_user(Role.OFFICER, username="petugas_a")
    verifier = await make_user(Role.VERIFIER, area_codes=["63.71"])
    return {"officer": officer, "verifier": verifier}


@pytest.fixture
async def spread(office):  # type: ignore[no-untyped-def]
    """Applications in the verifier's regency: an overdue one, a decided one (in the SLA
    report), one with an open conflict, a suspected duplicate."""
    officer = office["officer"]
    overdue = await add(officer, status="diproses", sla_state="running", sla_due=date(2026, 11, 2))
    decided = await add(
        officer,
        status="disetujui",
        sla_state="met",
        sla_due=date(2026, 11, 20),
        sla_finished_at=datetime(2026, 11, 18, 3, tzinfo=UTC),
    )
    conflicted = await add(officer)
    duplicate = await add(officer, region="63.71.05.1001")
    await SyncConflict.create(
        id=str(uuid.uuid4()),
        application=conflicted,
        field="phone",
        client_id=str(uuid.uuid4()),
        mutation_id=1,
        created_at=T0,
        change_seq=1,
    )
    await ApplicationDuplicate.create(
        application=duplicate, other=conflicted, reason="nik", created_at=T0
    )
    return [overdue, decided, conflicted, duplicate]


async def views(client: httpx.AsyncClient) -> dict[str, object]:
    """What each list, queue and report shows this user (JSON twins)."""
    inbox = (await client.get("/office.json")).json()
    sla = (await client.get("/office/sla.json", params={"from": "2026-11-01"})).json()
    return {
        "inbox": sorted(r["tracking_code"] for r in inbox["applications"]),
        "overdue": [
            r["tracking_code"]
            for r in (await client.get("/office/overdue.json")).json()["applications"]
        ],
        "sla_decided": sla["total"]["decided"],
        "sla_running": sla["open"]["running"],
        "conflicts": len((await client.get("/office/conflicts.json")).json()["groups"]),
        "duplicates": len((await client.get("/office/duplicates.json")).json()["flags"]),
        "notice": inbox.get("scope_notice"),
    }


@pytest.mark.parametrize("role", [Role.VERIFIER, Role.SUPERVISOR])
async def test_staff_with_no_area_see_nothing_and_are_told_why(  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient, office, spread, make_user, role
) -> None:
    # Control: the same pages show everything to someone whose area covers it.
    await staff_login(client, office["verifier"].username)
    covered = await views(client)
    assert covered == {
        "inbox": sorted(a.tracking_code for a in spread),
        "overdue": [spread[0].tracking_code],
        "sla_decided": 1,
        "sla_running": 1,
        "conflicts": 1,
        "duplicates": 1,
        "notice": None,
    }

    nobody = await make_user(role, area_codes=[])
    await staff_login(client, nobody.username)
    seen = await views(client)
    assert seen == {
        "inbox": [],
        "overdue": [],
        "sla_decided": 0,
        "sla_running": 0,
        "conflicts": 0,
        "duplicates": 0,
        "notice": {"code": "no_area", "messages": scope.NO_AREA},
    }
    assert NOTICE_ID in scope.NO_AREA["id"] and NOTICE_EN in scope.NO_AREA["en"]

    page = await client.get("/office/")
    assert page.status_code == 200 and 'id="no-area"' in page.text and NOTICE_ID in page.text
    assert not any(a.tracking_code in page.text for a in spread)
    english = await client.get("/office/", params={"lang": "en"})
    assert NOTICE_EN in english.text

    target = spread[0]
    detail = await client.get(f"/office/applications/{target.id}.json")
    assert detail.status_code == 404 and detail.json()["error"] == "no_area"
    assert NOTICE_EN in detail.json()["message"]
    html = await client.get(f"/office/applications/{target.id}")
    assert html.status_code == 404 and NOTICE_ID in html.text
    assert target.tracking_code not in html.text

    if role == Role.SUPERVISOR:
        dashboard = (await client.get("/office/dashboard.json")).json()
        assert dashboard["by_status"] == {} and dashboard["scope_notice"]["code"] == "no_area"

    with pytest.raises(NotFound) as refused:
        await moves.move(nobody, target.id, MoveRequest("perlu_perbaikan", target.version))
    assert refused.value.code == "no_area"
    assert not await files.may_see_application(nobody, target)
    assert await files.may_see_application(office["verifier"], target)
    assert await StatusChange.filter(application_id=target.id).count() == 0
    assert not await AuditEvent.filter(action="application.status_move").exists()


async def test_admin_is_office_wide_without_an_area(  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient, office, spread, make_user
) -> None:
    outside = await add(office["officer"], region="63.03.05.1001")
    admin = await make_user(Role.ADMIN, area_codes=[])
    await staff_login(client, admin.username)
    seen = await views(client)
    assert seen["inbox"] == sorted(a.tracking_code for a in [*spread, outside])
    assert seen["notice"] is None
    detail = await client.get(f"/office/applications/{outside.id}.json")
    assert detail.status_code == 200 and detail.json()["application"]["id"] == outside.id
    assert await files.may_see_application(admin, outside)
    page = await client.get("/office/")
    assert 'id="no-area"' not in page.text


async def test_an_officer_with_no_area_still_sees_their_own_files(office, make_user) -> None:  # type: ignore[no-untyped-def]
    officer = await make_user(Role.OFFICER, area_codes=[])
    own = await add(officer, region="63.03.05.1001")
    other = await add(office["officer"])
    assert await files.may_see_application(officer, own)
    assert not await files.may_see_application(officer, other)
