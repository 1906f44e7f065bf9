"""The conflict and duplicate queues: side by side, decided per field or per pair by staff
whose area covers the application, audited without personal values, and (for conflicts) sent
back to the tablet."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from server.models import Application, ApplicationDuplicate, AuditEvent, Role, SyncConflict
from server.services.applications import sync_service
from tests.conftest import staff_login

VILLAGE = "63.71.01.1002"


def rid(n: int) -> str:
    return str(uuid.UUID(int=n, version=4))


def create(n: int, **fields: Any) -> dict[str, Any]:
    return {
        "name": "create_application",
        "args": {
            "record_id": rid(n),
            "permit_type": "siup_mikro",
            "form_version": 1,
            "tracking_code": f"JB-7K3M-9QXD-{n:04d}".replace("0", "A"),
            "status_token": "q3Vb8xY2mN4pR6tW1zA9cE",
            "fields": {"full_name": "Siti Rahmah", "business_region": VILLAGE, **fields},
        },
    }


def submit(n: int) -> dict[str, Any]:
    return {"name": "submit_application", "args": {"record_id": rid(n)}}


def update(n: int, **changes: tuple[Any, Any]) -> dict[str, Any]:
    return {
        "name": "update_fields",
        "args": {
            "record_id": rid(n),
            "changes": {k: {"base": b, "value": v} for k, (b, v) in changes.items()},
        },
    }


class Tablet:
    def __init__(self, client: httpx.AsyncClient, token: str) -> None:
        self.client = client
        self.headers = {"authorization": f"Bearer {token}"}
        self.client_id = str(uuid.uuid4())
        self.sent = 0

    async def push(self, *mutations: dict[str, Any]) -> list[dict[str, Any]]:
        body = {
            "protocol": 1,
            "client_id": self.client_id,
            "mutations": [{"id": self.sent + i, **m} for i, m in enumerate(mutations, 1)],
        }
        self.sent += len(mutations)
        response = await self.client.post("/api/sync/push", json=body, headers=self.headers)
        assert response.status_code == 200, response.text
        return list(response.json()["results"])

    async def pull(self) -> dict[str, Any]:
        body = {"protocol": 1, "client_id": self.client_id}
        response = await self.client.post("/api/sync/pull", json=body, headers=self.headers)
        return dict(response.json())


@pytest.fixture
async def tablet(client, make_user, make_device, siup_mikro_form) -> Tablet:  # type: ignore[no-untyped-def]
    officer = await make_user(Role.OFFICER, area_codes=["63.71"])
    return Tablet(client, (await make_device(officer)).token)


async def test_conflicts_are_resolved_per_field_and_reach_the_tablet(  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient, tablet: Tablet, make_user
) -> None:
    verifier = await make_user(Role.VERIFIER, area_codes=["63.71.01"])
    outsider = await make_user(Role.VERIFIER, area_codes=["63.03"])
    await tablet.push(create(1, phone="081100000001", business_name="Warung"), submit(1))
    await sync_service.update_fields(
        verifier, rid(1), {"phone": "+6281100000002", "business_name": "Warung Kantor"}
    )
    results = await tablet.push(
        update(1, phone=("081100000001", "081100000003"), business_name=("Warung", "Warung HP"))
    )
    assert results[0]["status"] == "conflict"
    phone, name = sorted(await SyncConflict.all(), key=lambda c: c.field)[::-1]
    assert (phone.field, name.field) == ("phone", "business_name")

    csrf = await staff_login(client, outsider.username)
    assert (await client.get("/office/conflicts.json")).json()["groups"] == []
    refused = await client.post(
        f"/office/conflicts/{phone.id}/resolve",
        data={"csrf_token": csrf, "choice": "device"},
    )
    assert refused.status_code == 404
    assert (await SyncConflict.get(id=phone.id)).status == "open"

    csrf = await staff_login(client, verifier.username)
    queue = (await client.get("/office/conflicts.json")).json()
    (group,) = queue["groups"]
    assert group["application"]["tracking_code"] == create(1)["args"]["tracking_code"]
    side = {c["field"]: c for c in group["conflicts"]}
    assert side["phone"]["base"] == "081100000001"  # what the tablet edited from
    assert side["phone"]["device"] == "081100000003"
    assert side["phone"]["server"] == "+6281100000002"
    page = await client.get("/office/conflicts")
    assert page.headers["cache-control"] == "no-store" and "Warung HP" in page.text

    url = f"/office/conflicts/{phone.id}/resolve"
    assert (await client.post(url, data={"choice": "device"})).status_code == 403  # no CSRF
    unclear = await client.post(url, data={"csrf_token": csrf, "choice": ""})
    assert unclear.status_code == 400 and "ketik nilai baru" in unclear.text
    wrong = await client.post(url, data={"csrf_token": csrf, "choice": "value", "value": "4"})
    assert wrong.status_code == 400
    assert (await SyncConflict.get(id=phone.id)).status == "open"

    done = await client.post(url, data={"csrf_token": csrf, "choice": "device"})
    assert done.status_code == 303
    typed = await client.post(
        f"/office/conflicts/{name.id}/resolve",
        data={"csrf_token": csrf, "choice": "value", "value": "  Warung Siti  "},
    )
    assert typed.status_code == 303
    stored = await Application.get(id=rid(1))
    assert stored.data["phone"] == "+6281100000003"  # the tablet's, in canonical form
    assert stored.data["business_name"] == "Warung Siti"
    events = await AuditEvent.filter(action="conflict.resolve").order_by("id")
    assert [e.detail["outcome"] for e in events] == ["keep_device", "typed"]
    assert all("1100000003" not in str(e.detail) and "Siti" not in str(e.detail) for e in events)
    assert (await client.get("/office/conflicts.json")).json()["groups"] == []

    pulled = await tablet.pull()
    (record,) = pulled["records"]
    assert record["fields"]["phone"] == "+6281100000003"
    assert record["fields"]["business_name"] == "Warung Siti"
    resolved = {c["field"]: c for c in pulled["conflicts"]}
    assert resolved["phone"]["status"] == "resolved"
    assert resolved["phone"]["resolution"]["value"] == "+6281100000003"


async def test_duplicates_are_linked_or_dismissed_once(  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient, tablet: Tablet, make_user
) -> None:
    nik = "6371054512900002"
    await tablet.push(create(1, nik=nik), submit(1))
    await tablet.push(create(2, nik=nik), submit(2))
    await tablet.push(create(3, business_name="Toko Maju"), submit(3))
    await tablet.push(create(4, business_name="TOKO maju"), submit(4))
    by_app = {f.application_id: f for f in await ApplicationDuplicate.all()}  # type: ignore[attr-defined]
    assert set(by_app) == {rid(2), rid(4)}

    outsider = await make_user(Role.VERIFIER, area_codes=["63.03"])
    csrf = await staff_login(client, outsider.username)
    assert (await client.get("/office/duplicates.json")).json()["flags"] == []
    refused = await client.post(
        f"/office/duplicates/{by_app[rid(2)].id}/decide",
        data={"csrf_token": csrf, "decision": "dismiss"},
    )
    assert refused.status_code == 404

    verifier = await make_user(Role.VERIFIER, area_codes=["63.71"])
    csrf = await staff_login(client, verifier.username)
    flags = (await client.get("/office/duplicates.json")).json()["flags"]
    nik_flag = next(f for f in flags if f["reason"] == "nik")
    assert nik_flag["application"]["id"] == rid(2) and nik_flag["other"]["id"] == rid(1)
    assert nik_flag["application"]["nik"] != nik and nik_flag["application"]["nik"].endswith("0002")
    html = await client.get("/office/duplicates")
    assert "Nama usaha sama di desa yang sama" in html.text
    inbox = (await client.get("/office.json", params={"duplicate": "1"})).json()
    assert {r["id"] for r in inbox["applications"]} == {rid(2), rid(4)}

    url = f"/office/duplicates/{by_app[rid(2)].id}/decide"
    bad = await client.post(url, data={"csrf_token": csrf, "decision": "maybe"})
    assert bad.status_code == 400
    ok = await client.post(url, data={"csrf_token": csrf, "decision": "dismiss"})
    assert ok.status_code == 303
    again = await client.post(url, data={"csrf_token": csrf, "decision": "link"})
    assert again.status_code == 409
    linked = await client.post(
        f"/office/duplicates/{by_app[rid(4)].id}/decide",
        data={"csrf_token": csrf, "decision": "link"},
    )
    assert linked.status_code == 303
    statuses = {f.application_id: f.status for f in await ApplicationDuplicate.all()}  # type: ignore[attr-defined]
    assert statuses == {rid(2): "dismissed", rid(4): "linked"}
    events = await AuditEvent.filter(action__startswith="duplicate.").order_by("id")
    assert [(e.action, e.object_id, e.detail["reason"]) for e in events] == [
        ("duplicate.dismiss", rid(2), "nik"),
        ("duplicate.link", rid(4), "business_name"),
    ]
    assert all(nik not in str(e.detail) for e in events)
    assert (await client.get("/office/duplicates.json")).json()["flags"] == []
    # A dismissed pair is not flagged again when the application syncs once more.
    await tablet.push(update(2, full_name=("Siti Rahmah", "Siti R.")))
    assert await ApplicationDuplicate.filter(status="open").count() == 0
