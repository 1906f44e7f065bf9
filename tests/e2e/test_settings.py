"""Settings on the tablet: English switch, storage answer, export of unsent work, and a
logout that warns before anything unsent is lost."""

from __future__ import annotations

import json

import pytest

from .conftest import Device, _photo, submit_nib, wait_until

pytestmark = pytest.mark.browser


async def test_language_storage_export_and_logout(device: Device, demo_data, small_jpeg) -> None:
    page = await device.open()
    await device.login()
    await device.set_offline(True)
    rec = await submit_nib(device, small_jpeg)

    await device.goto_app("#/settings")
    assert "Penyimpanan permanen" in (await page.text_content("#persisted") or "")
    assert "Terpakai" in (await page.text_content("#usage") or "")

    async with page.expect_download() as info:
        await page.click("#export")
    download = await info.value
    with open(await download.path(), encoding="utf-8") as handle:
        exported = json.load(handle)
    assert exported["format"] == "jemput-bola-outbox"
    assert exported["outbox"][0]["name"] == "create_application"
    assert exported["records"][0]["id"] == rec["id"]
    assert all(p["data_base64"] for p in exported["photos"])

    await page.select_option("#lang", "en")
    await page.wait_for_selector("#new-application")
    assert await page.text_content("#sync-now") == "Sync now"
    assert await page.text_content("#new-application") == "New application"

    await device.goto_app("#/settings")
    dialogs: list[str] = []

    async def dismiss(dialog) -> None:  # type: ignore[no-untyped-def]
        dialogs.append(dialog.message)
        await dialog.dismiss()

    page.once("dialog", dismiss)
    await page.click("#logout")
    await page.wait_for_timeout(300)
    assert dialogs and "NOT SENT" in dialogs[0]
    assert len(await device.idb("outbox")) > 0, "refusing the warning keeps everything"

    page.once("dialog", lambda d: d.accept())
    await page.click("#logout")
    await page.wait_for_selector("#login-form")
    # The officer's sealed partition (data and token) is gone. Offline, the server could not
    # be told: the token stays valid there until an admin revokes it (test_lock covers online).
    stored = await device.raw_idb()
    assert not [n for n in stored if n.startswith("jemput-bola-p-")]
    assert stored["jemput-bola-officers"]["officers"] == []


async def test_a_full_disk_is_said_plainly_and_loses_nothing(
    device: Device, demo_data, small_jpeg, tmp_path
) -> None:
    page = await device.open()
    assert device.ctx
    cdp = await device.ctx.new_cdp_session(page)
    # Chromium applies a quota override only to an origin that holds nothing yet: a tablet
    # with 3 MB free from the start, then photos until it is full.
    origin = device.base.rstrip("/")
    await cdp.send("Storage.overrideQuotaForOrigin", {"origin": origin, "quotaSize": 3_000_000})
    await device.login()
    await device.set_offline(True)
    rec = await submit_nib(device, small_jpeg)
    await device.goto_app("#/new/nib-umk")
    await page.wait_for_selector("#app-form")
    alert = page.locator("#toasts [role=alert]")
    for n in range(40):
        photo = _photo(tmp_path / f"IMG_{n}.jpg", 1600 + 8 * n, 1200)
        await page.locator("[data-field=ktp_photo] input[type=file]").set_input_files(str(photo))
        await wait_until(
            page,
            "(() => { const i = document.querySelector('[data-field=ktp_photo] .photo');"
            " return !/Memproses|Processing/.test(i.textContent); })()",
        )
        if await alert.count():
            break
    else:
        raise AssertionError("40 photos never filled a 3 MB quota")
    assert "Penyimpanan perangkat penuh" in (await alert.first.text_content() or "")
    records = await device.idb("records")
    assert [r["id"] for r in records] == [rec["id"]]
    assert len(await device.idb("outbox")) > 0
