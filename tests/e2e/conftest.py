"""Browser fixtures for the field app: Debian's Chromium driven by Playwright's async API,
a persistent profile per test (so "close the browser and reopen it" is real), demo data."""

from __future__ import annotations

import asyncio
import io
import random
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import BrowserContext, Page, Playwright, async_playwright
from playwright.async_api import Error as PlaywrightError

from server.services.reference import demo
from server.settings import Settings
from tests.conftest import TEST_PASSWORD

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Kertak Baru Ilir, Banjarmasin Tengah (in the demo regions).
GEO = {"latitude": -3.3186, "longitude": 114.5944, "accuracy": 8}


@pytest.fixture
async def demo_data(db: Settings) -> Settings:
    await demo.load(db, password=TEST_PASSWORD)
    return db


@pytest.fixture
async def pw(chromium_path: str) -> AsyncIterator[Playwright]:
    async with async_playwright() as p:
        yield p


async def wait_until(
    page: Page, expression: str, timeout: float = 15.0, describe: str | None = None
) -> Any:
    """Poll an expression with page.evaluate (wait_for_function would need eval, which the
    app's CSP forbids). On timeout, `describe` is evaluated for the error message."""
    deadline = time.monotonic() + timeout
    while True:
        value = await page.evaluate(expression)
        if value:
            return value
        if time.monotonic() > deadline:
            seen = await page.evaluate(describe) if describe else None
            raise AssertionError(f"timed out waiting for {expression}; page shows: {seen}")
        await asyncio.sleep(0.1)


