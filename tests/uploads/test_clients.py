"""The real clients: tuspy through a link that keeps dropping, and tus-js-client under Node."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest
from tusclient import client as tus

from bench._netem import Link, run_proxy
from tests.uploads.conftest import Live
from tests.uploads.harness import AUTH, metadata, photo_bytes, sha256

R2 = "0190f0c2-bbbb-7ccc-8ddd-123456789abc"  # a second application's record id


class Tap:
    """ASGI middleware noting (method, request Upload-Offset, status, response Upload-Offset)."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self.log: list[tuple[str, str | None, int, str | None]] = []

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        asked = dict(scope["headers"]).get(b"upload-offset")

        async def noting_send(message) -> None:  # type: ignore[no-untyped-def]
            if message["type"] == "http.response.start":
                got = dict(message["headers"]).get(b"upload-offset")
                self.log.append(
                    (
                        scope["method"],
                        asked.decode() if asked else None,
                        message["status"],
                        got.decode() if got else None,
                    )
                )
            await send(message)

        await self.app(scope, receive, noting_send)


@pytest.fixture
def tapped(tmp_path: Path):  # type: ignore[no-untyped-def]
    from tests.uploads.harness import make_app, serve

    app, recorder = make_app(tmp_path / "media")
    tap = Tap(app)
    with serve(tap) as url:  # type: ignore[arg-type]
        yield url, tap, recorder, tmp_path / "media"


def test_tuspy_resumes_through_a_link_that_drops_mid_chunk(tapped) -> None:  # type: ignore[no-untyped-def]
    url, tap, recorder, media = tapped
    data = photo_bytes((1000, 1000), seed=7)
    port = int(url.rsplit(":", 1)[1])
    with run_proxy(port, Link(rate=2_000_000, cut_every=150_000)) as (proxy_port, proxy):
        c = tus.TusClient(f"http://127.0.0.1:{proxy_port}/api/uploads/", headers=AUTH)
        uploader = c.uploader(
            file_stream=io.BytesIO(data),
            chunk_size=400_000,
            metadata=metadata(data),
            retries=10,
            retry_delay=0,
        )
        uploader.upload()
    sha = sha256(data)
    assert proxy.stats.cuts >= len(data) // 150_000 - 1
    assert (media / "blobs" / sha[:2] / sha[2:4] / sha).read_bytes() == data
    assert [c[2] for c in recorder.completed] == [sha]
    # every PATCH started where the server's data ended: no 409, no byte received twice
    patches = [entry for entry in tap.log if entry[0] == "PATCH"]
    assert all(status != 409 for _, _, status, _ in tap.log)
    heads = [entry for entry in tap.log if entry[0] == "HEAD"]
    assert len(heads) >= proxy.stats.cuts - 1
    resumed_at = {int(entry[3]) for entry in heads}
    assert resumed_at <= {int(p[1]) for p in patches}
    assert any(offset % 400_000 > 0 for offset in resumed_at)  # cuts fell inside chunks
    # bytes that crossed the link: the file once, plus request headers
    assert proxy.stats.up_bytes < len(data) * 1.02


def test_tuspy_second_upload_of_a_stored_file_sends_no_bytes(live: Live) -> None:
    data = photo_bytes(seed=9)
    sha = sha256(data)
    c = tus.TusClient(live.endpoint, headers=AUTH)
    c.uploader(file_stream=io.BytesIO(data), metadata=metadata(data)).upload()
    port = int(live.url.rsplit(":", 1)[1])
    with run_proxy(port, Link()) as (proxy_port, proxy):
        again = tus.TusClient(f"http://127.0.0.1:{proxy_port}/api/uploads/", headers=AUTH)
        uploader = again.uploader(
            file_stream=io.BytesIO(data), url=f"http://127.0.0.1:{proxy_port}/api/uploads/{sha}"
        )
        assert uploader.offset == len(data)
        uploader.upload()
        assert proxy.stats.connections == 1
        assert proxy.stats.up_bytes < 400  # one HEAD request, no body
    # creation (POST) of a stored file answers at once with the full offset and re-links
    r = live.http.post(
        "/api/uploads/",
        headers={"Upload-Length": str(len(data)), "Upload-Metadata": _meta(data, R2)},
    )
    assert (r.status_code, r.headers["Upload-Offset"]) == (201, str(len(data)))
    assert [m["record_id"] for _, m, _ in live.recorder.completed][-1] == R2


def _meta(data: bytes, record_id: str) -> str:
    from tests.uploads.harness import encode_metadata

    return encode_metadata(metadata(data, record_id=record_id))


def test_tuspy_with_sha1_checksums(live: Live) -> None:
    data = photo_bytes(seed=11)
    c = tus.TusClient(live.endpoint, headers=AUTH)
    c.uploader(
        file_stream=io.BytesIO(data),
        chunk_size=50_000,
        metadata=metadata(data),
        upload_checksum=True,
    ).upload()
    head = httpx.head(f"{live.endpoint}{sha256(data)}", headers={**AUTH, "Tus-Resumable": "1.0.0"})
    assert head.headers["Upload-Offset"] == str(len(data))
