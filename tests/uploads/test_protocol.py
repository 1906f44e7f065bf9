"""tus 1.0 status codes and headers, checked with raw HTTP against a live server."""

from __future__ import annotations

import base64
import hashlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import parsedate_to_datetime

import httpx

from server.uploads import FileLocks, LocalDiskStorage, expire_uploads
from server.uploads.config import Limits
from tests.uploads.conftest import Live, start
from tests.uploads.harness import encode_metadata, metadata, photo_bytes, sha256

OCTETS = "application/offset+octet-stream"


def create(live: Live, data: bytes, **meta: str) -> httpx.Response:
    return live.http.post(
        "/api/uploads/",
        headers={
            "Upload-Length": str(len(data)),
            "Upload-Metadata": encode_metadata(metadata(data, **meta)),
        },
    )


def patch(live: Live, sha: str, offset: int, body: bytes, **headers: str) -> httpx.Response:
    return live.http.patch(
        f"/api/uploads/{sha}",
        content=body,
        headers={"Upload-Offset": str(offset), "Content-Type": OCTETS, **headers},
    )


def test_options_advertises_version_extensions_and_limits(live: Live) -> None:
    r = live.http.options("/api/uploads/")
    assert r.status_code == 204
    assert r.headers["Tus-Version"] == "1.0.0"
    extensions = set(r.headers["Tus-Extension"].split(","))
    assert {"creation", "creation-with-upload", "checksum", "termination", "expiration"} <= (
        extensions
    )
    assert r.headers["Tus-Max-Size"] == str(10 * 1024 * 1024)
    assert set(r.headers["Tus-Checksum-Algorithm"].split(",")) == {"sha1", "sha256"}


def test_create_head_patch_in_two_chunks(live: Live) -> None:
    data = photo_bytes()
    sha = sha256(data)
    r = create(live, data)
    assert r.status_code == 201
    assert r.headers["Location"] == f"/api/uploads/{sha}"
    assert r.headers["Tus-Resumable"] == "1.0.0"
    assert parsedate_to_datetime(r.headers["Upload-Expires"]).timestamp() > time.time()

    head = live.http.head(f"/api/uploads/{sha}")
    assert (head.status_code, head.headers["Upload-Offset"]) == (200, "0")
    assert head.headers["Upload-Length"] == str(len(data))
    assert head.headers["Cache-Control"] == "no-store"
    assert "sha256 " in head.headers["Upload-Metadata"]

    half = len(data) // 2
    r = patch(live, sha, 0, data[:half])
    assert (r.status_code, r.headers["Upload-Offset"]) == (204, str(half))
    assert live.recorder.completed == []
    r = patch(live, sha, half, data[half:])
    assert (r.status_code, r.headers["Upload-Offset"]) == (204, str(len(data)))
    assert [c[2] for c in live.recorder.completed] == [sha]
    assert live.recorder.completed[0][1]["kind"] == "business_photo"

    blob = live.media / "blobs" / sha[:2] / sha[2:4] / sha
    assert blob.read_bytes() == data
    head = live.http.head(f"/api/uploads/{sha}")
    assert head.headers["Upload-Offset"] == head.headers["Upload-Length"] == str(len(data))


def test_wrong_offset_is_409_and_changes_nothing(live: Live) -> None:
    data = photo_bytes()
    sha = sha256(data)
    create(live, data)
    patch(live, sha, 0, data[:1000])
    r = patch(live, sha, 500, data[500:2000])
    assert r.status_code == 409
    assert r.json()["error"] == "offset_mismatch"
    assert live.http.head(f"/api/uploads/{sha}").headers["Upload-Offset"] == "1000"


def test_checksum_extension(live: Live) -> None:
    data = photo_bytes()
    sha = sha256(data)
    create(live, data)
    chunk = data[:5000]
    wrong = base64.b64encode(hashlib.sha1(b"other").digest()).decode()
    r = patch(live, sha, 0, chunk, **{"Upload-Checksum": f"sha1 {wrong}"})
    assert r.status_code == 460
    assert r.json()["error"] == "checksum_mismatch"
    assert live.http.head(f"/api/uploads/{sha}").headers["Upload-Offset"] == "0"

    r = patch(live, sha, 0, chunk, **{"Upload-Checksum": "md5 AAAA"})
    assert (r.status_code, r.json()["error"]) == (400, "unsupported_checksum")

    for algorithm in ("sha1", "sha256"):
        offset = int(live.http.head(f"/api/uploads/{sha}").headers["Upload-Offset"])
        piece = data[offset : offset + 5000]
        digest = base64.b64encode(hashlib.new(algorithm, piece).digest()).decode()
        r = patch(live, sha, offset, piece, **{"Upload-Checksum": f"{algorithm} {digest}"})
        assert (r.status_code, r.headers["Upload-Offset"]) == (204, str(offset + 5000))


