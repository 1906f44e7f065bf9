"""The citizen mutations (``sync.citizen``) against the in-memory store: parsing, visibility,
the survey's status rule, effects and replay. The database store runs the same mutations over
HTTP in tests/server/test_citizen_feedback.py."""

from __future__ import annotations

import pytest

from sync import Actor, MemoryStore, Sync, citizen
from tests.sync.helpers import Device, create, intent, rid

VILLAGE = "63.01.01.2001"
FID = "0f8e4c1a-7b2d-4e9f-a1c3-5d6e7f8a9b01"
SID = "0f8e4c1a-7b2d-4e9f-a1c3-5d6e7f8a9b02"


def feedback(**over: object) -> dict:
    args = {
        "feedback_id": FID,
        "ticket_code": "TK-7K3M-9QXD-4HTW",
        "ticket_token": "t0kenT0kenT0kenT0kenT0",
        "kind": "pengaduan",
        "category": "permintaan_imbalan",
        "message": "Diminta uang rokok oleh oknum.",
    }
    args.update(over)
    return {"name": "submit_feedback", "args": {k: v for k, v in args.items() if v is not None}}


def survey(record: int, **over: object) -> dict:
    args = {
        "survey_id": SID,
        "record_id": rid(record),
        "answers": {e: 3 for e in citizen.SKM_ELEMENTS},
        "age": 30,
        "sex": "P",
        "education": "sma",
        "occupation": "wirausaha",
    }
    args.update(over)
    return {"name": "submit_survey", "args": args}


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def sync(store: MemoryStore) -> Sync:
    return Sync(store)


@pytest.fixture
def ani(sync: Sync) -> Device:
    return Device(sync, Actor("u-ani", "d-ani-1", ("63.01",)))


async def test_feedback_becomes_one_effect_and_replays(store: MemoryStore, ani: Device) -> None:
    body = ani.body(feedback())
    first = await ani.send(body)
    assert first["results"][0]["status"] == "applied"
    (effect,) = store.state.effects
    assert effect.kind == "feedback"
    assert effect.data["id"] == FID and effect.data["category"] == "permintaan_imbalan"
    assert effect.data["created_by"] == "device:d-ani-1" and effect.data["application_id"] is None
    again = await ani.send(body)
    assert again["results"][0].get("replayed") is True
    assert len(store.state.effects) == 1


async def test_feedback_is_checked_field_by_field(store: MemoryStore, ani: Device) -> None:
    cases = [
        (feedback(kind="keluhan"), "args.kind"),
        (feedback(category=None), "args.category"),
        (feedback(message="pendek"), "args.message"),
        (feedback(message="x" * 2001), "args.message"),
        (feedback(ticket_code="TK-1"), "args.ticket_code"),
        (feedback(ticket_token="short"), "args.ticket_token"),
        (feedback(contact=7), "args.contact"),
        (feedback(extra=1), "args"),
    ]
    for mutation, path in cases:
        out = await ani.push(mutation)
        result = out["results"][0]
        assert result["status"] == "rejected", mutation
        assert path in str(result), (path, result)
    assert store.state.effects == []


async def test_feedback_about_an_application_needs_to_see_it(sync: Sync, ani: Device) -> None:
    budi = Device(sync, Actor("u-budi", "d-budi-1", ("63.02",)))
    await ani.push(create(1, {"business_region": VILLAGE}))
    theirs = await budi.push(feedback(record_id=rid(1)))
    assert theirs["results"][0]["status"] == "rejected"
    mine = await ani.push(feedback(record_id=rid(1)))
    assert mine["results"][0]["status"] == "applied"


async def test_survey_opens_only_after_issue(store: MemoryStore, sync: Sync, ani: Device) -> None:
    await ani.push(create(1, {"business_region": VILLAGE}), intent("submit_application", 1))
    early = await ani.push(survey(1))
    assert early["results"][0]["status"] == "rejected"
    assert "survey_not_open" in str(early["results"][0])
    staff = Actor("u-staff", None, (), "staff")
    for step in ("verifikasi", "diproses", "disetujui", "terbit"):
        await sync.transition(staff, rid(1), step)
    bad = await ani.push(survey(1, answers={**{e: 3 for e in citizen.SKM_ELEMENTS}, "u4": 5}))
    assert bad["results"][0]["status"] == "rejected" and "args.answers.u4" in str(bad)
    ok = await ani.push(survey(1))
    assert ok["results"][0]["status"] == "applied"
    (effect,) = store.state.effects
    assert effect.kind == "survey" and effect.data["u4"] == 3 and effect.data["permit_type"]
