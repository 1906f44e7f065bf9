"""Disk full: the database refuses to grow (SQLite `max_page_count`, the real "database or disk
is full" error) or the media disk has no room for an upload's bytes (a quota on the storage's
writes). The server answers 507 (or 503) with Retry-After, nothing is half-written, and the same
request succeeds once space is freed."""

from __future__ import annotations

import errno
import random
import uuid

import httpx
import pytest
from tortoise import connections

from bench._common import application, seed_officer
from server.models import Application, SyncClient
from server.settings import Settings
from server.uploads import storage as storage_module
from tests.conftest import is_postgres
from tests.reliability.field_client import photo
from tests.uploads.harness import encode_metadata

FULL = (503, 507)


async def page_limit(pages: int) -> None:
    await connections.get("default").execute_script(f"PRAGMA max_page_count = {pages}")


@pytest.mark.skipif(
    is_postgres(), reason="SQLite's max_page_count; PostgreSQL has no per-connection cap"
)
async def test_a_full_database_refuses_a_push_whole_and_takes_it_once_space_is_freed(
    db: Settings, client: httpx.AsyncClient
) -> None:
    token = await seed_officer("petugas_penuh")
    auth = {"Authorization": f"Bearer {token}"}
    rng = random.Random(5)
    body = {
        "protocol": 1,
        "client_id": str(uuid.uuid4()),
        "mutations": [
            {"id": n + 1, "name": "create_application", "args": application(rng, n)}
            for n in range(60)
        ],
    }
    conn = connections.get("default")
    # earlier tests' deleted rows left free pages a push could reuse: fill them first
    await conn.execute_script("CREATE TABLE disk_filler (b BLOB)")
    for _ in range(10_000):
        (free,) = await conn.execute_query_dict("PRAGMA freelist_count")
        if not free["freelist_count"]:
            break
        await conn.execute_script("INSERT INTO disk_filler VALUES (zeroblob(2048))")
    (row,) = await conn.execute_query_dict("PRAGMA page_count")
    await page_limit(row["page_count"])  # not one page more
    try:
        full = await client.post("/api/sync/push", json=body, headers=auth)
        assert full.status_code in FULL, full.text
        assert full.headers.get("retry-after"), full.headers
        assert full.json()["error"], full.text
        assert await Application.filter(created_by_client=body["client_id"]).count() == 0
        assert await SyncClient.filter(client_id=body["client_id"]).count() == 0
    finally:
        await page_limit(2**31 - 2)
        await conn.execute_script("DROP TABLE disk_filler")
    retried = await client.post("/api/sync/push", json=body, headers=auth)
    assert retried.status_code == 200, retried.text
    assert [r["status"] for r in retried.json()["results"]] == ["applied"] * 60
    assert await Application.filter(created_by_client=body["client_id"]).count() == 60


async def test_a_full_media_disk_refuses_an_upload_and_resumes_once_space_is_freed(
    db: Settings, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = await seed_officer("petugas_media")
    auth = {"Authorization": f"Bearer {token}", "Tus-Resumable": "1.0.0"}
    item = photo(random.Random(9), str(uuid.uuid4()), "ktp", size=200)
    meta = {"sha256": item.sha256, "record_id": item.record_id, "kind": "ktp"}
    real_write = storage_module._AioPart.write
    room = {"bytes": len(item.data) // 2}

    async def quota_write(self, data: bytes) -> None:  # type: ignore[no-untyped-def]
        if len(data) > room["bytes"]:
            raise OSError(errno.ENOSPC, "No space left on device")
        room["bytes"] -= len(data)
        await real_write(self, data)

    monkeypatch.setattr(storage_module._AioPart, "write", quota_write)
    full = await client.post(
        "/api/uploads/",
        content=item.data,
        headers={
            **auth,
            "Upload-Length": str(len(item.data)),
            "Upload-Metadata": encode_metadata(meta),
            "Content-Type": "application/offset+octet-stream",
        },
    )
    assert full.status_code in FULL, full.text
    assert full.headers.get("retry-after"), full.headers
    head = await client.head(f"/api/uploads/{item.sha256}", headers=auth)
    offset = int(head.headers.get("upload-offset", "0")) if head.status_code == 200 else 0
    assert offset < len(item.data)
    if head.status_code == 200:  # what is kept is a true prefix of the file
        part = db.media_dir / "uploads" / f"{item.sha256}.part"
        assert part.read_bytes() == item.data[:offset]

    monkeypatch.setattr(storage_module._AioPart, "write", real_write)  # space freed
    if head.status_code == 404:
        resumed = await client.post(
            "/api/uploads/",
            content=item.data,
            headers={
                **auth,
                "Upload-Length": str(len(item.data)),
                "Upload-Metadata": encode_metadata(meta),
                "Content-Type": "application/offset+octet-stream",
            },
        )
        assert resumed.status_code == 201, resumed.text
    else:
        resumed = await client.patch(
            f"/api/uploads/{item.sha256}",
            content=item.data[offset:],
            headers={
                **auth,
                "Upload-Offset": str(offset),
                "Content-Type": "application/offset+octet-stream",
            },
        )
        assert resumed.status_code == 204, resumed.text
    done = await client.head(f"/api/uploads/{item.sha256}", headers=auth)
    assert done.headers["Upload-Offset"] == str(len(item.data))
    stored = db.media_dir / "blobs" / item.sha256[:2] / item.sha256[2:4] / item.sha256
    assert stored.read_bytes() == item.data
