"""Migration 0012: applications stored before every permit type was scoped (a halal or
SPP-IRT application kept an empty region) get the region of the field their form scopes
by, and a new change number, so the tablets of that area pull them at their next sync."""

from __future__ import annotations

import importlib
import uuid
from types import SimpleNamespace
from typing import Any

import httpx
from tortoise import connections

from server.models import Application, Role, SyncCounter
from server.services.forms.definitions import iter_fields, scope_field
from server.services.reference import demo
from tests.form_values import SHIPPED_FORMS, valid_application

SCOPED = "63.71.02.1005"  # the scope field's village (Banjarmasin)
ELSEWHERE = "63.03.05.2009"  # every other region field (another regency)
migration = importlib.import_module("server.migrations.0012_region_backfill")


async def push_one(client: httpx.AsyncClient, headers: dict[str, str], code: str, n: int) -> str:
    definition = dict(SHIPPED_FORMS)[code]
    regions = {f["name"]: ELSEWHERE for f in iter_fields(definition) if f["type"] == "region"}
    fields = valid_application(definition, {**regions, str(scope_field(definition)): SCOPED})
    record_id = str(uuid.uuid4())
    body = {
        "protocol": 1,
        "client_id": str(uuid.uuid4()),
        "mutations": [
            {
                "id": 1,
                "name": "create_application",
                "args": {
                    "record_id": record_id,
                    "permit_type": code,
                    "form_version": definition["version"],
                    "tracking_code": f"JB-7K3M-9QXD-AA{n:02d}",
                    "status_token": "q3Vb8xY2mN4pR6tW1zA9cE",
                    "fields": fields,
                },
            },
            {"id": 2, "name": "submit_application", "args": {"record_id": record_id}},
        ],
    }
    response = await client.post("/api/sync/push", json=body, headers=headers)
    assert [r["status"] for r in response.json()["results"]] == ["applied", "applied"]
    return record_id


async def pull(client: httpx.AsyncClient, headers: dict[str, str], cursor: Any) -> dict[str, Any]:
    body = {"protocol": 1, "client_id": headers["x-client"], "cursor": cursor}
    response = await client.post("/api/sync/pull", json=body, headers=headers)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    assert not answer["has_more"]
    return answer


async def test_unscoped_applications_get_their_forms_scope_region(
    client: httpx.AsyncClient, make_user, make_device
) -> None:  # type: ignore[no-untyped-def]
    await demo.load_permit_types()
    owner = await make_user(Role.OFFICER, area_codes=["63.03"])
    owner_headers = {"authorization": f"Bearer {(await make_device(owner)).token}"}
    ids = {
        code: await push_one(client, owner_headers, code, n)
        for n, (code, _) in enumerate(SHIPPED_FORMS)
    }
    # As stored before the scope rule: every application with an empty region, one of them
    # without a region value at all, one deleted.
    await Application.all().update(region_code="")
    no_value = await Application.get(id=ids["sku"])
    no_value.data = {**no_value.data, "business_region": "Banjarmasin"}  # not a region code
    await no_value.save(update_fields=["data"])
    gone = str(uuid.uuid4())
    await Application.create(
        **{
            **(await Application.filter(id=ids["nib-umk"]).values())[0],
            "id": gone,
            "tracking_code": "JB-7K3M-9QXD-GONE",
            "deleted": True,
            "change_seq": 10_000,
        }
    )
    await SyncCounter.filter(id=1).update(value=10_000)

    neighbour = await make_user(Role.OFFICER, area_codes=["63.71"])
    enrolled = await make_device(neighbour)
    headers = {"authorization": f"Bearer {enrolled.token}", "x-client": str(uuid.uuid4())}
    before = await pull(client, headers, None)
    assert before["records"] == [], "unscoped applications are in nobody's area"

    versions = {a.id: a.version for a in await Application.all()}
    await migration.fill_region_codes(None, SimpleNamespace(client=connections.get("default")))

    stored = {a.id: a for a in await Application.all()}
    expected = {ids[c]: SCOPED for c in ("nib-umk", "halal-self-declare", "spp-irt")}
    assert {i: stored[i].region_code for i in expected} == expected
    assert stored[ids["sku"]].region_code == "", "a value that is no region code stays unscoped"
    assert stored[gone].region_code == "" and stored[gone].change_seq == 10_000
    assert sorted(stored[i].change_seq for i in expected) == [10_001, 10_002, 10_003]
    assert (await SyncCounter.get(id=1)).value == 10_003
    assert {a.id: a.version for a in stored.values()} == versions, "no edit: versions stay"

    after = await pull(client, headers, before["cursor"])
    assert {r["id"] for r in after["records"]} == set(expected), "the area's tablet pulls them"
    # Running it again changes nothing.
    from server.services.applications.region_backfill import backfill_region_codes

    assert await backfill_region_codes(connections.get("default")) == 0
    assert (await SyncCounter.get(id=1)).value == 10_003