class Device:
    """One tablet: a Chromium profile folder that survives closing the browser."""

    def __init__(self, pw: Playwright, chromium: str, base_url: str, profile: Path) -> None:
        self.pw, self.chromium, self.base, self.profile = pw, chromium, base_url, profile
        self.ctx: BrowserContext | None = None
        self.page: Page | None = None
        self.errors: list[str] = []
        self.http_errors: list[str] = []
        self.console_errors: list[str] = []  # the page's console messages of type error
        self.failed_requests: list[str] = []  # aborted or failed at the network level
        self.secrets: dict[str, str] = {}  # username -> the PIN or password that unlocks it
        self.username = ""

    async def open(self, *, offline: bool = False) -> Page:
        self.ctx = await self.pw.chromium.launch_persistent_context(
            str(self.profile),
            executable_path=self.chromium,
            args=ARGS,
            headless=True,
            viewport={"width": 1280, "height": 800},
            geolocation=GEO,
            permissions=["geolocation"],
            locale="id-ID",
            timezone_id="Asia/Makassar",
        )
        await self.ctx.set_offline(offline)
        self.page = self.ctx.pages[0] if self.ctx.pages else await self.ctx.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.ctx.on("response", self._note_response)
        self.page.on(
            "console",
            lambda m: (
                self.console_errors.append(f"{m.text} @ {m.location.get('url', '')}")
                if m.type == "error"
                else None
            ),
        )
        self.ctx.on(
            "requestfailed",
            lambda r: self.failed_requests.append(f"{r.method} {r.url} {r.failure}"),
        )
        self.page.set_default_timeout(15_000)
        return self.page

    async def _note_response(self, response: Any) -> None:
        if "/api/" in response.url and response.status >= 400:
            body = ""
            if response.request.method != "HEAD":
                try:
                    body = await response.text()
                except PlaywrightError:  # the page navigated away and the body is gone
                    body = "(body no longer available)"
            self.http_errors.append(
                f"{response.request.method} {response.url} {response.status} {body[:300]}"
            )

    async def close(self) -> None:
        if self.ctx:
            await self.ctx.close()
        self.ctx = self.page = None

    async def set_offline(self, offline: bool) -> None:
        assert self.ctx
        await self.ctx.set_offline(offline)

    async def goto_app(self, hash_: str = "", *, unlock: bool = True) -> Any:
        """Open the app; a cold start shows the lock, which is opened with the secret the
        last officer chose at login (unless unlock=False)."""
        assert self.page
        response = await self.page.goto(f"{self.base}/app/{hash_}")
        await self.page.wait_for_selector("body[data-ready='1']")
        if unlock and self.username and await self.page.locator("#unlock-form").count():
            await self.unlock()
        return response

    async def unlock(
        self, username: str = "", secret: str | None = None, *, expect_unlocked: bool = True
    ) -> None:
        page = self.page
        assert page
        username = username or self.username
        await page.wait_for_selector("#unlock-form")
        if await page.locator("#unlock-officer option").count() > 1:
            await page.select_option("#unlock-officer", username)
        await page.fill("#unlock-secret", self.secrets[username] if secret is None else secret)
        await page.click("#unlock-submit")
        if expect_unlocked:
            await page.wait_for_selector("body[data-locked='0']")
        self.username = username

    async def login(
        self, username: str = "petugas", password: str = TEST_PASSWORD, pin: str = ""
    ) -> None:
        """First login of an officer on this tablet; with `pin` the app locks with a PIN,
        otherwise with the password."""
        page = self.page
        assert page
        if not await page.locator("#login-form").count():
            await self.goto_app("#/login", unlock=False)
        await page.fill("#username", username)
        await page.fill("#password", password)
        if pin:
            await page.fill("#pin", pin)
            await page.fill("#pin2", pin)
        await page.click("#login-form button[type=submit]")
        await page.wait_for_selector("#new-application")
        await wait_until(page, "navigator.serviceWorker.controller !== null")
        self.username = username
        self.secrets[username] = pin or password

    async def idb(self, store: str) -> list[dict[str, Any]]:
        """Read a whole object store of the unlocked officer's partition, through the app's
        own Store (the stored bytes are sealed; see raw_idb). Photo blobs by size."""
        assert self.page
        return await self.page.evaluate(
            """async (name) => {
                const db = globalThis.jemputBola;  // the page's own modules (pwa/build.mjs)
                const store = await db.getStore();
                const rows = await store.db.getAll(name);
                const full = name === 'photos'
                  ? await Promise.all(rows.map((r) => store.getPhoto(r.sha256))) : rows;
                return full.map((r) => r && r.blob ? {...r, blob: r.blob.size} : r);
              }""",
            store,
        )

    async def meta(self, key: str) -> Any:
        assert self.page
        return await self.page.evaluate(
            """async (key) => {
                const db = globalThis.jemputBola;  // the page's own modules (pwa/build.mjs)
                return (await db.getStore()).getMeta(key);
              }""",
            key,
        )

    async def raw_idb(self) -> dict[str, Any]:
        """Every IndexedDB database of the origin as stored: names, keys and values, bytes
        (typed arrays, blobs) decoded as Latin-1 text, for scanning for plain text."""
        assert self.page
        return await self.page.evaluate(
            """async () => {
                const text = async (v) => {
                  if (v instanceof Blob) return text(new Uint8Array(await v.arrayBuffer()));
                  if (v instanceof ArrayBuffer) return text(new Uint8Array(v));
                  if (ArrayBuffer.isView(v)) {
                    let s = '';
                    const b = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
                    for (let i = 0; i < b.length; i += 8192)
                      s += String.fromCharCode(...b.subarray(i, i + 8192));
                    return s;
                  }
                  if (v && typeof v === 'object') {
                    const parts = [];
                    for (const [k, x] of Object.entries(v)) parts.push(k + '=' + await text(x));
                    return '{' + parts.join(',') + '}';
                  }
                  return String(v);
                };
                const out = {};
                for (const { name } of await indexedDB.databases()) {
                  const db = await new Promise((ok, fail) => {
                    const r = indexedDB.open(name);
                    r.onsuccess = () => ok(r.result);
                    r.onerror = () => fail(r.error);
                  });
                  const stores = {};
                  for (const s of db.objectStoreNames) {
                    const [keys, values] = await Promise.all(['getAllKeys', 'getAll'].map((m) =>
                      new Promise((ok, fail) => {
                        const r = db.transaction(s).objectStore(s)[m]();
                        r.onsuccess = () => ok(r.result);
                        r.onerror = () => fail(r.error);
                      })));
                    stores[s] = [];
                    for (let i = 0; i < values.length; i++)
                      stores[s].push(await text(keys[i]) + ' ' + await text(values[i]));
                  }
                  db.close();
                  out[name] = stores;
                }
                return out;
              }"""
        )


@pytest.fixture
async def device(pw: Playwright, chromium_path: str, live_server, tmp_path: Path):  # type: ignore[no-untyped-def]
    d = Device(pw, chromium_path, live_server.url, tmp_path / "profile")
    yield d
    await d.close()