def test_creation_with_upload_and_method_override(live: Live) -> None:
    data = photo_bytes()
    sha = sha256(data)
    r = live.http.post(
        "/api/uploads/",
        content=data[:3000],
        headers={
            "Upload-Length": str(len(data)),
            "Upload-Metadata": encode_metadata(metadata(data)),
            "Content-Type": OCTETS,
        },
    )
    assert (r.status_code, r.headers["Upload-Offset"]) == (201, "3000")
    r = live.http.post(
        f"/api/uploads/{sha}",
        content=data[3000:],
        headers={
            "X-HTTP-Method-Override": "PATCH",
            "Upload-Offset": "3000",
            "Content-Type": OCTETS,
        },
    )
    assert (r.status_code, r.headers["Upload-Offset"]) == (204, str(len(data)))
    r = live.http.post(f"/api/uploads/{sha}", headers={"X-HTTP-Method-Override": "HEAD"})
    assert r.headers["Upload-Offset"] == str(len(data))


def test_termination(live: Live) -> None:
    data = photo_bytes()
    sha = sha256(data)
    create(live, data)
    patch(live, sha, 0, data[:100])
    assert live.http.delete(f"/api/uploads/{sha}").status_code == 204
    assert live.http.head(f"/api/uploads/{sha}").status_code == 404
    assert live.stored_files() == []
    assert live.http.delete(f"/api/uploads/{sha}").status_code == 404
    # a completed, content-addressed file is detached from records, not terminated
    create(live, data)
    patch(live, sha, 0, data)
    r = live.http.delete(f"/api/uploads/{sha}")
    assert (r.status_code, r.json()["error"]) == (403, "upload_complete")


def test_version_auth_and_content_type_are_enforced(live: Live) -> None:
    data = photo_bytes()
    sha = sha256(data)
    r = httpx.post(live.endpoint, headers={"Upload-Length": "10"})  # no Tus-Resumable, no auth
    assert (r.status_code, r.headers["Tus-Version"]) == (412, "1.0.0")
    r = httpx.head(f"{live.endpoint}{sha}", headers={"Tus-Resumable": "1.0.0"})
    assert r.status_code == 401
    create(live, data)
    r = live.http.patch(f"/api/uploads/{sha}", content=data[:10], headers={"Upload-Offset": "0"})
    assert (r.status_code, r.json()["error"]) == (415, "bad_content_type")
    assert live.http.head("/api/uploads/not-a-digest").status_code == 404
    assert live.http.head(f"/api/uploads/{'0' * 64}").status_code == 404


@contextmanager
def raw_patch(live: Live, sha: str, length: int) -> Iterator[socket.socket]:
    """A PATCH from offset 0 whose body the test sends (or cuts) by hand."""
    host, port = live.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(
            (
                f"PATCH /api/uploads/{sha} HTTP/1.1\r\nHost: x\r\nTus-Resumable: 1.0.0\r\n"
                f"Authorization: {live.http.headers['Authorization']}\r\n"
                f"Content-Type: {OCTETS}\r\nUpload-Offset: 0\r\nContent-Length: {length}\r\n\r\n"
            ).encode()
        )
        yield sock


def test_bytes_before_a_disconnect_are_kept(live: Live) -> None:
    data = photo_bytes((900, 900))
    sha = sha256(data)
    create(live, data)
    with raw_patch(live, sha, len(data)) as sock:
        sock.sendall(data[:40_000])
        time.sleep(0.3)
    deadline = time.monotonic() + 5
    while live.http.head(f"/api/uploads/{sha}").headers["Upload-Offset"] != "40000":
        assert time.monotonic() < deadline, "the 40,000 bytes sent before the cut were lost"
        time.sleep(0.05)
    r = patch(live, sha, 40_000, data[40_000:])
    assert r.status_code == 204
    assert (live.media / "blobs" / sha[:2] / sha[2:4] / sha).read_bytes() == data


def test_a_second_patch_while_one_is_running_gets_423(live: Live) -> None:
    data = photo_bytes((900, 900))
    sha = sha256(data)
    create(live, data)
    with raw_patch(live, sha, len(data)) as sock:
        sock.sendall(data[:1000])
        time.sleep(0.2)
        r = patch(live, sha, 0, data)
        assert (r.status_code, r.json()["error"]) == (423, "upload_locked")
        sock.sendall(data[1000:])
        reply = sock.recv(4096)
    assert reply.startswith(b"HTTP/1.1 204")
    assert (live.media / "blobs" / sha[:2] / sha[2:4] / sha).read_bytes() == data


