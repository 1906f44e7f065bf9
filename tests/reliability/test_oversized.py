"""Oversized bodies, with and without Content-Length, get 413 from a real server process, and
the server's memory does not grow with them (it stops reading at the cap)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bench._common import seed_officer
from server.settings import Settings
from tests.conftest import LiveServer

MB = 1024 * 1024


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def chunks(total: int) -> Iterator[bytes]:
    block = b"{" + b" " * (MB - 1)
    for _ in range(total // MB):
        yield block


@pytest.mark.parametrize("path", ["/api/sync/push", "/api/devices/enroll", "/login"])
async def test_oversized_bodies_get_413_without_memory_growth(
    db: Settings, live_server: LiveServer, path: str
) -> None:
    token = await seed_officer(f"petugas_besar_{path.count('/')}")
    pid = live_server.process.pid
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    if path == "/login":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    with httpx.Client(base_url=live_server.url, timeout=60) as http:
        http.get("/healthz")
        before = rss_kb(pid)
        for _ in range(3):
            declared = http.post(path, content=b"{" + b" " * (50 * MB - 1), headers=headers)
            assert declared.status_code == 413, (path, declared.status_code, declared.text[:200])
            streamed = http.post(path, content=chunks(50 * MB), headers=headers)
            assert streamed.status_code == 413, (path, streamed.status_code, streamed.text[:200])
        grown_mb = (rss_kb(pid) - before) / 1024
    assert grown_mb < 10, f"server RSS grew {grown_mb:.1f} MB"
