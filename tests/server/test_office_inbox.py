"""The office inbox: only submitted applications in the staff member's area; every filter,
the search (a full-NIK search is audited), keyset pages, badges, WITA times, and a clear 400
in both languages for a filter value that does not exist."""

from __future__ import annotations

import itertools
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from server import reference
from server.models import (
    Application,
    ApplicationDuplicate,
    AuditEvent,
    Role,
    SyncConflict,
    User,
)
from server.services.reference import demo, regions
from tests.conftest import staff_login

T0 = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # 09.00 WITA
_seq = itertools.count(1)


async def add(
    officer: User,
    *,
    status: str = "diterima",
    region: str = "63.71.01.1002",
    submitted_at: datetime | None = T0,
    permit: str = "nib-umk",
    name: str = "Siti Rahmah",
    business: str = "Warung Berkah",
    nik: str = "",
    **extra: Any,
) -> Application:
    n = next(_seq)
    return await Application.create(
        id=str(uuid.uuid4()),
        owner_user_id=str(officer.id),
        created_by_client=str(uuid.uuid4()),
        permit_type=permit,
        form_version=1,
        tracking_code=f"JB-TEST-{n:04d}",
        status_token_hash="",
        status=status,
        data={"full_name": name, "business_name": business, "nik": nik},
        region_code=region,
        created_at=submitted_at or T0,
        updated_at=(submitted_at or T0) + timedelta(minutes=n),
        submitted_at=submitted_at,
        change_seq=n + 10_000_000,
        applicant_name=name,
        business_name=business,
        nik=nik,
        **extra,
    )


@pytest.fixture
async def office(db, make_user):  # type: ignore[no-untyped-def]
    await regions.import_rows(regions.read_csv(reference.DEMO_REGIONS_FILE))
    await demo.load_permit_types()
    officer = await make_user(Role.OFFICER, username="petugas_a")
    other = await make_user(Role.OFFICER, username="petugas_b")
    verifier = await make_user(Role.VERIFIER, area_codes=["63.71"])
    return {"officer": officer, "other": other, "verifier": verifier}


async def listing(client: httpx.AsyncClient, **params: str) -> list[str]:
    response = await client.get("/office.json", params=params)
    assert response.status_code == 200, response.text
    return [row["tracking_code"] for row in response.json()["applications"]]


async def test_scope_and_every_filter(client: httpx.AsyncClient, office) -> None:  # type: ignore[no-untyped-def]
    officer, other = office["officer"], office["other"]
    base = await add(officer)
    draft = await add(officer, status="draf", submitted_at=None)
    outside = await add(officer, region="63.03.05.1001")
    deleted = await add(officer, deleted=True)
    verifying = await add(officer, status="verifikasi", submitted_at=T0 + timedelta(hours=1))
    spp = await add(officer, permit="spp-irt", submitted_at=T0 + timedelta(hours=2))
    district = await add(officer, region="63.71.05.1001", submitted_at=T0 + timedelta(hours=3))
    by_other = await add(other, submitted_at=T0 + timedelta(hours=4))
    # 1 Dec 00.30 WITA is still 30 Nov in UTC.
    late = await add(officer, submitted_at=datetime(2026, 11, 30, 16, 30, tzinfo=UTC))
    overdue = await add(
        officer, sla_state="running", sla_due=date(2026, 11, 2), submitted_at=T0 - timedelta(1)
    )
    missing = await add(officer, files_missing=True, submitted_at=T0 - timedelta(days=2))
    await staff_login(client, office["verifier"].username)

    everything = await listing(client)
    assert draft.tracking_code not in everything and outside.tracking_code not in everything
    assert deleted.tracking_code not in everything
    assert everything[0] == late.tracking_code  # newest first
    assert set(everything) == {
        a.tracking_code for a in (base, verifying, spp, district, by_other, late, overdue, missing)
    }
    assert await listing(client, status="verifikasi") == [verifying.tracking_code]
    assert await listing(client, permit_type="spp-irt") == [spp.tracking_code]
    assert await listing(client, region="63.71.05") == [district.tracking_code]
    assert await listing(client, region="63.71.05.1001") == [district.tracking_code]
    assert await listing(client, officer="petugas_b") == [by_other.tracking_code]
    assert await listing(client, **{"from": "2026-12-01"}) == [late.tracking_code]
    assert late.tracking_code not in await listing(client, to="2026-11-30")
    assert await listing(client, overdue="1") == [overdue.tracking_code]
    assert await listing(client, files_missing="1") == [missing.tracking_code]

    await SyncConflict.create(
        id=str(uuid.uuid4()),
        application=spp,
        field="phone",
        client_id=str(uuid.uuid4()),
        mutation_id=1,
        created_at=T0,
        change_seq=1,
    )
    await ApplicationDuplicate.create(application=district, other=base, reason="nik", created_at=T0)
    await ApplicationDuplicate.create(
        application=verifying, other=base, reason="nik", created_at=T0, status="dismissed"
    )
    assert await listing(client, conflict="1") == [spp.tracking_code]
    assert await listing(client, duplicate="1") == [district.tracking_code]
    assert await listing(client, conflict="1", duplicate="1") == []


