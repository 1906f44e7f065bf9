"""The citizen's side in real Chromium: a receipt printed offline on the tablet opens, after
sync, on a 320 px phone with JavaScript off; the office's correction shows there; a complaint
sent from that page reaches the office inbox, and the office's reply comes back to the ticket."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, Playwright

from .conftest import ARGS, Device, submit_nib, sync_now
from .test_office_workflow import make_move, office_login

pytestmark = pytest.mark.browser


@pytest.fixture
async def office_browser(pw: Playwright, chromium_path: str) -> AsyncIterator[Browser]:
    browser = await pw.chromium.launch(executable_path=chromium_path, args=ARGS, headless=True)
    yield browser
    await browser.close()


async def test_receipt_link_correction_complaint_and_reply(
    device: Device, demo_data, small_jpeg: Path, office_browser: Browser, live_server
) -> None:
    await device.open()
    await device.login()
    await device.set_offline(True)
    rec = await submit_nib(device, small_jpeg)
    page = device.page
    assert page
    link = (await page.text_content("#status-url") or "").strip()
    assert f"/t/{rec['code']}?k=" in link
    await device.set_offline(False)
    await sync_now(device)

    phone_context = await office_browser.new_context(
        viewport={"width": 320, "height": 640}, java_script_enabled=False, locale="id-ID"
    )
    phone = await phone_context.new_page()
    phone.set_default_timeout(15_000)
    parts = urlsplit(link)
    status_url = f"{live_server.url}{parts.path}?{parts.query}"
    await phone.goto(status_url)
    assert await phone.get_attribute("#status", "data-status") == "diterima"
    assert await phone.text_content("#masked-name") == "S*** R*****"
    assert await phone.evaluate("document.documentElement.scrollWidth") <= 320

    office = await office_login(office_browser, live_server.url)
    await office.goto(f"{live_server.url}/office/applications/{rec['id']}")
    await make_move(office, "verifikasi")
    await make_move(
        office,
        "perlu_perbaikan",
        **{"correction.business_name": "Nama usaha harus sama dengan papan nama"},
    )
    await phone.reload()
    assert await phone.get_attribute("#status", "data-status") == "perlu_perbaikan"
    corrections = await phone.text_content("#corrections") or ""
    assert "Nama usaha harus sama dengan papan nama" in corrections

    await phone.click("#feedback a")
    await phone.check("input[name=kind][value=pengaduan]")
    await phone.select_option("#category", "penundaan_berlarut")
    await phone.fill("#message", "Berkas saya dikembalikan tanpa penjelasan yang jelas.")
    # A person takes a few seconds to fill the form; the form refuses anything faster.
    await phone.wait_for_timeout(3_200)
    await phone.click("main button[type=submit]")
    await phone.wait_for_selector("#ticket-code")
    ticket_url = phone.url
    ticket_code = (await phone.text_content("#ticket-code") or "").strip()
    assert await phone.get_attribute("#state", "data-state") == "new"

    await office.goto(f"{live_server.url}/office/feedback")
    await office.click(f"text={ticket_code}")
    await office.fill("#reply", "Mohon maaf, petugas akan menghubungi Anda besok.")
    async with office.expect_navigation():
        await office.click("form[action$='/reply'] button[type=submit]")
    await phone.goto(ticket_url)
    assert await phone.get_attribute("#state", "data-state") == "answered"
    reply = await phone.text_content("#reply") or ""
    assert "petugas akan menghubungi Anda besok" in reply
    await phone_context.close()
