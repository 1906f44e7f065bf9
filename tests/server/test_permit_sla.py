"""An admin changes a permit type's SLA (working days, which statuses start and pause the
clock) on its admin page: for clocks that start from then on. Running and decided clocks keep
the settings they started with; a bad value is a clear 400 and changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from server.models import Application, AuditEvent, PermitType, Role
from server.services.applications import sla
from server.services.applications.workflow import DEFAULT_SLA, SlaRules, SlaVersion
from server.services.reference.calendar import add_working_days
from tests.conftest import staff_login
from tests.server.test_sla import HOLIDAYS, TZ, wita
from tests.server.test_workflow import push_submitted, step

URL = "/admin/permit-types/siup_mikro/sla.json"


def test_a_clock_keeps_the_settings_in_force_when_it_started():
    changed = wita("2026-08-13", 12)  # an admin went from 5 to 10 days, start at verifikasi
    earlier = [SlaVersion(until=changed, days=5, rules=DEFAULT_SLA)]
    new_rules = SlaRules(
        start=frozenset({"verifikasi"}), pause=DEFAULT_SLA.pause, stop=DEFAULT_SLA.stop
    )
    now = wita("2026-08-31")

    def clock(changes):  # type: ignore[no-untyped-def]
        return sla.compute(changes, 10, new_rules, HOLIDAYS, now, TZ, earlier)

    before = clock([("verifikasi", wita("2026-08-12")), ("diproses", wita("2026-08-13", 9))])
    assert before.sla_days == 5 and before.started_at == wita("2026-08-13", 9)
    assert before.due == add_working_days(date(2026, 8, 13), 5, HOLIDAYS)
    # Waiting at verifikasi when the settings changed: no clock had started, so the new
    # settings judge its whole history — verifikasi now starts the clock, 10 days from then.
    waiting = clock([("verifikasi", wita("2026-08-12")), ("diproses", wita("2026-08-14"))])
    assert waiting.state == sla.RUNNING and waiting.sla_days == 10
    assert waiting.started_at == wita("2026-08-12")
    assert waiting.due == add_working_days(date(2026, 8, 12), 10, HOLIDAYS)
    after = clock([("verifikasi", wita("2026-08-14"))])
    assert after.sla_days == 10 and after.started_at == wita("2026-08-14")
    assert after.due == add_working_days(date(2026, 8, 14), 10, HOLIDAYS)
    # A cancellation before any clock started is judged the same way.
    assert clock([("dibatalkan", wita("2026-08-12"))]).sla_days == 5


async def admin_client(client: httpx.AsyncClient, make_user) -> str:  # type: ignore[no-untyped-def]
    admin = await make_user(Role.ADMIN, area_codes=[])
    return await staff_login(client, admin.username)


async def post(client: httpx.AsyncClient, csrf: str, **fields: Any) -> httpx.Response:
    data: dict[str, Any] = {"csrf_token": csrf, **fields}
    return await client.post(URL, data=data)


async def test_admin_changes_the_sla_for_new_clocks_only(  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient, make_user, make_device, siup_mikro_form
) -> None:
    verifier = await make_user(Role.VERIFIER)
    running = await push_submitted(client, make_user, make_device)
    decided = await push_submitted(client, make_user, make_device)
    later = await push_submitted(client, make_user, make_device)
    for app_id in (running, decided):
        for to in ("verifikasi", "diproses"):
            await step(verifier, app_id, to)
    await step(verifier, decided, "disetujui")
    await step(verifier, later, "verifikasi")  # waiting: no clock yet
    before = {i: await Application.get(id=i) for i in (running, decided)}
    assert before[running].sla_state == "running" and before[decided].sla_state == "met"

    csrf = await admin_client(client, make_user)
    page = await client.get("/admin/permit-types/siup_mikro")
    assert 'name="sla_days"' in page.text and 'value="5"' in page.text
    assert 'name="start" value="diproses" checked' in page.text
    answer = await post(client, csrf, sla_days="12", start=["diproses"], pause=["perlu_perbaikan"])
    assert answer.status_code == 200, answer.text
    assert answer.json()["sla"]["days"] == 12
    permit = await PermitType.get(code="siup_mikro")
    assert permit.sla_days == 12
    assert [h["days"] for h in permit.meta["sla_history"]] == [5]
    event = await AuditEvent.get(action="permit_type.sla", object_id="siup_mikro")
    assert event.detail["days_before"] == 5 and event.detail["days"] == 12
    assert event.detail["after"]["start"] == ["diproses"]

    # The running clock moves on (a correction and a resubmission refresh its columns)
    # with its 5 days; the decided one stays met; the one that starts now has 12 days.
    await step(verifier, running, "perlu_perbaikan", corrections={"full_name": "Ejaan"})
    clocks = await sla.sla_for_many(
        [await Application.get(id=i) for i in (running, decided)], timezone=TZ
    )
    assert clocks[running].sla_days == 5 and clocks[running].state == sla.PAUSED
    assert clocks[decided].sla_days == 5 and clocks[decided].state == sla.MET
    assert (await Application.get(id=running)).sla_due == clocks[running].due
    await step(verifier, later, "diproses")
    started = await Application.get(id=later)
    assert started.sla_state == "running" and started.sla_started_at is not None
    first_day = started.sla_started_at.astimezone(sla_zone()).date()
    holidays = await sla_holidays(first_day)
    assert started.sla_due == add_working_days(first_day, 12, holidays)

    html = await client.get("/admin/permit-types/siup_mikro")
    assert "Pengaturan sebelumnya" in html.text and 'value="12"' in html.text


def sla_zone():  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    return ZoneInfo(TZ)


async def sla_holidays(first: date) -> set[date]:
    from server.services.reference.calendar import holidays_between

    return await holidays_between(first, date(first.year + 1, 12, 31))


@pytest.mark.parametrize(
    ("fields", "code", "english"),
    [
        ({"sla_days": "abc", "start": ["diproses"]}, "invalid_sla_days", "whole number"),
        ({"sla_days": "-1", "start": ["diproses"]}, "invalid_sla_days", "0–365"),
        ({"sla_days": "366", "start": ["diproses"]}, "invalid_sla_days", "0–365"),
        ({"sla_days": "", "start": ["diproses"]}, "invalid_sla_days", "working days"),
        ({"sla_days": "5"}, "start_required", "at least one status"),
        ({"sla_days": "5", "start": ["diterma"]}, "unknown_status", "unknown status"),
        (
            {"sla_days": "5", "start": ["diproses"], "pause": ["diproses"]},
            "start_and_pause",
            "both start and pause",
        ),
        ({"sla_days": "5", "start": ["disetujui"]}, "stop_status", "stop the clock"),
        ({"sla_days": "5", "start": ["dibatalkan"]}, "stop_status", "stop the clock"),
    ],
)
async def test_bad_sla_settings_are_refused_and_change_nothing(  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient, make_user, siup_mikro_form, fields, code, english
) -> None:
    before = await PermitType.get(code="siup_mikro")
    csrf = await admin_client(client, make_user)
    answer = await post(client, csrf, **fields)
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert body["error"]["error"] == code and english in body["error"]["message"]
    assert "(" in body["error"]["message"]  # Indonesian first, English in brackets
    after = await PermitType.get(code="siup_mikro")
    assert (after.sla_days, after.meta) == (before.sla_days, before.meta)
    assert not await AuditEvent.filter(action="permit_type.sla").exists()
    page = await client.post(URL.removesuffix(".json"), data={"csrf_token": csrf, **fields})
    assert page.status_code == 400 and 'role="alert"' in page.text


async def test_only_admins_with_a_csrf_token_change_the_sla(  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient, make_user, siup_mikro_form
) -> None:
    supervisor = await make_user(Role.SUPERVISOR)
    csrf = await staff_login(client, supervisor.username)
    refused = await post(client, csrf, sla_days="9", start=["diproses"])
    assert refused.status_code == 403
    await admin_client(client, make_user)
    forged = await post(client, "forged", sla_days="9", start=["diproses"])
    assert forged.status_code == 403
    assert (await PermitType.get(code="siup_mikro")).sla_days == 5
    assert not await AuditEvent.filter(action="permit_type.sla").exists()


async def test_unchanged_settings_write_nothing(  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient, make_user, siup_mikro_form
) -> None:
    csrf = await admin_client(client, make_user)
    same = await post(client, csrf, sla_days="5", start=["diproses"], pause=["perlu_perbaikan"])
    assert same.status_code == 200
    permit = await PermitType.get(code="siup_mikro")
    assert "sla_history" not in permit.meta
    assert not await AuditEvent.filter(action="permit_type.sla").exists()
    assert datetime.now(UTC)  # the page still answers afterwards
    assert (await client.get("/admin/permit-types/siup_mikro.json")).json()["sla"]["history"] == []