def _photo(path: Path, w: int, h: int) -> Path:
    """A camera-like JPEG (gradient, shapes, sensor noise), drawn small and scaled up."""
    from PIL import Image, ImageDraw

    rnd = random.Random(7)
    small = Image.linear_gradient("L").resize((w // 4, h // 4)).convert("RGB")
    draw = ImageDraw.Draw(small)
    for _ in range(120):
        x, y = rnd.randrange(w // 4), rnd.randrange(h // 4)
        r = rnd.randrange(10, 100)
        color = (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256))
        draw.ellipse([x - r, y - r, x + r, y + r], fill=color)
    noise = Image.effect_noise((w // 2, h // 2), 40).resize((w, h)).convert("RGB")
    img = Image.blend(small.resize((w, h), Image.Resampling.BICUBIC), noise, 0.2)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=95)
    path.write_bytes(buf.getvalue())
    return path


@pytest.fixture(scope="session")
def camera_jpeg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 4000×3000 photo of several megabytes, as a tablet camera takes it."""
    path = _photo(tmp_path_factory.mktemp("camera") / "IMG_20261128_101500.jpg", 4000, 3000)
    assert path.stat().st_size > 2_000_000
    return path


@pytest.fixture(scope="session")
def small_jpeg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small photo for tests about sync rather than resizing."""
    return _photo(tmp_path_factory.mktemp("camera") / "IMG_small.jpg", 1200, 900)


async def fill_nib_form(page: Page, photo: Path, *, name: str = "Siti Rahmah") -> None:
    """Fill every required field of the NIB (nib-umk) form on the new-application page."""
    f = page.locator
    await f("[data-field=nik] input").fill("6371055208900001")
    await f("[data-field=full_name] input").fill(name)
    await f("[data-field=home_address] input").fill("Jl. Pangeran Antasari No. 12, RT 03")
    await f("[data-field=phone] input").fill("0812 3456 7890")
    await f("[data-field=email] input").fill("siti@contoh.id")
    for region in ("home_region", "business_region"):
        selects = f(f"[data-field={region}] select")
        await selects.nth(0).select_option("63.71")
        await selects.nth(1).select_option("63.71.05")
        await selects.nth(2).select_option("63.71.05.1001")
    await f("[data-field=business_name] input").fill("Warung Siti Rahmah")
    await f("[data-field=business_address] input").fill("Pasar Lama Blok B-7")
    await f("[data-field=kbli] input").fill("47111")
    await f("[data-field=capital] input").fill("Rp 5.000.000")
    await f("[data-field=workers] input").fill("2")
    await f("[data-field=products] textarea").fill("Kue basah dan minuman")
    for field in ("ktp_photo", "business_front_photo"):
        await f(f"[data-field={field}] input[type=file]").set_input_files(str(photo))
        await f(f"[data-field={field}] img.preview:not([hidden])").wait_for()
    await f("[data-field=location] button").click()
    await f("[data-field=location] .gps-out", has_text="±").wait_for()
    for box in await f("[data-field=documents] input[type=checkbox]").all():
        await box.check()
    canvas = f("[data-field=signature] canvas")
    await canvas.scroll_into_view_if_needed()
    box = await canvas.bounding_box()
    assert box
    await page.mouse.move(box["x"] + 30, box["y"] + 100)
    await page.mouse.down()
    for i in range(1, 12):
        await page.mouse.move(box["x"] + 30 + i * 25, box["y"] + 100 + (30 if i % 2 else -30))
    await page.mouse.up()
    await f("[data-field=signature] .muted", has_text="Tanda tangan tersimpan").wait_for()
    await f("#consent").check()


async def submit_nib(device: Device, photo: Path, *, name: str = "Siti Rahmah") -> dict[str, str]:
    """Fill and submit an NIB application; returns its record id and tracking code."""
    page = device.page
    assert page
    await device.goto_app("#/new/nib-umk")
    await page.wait_for_selector("#app-form")
    await fill_nib_form(page, photo, name=name)
    await page.click("#submit")
    await page.wait_for_selector("#receipt")
    code = (await page.text_content("#tracking-code") or "").strip()
    records = await device.idb("records")
    record = next(r for r in records if r["tracking_code"] == code)
    return {"id": record["id"], "code": code}


async def wait_synced(page: Page, timeout: float = 30.0, after: str = "") -> None:
    """The header says nothing waits and a sync finished later than `after`."""
    await wait_until(
        page,
        f"""(() => {{ const s = document.getElementById('sync-status');
                    return s && s.dataset.waiting === '0' && s.dataset.running === '0'
                           && s.dataset.lastSync > {after!r}; }})()""",
        timeout,
        describe="document.getElementById('sync-status').textContent",
    )


async def sync_now(device: Device, timeout: float = 30.0) -> None:
    """Press "Sinkronkan sekarang" and wait until that sync (and any photo upload) is done."""
    page = device.page
    assert page
    before = await page.get_attribute("#sync-status", "data-last-sync") or ""
    await page.click("#sync-now")
    try:
        await wait_synced(page, timeout, after=before)
    except AssertionError as err:
        raise AssertionError(f"{err}\nHTTP errors: {device.http_errors}") from None


async def state_of(page: Page, record_id: str) -> str | None:
    await page.goto(page.url.split("#")[0] + "#/")
    row = page.locator(f"a.record-row[href='#/r/{record_id}'] .badge")
    await row.wait_for()
    return await row.get_attribute("data-state")
