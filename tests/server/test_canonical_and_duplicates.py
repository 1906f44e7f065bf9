"""What the server keeps of a submitted application: canonical values (NIK as 16 digits,
phones in E.164, trimmed text), the warnings the form check computed, the typed original
where it reads differently; and suspected duplicates flagged when it syncs."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from server.models import Application, ApplicationDuplicate
from tests.server.test_sync_forms import complete_nib, create, push, submit

__all__ = ["push"]  # the fixture


def rec(n: int) -> str:
    return str(uuid.UUID(int=n, version=4))


async def test_submission_is_stored_canonical_with_its_warnings(push, client: httpx.AsyncClient):  # type: ignore[no-untyped-def]
    typed = {
        **complete_nib(),
        "nik": " 6371 0545 1290 0002 ",
        "phone": "0812-3456-7890",
        "full_name": "  Siti Rahmah ",
        "birth_date": "1990-12-06",  # the NIK says the 5th
        "location": {**complete_nib()["location"], "accuracy_m": 250},
    }
    attach = {
        "name": "attach_file",
        "args": {"record_id": rec(1), "sha256": "ab" * 32, "kind": "ktp"},
    }
    results = await push(create(1, typed), attach)
    draft = await Application.get(id=rec(1))
    assert results[0]["status"] == "applied" and draft.data["phone"] == "0812-3456-7890"
    assert draft.warnings == {} and draft.submitted_at is None

    assert (await push(submit(1)))[0]["status"] == "applied"
    kept = await Application.get(id=rec(1))
    assert kept.data["nik"] == "6371054512900002" and kept.nik == "6371054512900002"
    assert kept.data["phone"] == "+6281234567890" and kept.data["full_name"] == "Siti Rahmah"
    assert kept.applicant_name == "Siti Rahmah" and kept.business_key == "warung berkah"
    assert kept.submitted_at is not None and kept.files_missing is True  # the KTP photo
    assert [w["code"] for w in kept.warnings["nik"]] == ["nik_birth_date_mismatch"]
    assert [w["code"] for w in kept.warnings["location"]] == ["gps_inaccurate"]
    assert "250" in kept.warnings["location"][0]["id"]
    assert kept.typed == {"phone": {"typed": "0812-3456-7890", "canonical": "+6281234567890"}}

    # An edit sent from the typed value the tablet still shows merges without a conflict.
    change = {
        "name": "update_fields",
        "args": {
            "record_id": rec(1),
            "changes": {"birth_date": {"base": "1990-12-06", "value": "1990-12-05"}},
        },
    }
    assert (await push(change))[0]["status"] == "applied"
    kept = await Application.get(id=rec(1))
    assert "nik" not in kept.warnings and "location" in kept.warnings


def nib(n: int, **changes: Any) -> dict[str, Any]:
    return create(n, {**complete_nib(), **changes})


async def test_duplicates_are_flagged_once_when_they_sync(push) -> None:  # type: ignore[no-untyped-def]
    await push(nib(1), submit(1))
    # Same NIK and permit type; a draft is not compared until it is submitted.
    await push(nib(2, business_name="Toko Lain"))
    assert await ApplicationDuplicate.all().count() == 0
    await push(submit(2))
    # Same business name (spelled differently) in the same village, another NIK.
    await push(nib(3, nik="6371051203850001", business_name="  WARUNG  berkah! "), submit(3))
    # Same business name in another village: no match.
    await push(
        nib(4, nik="6371051203850002", business_region="63.71.01.1002"),
        submit(4),
    )
    pairs = {
        (d.application_id, d.other_id, d.reason, d.status) for d in await ApplicationDuplicate.all()
    }
    assert pairs == {
        (rec(2), rec(1), "nik", "open"),
        (rec(3), rec(1), "business_name", "open"),
    }
    change = {
        "name": "update_fields",
        "args": {"record_id": rec(3), "changes": {"workers": {"base": 2, "value": 3}}},
    }
    await push(change)  # saving again finds the same pair and adds nothing
    assert await ApplicationDuplicate.all().count() == 2
