"""The citizen's voice taken in the field, in real Chromium: offline, the officer records a
complaint (with its Ombudsman category) and the SKM survey for an issued application; the
tablet checks both with the server's rules, keeps them sealed and shows the ticket code while
they wait. After sync the complaint is in the office's feedback inbox and the survey counts in
the IKM. A tablet that enrols again has no local trace of the survey: its second survey for
the same service is refused by the server and the officer reads why, in Indonesian."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from server.models import Feedback, SurveyResponse, User
from server.services.applications import sync_service
from server.services.citizen import feedback, skm

from .conftest import Device, submit_nib, sync_now, wait_until

pytestmark = pytest.mark.browser

MESSAGE = "Petugas loket meminta uang rokok agar berkas saya didahulukan."
SCORES = {"u1": 4, "u2": 3, "u3": 3, "u4": 4, "u5": 3, "u6": 4, "u7": 4, "u8": 2, "u9": 3}
ZONE = "Asia/Makassar"


async def fill_survey(page, age: str) -> None:  # type: ignore[no-untyped-def]
    await page.click("#record-survey")
    await page.wait_for_selector("#survey-form")
    for element, score in SCORES.items():
        await page.check(f"[data-field={element}] input[value='{score}']")
    await page.fill("[data-field=age] input", age)
    await page.check("[data-field=sex] input[value=P]")
    await page.select_option("[data-field=education] select", "sma")
    await page.select_option("[data-field=occupation] select", "petani_nelayan")
    await page.click("#survey-save")


async def test_offline_complaint_and_survey_reach_the_office(
    device: Device, demo_data, small_jpeg
) -> None:
    page = await device.open()
    await device.login()
    rec = await submit_nib(device, small_jpeg)
    await sync_now(device)
    staff = await User.get(username="verifikator")
    for step in ("verifikasi", "diproses", "disetujui", "terbit"):
        await sync_service.transition(staff, rec["id"], step)
    await sync_now(device)  # the tablet learns the permit is issued

    await device.set_offline(True)
    await device.goto_app(f"#/r/{rec['id']}")
    await page.click("#record-feedback")
    await page.wait_for_selector("#feedback-form")
    await page.check("[data-field=kind] input[value=pengaduan]")
    await page.select_option("[data-field=category] select", "permintaan_imbalan")
    await page.fill("[data-field=message] textarea", "pendek")
    await page.click("#feedback-save")
    refused = page.locator("[data-field=message] .msg-error")
    await refused.wait_for()
    assert "10 karakter" in (await refused.text_content() or "")  # the server's rule, in Indonesian
    assert [m for m in await device.idb("outbox") if m["name"] == "submit_feedback"] == []
    await page.fill("[data-field=message] textarea", MESSAGE)
    await page.click("#feedback-save")
    ticket = page.locator("#tickets li[data-state=pending]")
    await ticket.wait_for()
    code = (await ticket.locator(".ticket-code").text_content() or "").strip()
    assert code.startswith("TK-") and "Menunggu sinkron" in (await ticket.text_content() or "")

    await fill_survey(page, age="12")
    age_problem = page.locator("[data-field=age] .msg-error")
    await age_problem.wait_for()
    assert "15 dan 100" in (await age_problem.text_content() or "")
    await page.fill("[data-field=age] input", "34")
    await page.click("#survey-save")
    await page.wait_for_selector("#survey-state[data-state=pending]")
    assert await page.locator("#record-survey").count() == 0  # one survey per service
    queued = [m["name"] for m in await device.idb("outbox")]
    assert queued == ["submit_feedback", "submit_survey"]
    stored = json.dumps(await device.raw_idb(), ensure_ascii=False)
    assert MESSAGE not in stored and code not in stored  # sealed at rest like the records

    await device.set_offline(False)
    await sync_now(device)
    await page.wait_for_selector(f"#tickets li[data-ticket='{code}'][data-state=sent]")
    await page.wait_for_selector("#survey-state[data-state=sent]")

    row = await Feedback.get(ticket_code=code)
    assert (row.kind, row.category, row.message) == ("pengaduan", "permintaan_imbalan", MESSAGE)
    assert row.source == "field" and row.application_id == rec["id"] and row.state == "new"
    assert code in [item.ticket_code for item in await feedback.inbox(state="new")]
    survey = await SurveyResponse.get(application_id=rec["id"])
    assert survey.source == "field" and survey.occupation == "petani_nelayan" and survey.age == 34
    quarter = skm.quarter_of(datetime.now(UTC).astimezone(ZoneInfo(ZONE)).date())
    report = await skm.report(quarter, ZONE)
    expected = skm.compute([list(SCORES.values())])
    assert report.overall.index.respondents == 1
    assert report.overall.index.ikm == expected.ikm
    assert str(expected.ikm) == "83.33"  # (30 / 9) × 25, rounded once at the end

    # The same officer enrols the tablet again: the survey taken before is not on it.
    await device.goto_app("#/settings")
    await page.click("#logout")
    await page.wait_for_selector("#login-form")
    await device.login()
    await sync_now(device)
    await device.goto_app(f"#/r/{rec['id']}")
    await fill_survey(page, age="51")
    await page.wait_for_selector("#survey-state[data-state=pending]")
    await sync_now(device)
    refusal = page.locator("#survey-state[data-state=rejected]")
    await refusal.wait_for()
    text = await refusal.text_content() or ""
    assert "sudah dinilai" in text and "jawaban pertama yang dihitung" in text
    assert await SurveyResponse.filter(application_id=rec["id"]).count() == 1
    assert (await SurveyResponse.get(application_id=rec["id"])).age == 34
    assert await page.locator("#failure").count() == 0  # the application itself is fine
    await wait_until(page, "document.querySelector('#record-survey') === null")
    assert device.errors == []
