"""The tablet refuses before the receipt what the server would refuse, region pickers offer
only their own level, and a record the server refused says why in the officer's language,
names the field and leads to the fix; its photos wait until the application is accepted."""

from __future__ import annotations

import json
from typing import Any

from playwright.async_api import Request, Route

from server.models import Region
from tests.e2e.conftest import Device, fill_nib_form, state_of, submit_nib, sync_now, wait_until

LEVEL = """(sel) => [...document.querySelectorAll(sel + ' option')].filter((o) => o.value)
                                                              .map((o) => o.value)"""


async def test_region_pickers_offer_only_their_level(device: Device, demo_data) -> None:  # type: ignore[no-untyped-def]
    # the longest district and village names of Kalimantan Selatan, in the officer's area
    await Region.create(
        code="63.71.99", parent_code="63.71", name="Pulau Laut Tanjung Selayar", level=3
    )
    await Region.create(
        code="63.71.99.2001", parent_code="63.71.99", name="Barambai Kolam Kiri Dalam", level=4
    )
    page = await device.open()
    await page.set_viewport_size({"width": 800, "height": 1100})
    await device.login()
    await device.goto_app("#/new/sku")
    await page.wait_for_selector("#app-form")
    field = "[data-field=business_region]"
    selects = page.locator(f"{field} select")
    ids = [await selects.nth(i).get_attribute("id") for i in range(3)]
    regency, district, village = (f"#{i}" for i in ids)

    assert await page.evaluate(LEVEL, district) == []  # nothing before a regency is chosen
    assert await page.evaluate(LEVEL, village) == []
    assert await selects.nth(1).is_disabled() and await selects.nth(2).is_disabled()
    regencies = await page.evaluate(LEVEL, regency)
    assert "63.71" in regencies and all(c.count(".") == 1 for c in regencies), regencies

    await selects.nth(0).select_option("63.71")
    districts = await page.evaluate(LEVEL, district)
    assert districts and all(c.startswith("63.71.") and c.count(".") == 2 for c in districts)
    assert await page.evaluate(LEVEL, village) == []
    await selects.nth(1).select_option(districts[0])
    villages = await page.evaluate(LEVEL, village)
    assert villages and all(
        c.startswith(districts[0] + ".") and c.count(".") == 3 for c in villages
    )

    # at 800 px every name shows whole: the longest option fits inside its closed dropdown
    for sel in (regency, district, village):
        room = await page.evaluate(
            """(sel) => { const s = document.querySelector(sel); const st = getComputedStyle(s);
                const ctx = document.createElement('canvas').getContext('2d');
                ctx.font = `${st.fontWeight} ${st.fontSize} ${st.fontFamily}`;
                const widths = [...s.options].map((o) => ctx.measureText(o.text).width);
                const pad = parseFloat(st.paddingLeft) + parseFloat(st.paddingRight);
                return s.clientWidth - pad - 24 - Math.max(...widths); }""",  # 24 px: the arrow
            sel,
        )
        assert room >= 0, (sel, room)


async def test_a_value_the_server_would_refuse_gets_no_receipt(
    device: Device, demo_data, small_jpeg
) -> None:  # type: ignore[no-untyped-def]
    page = await device.open()
    await device.login()
    await device.set_offline(True)
    await device.goto_app("#/new/nib-umk")
    await page.wait_for_selector("#app-form")
    await fill_nib_form(page, small_jpeg)
    birth = page.locator("[data-field=birth_date] input")
    assert await birth.get_attribute("type") == "text"  # not the browser's locale-bound picker
    assert await birth.input_value() == "12/08/1990"  # from the NIK, dd/mm/yyyy
    await page.fill("[data-field=email] input", "siti@contoh.c")  # a one-letter top-level domain
    await page.click("#submit")
    message = page.locator("[data-field=email] .field-msg .msg-error")
    await message.wait_for()
    assert "Alamat email tidak benar" in (await message.text_content() or "")
    assert page.url.endswith("#/new/nib-umk") and await page.locator("#receipt").count() == 0
    assert await page.input_value("[data-field=email] input") == "siti@contoh.c"  # kept
    assert [r for r in await device.idb("records") if not r.get("draft")] == []


async def test_a_refused_record_says_why_and_its_photos_wait(
    device: Device, demo_data, small_jpeg
) -> None:  # type: ignore[no-untyped-def]
    page = await device.open()
    await device.login()
    uploads: list[str] = []
    assert device.ctx

    def note(request: Request) -> None:
        if "/api/uploads" in request.url:
            uploads.append(request.method)

    device.ctx.on("request", note)

    async def garble_nik(route: Route) -> None:
        # Another server version's rules: the server sees an NIK the tablet never checked.
        body: dict[str, Any] = json.loads(route.request.post_data or "{}")
        for m in body.get("mutations", []):
            if m["name"] == "create_application":
                m["args"]["fields"]["nik"] = "63710552089"
        await route.continue_(post_data=json.dumps(body))

    await device.ctx.route("**/api/sync/push", garble_nik)
    await device.set_offline(True)
    made = await submit_nib(device, small_jpeg)
    await device.set_offline(False)
    await sync_now(device)
    assert await state_of(page, made["id"]) == "failed"
    assert uploads == [], "no file reaches the server for an application it refused"

    await device.goto_app(f"#/r/{made['id']}")
    card = page.locator("#failure")
    await card.wait_for()
    text = await card.inner_text()
    assert "Server menolak permohonan ini" in text
    nik = page.locator("#failure-fields li[data-field=nik]")
    assert (await nik.inner_text()).startswith("NIK (Nomor Induk Kependudukan): NIK harus 16 angka")
    body = await page.inner_text("body")
    assert "invalid_fields" not in body and "Fix these fields" not in body

    await device.ctx.unroute("**/api/sync/push", garble_nik)
    await page.click("#fix-failure")
    await page.wait_for_selector("#app-form")
    await page.click("#app-form button[type=submit]")
    await wait_until(page, "location.hash.startsWith('#/r/')")
    await sync_now(device)
    assert await state_of(page, made["id"]) == "sent"
    assert "POST" in uploads or "PATCH" in uploads
