"""Pushed values are checked against the form the application was filled with (the shipped
NIB form here): unknown forms and fields, bad values and incomplete submissions are rejected
with a reason per field, in both languages, and nothing of them is stored."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from server.models import Application, Region, Role
from server.services.reference import demo

SHA = "ab" * 32


def complete_nib() -> dict[str, Any]:
    photo = {"content_type": "image/jpeg", "size": 180_000}
    return {
        "nik": "6371054512900002",  # a woman born 5 Dec 1990 in Banjarmasin
        "full_name": "Siti Rahmah",
        "sex": "P",
        "birth_date": "1990-12-05",
        "home_region": "63.71.01.1001",
        "home_address": "Jl. Pramuka No. 12 RT 004 RW 002",
        "phone": "+6281234567890",
        "email": "siti@contoh.id",
        "business_name": "Warung Berkah",
        "business_region": "63.71.01.1001",
        "business_address": "Jl. Pramuka No. 12",
        "kbli": "47111",
        "capital": 5_000_000,
        "workers": 2,
        "products": "Sembako dan minuman",
        "ktp_photo": {"sha256": SHA, "kind": "ktp", **photo},
        "business_front_photo": {"sha256": "cd" * 32, "kind": "business_front", **photo},
        "location": {
            "lat": -3.3186,
            "lon": 114.5944,
            "accuracy_m": 8,
            "captured_at": "2026-11-28T02:00:00Z",
        },
        "documents": ["ktp"],
        "signature": {
            "sha256": "ef" * 32,
            "kind": "signature",
            "content_type": "image/png",
            "size": 9_000,
        },
    }


def create(n: int, fields: dict[str, Any], version: int = 1) -> dict[str, Any]:
    return {
        "name": "create_application",
        "args": {
            "record_id": str(uuid.UUID(int=n, version=4)),
            "permit_type": "nib-umk",
            "form_version": version,
            "tracking_code": f"JB-7K3M-9QXD-{n:04d}".replace("0", "A").replace("1", "B"),
            "status_token": "q3Vb8xY2mN4pR6tW1zA9cE",
            "fields": fields,
        },
    }


def submit(n: int) -> dict[str, Any]:
    return {"name": "submit_application", "args": {"record_id": str(uuid.UUID(int=n, version=4))}}


@pytest.fixture
async def push(client: httpx.AsyncClient, make_user, make_device):  # type: ignore[no-untyped-def]
    await demo.load_permit_types()
    officer = await make_user(Role.OFFICER, area_codes=["63.71"])
    headers = {"authorization": f"Bearer {(await make_device(officer)).token}"}
    client_id = str(uuid.uuid4())
    sent = {"n": 0}

    async def send(*mutations: dict[str, Any]) -> list[dict[str, Any]]:
        body = {
            "protocol": 1,
            "client_id": client_id,
            "mutations": [{"id": sent["n"] + i, **m} for i, m in enumerate(mutations, 1)],
        }
        sent["n"] += len(mutations)
        response = await client.post("/api/sync/push", json=body, headers=headers)
        assert response.status_code == 200, response.text
        return list(response.json()["results"])

    return send


async def test_a_complete_application_is_accepted_and_submitted(push) -> None:  # type: ignore[no-untyped-def]
    results = await push(create(1, complete_nib()), submit(1))
    assert [r["status"] for r in results] == ["applied", "applied"], results
    stored = await Application.get(tracking_code=create(1, {})["args"]["tracking_code"])
    assert stored.status == "diterima" and stored.data["phone"] == "+6281234567890"


async def test_bad_values_and_unknown_fields_are_rejected_per_field(push) -> None:  # type: ignore[no-untyped-def]
    fields = {**complete_nib(), "nik": "12345", "phone": "halo", "shoe_size": 42, "kbli": "4711"}
    (result,) = await push(create(1, fields))
    assert result["status"] == "rejected" and result["reason"] == "invalid_fields"
    assert sorted(result["fields"]) == ["kbli", "nik", "phone", "shoe_size"]
    (nik,) = result["fields"]["nik"]
    assert nik["id"] and nik["en"] and nik["id"] != nik["en"]
    assert "nik:" in result["message"]
    assert await Application.all().count() == 0


async def test_unknown_form_version_is_rejected(push) -> None:  # type: ignore[no-untyped-def]
    (result,) = await push(create(1, {"full_name": "Siti"}, version=99))
    assert result["reason"] == "unknown_form" and "version 99" in result["message"]
    assert await Application.all().count() == 0


async def test_a_draft_may_be_partial_but_a_submission_must_be_complete(push) -> None:  # type: ignore[no-untyped-def]
    draft = {"nik": "6371054512900002", "full_name": "Siti Rahmah"}
    created, submitted = await push(create(1, draft), submit(1))
    assert created["status"] == "applied"
    assert submitted["reason"] == "invalid_fields"
    assert {"phone", "signature", "location"} <= set(submitted["fields"])
    assert submitted["fields"]["phone"][0]["code"] == "required"
    stored = await Application.get(id=create(1, {})["args"]["record_id"])
    assert stored.status == "draf"

    rest = {k: v for k, v in complete_nib().items() if k not in draft}
    update = {
        "name": "update_fields",
        "args": {
            "record_id": str(stored.id),
            "changes": {k: {"base": None, "value": v} for k, v in rest.items()},
        },
    }
    assert [r["status"] for r in await push(update, submit(1))] == ["applied", "applied"]
    await stored.refresh_from_db()
    assert stored.status == "diterima"


async def test_an_edit_with_a_bad_value_changes_nothing(push) -> None:  # type: ignore[no-untyped-def]
    await push(create(1, complete_nib()))
    record_id = create(1, {})["args"]["record_id"]
    bad = {
        "name": "update_fields",
        "args": {
            "record_id": record_id,
            "changes": {
                "workers": {"base": 2, "value": -3},
                "business_name": {"base": "Warung Berkah", "value": "Warung Berkah Jaya"},
            },
        },
    }
    (result,) = await push(bad)
    assert result["reason"] == "invalid_fields" and list(result["fields"]) == ["workers"]
    stored = await Application.get(id=record_id)
    assert stored.data["workers"] == 2 and stored.data["business_name"] == "Warung Berkah"


async def test_region_values_must_name_a_village_the_server_knows(push) -> None:  # type: ignore[no-untyped-def]
    from server import reference
    from server.services.reference import regions

    await regions.import_rows(regions.read_csv(reference.DEMO_REGIONS_FILE))
    known = await Region.filter(level=4).first().values_list("code", flat=True)
    unknown = known[:-4] + "9999"
    assert not await Region.exists(code=unknown)
    made_up, real = await push(
        create(1, {**complete_nib(), "business_region": unknown}),
        create(2, {**complete_nib(), "business_region": known, "home_region": known}),
    )
    assert made_up["reason"] == "invalid_fields"
    assert made_up["fields"]["business_region"][0]["code"] == "region_unknown"
    assert real["status"] == "applied", real
