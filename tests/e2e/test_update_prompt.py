"""A new version of the app never swaps itself in under an officer's fingers: it waits,
offers "Perbarui", and only then reloads; the old precache is deleted afterwards."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.async_api import async_playwright
from starlette.applications import Starlette

from server.web import pwa

from .conftest import ARGS, wait_until

pytestmark = pytest.mark.browser


@pytest.fixture
def shell_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "pwa"
    shutil.copytree(pwa.PWA_DIR, copy)
    monkeypatch.setattr(pwa, "PWA_DIR", copy)
    return copy


@pytest.fixture
def shell_server(shell_copy: Path) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(
        Starlette(routes=pwa.routes), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(5)


async def test_update_waits_for_perbarui(
    chromium_path: str, shell_server: str, shell_copy: Path
) -> None:
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path, args=ARGS)
        page = await (await browser.new_context()).new_page()
        await page.goto(shell_server + "/app/")
        await page.wait_for_selector("#login-form")
        await wait_until(page, "navigator.serviceWorker.controller !== null")
        first = await wait_until(page, "caches.keys().then(k => k.length === 1 && k[0])")
        await page.fill("#username", "petugas-sedang-mengetik")

        # A new release of the page (the build's output; its inline blocks keep their hashes)
        built = shell_copy / "dist" / "index.html"
        built.write_text(
            built.read_text().replace("<head>", '<head><meta name="release" content="2">')
        )
        await page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
        banner = page.locator("#update")
        await banner.get_by_role("button", name="Perbarui").wait_for()
        # Nothing was swapped or reloaded while the officer was typing.
        assert await page.input_value("#username") == "petugas-sedang-mengetik"
        assert await page.evaluate("navigator.serviceWorker.controller.state") == "activated"

        async with page.expect_navigation():
            await banner.get_by_role("button", name="Perbarui").click()
        await page.wait_for_selector("#login-form")
        assert await banner.is_hidden()
        keys = await wait_until(page, "caches.keys().then(k => k.length === 1 && k)")
        assert keys[0] != first, "the new version has its own precache; the old one is gone"
        served = await page.evaluate(
            "document.querySelector('meta[name=release]')?.content === '2'"
            " && performance.getEntriesByType('navigation')[0].transferSize === 0"
        )
        assert served, "the new page, answered by the new worker's precache"
        await browser.close()