async def test_search_by_code_name_business_and_nik(client: httpx.AsyncClient, office) -> None:  # type: ignore[no-untyped-def]
    officer = office["officer"]
    siti = await add(officer, nik="6371054512900002")
    budi = await add(officer, name="Budi Santoso", business="Bengkel Maju", nik="6371051203850001")
    await staff_login(client, office["verifier"].username)
    assert await listing(client, q=siti.tracking_code.lower()) == [siti.tracking_code]
    assert await listing(client, q="santoso") == [budi.tracking_code]
    assert await listing(client, q="bengkel  MAJU") == [budi.tracking_code]
    assert await listing(client, q="63710512") == [budi.tracking_code]  # partial: not audited
    assert not await AuditEvent.filter(action="inbox.search_nik").exists()

    assert await listing(client, q="6371 0545 1290 0002") == [siti.tracking_code]
    event = await AuditEvent.get(action="inbox.search_nik")
    assert event.actor_id == office["verifier"].id  # type: ignore[attr-defined]
    assert event.detail["matched"] == [siti.tracking_code]
    assert "6371054512900002" not in str(event.detail)


async def test_keyset_pages_do_not_overlap(client: httpx.AsyncClient, office) -> None:  # type: ignore[no-untyped-def]
    officer = office["officer"]
    same_time = [await add(officer) for _ in range(4)]  # ties are ordered by id
    later = [await add(officer, submitted_at=T0 + timedelta(minutes=n)) for n in (1, 2, 3)]
    await staff_login(client, office["verifier"].username)
    for sort in ("newest", "oldest", "updated"):
        seen: list[str] = []
        url: str | None = f"/office.json?limit=3&sort={sort}"
        pages = 0
        while url:
            body = (await client.get(url)).json()
            seen += [row["tracking_code"] for row in body["applications"]]
            url = body["next"] and body["next"].replace("/office/?", "/office.json?")
            pages += 1
        assert pages == 3 and len(seen) == len(set(seen)) == 7, (sort, seen)
    newest = await listing(client)
    assert newest[:3] == [a.tracking_code for a in reversed(later)]
    assert set(newest[3:]) == {a.tracking_code for a in same_time}


@pytest.mark.parametrize(
    ("params", "parameter", "in_english", "in_indonesian"),
    [
        ({"status": "lost"}, "status", "“lost” is not a status", "“lost” bukan status"),
        ({"status": "draf"}, "status", "is not a status", "bukan status"),
        ({"permit_type": "ktp"}, "permit_type", "no permit type “ktp”", "Tidak ada jenis izin"),
        ({"region": "99.99"}, "region", "no region with code “99.99”", "Tidak ada wilayah"),
        ({"region": "63.03"}, "region", "outside your work area", "di luar wilayah kerja"),
        ({"officer": "nobody"}, "officer", "no field officer", "Tidak ada petugas"),
        ({"from": "30-11-2026"}, "from", "YYYY-MM-DD", "YYYY-MM-DD"),
        ({"from": "2026-12-02", "to": "2026-12-01"}, "to", "swap them", "tukar"),
        ({"overdue": "yes"}, "overdue", "either on (1) or off (0)", "aktif (1) atau mati (0)"),
        ({"sort": "random"}, "sort", "not a sort order", "bukan urutan"),
        ({"limit": "5000"}, "limit", "between 1 and 200", "antara 1 dan 200"),
        ({"cursor": "%%%"}, "cursor", "start again from the first page", "halaman pertama"),
        ({"colour": "red"}, "colour", "no filter called “colour”", "Tidak ada penyaring"),
    ],
)
async def test_unknown_filter_values_get_a_clear_400(  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient, office, params, parameter, in_english, in_indonesian
) -> None:
    await add(office["officer"])
    await staff_login(client, office["verifier"].username)
    response = await client.get("/office.json", params=params)
    assert response.status_code == 400
    body = response.json()
    assert body["error"]["parameter"] == parameter and body["applications"] == []
    assert in_english in body["error"]["messages"]["en"]
    assert in_indonesian in body["error"]["messages"]["id"]
    page = await client.get("/office/", params=params)
    assert page.status_code == 400 and in_indonesian in page.text  # Indonesian by default
    assert page.headers["cache-control"] == "no-store"


