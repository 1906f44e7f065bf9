"""A tablet an admin revoked wipes itself on its next contact with the server: IndexedDB,
the cached app and the service worker are gone. A credential the server merely forgot
asks the same officer to log in again and keeps the unsent work."""

from __future__ import annotations

import pytest

from server.models import Application, User
from server.models import Device as DeviceRow
from server.services.accounts import devices

from .conftest import TEST_PASSWORD, Device, submit_nib, sync_now, wait_until

pytestmark = pytest.mark.browser


async def test_revoked_device_wipes_data_caches_and_worker(
    device: Device, demo_data, pw, chromium_path, live_server, tmp_path, small_jpeg
) -> None:
    """The lost-tablet drill: the officer's other tablet holds work it has not synced; the
    admin revokes the lost one; its next sync is refused and it wipes itself; the other
    tablet's unsynced work is untouched and syncs afterwards."""
    other = Device(pw, chromium_path, live_server.url, tmp_path / "other-tablet")
    await other.open()
    await other.login()
    await other.set_offline(True)
    kept = await submit_nib(other, small_jpeg, name="Rina Wati")
    queued = len(await other.idb("outbox"))
    assert queued > 0

    page = await device.open()
    await device.login()
    await device.goto_app("#/new/sku")
    await page.fill("[data-field=nik] input", "6371051208900001")
    await page.fill("[data-field=full_name] input", "Budi Santoso")
    await page.click("#save-draft")
    await page.wait_for_selector(".facts")
    assert len(await device.idb("records")) == 1
    device_id = await device.meta("device_id")
    admin = await User.get(username="admin")
    await devices.revoke(device_id, actor=admin)

    await page.reload()
    # The token is sealed: the revocation is seen once the app is unlocked.
    await device.unlock(expect_unlocked=False)
    await page.wait_for_selector("body[data-revoked='1']")
    assert "dicabut" in (await page.text_content("main") or "")
    await wait_until(
        page,
        """Promise.all([indexedDB.databases(), caches.keys(),
                        navigator.serviceWorker.getRegistrations()])
           .then(([dbs, keys, regs]) => !dbs.some((d) => d.name.startsWith('jemput-bola-p-'))
                                        && keys.length === 0 && regs.length === 0)""",
        describe="""Promise.all([indexedDB.databases(), caches.keys(),
                        navigator.serviceWorker.getRegistrations()])
           .then(([dbs, keys, regs]) => JSON.stringify([dbs, keys, regs.length]))""",
    )
    assert any(" 401 " in e and "/api/" in e for e in device.http_errors), device.http_errors
    assert (await DeviceRow.get(id=device_id)).revoked_at is not None

    # the other tablet of the same officer: its unsynced work is still there, and it syncs
    assert len(await other.idb("outbox")) == queued
    assert any(r.get("tracking_code") == kept["code"] for r in await other.idb("records"))
    await other.set_offline(False)
    await sync_now(other)
    assert await Application.filter(tracking_code=kept["code"]).count() == 1
    assert await other.idb("outbox") == []
    await other.close()


async def test_unknown_token_logs_in_again_and_keeps_unsent_work(
    device: Device, demo_data, small_jpeg
) -> None:
    page = await device.open()
    await device.login()
    await device.set_offline(True)
    rec = await submit_nib(device, small_jpeg)
    # The server forgets this tablet's credential (not a revocation: nothing may be wiped).
    await DeviceRow.filter(user__username="petugas").update(token_hash="forgotten")
    await device.set_offline(False)
    await device.goto_app()
    relogin = page.locator("#relogin")
    await relogin.wait_for()
    assert len(await device.idb("outbox")) > 0

    await relogin.click()
    await page.fill("#username", "petugas2")
    await page.fill("#password", TEST_PASSWORD)
    await page.click("#login-form button[type=submit]")
    refusal = await wait_until(
        page,
        "document.querySelector('#login-error')?.textContent",
        describe="document.body.innerText",
    )
    assert "petugas" in refusal

    await page.fill("#username", "petugas")
    await page.click("#login-form button[type=submit]")
    await page.wait_for_selector("#new-application")
    await sync_now(device)
    assert await Application.filter(tracking_code=rec["code"]).count() == 1
    assert await device.idb("outbox") == []
