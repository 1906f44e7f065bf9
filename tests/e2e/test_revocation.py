"""A tablet an admin revoked wipes itself on its next contact with the server: IndexedDB,
the cached app and the service worker are gone."""

from __future__ import annotations

import pytest

from server.models import User
from server.services import devices

from .conftest import Device, wait_until

pytestmark = pytest.mark.browser


async def test_revoked_device_wipes_data_caches_and_worker(device: Device, demo_data) -> None:
    page = await device.open()
    await device.login()
    await device.goto_app("#/new/sku")
    await page.fill("[data-field=nik] input", "6371051208900001")
    await page.fill("[data-field=full_name] input", "Budi Santoso")
    await page.click("#save-draft")
    await page.wait_for_selector(".facts")
    assert len(await device.idb("records")) == 1
    device_id = await page.evaluate(
        """() => new Promise((resolve) => {
            const open = indexedDB.open('jemput-bola');
            open.onsuccess = () => {
              const req = open.result.transaction('meta').objectStore('meta').get('device_id');
              req.onsuccess = () => { resolve(req.result); open.result.close(); };
            };
          })"""
    )
    admin = await User.get(username="admin")
    await devices.revoke(device_id, actor=admin)

    await page.reload()
    await page.wait_for_selector("body[data-revoked='1']")
    assert "dicabut" in (await page.text_content("main") or "")
    await wait_until(
        page,
        """Promise.all([indexedDB.databases(), caches.keys(),
                        navigator.serviceWorker.getRegistrations()])
           .then(([dbs, keys, regs]) => !dbs.some((d) => d.name === 'jemput-bola')
                                        && keys.length === 0 && regs.length === 0)""",
    )