async def test_badges_and_times_in_wita(client: httpx.AsyncClient, office) -> None:  # type: ignore[no-untyped-def]
    officer = office["officer"]
    today = datetime.now(UTC).date()
    warned = await add(
        officer,
        warnings={"nik": [{"code": "nik_birth_date_mismatch"}], "location": [{"code": "x"}]},
        sla_state="running",
        sla_due=today + timedelta(days=30),
        files_missing=True,
    )
    late = await add(officer, sla_state="running", sla_due=today - timedelta(days=14))
    paused = await add(officer, sla_state="paused", sla_due=today - timedelta(days=14))
    await staff_login(client, office["verifier"].username)
    rows = {r["id"]: r for r in (await client.get("/office.json")).json()["applications"]}
    badge = rows[warned.id]
    assert 18 <= badge["sla"]["days_left"] <= 22 and not badge["sla"]["overdue"]
    assert badge["nik_warning"] and badge["data_warnings"] == ["location"]
    assert badge["files_missing"] and not badge["conflict"] and not badge["duplicate"]
    assert rows[late.id]["sla"]["overdue"] and rows[late.id]["sla"]["days_left"] <= -8
    assert not rows[paused.id]["sla"]["overdue"]  # the clock is waiting on the applicant
    html = (await client.get("/office/")).text
    assert "30 November 2026, 09.00 WITA" in html  # T0 is 01.00 UTC
    assert "Peringatan NIK" in html and "Berkas belum lengkap" in html
    assert f'href="/office/applications/{warned.id}"' in html


async def test_due_sort_pages_every_application_once_in_order(  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient, office
) -> None:
    """Open clocks (running or paused) by due date, overdue first, ties by id; then the
    applications with no running clock (none yet, decided, cancelled) longest waiting first.
    Every page size walks them all exactly once, in both the JSON twin and the HTML pages."""
    officer = office["officer"]
    today = datetime.now(UTC).date()
    d = [today + timedelta(days=n) for n in (-9, -1, 0, 3, 10)]
    apps = [
        await add(officer, sla_state="running", sla_due=d[3]),
        await add(officer, sla_state="running", sla_due=d[0]),  # the most overdue
        await add(officer, sla_state="paused", sla_due=d[1]),
        *[await add(officer, sla_state="running", sla_due=d[2]) for _ in range(3)],  # a tie
        await add(officer, sla_state="running", sla_due=d[4]),
        # No due date yet: the file is not complete (three at the same moment, a tie).
        *[await add(officer, sla_state="waiting", submitted_at=T0) for _ in range(3)],
        await add(officer, sla_state="waiting", submitted_at=T0 - timedelta(days=3)),
        # A due date, but the clock stopped: these sort with the rest, not by their date.
        await add(officer, status="disetujui", sla_state="met", sla_due=d[0] - timedelta(9)),
        await add(
            officer, status="dibatalkan", sla_state="cancelled", submitted_at=T0 + timedelta(1)
        ),
    ]
    await add(officer, region="63.03.05.1001", sla_state="running", sla_due=d[0])  # not mine
    open_clocks = sorted(
        (a for a in apps if a.sla_state in ("running", "paused")), key=lambda a: (a.sla_due, a.id)
    )
    rest = sorted(
        (a for a in apps if a.sla_state not in ("running", "paused")),
        key=lambda a: (a.submitted_at, a.id),
    )
    expected = [a.tracking_code for a in [*open_clocks, *rest]]
    assert len(expected) == 13 and expected[0] == apps[1].tracking_code
    await staff_login(client, office["verifier"].username)

    for limit in (1, 2, 3, 4, 6, 7, 8, 12, 13, 14):  # 7: a page ends at the last open clock
        seen: list[str] = []
        pages = 0
        url: str | None = f"/office.json?sort=due&limit={limit}"
        while url:
            body = (await client.get(url)).json()
            assert body["applications"], (limit, pages)  # never an empty page
            seen += [row["tracking_code"] for row in body["applications"]]
            url = body["next"] and body["next"].replace("/office/?", "/office.json?")
            pages += 1
        assert seen == expected, limit
        assert pages == -(-13 // limit), limit

    # The HTML pages follow the same cursor; the sort stays selected.
    seen = []
    url = "/office/?sort=due&limit=5"
    while url:
        html = (await client.get(url)).text
        assert '<option value="due" selected>' in html
        codes = [c for c in expected if f">{c}</a>" in html]
        seen += sorted(codes, key=html.index)
        found = re.search(r'rel="next" href="([^"]+)"', html)
        url = found and found.group(1).replace("&amp;", "&")
    assert seen == expected

    # Filters apply inside the sort: only overdue ones, in due order.
    overdue = await listing(client, sort="due", overdue="1")
    assert overdue == [
        a.tracking_code for a in open_clocks if a.sla_due < today and a.sla_state == "running"
    ]


async def test_a_cursor_from_another_sort_is_refused(client: httpx.AsyncClient, office) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        await add(office["officer"], sla_state="running", sla_due=date(2026, 12, 1))
    await staff_login(client, office["verifier"].username)
    newest = (await client.get("/office.json?limit=1")).json()["next"]
    due = (await client.get("/office.json?limit=1&sort=due")).json()["next"]
    newest_cursor = newest.split("cursor=")[1]
    due_cursor = due.split("cursor=")[1]
    for params in (
        {"sort": "due", "cursor": newest_cursor},
        {"sort": "newest", "cursor": due_cursor},
    ):
        response = await client.get("/office.json", params=params)
        assert response.status_code == 400
        assert response.json()["error"]["parameter"] == "cursor"
        assert "first page" in response.json()["error"]["messages"]["en"]
