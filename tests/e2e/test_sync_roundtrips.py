"""Round trips through the real server: a correction requested by the office and answered
from the tablet, a conflict shown with both values and resolved by staff, and a sync cut
halfway that resumes without duplicates."""

from __future__ import annotations

import pytest
from playwright.async_api import Route

from server.models import Application, SyncClient, SyncConflict, User
from server.services.applications import sync_service

from .conftest import Device, state_of, submit_nib, sync_now

pytestmark = pytest.mark.browser


async def online_submitted(device: Device, small_jpeg, name: str = "Siti Rahmah") -> dict:
    await device.open()
    await device.login()
    rec = await submit_nib(device, small_jpeg, name=name)
    await sync_now(device)
    return rec


async def test_correction_round_trip(device: Device, demo_data, small_jpeg) -> None:
    rec = await online_submitted(device, small_jpeg)
    page = device.page
    staff = await User.get(username="verifikator")
    await sync_service.transition(staff, rec["id"], "verifikasi")
    note = "Nama usaha harus sama dengan papan nama"
    await sync_service.transition(
        staff, rec["id"], "perlu_perbaikan", "Periksa nama usaha", {"business_name": note}
    )

    await sync_now(device)
    assert await state_of(page, rec["id"]) == "correction"
    await page.click(f"a.record-row[href='#/r/{rec['id']}']")
    assert note in (await page.text_content("#corrections") or "")
    await page.click("#fix")
    field = page.locator("[data-field=business_name]")
    assert note in (await field.locator(".correction-note").text_content() or "")
    await field.locator("input").fill("Warung Siti Rahmah Jaya")
    await page.click("#resubmit")
    await page.wait_for_selector(".facts")
    await sync_now(device)

    app = await Application.get(id=rec["id"])
    assert app.status == "verifikasi"
    assert app.data["business_name"] == "Warung Siti Rahmah Jaya"
    assert app.corrections == {}
    assert await state_of(page, rec["id"]) == "sent"


async def test_conflict_round_trip(device: Device, demo_data, small_jpeg) -> None:
    rec = await online_submitted(device, small_jpeg)
    page = device.page
    await device.set_offline(True)
    await device.goto_app(f"#/edit/{rec['id']}")
    await page.fill("[data-field=phone] input", "0857 5555 6666")
    await page.click("#save")
    await page.wait_for_selector(".facts")

    staff = await User.get(username="verifikator")
    await sync_service.update_fields(staff, rec["id"], {"phone": "+6281311112222"})

    await device.set_offline(False)
    await sync_now(device)
    assert await state_of(page, rec["id"]) == "conflict"
    await page.click(f"a.record-row[href='#/r/{rec['id']}']")
    row = page.locator("#conflicts tr[data-field=phone]")
    assert await row.locator(".conflict-device").text_content() == "0857-5555-6666"
    assert await row.locator(".conflict-server").text_content() == "0813-1111-2222"

    conflict = await SyncConflict.get(application_id=rec["id"], field="phone")
    await sync_service.resolve_conflict(staff, conflict.id, keep="device")
    await sync_now(device)
    assert await state_of(page, rec["id"]) == "sent"
    app = await Application.get(id=rec["id"])
    assert app.data["phone"] == "+6285755556666"
    local = next(r for r in await device.idb("records") if r["id"] == rec["id"])
    assert local["fields"]["phone"] == "+6285755556666"


async def test_interrupted_sync_resumes_without_duplicates(
    device: Device, demo_data, small_jpeg
) -> None:
    page = await device.open()
    await device.login()
    await device.set_offline(True)
    first = await submit_nib(device, small_jpeg, name="Siti Rahmah")
    second = await submit_nib(device, small_jpeg, name="Budi Santoso")
    queued = len(await device.idb("outbox"))

    cut = {"push": 0, "upload": 0}

    async def cut_push(route: Route) -> None:
        if cut["push"] == 0:
            cut["push"] += 1
            await route.fetch()  # the server commits the batch ...
            await route.abort("connectionreset")  # ... and the answer never arrives
        else:
            await route.continue_()

    uploads: list[str] = []

    async def cut_upload(route: Route) -> None:
        uploads.append(f"{route.request.method} {route.request.url.rsplit('/api/uploads/', 1)[1]}")
        if route.request.method in ("POST", "PATCH") and cut["upload"] == 0:
            cut["upload"] += 1
            await route.fetch()  # the bytes reach the server ...
            await route.abort("connectionreset")  # ... the answer is lost
        else:
            await route.continue_()

    assert device.ctx
    await device.ctx.route("**/api/sync/push", cut_push)
    await device.ctx.route("**/api/uploads/**", cut_upload)
    await device.set_offline(False)
    await sync_now(device, timeout=60)
    assert cut == {"push": 1, "upload": 1}
    # Each file was first asked about (GET …/state, 200 whatever the answer), and its bytes
    # went up once: after the cut create, resuming asked the server (HEAD at the file's
    # address), found every byte there, and sent no second copy (no POST or PATCH again).
    asked = [u.split()[1].removesuffix("/state") for u in uploads if u.startswith("GET ")]
    sent = [u for u in uploads if u.startswith(("POST", "PATCH"))]
    assert asked and len(set(asked)) == len(asked), uploads
    assert len(sent) == len(asked), uploads
    cut_at = next(i for i, u in enumerate(uploads) if u.startswith(("POST", "PATCH")))
    cut_file = asked[0]
    assert uploads[cut_at + 1] == f"HEAD {cut_file}", uploads
    assert not uploads[cut_at + 2 :] or uploads[cut_at + 2].startswith("GET "), uploads

    for rec in (first, second):
        assert await Application.filter(tracking_code=rec["code"]).count() == 1
        app = await Application.get(id=rec["id"])
        assert app.status == "diterima"
        assert app.files and all(f["arrived"] for f in app.files), app.files
    assert await Application.all().count() == 2
    client = await SyncClient.get(client_id=await client_id(page))
    assert client.last_mutation_id == queued
    assert len(await device.idb("outbox")) == 0


async def client_id(page) -> str:  # type: ignore[no-untyped-def]
    return await page.evaluate(
        """async () => {
            const db = globalThis.jemputBola;  // the page's own modules (pwa/build.mjs)
            return (await db.getStore()).getMeta('client_id');
          }"""
    )