HOLD_LOCK = """
import sys, time
from server.uploads.locks import FileLocks
fd = FileLocks(sys.argv[1])._try(sys.argv[2])
print("held" if fd is not None else "busy", flush=True)
time.sleep(30)
"""


def test_the_lock_holds_across_processes(live: Live) -> None:
    data = photo_bytes()
    sha = sha256(data)
    create(live, data)
    with subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(live.media / "locks"), sha],
        stdout=subprocess.PIPE,
        text=True,
    ) as other:
        assert other.stdout is not None
        assert other.stdout.readline().strip() == "held"
        assert patch(live, sha, 0, data).status_code == 423
        other.kill()
    assert patch(live, sha, 0, data).status_code == 204


def test_expired_upload_is_gone_then_cleaned_then_restartable(tmp_path) -> None:  # type: ignore[no-untyped-def]
    for live in start(tmp_path, Limits(expire_seconds=1)):
        data = photo_bytes()
        sha = sha256(data)
        r = create(live, data)
        assert parsedate_to_datetime(r.headers["Upload-Expires"]).timestamp() <= time.time() + 2
        patch(live, sha, 0, data[:1000])
        time.sleep(1.6)
        assert live.http.head(f"/api/uploads/{sha}").status_code == 410
        # the field app's probe: nothing to resume, so it creates afresh
        r = live.http.get(f"/api/uploads/{sha}/state")
        assert r.json() == {"present": False, "stored": False}
        r = patch(live, sha, 1000, data[1000:])
        assert (r.status_code, r.json()["error"]) == (410, "upload_expired")

        import asyncio

        storage = LocalDiskStorage(live.media)
        removed = asyncio.run(expire_uploads(storage, FileLocks(live.media / "locks")))
        assert removed == 1
        assert live.stored_files() == []
        assert not (live.media / "locks" / f"{sha}.lock").exists()
        assert live.http.head(f"/api/uploads/{sha}").status_code == 404
        assert create(live, data).status_code == 201
        assert patch(live, sha, 0, data).status_code == 204
        # lock files of finished uploads go once they are an hour old
        lock = live.media / "locks" / f"{sha}.lock"
        assert lock.exists()
        locks = FileLocks(live.media / "locks")
        assert asyncio.run(expire_uploads(storage, locks, now=time.time() + 30)) == 0
        assert lock.exists()
        assert asyncio.run(expire_uploads(storage, locks, now=time.time() + 3700)) == 0
        assert not lock.exists()


def test_non_ascii_digits_in_length_and_offset_are_400_not_500(live: Live) -> None:
    """str.isdigit() says yes to "²" and "٣" (a header byte 0xB2 reads as "²"); int() does
    not. Found while making the OpenAPI document and the server agree."""
    data = photo_bytes()
    for value in (b"\xb2", "١٢".encode()):
        r = live.http.post(
            "/api/uploads/",
            headers=[
                (b"Upload-Length", value),
                (b"Upload-Metadata", encode_metadata(metadata(data)).encode()),
            ],
        )
        assert (r.status_code, r.json()["error"]) == (400, "bad_header"), r.text
    assert create(live, data).status_code == 201
    r = live.http.patch(
        f"/api/uploads/{sha256(data)}",
        content=data,
        headers=[(b"Upload-Offset", b"\xb2"), (b"Content-Type", OCTETS.encode())],
    )
    assert (r.status_code, r.json()["error"]) == (400, "bad_header"), r.text
    assert patch(live, sha256(data), 0, data).status_code == 204


def test_state_says_absent_partial_and_stored_with_200_and_present_when_head_would(
    live: Live,
) -> None:
    """The field app's probe before tus: 200 JSON whatever the answer, ``present`` exactly
    when a HEAD answers 200 (resume there), never for an unknown or expired upload."""
    data = photo_bytes(seed=7)
    sha = sha256(data)

    def state() -> dict[str, bool]:
        r = live.http.get(f"/api/uploads/{sha}/state")
        assert r.status_code == 200, r.text
        assert r.headers["Cache-Control"] == "no-store"
        return dict(r.json())

    assert state() == {"present": False, "stored": False}
    assert live.http.head(f"/api/uploads/{sha}").status_code == 404
    create(live, data)
    patch(live, sha, 0, data[:1000])
    assert state() == {"present": True, "stored": False}
    assert live.http.head(f"/api/uploads/{sha}").headers["Upload-Offset"] == "1000"
    patch(live, sha, 1000, data[1000:])
    assert state() == {"present": True, "stored": True}

    bad = live.http.get("/api/uploads/" + "G" * 64 + "/state")
    assert (bad.status_code, bad.json()["error"]) == (400, "bad_sha256")
    anonymous = httpx.get(f"{live.url}/api/uploads/{sha}/state")
    assert anonymous.status_code == 401 and "error" in anonymous.json()
