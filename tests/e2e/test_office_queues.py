"""The office queues in real Chromium: a conflict made on purpose (the tablet and the office
change the business name differently) is resolved in the conflict queue with a typed value,
and the tablet shows the result after its next sync; a second application with the same NIK
and business name is flagged as a suspected duplicate and dismissed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Playwright

from server.models import ApplicationDuplicate, AuditEvent, SyncConflict, User
from server.services.applications import sync_service

from .conftest import ARGS, Device, state_of, submit_nib, sync_now
from .test_office_workflow import office_login

pytestmark = pytest.mark.browser


@pytest.fixture
async def office_browser(pw: Playwright, chromium_path: str) -> AsyncIterator[Browser]:
    browser = await pw.chromium.launch(executable_path=chromium_path, args=ARGS, headless=True)
    yield browser
    await browser.close()


async def test_conflict_resolved_in_the_queue_reaches_the_tablet(
    device: Device, demo_data, small_jpeg: Path, office_browser: Browser, live_server
) -> None:
    await device.open()
    await device.login()
    rec = await submit_nib(device, small_jpeg)
    await sync_now(device)
    page = device.page
    assert page
    await device.set_offline(True)
    await device.goto_app(f"#/edit/{rec['id']}")
    await page.fill("[data-field=business_name] input", "Warung Tablet")
    await page.click("#save")
    await page.wait_for_selector(".facts")
    staff = await User.get(username="verifikator")
    await sync_service.update_fields(staff, rec["id"], {"business_name": "Warung Kantor"})
    await device.set_offline(False)
    await sync_now(device)
    assert await state_of(page, rec["id"]) == "conflict"

    office = await office_login(office_browser, live_server.url)
    row = office.locator(f"tr[data-id='{rec['id']}']")
    await row.locator("a.badge", has_text="Konflik").click()
    await office.wait_for_url("**/office/conflicts?application=*")
    field = office.locator("tr[data-field=business_name]")
    assert await field.locator(".device").text_content() == "Warung Tablet"
    assert await field.locator(".server").text_content() == "Warung Kantor"
    await field.locator("input[value=value]").check()
    await field.locator("input[name=value]").fill("  Warung Siti Bersama ")
    async with office.expect_navigation():
        await field.locator("button[type=submit]").click()
    assert "Tidak ada konflik terbuka." in (await office.text_content("main") or "")
    conflict = await SyncConflict.get(application_id=rec["id"], field="business_name")
    assert conflict.status == "resolved"
    event = await AuditEvent.get(action="conflict.resolve", object_id=rec["id"])
    assert event.detail["outcome"] == "typed" and "Bersama" not in str(event.detail)

    await sync_now(device)
    assert await state_of(page, rec["id"]) == "sent"
    await page.click(f"a.record-row[href='#/r/{rec['id']}']")
    assert "Warung Siti Bersama" in (await page.text_content("main") or "")
    assert await page.locator("#conflicts").count() == 0
    local = next(r for r in await device.idb("records") if r["id"] == rec["id"])
    assert local["fields"]["business_name"] == "Warung Siti Bersama"
    assert device.errors == []


async def test_duplicate_flagged_at_sync_and_dismissed(
    device: Device, demo_data, small_jpeg: Path, office_browser: Browser, live_server
) -> None:
    await device.open()
    await device.login()
    first = await submit_nib(device, small_jpeg)
    second = await submit_nib(device, small_jpeg)  # same NIK, same business, same village
    await sync_now(device)
    flags = await ApplicationDuplicate.filter(application_id=second["id"]).order_by("reason")
    assert [(f.other_id, f.reason) for f in flags] == [  # type: ignore[attr-defined]
        (first["id"], "business_name"),
        (first["id"], "nik"),
    ]

    office = await office_login(office_browser, live_server.url)
    await office.goto(f"{live_server.url}/office/?duplicate=1")
    listed = office.locator("table.inbox tbody tr")
    assert await listed.count() == 1
    assert await listed.get_attribute("data-id") == second["id"]
    await listed.locator("a.badge", has_text="Diduga duplikat").click()
    await office.wait_for_url("**/office/duplicates?application=*")
    for _ in flags:
        card = office.locator("section[data-flag]").first
        assert second["code"] in (await card.text_content() or "")
        assert "6371055208900001" not in (await card.text_content() or "")  # NIK masked
        async with office.expect_navigation():
            await card.locator("button[value=dismiss]").click()
    assert "Tidak ada dugaan duplikat." in (await office.text_content("main") or "")
    assert {f.status for f in await ApplicationDuplicate.all()} == {"dismissed"}
    events = await AuditEvent.filter(action="duplicate.dismiss", object_id=second["id"])
    assert len(events) == 2
    await office.goto(f"{live_server.url}/office/?duplicate=1")
    assert await office.locator("table.inbox tbody tr").count() == 0
