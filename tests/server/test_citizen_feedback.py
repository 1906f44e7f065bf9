"""Feedback from the status page and the public page, its ticket page, and the SKM survey."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlencode, urlsplit

from server.models import Application, Feedback, MutationResult, Role, SurveyResponse
from server.services.applications import sync_service
from server.services.citizen import skm
from tests.server.citizen import Pushed, aged_form_token, form_nonce, push_application


def complaint(**over: str) -> dict[str, str]:
    return {
        "kind": "pengaduan",
        "category": "penundaan_berlarut",
        "message": "Sudah dua minggu belum ada kabar dari kantor.",
        "contact_name": "Bu Siti",
        "contact": "0812-3456-7890",
        **over,
    }


async def test_a_complaint_from_the_status_page_gets_a_ticket(
    client, make_user, make_device, siup_mikro_form, settings
):
    pushed = await push_application(client, make_user, make_device)
    start = f"/umpan-balik?t={pushed.code}&k={pushed.token}"
    nonce = await form_nonce(client, start)
    sent = await client.post(
        "/umpan-balik",
        data={
            **complaint(),
            "t": pushed.code,
            "k": pushed.token,
            "form_token": aged_form_token(settings, nonce),
        },
    )
    assert sent.status_code == 303
    target = sent.headers["location"]
    row = await Feedback.get()
    assert row.application_id == pushed.record_id and row.source == "status_page"
    assert row.state == "new" and row.category == "penundaan_berlarut"
    token = parse_qs(urlsplit(target).query)["k"][0]
    assert token not in row.ticket_token_hash and len(row.ticket_token_hash) == 64
    created = row.created_at.date()
    assert (row.due_on - created).days >= 5  # five working days
    page = await client.get(target)
    assert page.status_code == 200
    assert row.ticket_code in page.text and "Penundaan berlarut" in page.text
    assert "0812-3456-7890" not in page.text and "Bu Siti" not in page.text
    assert "lapor.go.id" in page.text and "Belum ada jawaban" in page.text
    assert page.headers["cache-control"] == "no-store"
    wrong = await client.get(f"/tiket/{row.ticket_code}?k={token[:-2]}xx")
    assert wrong.status_code == 404


async def test_a_public_question_without_an_application(client, db, settings):
    nonce = await form_nonce(client, "/umpan-balik")
    sent = await client.post(
        "/umpan-balik",
        data={
            "kind": "konsultasi",
            "category": "diskriminasi",  # ignored: only complaints have a category
            "message": "Apa syarat SPP-IRT untuk usaha kue rumahan?",
            "form_token": aged_form_token(settings, nonce),
        },
    )
    assert sent.status_code == 303
    row = await Feedback.get()
    assert row.application_id is None and row.source == "public" and row.category == ""


async def test_bad_feedback_is_refused_and_nothing_is_stored(client, db, settings):
    nonce = await form_nonce(client, "/umpan-balik")
    token = aged_form_token(settings, nonce)
    cases = [
        complaint(kind="gossip"),
        complaint(category=""),
        complaint(message="pendek"),
        complaint(message="x" * 2001),
        complaint(message="ada \x00 di sini, cukup panjang"),
    ]
    for case in cases:
        answer = await client.post("/umpan-balik", data={**case, "form_token": token})
        assert answer.status_code == 400, case
        assert "Periksa isian yang ditandai" in answer.text
    assert await Feedback.all().count() == 0


async def test_an_oversized_body_is_413_with_a_message_and_stores_nothing(client, db, settings):
    """The body is capped before it is parsed, whether or not it declares its length; an
    honest worst case (2,000 four-byte characters, percent-encoded) still gets through."""
    nonce = await form_nonce(client, "/umpan-balik")
    token = aged_form_token(settings, nonce)
    body = urlencode({**complaint(message="x" * 40_000), "form_token": token}).encode()
    form = {"content-type": "application/x-www-form-urlencoded"}
    declared = await client.post("/umpan-balik", content=body, headers=form)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 4096):
            yield body[start : start + 4096]

    streamed = await client.post("/umpan-balik", content=chunks(), headers=form)
    for answer in (declared, streamed):
        assert answer.status_code == 413
        assert "pesan paling banyak 2.000 karakter" in answer.text  # Indonesian by default
    assert "content-length" not in streamed.request.headers
    assert await Feedback.all().count() == 0
    english = await client.post("/umpan-balik?lang=en", content=body, headers=form)
    assert "a message may hold at most 2,000 characters" in english.text
    not_a_form = await client.post("/umpan-balik", json={"kind": "saran"})
    assert not_a_form.status_code == 415 and await Feedback.all().count() == 0
    widest = complaint(message="\U0001f600" * 2000)
    honest = await client.post("/umpan-balik", data={**widest, "form_token": token})
    assert honest.status_code == 303, honest.text[-1500:]
    assert await Feedback.all().count() == 1


async def test_a_flood_from_one_address_gets_429(client, db, settings):
    nonce = await form_nonce(client, "/umpan-balik")
    token = aged_form_token(settings, nonce)
    too_long_name = complaint(contact_name="n" * 101)
    flood = [await client.post("/umpan-balik", data={**too_long_name, "form_token": token})]
    for _ in range(5):
        flood.append(await client.post("/umpan-balik", data={**complaint(), "form_token": token}))
    assert [a.status_code for a in flood] == [400, 303, 303, 303, 303, 429]
    assert int(flood[-1].headers["retry-after"]) > 0
    assert await Feedback.all().count() == 4


async def test_html_in_a_message_is_shown_as_text(client, db, settings):
    nonce = await form_nonce(client, "/umpan-balik")
    sent = await client.post(
        "/umpan-balik",
        data={
            **complaint(message="<script>alert(1)</script> cukup panjang"),
            "form_token": aged_form_token(settings, nonce),
        },
    )
    page = await client.get(sent.headers["location"])
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


async def test_a_complaint_about_an_unknown_application_is_404(client, db, settings):
    nonce = await form_nonce(client, "/umpan-balik")
    answer = await client.post(
        "/umpan-balik",
        data={
            **complaint(),
            "t": "JB-2222-3333-4444",
            "k": "q3Vb8xY2mN4pR6tW1zA9cE",
            "form_token": aged_form_token(settings, nonce),
        },
    )
    assert answer.status_code == 404 and await Feedback.all().count() == 0
    assert (await client.get("/umpan-balik?t=JB-2222-3333-4444&k=x")).status_code == 404
    assert (await client.get("/tiket/TK-2222-3333-4444?k=" + "a" * 22)).status_code == 404


def answers(**over: str) -> dict[str, str]:
    base = {f"u{n}": "4" for n in range(1, 10)}
    base.update({"age": "34", "sex": "P", "education": "sma", "occupation": "wirausaha"})
    base.update(over)
    return base


async def test_survey_once_per_service_after_issue(
    client, make_user, make_device, siup_mikro_form, settings
):
    pushed = await push_application(client, make_user, make_device)
    link = f"/t/{pushed.code}/survei?k={pushed.token}"
    closed = await client.get(link)
    assert closed.status_code == 409
    status_page = await client.get(f"/t/{pushed.code}?k={pushed.token}")
    assert 'id="survey"' not in status_page.text

    verifier = await make_user(Role.VERIFIER)
    for step in ("verifikasi", "diproses", "disetujui", "terbit"):
        await sync_service.transition(verifier, pushed.record_id, step)
    status_page = await client.get(f"/t/{pushed.code}?k={pushed.token}")
    assert 'id="survey"' in status_page.text
    nonce = await form_nonce(client, link)
    token = aged_form_token(settings, nonce)
    bad = await client.post(link, data={**answers(u3="5", age="7"), "form_token": token})
    assert bad.status_code == 400 and "antara 15 dan 100" in bad.text
    assert await SurveyResponse.all().count() == 0
    done = await client.post(link, data={**answers(u3="2"), "form_token": token})
    assert done.status_code == 200 and 'id="survey-done"' in done.text
    row = await SurveyResponse.get()
    assert (row.u1, row.u3, row.age, row.sex, row.permit_type) == (4, 2, 34, "P", "siup_mikro")
    again = await client.post(link, data={**answers(), "form_token": token})
    assert again.status_code == 409 and await SurveyResponse.all().count() == 1
    status_page = await client.get(f"/t/{pushed.code}?k={pushed.token}")
    assert 'id="survey"' not in status_page.text


# --- offline, through sync ------------------------------------------------------------------


def feedback_mutation(mid: int, feedback_id: str, **over: object) -> dict:
    return {
        "id": mid,
        "name": "submit_feedback",
        "args": {
            "feedback_id": feedback_id,
            "ticket_code": "TK-7K3M-9QXD-4HTW",
            "ticket_token": "t0kenT0kenT0kenT0kenT0",
            "kind": "apresiasi",
            "message": "Petugas datang ke pasar dan sangat membantu.",
            **over,
        },
    }


async def push(client, device_token: str, client_id: str, mutations: list[dict]) -> dict:
    answer = await client.post(
        "/api/sync/push",
        json={"protocol": 1, "client_id": client_id, "mutations": mutations},
        headers={"Authorization": f"Bearer {device_token}"},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_feedback_taken_offline_syncs_once(client, make_user, make_device, siup_mikro_form):
    pushed = await push_application(client, make_user, make_device)
    fid = str(uuid.uuid4())
    first = await push(
        client,
        pushed.device_token,
        pushed.client_id,
        [feedback_mutation(3, fid, record_id=pushed.record_id)],
    )
    assert first["results"][0]["status"] == "applied"
    replay = await push(client, pushed.device_token, pushed.client_id, [feedback_mutation(3, fid)])
    assert replay["results"][0]["status"] == "applied"
    resent = await push(client, pushed.device_token, pushed.client_id, [feedback_mutation(4, fid)])
    assert resent["results"][0]["status"] == "applied"
    rows = await Feedback.all()
    assert len(rows) == 1
    row = rows[0]
    assert row.source == "field" and row.application_id == pushed.record_id
    assert row.kind == "apresiasi" and row.created_by.startswith("device:")
    assert row.due_on > row.created_at.date()
    page = await client.get(f"/tiket/{row.ticket_code}?k=t0kenT0kenT0kenT0kenT0")
    assert page.status_code == 200 and "Apresiasi" in page.text


async def test_offline_feedback_and_survey_are_checked(
    client, make_user, make_device, siup_mikro_form
):
    pushed = await push_application(client, make_user, make_device)
    answer = await push(
        client,
        pushed.device_token,
        pushed.client_id,
        [
            feedback_mutation(3, str(uuid.uuid4()), kind="pengaduan"),
            feedback_mutation(4, str(uuid.uuid4()), message="short"),
            feedback_mutation(5, str(uuid.uuid4()), record_id=str(uuid.uuid4())),
            {
                "id": 6,
                "name": "submit_survey",
                "args": {
                    "survey_id": str(uuid.uuid4()),
                    "record_id": pushed.record_id,
                    "answers": {f"u{n}": 4 for n in range(1, 10)},
                    "age": 40,
                    "sex": "L",
                    "education": "s1",
                    "occupation": "swasta",
                },
            },
        ],
    )
    statuses = [(r["status"], r.get("reason") or r.get("error")) for r in answer["results"]]
    assert statuses[0][0] == "rejected" and statuses[1][0] == "rejected"
    assert statuses[2][0] == "rejected"  # an application this officer cannot see
    assert statuses[3][0] == "rejected"  # not issued yet: the survey is not open
    assert await Feedback.all().count() == 0 and await SurveyResponse.all().count() == 0


async def test_survey_taken_offline_after_issue(client, make_user, make_device, siup_mikro_form):
    pushed = await push_application(client, make_user, make_device)
    verifier = await make_user(Role.VERIFIER)
    for step in ("verifikasi", "diproses", "disetujui", "terbit"):
        await sync_service.transition(verifier, pushed.record_id, step)
    survey = {
        "survey_id": str(uuid.uuid4()),
        "record_id": pushed.record_id,
        "answers": {f"u{n}": n % 4 + 1 for n in range(1, 10)},
        "age": 40,
        "sex": "L",
        "education": "s1",
        "occupation": "swasta",
    }
    mutations = [
        {"id": 3, "name": "submit_survey", "args": survey},
        {"id": 4, "name": "submit_survey", "args": {**survey, "survey_id": str(uuid.uuid4())}},
    ]
    answer = await push(client, pushed.device_token, pushed.client_id, mutations)
    assert [r["status"] for r in answer["results"]] == ["applied", "rejected"]
    assert answer["results"][1]["reason"] == "already_rated"  # refused, not dropped silently
    resent = await push(client, pushed.device_token, pushed.client_id, [{**mutations[0], "id": 5}])
    assert resent["results"][0]["status"] == "applied"  # the same survey again: nothing new
    rows = await SurveyResponse.all()
    assert len(rows) == 1 and rows[0].u1 == 2 and rows[0].source == "field"
    assert rows[0].id == survey["survey_id"]
    assert (await Application.get(id=pushed.record_id)).status == "terbit"
    assert rows[0].answered_at <= datetime.now(UTC)
    stored = await MutationResult.filter(mutation_id=4).values_list("result", flat=True)
    assert stored[0]["reason"] == "already_rated"  # replayed as refused to a tablet asking again


async def issued_with_phone_survey(client, make_user, make_device) -> Pushed:
    pushed = await push_application(client, make_user, make_device)
    verifier = await make_user(Role.VERIFIER)
    for step in ("verifikasi", "diproses", "disetujui", "terbit"):
        await sync_service.transition(verifier, pushed.record_id, step)
    app = await Application.get(id=pushed.record_id)
    phone = {f"u{n}": "4" for n in range(1, 10)} | {
        "age": "30",
        "sex": "P",
        "education": "sma",
        "occupation": "wirausaha",
    }
    await skm.submit(app, phone, source="status_page", now=datetime.now(UTC))
    return pushed


def tablet_survey(mid: int, record_id: str) -> dict:
    answers = {f"u{n}": 1 for n in range(1, 10)}
    args = {"survey_id": str(uuid.uuid4()), "record_id": record_id, "answers": answers}
    args |= {"age": 50, "sex": "L", "education": "sd", "occupation": "petani_nelayan"}
    return {"id": mid, "name": "submit_survey", "args": args}


async def test_a_tablet_survey_after_the_citizen_rated_is_refused(
    client, make_user, make_device, siup_mikro_form
):
    pushed = await issued_with_phone_survey(client, make_user, make_device)
    answer = await push(
        client, pushed.device_token, pushed.client_id, [tablet_survey(3, pushed.record_id)]
    )
    (result,) = answer["results"]
    assert result["status"] == "rejected" and result["reason"] == "already_rated"
    rows = await SurveyResponse.all().values_list("source", "u1")
    assert rows == [("status_page", 4)]


async def test_a_phone_survey_racing_the_sync_check_still_refuses_the_tablet(
    client, make_user, make_device, siup_mikro_form, monkeypatch, caplog
):
    """The phone's answer lands between the engine's check and the write: the write notices,
    the push is retried one mutation at a time and the survey is refused by name; the other
    mutation of the push still applies."""
    pushed = await issued_with_phone_survey(client, make_user, make_device)
    readers = sync_service.engine().store.claim_readers
    real = readers["survey"]
    calls = {"n": 0}

    async def stale_first(sql, ids):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        return {} if calls["n"] == 1 else await real(sql, ids)

    monkeypatch.setitem(readers, "survey", stale_first)
    fid = str(uuid.uuid4())
    mutations = [tablet_survey(3, pushed.record_id), feedback_mutation(4, fid)]
    answer = await push(client, pushed.device_token, pushed.client_id, mutations)
    assert [r["status"] for r in answer["results"]] == ["rejected", "applied"]
    assert answer["results"][0]["reason"] == "already_rated"
    assert await SurveyResponse.all().values_list("source", flat=True) == ["status_page"]
    assert await Feedback.filter(id=fid).exists()
    assert calls["n"] == 2 and "answered meanwhile" in caplog.text
