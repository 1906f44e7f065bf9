"""The office side of citizen feedback (inbox, reply, assignment, states, overdue) and the SKM
report (table, chart, CSV, Krejcie & Morgan target)."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

from server.models import Application, AuditEvent, Feedback, Role, StatusChange, SurveyResponse
from server.services.citizen import feedback
from tests.conftest import staff_login
from tests.server.test_skm_arithmetic import example_sheets


async def new_ticket(kind: str = "pengaduan", settings=None) -> feedback.NewTicket:  # type: ignore[no-untyped-def]
    return await feedback.create(
        {
            "kind": kind,
            "category": "tidak_patut",
            "message": "Petugas membentak saya di loket.",
            "contact": "0812-1111-2222",
        },
        source="public",
        now=datetime.now(UTC),
        timezone="Asia/Makassar",
    )


async def test_inbox_reply_and_the_answer_reaches_the_ticket_page(client, make_user, db):
    ticket = await new_ticket()
    verifier = await make_user(Role.VERIFIER)
    csrf = await staff_login(client, verifier.username)
    inbox = await client.get("/office/feedback")
    assert inbox.status_code == 200 and ticket.feedback.ticket_code in inbox.text
    assert inbox.headers["cache-control"] == "no-store"
    twin = (await client.get("/office/feedback.json")).json()
    assert twin["counts"]["new"] == 1 and twin["tickets"][0]["kind"] == "pengaduan"
    detail = await client.get(f"/office/feedback/{ticket.feedback.id}")
    assert "0812-1111-2222" in detail.text and "Perilaku tidak patut" in detail.text
    assert await AuditEvent.filter(action="feedback.read", object_id=ticket.feedback.id).exists()

    url = f"/office/feedback/{ticket.feedback.id}"
    forged = await client.post(f"{url}/reply", data={"reply": "Maaf.", "csrf_token": "x" * 40})
    assert forged.status_code == 403 and (await Feedback.get()).reply == ""
    early_close = await client.post(f"{url}/state", data={"state": "closed", "csrf_token": csrf})
    assert early_close.status_code == 409 and "Jawab masyarakat dulu" in early_close.text
    assigned = await client.post(
        f"{url}/assign", data={"assignee": str(verifier.id), "csrf_token": csrf}
    )
    assert assigned.status_code == 303
    row = await Feedback.get()
    assert row.state == "in_progress" and row.assigned_to_id == verifier.id
    empty = await client.post(f"{url}/reply", data={"reply": "   ", "csrf_token": csrf})
    assert empty.status_code == 400
    reply = "Mohon maaf, petugas sudah kami tegur. Terima kasih atas laporannya."
    sent = await client.post(f"{url}/reply", data={"reply": reply, "csrf_token": csrf})
    assert sent.status_code == 303
    assert (await Feedback.get()).state == "answered"
    page = await client.get(f"/tiket/{ticket.feedback.ticket_code}?k={ticket.token}")
    assert reply in page.text and "Sudah dijawab" in page.text
    closed = await client.post(f"{url}/state", data={"state": "closed", "csrf_token": csrf})
    assert closed.status_code == 303 and (await Feedback.get()).state == "closed"
    bad_state = await client.post(f"{url}/state", data={"state": "gone", "csrf_token": csrf})
    assert bad_state.status_code == 400
    assert (await client.post(f"{url}/explode", data={"csrf_token": csrf})).status_code == 404


async def test_overdue_list_and_roles(client, make_user, db):
    late = await new_ticket()
    fresh = await new_ticket("konsultasi")
    await Feedback.filter(id=late.feedback.id).update(
        due_on=datetime.now(UTC).date() - timedelta(days=3)
    )
    officer = await make_user(Role.OFFICER)
    await staff_login(client, officer.username)
    assert (await client.get("/office/feedback")).status_code == 403
    supervisor = await make_user(Role.SUPERVISOR)
    await staff_login(client, supervisor.username)
    overdue = (await client.get("/office/feedback.json?overdue=1")).json()["tickets"]
    assert [t["ticket_code"] for t in overdue] == [late.feedback.ticket_code]
    assert overdue[0]["overdue"] is True
    everything = (await client.get("/office/feedback.json")).json()["tickets"]
    assert {t["ticket_code"] for t in everything} == {
        late.feedback.ticket_code,
        fresh.feedback.ticket_code,
    }
    assert (await client.get("/office/feedback?state=nope")).status_code == 400


async def seed_example(at: datetime, served: int) -> None:
    """The published example's 29 answer sheets, and ``served`` issued applications."""
    for n, sheet in enumerate(example_sheets()):
        await SurveyResponse.create(
            id=str(uuid.uuid4()),
            application_id=f"app-{n}",
            permit_type="nib-umk",
            **{f"u{i + 1}": score for i, score in enumerate(sheet)},
            age=20 + n,
            sex="LP"[n % 2],
            education="sma",
            occupation="wirausaha",
            source="status_page",
            answered_at=at,
        )
    for n in range(served):
        app = await Application.create(
            id=str(uuid.uuid4()),
            owner_user_id="1",
            created_by_client="c",
            permit_type="nib-umk",
            form_version=1,
            tracking_code=f"JB-2222-2222-{n:04d}".replace("0", "A").replace("1", "B"),
            status_token_hash="0" * 64,
            status="terbit",
            created_at=at,
            updated_at=at,
            change_seq=1000 + n,
        )
        await StatusChange.create(
            application=app, from_status="disetujui", to_status="terbit", actor="user:1", at=at
        )


async def test_skm_report_reproduces_the_example(client, make_user, db):
    at = datetime(2026, 8, 14, 3, 0, tzinfo=UTC)
    await seed_example(at, served=40)
    supervisor = await make_user(Role.SUPERVISOR)
    await staff_login(client, supervisor.username)
    data = (await client.get("/office/skm.json?period=2026-Q3")).json()
    overall = data["overall"]
    assert overall["ikm"] == "91.48" and overall["grade"] == "A"
    assert overall["index"] == "3.6590" and overall["respondents"] == 29
    assert overall["elements"]["u1"] == {"nrr": "3.6207", "ikm": "90.52"}
    assert overall["population"] == 40 and overall["target"] == 36
    assert overall["below_target"] is True
    assert [r["label"] for r in data["by_permit_type"]] == ["nib-umk"]
    assert [r["label"] for r in data["by_quarter"]] == ["2026-Q3"]
    assert data["profile"]["sex"] == {"L": 15, "P": 14}

    page = await client.get("/office/skm?period=2026-Q3")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "<svg" in page.text and "91.48" in page.text and 'id="below-target"' in page.text
    exported = await client.get("/office/skm.csv?period=2026-Q3")
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert rows[0]["scope"] == "overall" and rows[0]["ikm"] == "91.48"
    assert rows[0]["nrr_u4"] == "4.0000" and rows[0]["grade"] == "A"

    other = (await client.get("/office/skm.json?period=2026-Q2")).json()["overall"]
    assert other["respondents"] == 0 and other["ikm"] is None
    assert (await client.get("/office/skm?period=2026-Q9")).status_code == 400
    verifier = await make_user(Role.VERIFIER)
    await staff_login(client, verifier.username)
    assert (await client.get("/office/skm")).status_code == 403
    assert (await client.get("/office/skm.csv")).status_code == 403
