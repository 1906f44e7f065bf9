"""An officer's day with no signal, in a real browser: enroll online, go offline, reload
from the service worker, fill an application with photos, GPS and a signature, hand over
the receipt, close the browser, reopen it offline and find everything still there."""

from __future__ import annotations

import re

import pytest

from server.models import Application, Blob

from .conftest import Device, fill_nib_form, state_of, sync_now

pytestmark = pytest.mark.browser

CODE_RE = re.compile(r"^JB(-[2-9A-HJ-NP-Z]{4}){3}$")


async def test_offline_day_survives_reload_and_browser_restart(
    device: Device, demo_data, camera_jpeg
) -> None:
    page = await device.open()
    await device.login()
    tokens = await device.page.evaluate("document.cookie")
    assert tokens == "", "the device credential must not be a cookie"

    await device.set_offline(True)
    response = await page.reload()
    assert response is not None and response.from_service_worker
    await page.wait_for_selector("body[data-ready='1']")
    # A cold start shows the lock; the password unlocks it with no signal.
    await page.wait_for_selector("#unlock-form")
    assert await page.get_attribute("body", "data-locked") == "1"
    await device.unlock()
    assert await page.text_content("#net") == "Luring"

    await page.click("#new-application")
    await page.click("a.choice[data-permit=nib-umk]")
    await page.wait_for_selector("#app-form")
    await fill_nib_form(page, camera_jpeg)
    # NIK 52 → a woman born 12 August 1990: sex and birth date were filled in from it.
    assert await page.locator("[data-field=sex] input[value=P]").is_checked()
    assert await page.input_value("[data-field=birth_date] input") == "1990-08-12"
    await page.click("#submit")

    await page.wait_for_selector("#receipt")
    code = (await page.text_content("#tracking-code") or "").strip()
    assert CODE_RE.match(code), code
    url = await page.text_content("#status-url") or ""
    assert url.startswith(f"{device.base}/t/{code}?k=")
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", url.split("?k=")[1])
    assert await page.locator("#qr svg path").count() == 1

    photos = await device.idb("photos")
    jpegs = [p for p in photos if p["content_type"] == "image/jpeg"]
    assert len(jpegs) == 1, "the same photo twice is stored once (same hash)"
    assert jpegs[0]["blob"] <= 400 * 1024 < camera_jpeg.stat().st_size
    assert any(p["kind"] == "signature" for p in photos)
    outbox = await device.idb("outbox")
    names = [m["name"] for m in outbox]
    assert names[0] == "create_application" and names[-1] == "submit_application"
    assert names.count("attach_file") == 3  # two photo fields (one file) and the signature
    create = outbox[0]["args"]
    assert create["tracking_code"] == code
    assert create["fields"]["phone"] == "+6281234567890"
    assert create["fields"]["capital"] == 5_000_000
    assert create["fields"]["location"]["accuracy_m"] == 8

    await device.close()
    page = await device.open(offline=True)
    response = await device.goto_app()
    assert response is not None and response.from_service_worker
    row = page.locator(f"a.record-row[data-code='{code}']")
    await row.wait_for()
    assert await row.locator(".badge").get_attribute("data-state") == "waiting"
    assert await page.get_attribute("#sync-status", "data-waiting") == "1"
    assert len(await device.idb("outbox")) == len(outbox)

    # Back in signal: everything goes up once, photos included.
    await device.set_offline(False)
    await sync_now(device)
    assert await Application.filter(tracking_code=code).count() == 1
    app = await Application.get(tracking_code=code)
    assert app.status == "diterima"
    assert app.data["phone"] == "+6281234567890"
    assert {f["sha256"] for f in app.files} == {p["sha256"] for p in photos}
    assert all(f["arrived"] for f in app.files), app.files
    blob = await Blob.get(sha256=jpegs[0]["sha256"])
    assert blob.size == jpegs[0]["blob"]
    assert await state_of(page, app.id) == "sent"
    assert await device.idb("outbox") == []
    assert device.errors == []
