"""Data at rest on the tablet, in a real browser: what IndexedDB holds after an application
is saved offline is sealed (the raw bytes are searched for what was typed), every cold start
and every idle spell shows the lock, unlocking works offline, wrong PINs wait longer each
time, two officers on one tablet never see each other's queue, a revocation wipes only the
revoked officer, and an online logout revokes the token on the server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import Playwright

from server.models import AuditEvent, User
from server.models import Device as DeviceRow
from server.services.accounts import devices
from server.settings import Settings
from tests.conftest import start_server, stop_server

from .conftest import Device, submit_nib, sync_now, wait_until

pytestmark = pytest.mark.browser

PIN = "284716"
NIK = "6371055208900001"
TYPED = [
    NIK,
    "+6281234567890",
    "081234567890",
    "Siti Rahmah",
    "Pangeran Antasari",
    "siti@contoh.id",
]


async def test_saved_application_leaves_no_plain_text_at_rest(
    device: Device, demo_data, small_jpeg
) -> None:
    page = await device.open()
    await device.login(pin=PIN)
    await device.set_offline(True)
    rec = await submit_nib(device, small_jpeg)
    token = await device.meta("token")
    assert token and len(token) > 30
    # Through the app (unlocked) the application is all there...
    record = next(r for r in await device.idb("records") if r["id"] == rec["id"])
    assert record["fields"]["nik"] == NIK
    assert len(await device.idb("outbox")) >= 3

    # ...but the stored bytes hold none of it, nor the device token or the PIN.
    stored = await device.raw_idb()
    partitions = [n for n in stored if n.startswith("jemput-bola-p-")]
    assert len(partitions) == 1
    assert len(stored[partitions[0]]["records"]) == 1 and stored[partitions[0]]["photo_blobs"]
    text = json.dumps(stored, ensure_ascii=False)
    for secret in [*TYPED, token, PIN, rec["code"]]:
        assert secret not in text, f"{secret!r} is stored in plain text"
    assert "jemput-bola" not in stored, "no unsealed database is left"
    caches = await page.evaluate(
        """async () => {
            let all = '';
            for (const name of await caches.keys()) {
              const cache = await caches.open(name);
              for (const req of await cache.keys())
                all += req.url + (await (await cache.match(req)).text());
            }
            return all;
          }"""
    )
    assert "globalThis.jemputBola" in caches  # the scan saw the cached page and its bundle
    for secret in [*TYPED, token]:
        assert secret not in caches


async def test_cold_start_locks_unlock_offline_and_wrong_pins_wait_longer(
    device: Device, demo_data, small_jpeg
) -> None:
    page = await device.open()
    await device.login(pin=PIN)
    await device.set_offline(True)
    rec = await submit_nib(device, small_jpeg)
    await device.close()

    page = await device.open(offline=True)
    await device.goto_app(unlock=False)
    await page.wait_for_selector("#unlock-form")
    assert await page.get_attribute("body", "data-locked") == "1"
    assert "Siti" not in (await page.text_content("main") or "")
    assert await page.is_hidden("#nav-settings")

    waits = []
    for _ in range(3):
        await wait_until(page, "!document.querySelector('#unlock-submit').disabled")
        await page.fill("#unlock-secret", "000000")
        await page.click("#unlock-submit")
        waits.append(
            int(
                await wait_until(
                    page,
                    "(() => { const e = document.querySelector('#unlock-error');"
                    " return e.dataset.waitMs !== '0' && e.dataset.waitMs; })()",
                )
            )
        )
        assert await page.is_disabled("#unlock-submit")
        assert "salah" in (await page.text_content("#unlock-error") or "")
    assert waits == [1000, 2000, 4000]

    # A reload does not reset the wait: the button stays off until it is over.
    await page.reload()
    await page.wait_for_selector("#unlock-form")
    assert await page.is_disabled("#unlock-submit")
    assert "detik" in (await page.text_content("#unlock-error") or "")
    await wait_until(page, "!document.querySelector('#unlock-submit').disabled", timeout=10)
    await device.unlock()
    row = page.locator(f"a.record-row[data-code='{rec['code']}']")
    await row.wait_for()
    assert await row.locator(".badge").get_attribute("data-state") == "waiting"

    # The lock button locks at once; the decrypted list leaves the page.
    await page.click("#lock-now")
    await page.wait_for_selector("#unlock-form")
    assert await page.locator("a.record-row").count() == 0
    await device.unlock()
    await row.wait_for()
    assert device.errors == []


async def test_two_officers_keep_their_queues_apart_and_revoke_wipes_one(
    device: Device, demo_data, small_jpeg
) -> None:
    page = await device.open()
    await device.login("petugas", pin=PIN)
    await device.set_offline(True)
    rec = await submit_nib(device, small_jpeg)

    # Rahmat locks (nothing syncs while locked); Siti Aminah logs in with her own PIN.
    await page.click("#lock-now")
    await device.set_offline(False)
    await page.click("#add-officer")
    await device.login("petugas2", pin="913572")
    assert await device.idb("outbox") == []
    assert await device.idb("records") == []
    assert await page.locator(f"a.record-row[data-code='{rec['code']}']").count() == 0
    await device.goto_app("#/new/sku")
    await page.fill("[data-field=nik] input", "6303051208900002")
    await page.fill("[data-field=full_name] input", "Budi Santoso")
    await page.click("#save-draft")
    await page.wait_for_selector(".facts")

    # Switching back needs Rahmat's PIN: Siti's does not open his partition.
    await page.click("#lock-now")
    await page.wait_for_selector("#unlock-form")
    await page.select_option("#unlock-officer", "petugas")
    await page.fill("#unlock-secret", "913572")
    await page.click("#unlock-submit")
    await wait_until(page, "document.querySelector('#unlock-error').dataset.waitMs === '1000'")
    assert await page.get_attribute("body", "data-locked") == "1"
    await wait_until(page, "!document.querySelector('#unlock-submit').disabled")
    await device.unlock("petugas")
    names = [r["fields"].get("full_name") for r in await device.idb("records")]
    assert names == ["Siti Rahmah"], "Rahmat sees his application only"

    # An admin revokes Siti Aminah's enrollment: her partition goes, Rahmat's stays.
    admin = await User.get(username="admin")
    siti_device = await DeviceRow.get(user__username="petugas2")
    await devices.revoke(siti_device.id, actor=admin)
    await page.click("#lock-now")
    await device.unlock("petugas2", expect_unlocked=False)
    await page.wait_for_selector("body[data-revoked='1']")
    assert "petugas lain" in (await page.text_content("main") or "")
    stored = await device.raw_idb()
    officers = [o.split(" ", 1)[0] for o in stored["jemput-bola-officers"]["officers"]]
    assert officers == ["petugas"]
    assert len([n for n in stored if n.startswith("jemput-bola-p-")]) == 1
    assert await page.evaluate("caches.keys().then((k) => k.length)") > 0, "the app stays"

    await page.click("#revoked-next")
    await device.unlock("petugas")
    await sync_now(device)
    assert await device.idb("outbox") == []


async def test_online_logout_revokes_the_token_on_the_server(device: Device, demo_data) -> None:
    page = await device.open()
    await device.login(pin=PIN)
    device_id = await device.meta("device_id")
    await device.goto_app("#/settings")
    await page.click("#logout")
    await page.wait_for_selector("#login-form")
    row = await DeviceRow.get(id=device_id)
    assert row.revoked_at is not None
    assert await AuditEvent.filter(action="device.logout", object_id=device_id).count() == 1
    stored = await device.raw_idb()
    assert stored["jemput-bola-officers"]["officers"] == []
    assert not [n for n in stored if n.startswith("jemput-bola-p-")]


@pytest.fixture
def quick_lock_server(migrated: Settings) -> Iterator[str]:
    server = start_server(migrated, extra_env={"FIELD_LOCK_IDLE_SECONDS": "5"})
    yield server.url
    stop_server(server)


async def test_idle_time_from_the_server_locks_the_app(
    pw: Playwright, chromium_path: str, quick_lock_server: str, demo_data, tmp_path: Path
) -> None:
    device = Device(pw, chromium_path, quick_lock_server, tmp_path / "profile")
    try:
        page = await device.open()
        await device.login(pin=PIN)
        await wait_until(page, "document.body.dataset.locked === '1'", timeout=15)
        await page.wait_for_selector("#unlock-form")
        await device.set_offline(True)
        await device.unlock()
        await page.wait_for_selector("#new-application")
        # Still 5 s offline: the setting is kept on the tablet.
        await wait_until(page, "document.body.dataset.locked === '1'", timeout=15)
    finally:
        await device.close()


async def test_plain_database_from_before_the_lock_is_sealed_with_a_new_pin(
    device: Device, demo_data, small_jpeg
) -> None:
    page = await device.open()
    await device.login(pin=PIN)
    await device.set_offline(True)
    rec = await submit_nib(device, small_jpeg)
    # Make this tablet look like one from before the lock: its rows in the plain database
    # `jemput-bola`, and no officer list.
    await page.evaluate(
        """async () => {
            const at = (p) => new URL(p, location.href).href;
            const app = globalThis.jemputBola;  // the page's own modules (pwa/build.mjs)
            const { openDB, openStore, SCHEMA, db } = app;
            const sealed = await db.getStore();
            const plain = await openStore(openDB, { name: 'jemput-bola' });
            const copied = {};
            for (const name of Object.keys(SCHEMA)) {
              const rows = await sealed.db.getAll(name);
              copied[name] = {
                keys: [...sealed.db.rows(name).keys()].sort(),
                values: name === 'photos'
                  ? await Promise.all(rows.map((r) => sealed.getPhoto(r.sha256))) : rows,
              };
            }
            const tx = plain.db.transaction(Object.keys(SCHEMA), 'readwrite');
            for (const [name, { keys, values }] of Object.entries(copied))
              values.forEach((v, i) => SCHEMA[name].keyPath
                ? tx.objectStore(name).put(v) : tx.objectStore(name).put(v, keys[i]));
            await tx.done;
            plain.db.close();
            await db.removeActiveOfficer(); // the only officer: the list is empty again
          }"""
    )
    assert NIK in json.dumps(await device.raw_idb())  # the setup really is plain
    await page.reload()
    await page.wait_for_selector("#seal-form")
    assert "Rahmat Hidayat" in (await page.text_content("#seal-form") or "")
    await page.fill("#pin", "123456")
    await page.fill("#pin2", "123456")
    await page.click("#seal-form button[type=submit]")
    assert "mudah ditebak" in (await page.text_content("#unlock-error") or "")
    await page.fill("#pin", PIN)
    await page.fill("#pin2", PIN)
    await page.click("#seal-form button[type=submit]")
    await page.wait_for_selector("#receipt")  # the page the officer was on, now unlocked
    await page.evaluate("location.hash = '#/'")
    row = page.locator(f"a.record-row[data-code='{rec['code']}']")
    await row.wait_for()
    stored = await device.raw_idb()
    assert "jemput-bola" not in stored
    text = json.dumps(stored, ensure_ascii=False)
    for secret in TYPED:
        assert secret not in text
    assert len([p for p in await device.idb("photos") if p["blob"]]) >= 2
    await page.reload()
    await device.unlock(secret=PIN)
    await row.wait_for()
