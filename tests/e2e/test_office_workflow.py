"""The main path across both sides in real Chromium: a tablet syncs an application, a verifier
finds it in the inbox, opens it, asks for two corrections; the tablet shows the notes, the
officer fixes them offline and resubmits; the verifier approves and issues it with an NIB.
And an application with a script payload in every text field shows inert text."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, Playwright

from server.models import Application, AuditEvent
from tests.conftest import TEST_PASSWORD

from .conftest import ARGS, Device, fill_nib_form, state_of, submit_nib, sync_now

pytestmark = pytest.mark.browser

PAYLOAD = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">'
NIB = "9120001234567"


@pytest.fixture
async def office_browser(pw: Playwright, chromium_path: str) -> AsyncIterator[Browser]:
    browser = await pw.chromium.launch(executable_path=chromium_path, args=ARGS, headless=True)
    yield browser
    await browser.close()


async def office_login(browser: Browser, base: str, username: str = "verifikator") -> Page:
    context = await browser.new_context(locale="id-ID", timezone_id="Asia/Makassar")
    page = await context.new_page()
    page.set_default_timeout(15_000)
    await page.goto(f"{base}/login")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", TEST_PASSWORD)
    await page.click("main button[type=submit]")
    await page.wait_for_url(f"{base}/office/")
    return page


async def make_move(page: Page, to: str, **inputs: str) -> None:
    """Open the action's panel, fill its inputs and send it; wait for the next page."""
    panel = page.locator(f"details[data-move={to}]")
    if await panel.get_attribute("open") is None:  # a refused move comes back open
        await panel.locator("summary").click()
        await panel.and_(page.locator("details[open]")).wait_for()
    for name, value in inputs.items():
        await panel.locator(f"[name='{name}']").fill(value)
    async with page.expect_navigation():
        await panel.locator("button[type=submit]").click()


async def test_main_path_from_tablet_to_issued_nib(
    device: Device, demo_data, small_jpeg: Path, office_browser: Browser, live_server
) -> None:
    await device.open()
    await device.login()
    rec = await submit_nib(device, small_jpeg)
    await sync_now(device)

    office = await office_login(office_browser, live_server.url)
    async with office.expect_navigation():  # the inbox lists it and links to it
        await office.click(f"a[href='/office/applications/{rec['id']}']")
    assert await office.text_content("#status") == "Diterima"
    assert "Warung Siti Rahmah" in (await office.text_content("[data-field=business_name]") or "")

    await make_move(office, "verifikasi")
    assert await office.text_content("#status") == "Verifikasi"
    notes = {
        "business_name": "Nama usaha harus sama dengan papan nama",
        "home_address": "Tulis RT/RW dan nomor rumah",
    }
    await make_move(
        office,
        "perlu_perbaikan",
        **{f"correction.{name}": note for name, note in notes.items()},
    )
    assert await office.text_content("#status") == "Perlu Perbaikan"
    corrections = await office.text_content("#corrections") or ""
    assert all(note in corrections for note in notes.values())

    # The tablet hears of it on its next pull, shows both notes, is fixed with no signal.
    page = device.page
    assert page
    await sync_now(device)
    assert await state_of(page, rec["id"]) == "correction"
    await page.click(f"a.record-row[href='#/r/{rec['id']}']")
    shown = await page.text_content("#corrections") or ""
    assert all(note in shown for note in notes.values())
    await device.set_offline(True)
    await page.click("#fix")
    for name, note in notes.items():
        field = page.locator(f"[data-field={name}]")
        assert note in (await field.locator(".correction-note").text_content() or "")
    await page.locator("[data-field=business_name] input").fill("Warung Siti Rahmah Jaya")
    await page.locator("[data-field=home_address] input").fill("Jl. Antasari No. 12, RT 03/RW 01")
    await page.click("#resubmit")
    await page.wait_for_selector(".facts")
    await device.set_offline(False)
    await sync_now(device)
    assert await state_of(page, rec["id"]) == "sent"

    await office.reload()
    assert await office.text_content("#status") == "Verifikasi"
    assert "Jaya" in (await office.text_content("[data-field=business_name]") or "")
    await make_move(office, "diproses")
    assert await office.get_attribute("#sla", "data-state") == "running"
    await make_move(office, "disetujui")
    await make_move(office, "terbit", reference="912000123456")  # 12 digits: refused
    assert "13 angka" in (await office.text_content("#error") or "")
    assert await office.text_content("#status") == "Disetujui"
    await make_move(office, "terbit", reference=NIB)
    assert await office.text_content("#status") == "Terbit"
    assert await office.text_content("#issued-reference") == NIB

    app = await Application.get(id=rec["id"])
    assert (app.status, app.issued_reference) == ("terbit", NIB)
    assert app.data["home_address"] == "Jl. Antasari No. 12, RT 03/RW 01"
    moved = await AuditEvent.filter(action="application.status_move", object_id=rec["id"])
    assert [e.detail["to_status"] for e in moved] == [
        "verifikasi",
        "perlu_perbaikan",
        "diproses",
        "disetujui",
        "terbit",
    ]
    assert device.errors == []


async def test_script_payloads_are_inert_on_the_office_pages(
    device: Device, demo_data, small_jpeg: Path, office_browser: Browser, live_server
) -> None:
    await device.open()
    await device.login()
    page = device.page
    assert page
    await device.goto_app("#/new/nib-umk")
    await page.wait_for_selector("#app-form")
    await fill_nib_form(page, small_jpeg, name=PAYLOAD)
    text_fields = ("home_address", "business_name", "business_address")
    for name in text_fields:
        await page.locator(f"[data-field={name}] input").fill(PAYLOAD)
    await page.locator("[data-field=products] textarea").fill(PAYLOAD)
    await page.click("#submit")
    await page.wait_for_selector("#receipt")
    code = (await page.text_content("#tracking-code") or "").strip()
    await sync_now(device)
    app = await Application.get(tracking_code=code)
    assert app.data["business_name"] == PAYLOAD

    office = await office_login(office_browser, live_server.url)
    dialogs: list[str] = []
    office.on("dialog", lambda d: dialogs.append(d.message))
    url = f"{live_server.url}/office/applications/{app.id}"
    await office.goto(url)
    await make_move(office, "perlu_perbaikan", **{"correction.full_name": PAYLOAD})
    await make_move(office, "ditolak", note=PAYLOAD)
    for name in ("full_name", *text_fields, "products"):
        value = await office.text_content(f"[data-field={name}] dd")
        assert (value or "").strip() == PAYLOAD, name
    assert PAYLOAD in (await office.text_content("#refusal-reason") or "")
    assert PAYLOAD in (await office.text_content("#timeline") or "")
    assert await office.evaluate("window.__xss === undefined")
    assert await office.locator("main script, main img[src=x]").count() == 0
    assert dialogs == []
