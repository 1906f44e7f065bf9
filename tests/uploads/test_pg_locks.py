"""PostgreSQL advisory locks: two pools stand for two machines sharing one database."""

from __future__ import annotations

import os
import time
import uuid

import pytest

from server.uploads import PgAdvisoryLocks, UploadError
from server.uploads.locks import advisory_key

URL = os.environ.get("TEST_DATABASE_URL", "")
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not URL.startswith(("postgres", "asyncpg")), reason="TEST_DATABASE_URL is not PostgreSQL"
    ),
]
SHA = "ab" * 32


async def test_a_second_machine_gets_423_until_the_first_lets_go() -> None:
    import asyncpg

    dsn = "postgresql://" + URL.split("://", 1)[1]
    first = await asyncpg.create_pool(dsn, min_size=1, max_size=2)
    second = await asyncpg.create_pool(dsn, min_size=1, max_size=2)
    try:
        a, b = PgAdvisoryLocks(first), PgAdvisoryLocks(second)
        async with a.hold(SHA):
            started = time.monotonic()
            with pytest.raises(UploadError) as refused:
                async with b.hold(SHA, wait=0.2):
                    pass
            assert refused.value.status == 423
            assert time.monotonic() - started >= 0.2
            async with b.hold("cd" * 32, wait=0):  # other uploads are not blocked
                pass
        async with b.hold(SHA, wait=0):
            held = await second.fetchval(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
            )
            assert held >= 1
        assert advisory_key(SHA) != advisory_key("cd" * 32)
    finally:
        await first.close()
        await second.close()


async def test_the_app_takes_the_advisory_lock_another_machine_holds(  # type: ignore[no-untyped-def]
    client, make_user, make_device, siup_mikro_form
) -> None:
    """Under PostgreSQL the app's PATCH uses the advisory lock (UPLOAD_LOCKS=postgres by
    default), so a PATCH running on another machine makes this one answer 423."""
    import asyncpg

    from tests.uploads.harness import encode_metadata, photo_bytes, sha256
    from tests.uploads.test_wiring import create_app_mutation, push

    assert client._transport.app.state.settings.upload_locks == "postgres"  # type: ignore[attr-defined]
    officer = await make_user("officer", area_codes=["63.71"])
    auth = {
        "authorization": f"Bearer {(await make_device(officer)).token}",
        "Tus-Resumable": "1.0.0",
    }
    record_id = str(uuid.uuid4())
    await push(client, auth, create_app_mutation(record_id))
    data = photo_bytes()
    sha = sha256(data)
    meta = {
        "sha256": sha,
        "filename": "ktp.jpg",
        "filetype": "image/jpeg",
        "kind": "ktp",
        "record_id": record_id,
    }
    created = await client.post(
        "/api/uploads/",
        headers={**auth, "Upload-Length": str(len(data)), "Upload-Metadata": encode_metadata(meta)},
    )
    assert created.status_code == 201, created.text
    patch_headers = {
        **auth,
        "Upload-Offset": "0",
        "Content-Type": "application/offset+octet-stream",
    }
    other_machine = await asyncpg.create_pool(
        "postgresql://" + URL.split("://", 1)[1], min_size=1, max_size=1
    )
    try:
        async with PgAdvisoryLocks(other_machine).hold(sha, wait=0):
            busy = await client.patch(f"/api/uploads/{sha}", content=data, headers=patch_headers)
            assert busy.status_code == 423 and busy.json()["error"] == "upload_locked"
        done = await client.patch(f"/api/uploads/{sha}", content=data, headers=patch_headers)
        assert done.status_code == 204, done.text
    finally:
        await other_machine.close()


async def test_an_exhausted_lock_pool_answers_423_and_the_owned_pool_closes() -> None:
    locks = PgAdvisoryLocks.for_database(URL, max_connections=1)
    try:
        async with locks.hold(SHA):
            with pytest.raises(UploadError) as refused:
                async with locks.hold("cd" * 32, wait=0.1):  # another upload, no connection left
                    pass
            assert refused.value.status == 423
    finally:
        pool = locks.pool
        await locks.close()
    assert locks.pool is None and pool is not None and pool.is_closing()
