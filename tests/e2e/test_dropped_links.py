"""The real field app in Chromium on a link that drops: every connection goes through the
seeded fault proxy (bench/_netem.py), which resets a share of them at a random byte, mid-request
or mid-response. An officer's offline day of three applications with photos must reach the
server exactly once, every photo byte-identical, however many syncs and uploads were cut."""

from __future__ import annotations

import asyncio
import hashlib
import io
import random
import time
from pathlib import Path

import pytest
from PIL import Image

from bench._netem import Link, run_proxy
from server.models import Application, Blob

from .conftest import Device, submit_nib

pytestmark = pytest.mark.browser

APPLICATIONS = 3
RESET_SHARE = 0.25  # once the first cuts happened
FIRST_CUTS = 3


def distinct_photo(path: Path, seed: int) -> Path:
    """A noisy JPEG of its own per application (equal photos would be stored once)."""
    rnd = random.Random(seed)
    img = Image.effect_noise((900, 700), 60 + seed).convert("RGB")
    tint = Image.new("RGB", img.size, tuple(rnd.randrange(256) for _ in range(3)))
    buf = io.BytesIO()
    Image.blend(img, tint, 0.3).save(buf, "JPEG", quality=92)
    path.write_bytes(buf.getvalue())
    return path


async def sync_until_done(device: Device, timeout: float = 120.0) -> int:
    """Press "Sinkronkan sekarang" whenever no sync runs and work still waits; returns how
    many times it was pressed. The app's own retries and backoff do the rest."""
    page = device.page
    assert page
    presses = 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = page.locator("#sync-status")
        waiting = await status.get_attribute("data-waiting")
        running = await status.get_attribute("data-running")
        if running == "0" and waiting == "0" and presses:
            return presses
        if running == "0":
            await page.click("#sync-now")
            presses += 1
        await asyncio.sleep(1.0)
    raise AssertionError(
        f"still waiting after {timeout:.0f} s ({presses} presses): {device.http_errors[-5:]}"
    )


async def test_offline_day_syncs_exactly_once_through_a_dropping_link(
    pw, chromium_path, live_server, demo_data, tmp_path
) -> None:
    upstream = int(live_server.url.rsplit(":", 1)[1])
    with run_proxy(upstream, Link(seed=20261203)) as (port, proxy):
        device = Device(pw, chromium_path, f"http://127.0.0.1:{port}", tmp_path / "profile")
        try:
            await device.open()
            await device.login()  # the first sign-in needs a working link
            await device.set_offline(True)
            made = []
            for n in range(APPLICATIONS):
                photo = distinct_photo(tmp_path / f"photo-{n}.jpg", n)
                made.append(await submit_nib(device, photo, name=f"Warga Terputus {n}"))
            photos = {p["sha256"]: p for p in await device.idb("photos")}
            assert len(photos) >= APPLICATIONS + 1  # a photo each, and signatures

            # Signal returns on a link that drops: every connection is cut at a random byte
            # until the first syncs and uploads have been cut a few times, then one in four.
            proxy.link.reset_share = 1.0
            await device.set_offline(False)
            deadline = time.monotonic() + 60
            while proxy.stats.faults < FIRST_CUTS and time.monotonic() < deadline:
                if await device.page.get_attribute("#sync-status", "data-running") == "0":
                    await device.page.click("#sync-now")  # the officer does not wait for backoff
                await asyncio.sleep(0.5)
            proxy.link.reset_share = RESET_SHARE
            presses = await sync_until_done(device)
            faults = proxy.stats.faults
        finally:
            await device.close()

    assert faults >= FIRST_CUTS, "the proxy cut too little: the test proved nothing"
    for app in made:
        assert await Application.filter(tracking_code=app["code"]).count() == 1
        stored = await Application.get(tracking_code=app["code"])
        assert stored.id == app["id"]
        assert stored.status == "diterima"
        assert stored.files and all(f["arrived"] for f in stored.files), stored.files
    assert await Application.all().count() == APPLICATIONS
    media = Path(demo_data.media_dir)
    for sha, photo in photos.items():  # stored as blobs/ab/cd/<sha>: the bytes the tablet sent
        blob = await Blob.get(sha256=sha)
        data = (media / "blobs" / sha[:2] / sha[2:4] / sha).read_bytes()
        assert hashlib.sha256(data).hexdigest() == sha
        assert blob.size == len(data) == photo["blob"]
    print(
        f"dropped link: {proxy.stats.connections} connections, {faults} cut "
        f"({proxy.stats.resets_mid_request} mid-request, "
        f"{proxy.stats.resets_mid_response} mid-response), {presses} sync presses"
    )
