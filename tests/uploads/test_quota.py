"""The daily upload quota per officer (issue 10, S10): files and bytes since local midnight,
counted in the database by every worker, refused with 429 and Retry-After before a byte is
written, never counted or refused for a resumed upload or a file the server already has."""

from __future__ import annotations

import asyncio
import io
import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from tusclient import client as tus
from tusclient.exceptions import TusCommunicationError

from server.app import create_app
from server.models import Blob, Role
from server.services.throttling import quota
from server.services.throttling.database_storage import DatabaseStorage
from server.settings import Settings
from server.uploads.web import close as close_uploads
from tests.conftest import start_server, stop_server
from tests.uploads.harness import encode_metadata, photo_bytes, sha256

TUS = {"Tus-Resumable": "1.0.0"}
MAKASSAR = ZoneInfo("Asia/Makassar")


def _meta(data: bytes) -> dict[str, str]:
    return {
        "sha256": sha256(data),
        "filename": "foto.jpg",
        "filetype": "image/jpeg",
        "record_id": str(uuid.uuid4()),
        "kind": "business_photo",
    }


async def test_files_and_bytes_are_counted_per_officer_per_local_day(db: Settings) -> None:
    storage = DatabaseStorage()
    daily = quota.DailyQuota(files=2, bytes=10 * 1024, timezone="Asia/Makassar")
    now = datetime(2026, 12, 3, 23, 59, 30, tzinfo=MAKASSAR)
    assert await quota.take(storage, daily, "7", 4 * 1024, now) is None
    refused = await quota.take(storage, daily, "7", 7 * 1024, now)  # 11 KiB > 10 KiB
    assert refused == quota.Refusal("bytes", 30)  # until midnight in Makassar
    assert await quota.used(storage, daily, "7", now) == (1, 4)  # the refusal took nothing
    assert await quota.take(storage, daily, "7", 6 * 1024 + 1, now) == quota.Refusal("bytes", 30)
    assert await quota.take(storage, daily, "7", 5 * 1024, now) is None
    assert await quota.take(storage, daily, "7", 1, now) == quota.Refusal("files", 30)
    assert await quota.used(storage, daily, "7", now) == (2, 9)
    assert await quota.take(storage, daily, "8", 1, now) is None  # a colleague is not held up
    tomorrow = now + timedelta(seconds=31)
    assert await quota.take(storage, daily, "7", 9 * 1024, tomorrow) is None
    assert await quota.used(storage, daily, "7", tomorrow) == (1, 9)
    off = quota.DailyQuota(files=0, bytes=0, timezone="Asia/Makassar")
    assert await quota.take(storage, off, "7", 10**9, now) is None  # 0 turns it off


async def test_concurrent_uploads_never_take_more_than_the_quota(db: Settings) -> None:
    """One atomic statement per counter: 30 racing creations, exactly the quota admitted."""
    storage = DatabaseStorage()
    daily = quota.DailyQuota(files=7, bytes=0, timezone="Asia/Makassar")
    answers = await asyncio.gather(*(quota.take(storage, daily, "9", 100) for _ in range(30)))
    assert sum(answer is None for answer in answers) == 7
    assert await quota.used(storage, daily, "9") == (7, 0)


@pytest.fixture
async def quota_client(db: Settings):  # type: ignore[no-untyped-def]
    app = create_app(replace(db, upload_daily_files=2), manage_db=False)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
        yield c
    await close_uploads(app)


async def _create(
    client: httpx.AsyncClient, auth: dict[str, str], data: bytes, body: bytes | None = None
) -> httpx.Response:
    headers = {
        **auth,
        **TUS,
        "Upload-Length": str(len(data)),
        "Upload-Metadata": encode_metadata(_meta(data)),
    }
    if body is not None:
        headers["Content-Type"] = "application/offset+octet-stream"
    return await client.post("/api/uploads/", content=body or b"", headers=headers)


async def test_over_quota_is_429_with_retry_after_and_writes_nothing(  # type: ignore[no-untyped-def]
    quota_client, make_user, make_device, db: Settings
) -> None:
    officer = await make_user(Role.OFFICER, area_codes=["63.71"])
    first = {"Authorization": f"Bearer {(await make_device(officer)).token}"}
    second = {"Authorization": f"Bearer {(await make_device(officer, 'Tablet 2')).token}"}
    one, two, three = (photo_bytes((200, 150), seed=n) for n in (1, 2, 3))
    assert (await _create(quota_client, first, one, one)).status_code == 201
    partial = await _create(quota_client, second, two, two[:1000])  # started, not finished
    assert partial.headers["upload-offset"] == "1000"

    refused = await _create(quota_client, second, three, three)  # the officer's, any tablet
    assert refused.status_code == 429
    assert refused.json()["error"] == "daily_upload_quota"
    assert "2 berkas" in refused.json()["message"]  # says the limit, in Indonesian
    wait = int(refused.headers["retry-after"])
    midnight = (datetime.now(MAKASSAR) + timedelta(days=1)).replace(hour=0, minute=0, second=0)
    assert abs(wait - (midnight - datetime.now(MAKASSAR)).total_seconds()) < 5
    assert not (db.media_dir / "uploads" / f"{sha256(three)}.part").exists()
    assert not await Blob.filter(sha256=sha256(three)).exists()

    # Never refused: the upload already accepted resumes, and a stored file is re-announced.
    resume = await quota_client.patch(
        f"/api/uploads/{sha256(two)}",
        content=two[1000:],
        headers={
            **second,
            **TUS,
            "Upload-Offset": "1000",
            "Content-Type": "application/offset+octet-stream",
        },
    )
    assert resume.status_code == 204, resume.text
    assert await Blob.filter(sha256=sha256(two)).exists()
    again = await _create(quota_client, second, one)  # already stored: no bytes to take
    assert (again.status_code, again.headers["upload-offset"]) == (201, str(len(one)))

    colleague = await make_user(Role.OFFICER, area_codes=["63.71"])
    theirs = {"Authorization": f"Bearer {(await make_device(colleague)).token}"}
    assert (await _create(quota_client, theirs, three, three)).status_code == 201


@pytest.mark.slow
async def test_tuspy_meets_the_quota_counted_across_two_workers(  # type: ignore[no-untyped-def]
    db: Settings, make_user, make_device
) -> None:
    """A real tus client against two uvicorn workers (a new connection per request, so both
    take creations): the third new file of the day is refused, the one started earlier
    still finishes."""
    server = start_server(db, workers=2, extra_env={"UPLOAD_DAILY_FILES": "3"})
    try:
        officer = await make_user(Role.OFFICER, area_codes=["63.71"])
        tokens = [(await make_device(officer, f"Tablet {n}")).token for n in range(2)]
        files = [photo_bytes((400, 300), seed=10 + n) for n in range(4)]

        def uploader(n: int, **options):  # type: ignore[no-untyped-def]
            client = tus.TusClient(
                server.url + "/api/uploads/",
                headers={"Authorization": f"Bearer {tokens[n % 2]}"},
            )
            return client.uploader(
                file_stream=io.BytesIO(files[n]), metadata=_meta(files[n]), **options
            )

        started = uploader(0, chunk_size=2048)
        started.upload_chunk()  # created (counted) with its first 2 KB
        for n in (1, 2):
            uploader(n).upload()
        with pytest.raises(TusCommunicationError) as refused:
            uploader(3).upload()
        assert refused.value.status_code == 429
        assert b"daily_upload_quota" in refused.value.response_content
        resumed = uploader(0, url=f"{server.url}/api/uploads/{sha256(files[0])}")
        assert resumed.offset == 2048
        resumed.upload()
        stored = set(await Blob.all().values_list("sha256", flat=True))
        assert stored == {sha256(f) for f in files[:3]}
        raw = httpx.post(
            server.url + "/api/uploads/",
            headers={
                "Authorization": f"Bearer {tokens[1]}",
                **TUS,
                "Upload-Length": str(len(files[3])),
                "Upload-Metadata": encode_metadata(_meta(files[3])),
            },
        )
        assert raw.status_code == 429 and int(raw.headers["retry-after"]) > 0
    finally:
        stop_server(server)
    assert server.log.read_text().count("Started server process") >= 2
