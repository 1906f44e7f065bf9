"""The upload component inside the real app: device and staff credentials, the file index,
the sync records' `arrived` flags, per-application caps, serving to staff, cleanup."""

from __future__ import annotations

import base64
import io
import os
import subprocess
import sys
import time
import uuid
from typing import Any

import httpx
import pytest
from PIL import Image

from server.models import Application, AuditEvent, Blob, Role, Upload
from server.services.accounts import devices
from server.services.applications import files
from server.settings import Settings
from server.uploads.storage import LocalDiskStorage, UploadInfo
from server.uploads.web import cleanup
from tests.conftest import staff_login
from tests.forms import install_siup_mikro
from tests.uploads.harness import (
    PDF_AUTHOR,
    encode_metadata,
    pdf_bytes,
    pdf_leaks,
    photo_bytes,
    sha256,
)

OCTETS = "application/offset+octet-stream"
TUS = {"Tus-Resumable": "1.0.0"}
REGION = "63.71.01.1001"

pytestmark = pytest.mark.usefixtures("siup_mikro_form")


async def push(client: httpx.AsyncClient, auth: dict[str, str], *mutations: dict[str, Any]):  # type: ignore[no-untyped-def]
    body = {
        "protocol": 1,
        "client_id": str(uuid.uuid4()),
        "mutations": [{"id": n, **m} for n, m in enumerate(mutations, 1)],
    }
    r = await client.post("/api/sync/push", json=body, headers=auth)
    assert r.status_code == 200, r.text
    assert all(res["status"] == "applied" for res in r.json()["results"]), r.text


def create_app_mutation(record_id: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": "create_application",
        "args": {
            "record_id": record_id,
            "permit_type": "siup_mikro",
            "form_version": 1,
            "tracking_code": "JB-"
            + "-".join(uuid.uuid4().hex[i : i + 4].upper() for i in (0, 4, 8)).translate(
                str.maketrans("01", "23")
            ),
            "status_token": base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="),
            "fields": {"business_region": REGION, **(fields or {})},
        },
    }


def attach(record_id: str, sha: str, kind: str = "ktp") -> dict[str, Any]:
    return {"name": "attach_file", "args": {"record_id": record_id, "sha256": sha, "kind": kind}}


async def tus_upload(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    data: bytes,
    record_id: str,
    kind: str = "ktp",
    filetype: str = "image/jpeg",
) -> httpx.Response:
    meta = {
        "sha256": sha256(data),
        "filename": "ktp.jpg",
        "filetype": filetype,
        "record_id": record_id,
        "kind": kind,
    }
    return await client.post(
        "/api/uploads/",
        content=data,
        headers={
            **auth,
            **TUS,
            "Upload-Length": str(len(data)),
            "Upload-Metadata": encode_metadata(meta),
            "Content-Type": OCTETS,
        },
    )


@pytest.fixture
async def officer(make_user, make_device):  # type: ignore[no-untyped-def]
    user = await make_user(Role.OFFICER, area_codes=["63.71"])
    enrollment = await make_device(user)
    return user, {"authorization": f"Bearer {enrollment.token}"}, enrollment


async def test_device_upload_arrives_on_the_application(client, officer) -> None:  # type: ignore[no-untyped-def]
    user, auth, _ = officer
    record_id = str(uuid.uuid4())
    data = photo_bytes(gps=True)
    sha = sha256(data)
    await push(client, auth, create_app_mutation(record_id), attach(record_id, sha))
    status = await files.status_for(record_id)
    assert status is not None and not status.complete
    assert [(f.kind, f.sha256, f.arrived) for f in status.files] == [("ktp", sha, False)]

    r = await tus_upload(client, auth, data, record_id)
    assert (r.status_code, r.headers["Upload-Offset"]) == (201, str(len(data)))

    blob = await Blob.get(sha256=sha)
    assert (blob.size, blob.content_type, blob.safe_content_type) == (
        len(data),
        "image/jpeg",
        "image/jpeg",
    )
    upload = await Upload.get(sha256=sha)
    assert upload.completed_at is not None and upload.user_id == user.id
    application = await Application.get(id=record_id)
    assert application.files == [{"sha256": sha, "kind": "ktp", "arrived": True}]
    status = await files.status_for(record_id)
    assert status is not None and status.complete and not status.missing
    head = await client.head(f"/api/uploads/{sha}", headers={**auth, **TUS})
    assert head.headers["Upload-Offset"] == head.headers["Upload-Length"] == str(len(data))


async def test_a_required_form_photo_is_expected_until_it_arrives(client, officer) -> None:  # type: ignore[no-untyped-def]
    _, auth, _ = officer
    await install_siup_mikro(required_files=True)
    record_id = str(uuid.uuid4())
    data = photo_bytes()
    sha = sha256(data)
    value = {"sha256": sha, "kind": "ktp", "content_type": "image/jpeg", "size": len(data)}
    await push(client, auth, create_app_mutation(record_id, {"ktp_photo": value}))
    status = await files.status_for(record_id)
    assert status is not None
    assert {(f.field, f.sha256, f.arrived) for f in status.files} == {
        ("ktp_photo", sha, False),
        ("signature", None, False),
    }
    assert (await tus_upload(client, auth, data, record_id)).status_code == 201
    status = await files.status_for(record_id)
    assert status is not None and not status.complete
    assert [f.field for f in status.missing] == ["signature"]


async def test_credentials_are_required_and_checked(
    client, officer, make_user, make_device
) -> None:  # type: ignore[no-untyped-def]
    _, auth, enrollment = officer
    data = photo_bytes()
    r = await tus_upload(client, {}, data, str(uuid.uuid4()))
    assert r.status_code == 401 and r.headers["Tus-Resumable"] == "1.0.0"
    assert r.json()["error"]
    # another officer cannot add files to this officer's application
    record_id = str(uuid.uuid4())
    await push(client, auth, create_app_mutation(record_id))
    other = await make_user(Role.OFFICER, area_codes=["63.01"])
    other_auth = {"authorization": f"Bearer {(await make_device(other)).token}"}
    r = await tus_upload(client, other_auth, data, record_id)
    assert (r.status_code, r.json()["error"]) == (403, "forbidden")
    # a revoked device is refused on its very next request
    admin = await make_user(Role.ADMIN, area_codes=[])
    await devices.revoke(enrollment.device.id, actor=admin)
    r = await tus_upload(client, auth, data, record_id)
    assert (r.status_code, r.json()["error"]) == (401, "device_revoked")
    assert not await Blob.filter(sha256=sha256(data)).exists()


async def test_staff_upload_needs_the_csrf_token(client, make_user) -> None:  # type: ignore[no-untyped-def]
    staff = await make_user(Role.VERIFIER)
    csrf = await staff_login(client, staff.username)
    data = photo_bytes()
    r = await tus_upload(client, {}, data, str(uuid.uuid4()))
    assert (r.status_code, r.json()["error"]) == (403, "csrf_failed")
    r = await tus_upload(client, {"X-CSRF-Token": csrf}, data, str(uuid.uuid4()))
    assert r.status_code == 201, r.text


async def test_application_cap(client, officer, db: Settings) -> None:  # type: ignore[no-untyped-def]
    user, auth, _ = officer
    record_id = str(uuid.uuid4())
    await Upload.create(
        sha256="ee" * 32,
        application_id=record_id,
        kind="ktp",
        length=db.max_application_bytes - 100,
        user_id=user.id,
    )
    r = await tus_upload(client, auth, photo_bytes(), record_id)
    assert (r.status_code, r.json()["error"]) == (413, "application_quota")


async def test_files_are_served_only_to_staff_who_see_the_application(  # type: ignore[no-untyped-def]
    client, officer, make_user
) -> None:
    _, auth, _ = officer
    record_id = str(uuid.uuid4())
    data = photo_bytes((1200, 900), gps=True)
    sha = sha256(data)
    await push(client, auth, create_app_mutation(record_id), attach(record_id, sha))
    assert (await tus_upload(client, auth, data, record_id)).status_code == 201
    url = f"/api/uploads/{sha}/content"

    assert (await client.get(url)).status_code == 401
    assert (await client.get(url, headers=auth)).status_code == 401  # devices cannot read back

    outsider = await make_user(Role.VERIFIER, area_codes=["63.01"])
    await staff_login(client, outsider.username)
    r = await client.get(url)
    assert (r.status_code, r.json()["error"]) == (404, "not_found")

    verifier = await make_user(Role.VERIFIER, area_codes=["63.71"])
    await staff_login(client, verifier.username)
    r = await client.get(url)
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/jpeg"
    assert r.headers["content-disposition"].startswith("inline;")
    assert "sandbox" in r.headers["content-security-policy"]
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.content != data and b"Exif" not in r.content  # the sanitised derivative

    with Image.open(io.BytesIO(r.content)) as im:
        assert not im.getexif() and "exif" not in im.info  # no camera, time or GPS left

    # The photo as taken keeps its EXIF GPS: only for supervisors and admins (below).
    r = await client.get(url, params={"variant": "original"})
    assert (r.status_code, r.json()["error"]) == (403, "original_restricted")

    r = await client.get(url, params={"variant": "thumb"})
    with Image.open(io.BytesIO(r.content)) as im:
        assert max(im.size) == 320
        assert not im.getexif() and "exif" not in im.info
    thumb = LocalDiskStorage(client._transport.app.state.settings.media_dir)  # type: ignore[attr-defined]
    path = await thumb.variant_path(sha, "thumb")
    assert path is not None
    made = path.stat().st_mtime_ns
    r2 = await client.get(url, params={"variant": "thumb"})
    assert r2.content == r.content and path.stat().st_mtime_ns == made  # made once, kept
    assert (await client.get(url, params={"variant": "../x"})).status_code == 404

    supervisor = await make_user(Role.SUPERVISOR, area_codes=["63.71"])
    await staff_login(client, supervisor.username)
    r = await client.get(url, params={"variant": "original"})
    assert r.content == data and r.headers["content-disposition"].startswith("attachment;")
    with Image.open(io.BytesIO(r.content)) as im:
        assert im.getexif().get_ifd(0x8825)  # the GPS block is there, as sent

    # Every view of the KTP, thumbnails included, is in the audit trail; refusals are not views.
    views = await AuditEvent.filter(action="file.view").order_by("seq")
    assert [(v.actor_id, v.object_id, v.detail) for v in views] == [  # type: ignore[attr-defined]
        (who.id, sha, {"variant": variant, "kinds": ["ktp"]})
        for who, variant in (
            (verifier, "safe"),
            (verifier, "thumb"),
            (verifier, "thumb"),
            (supervisor, "original"),
        )
    ]
    for r in (await client.get(url), await client.get(url, params={"variant": "thumb"})):
        assert r.headers["cache-control"] == "no-store"


async def test_media_files_are_private_to_the_server_user(client, officer, db: Settings) -> None:  # type: ignore[no-untyped-def]
    """0600 files, 0700 folders, whatever the umask: another system user reads nothing."""
    import os
    import stat

    _, auth, _ = officer
    record_id = str(uuid.uuid4())
    data = photo_bytes((800, 600), gps=True)
    await push(client, auth, create_app_mutation(record_id), attach(record_id, sha256(data)))
    old = os.umask(0o002)  # a permissive umask must not leak through
    try:
        assert (await tus_upload(client, auth, data, record_id)).status_code == 201
        partial = LocalDiskStorage(db.media_dir)
        other = sha256(b"partial upload")
        await partial.save_upload(
            UploadInfo(other, 100, {"sha256": other}, time.time(), time.time() + 60), new=True
        )
    finally:
        os.umask(old)
    seen_files = 0
    for root, _dirs, names in os.walk(db.media_dir / "blobs"):
        assert stat.S_IMODE(os.stat(root).st_mode) == 0o700, root
        for name in names:
            mode = stat.S_IMODE(os.stat(os.path.join(root, name)).st_mode)
            assert mode == 0o600, (name, oct(mode))
            seen_files += 1
    assert seen_files >= 3  # original, safe copy, its description
    for folder in ("uploads", "tmp", "blobs", "."):
        assert stat.S_IMODE(os.stat(db.media_dir / folder).st_mode) == 0o700, folder
    for name in os.listdir(db.media_dir / "uploads"):
        mode = stat.S_IMODE(os.stat(db.media_dir / "uploads" / name).st_mode)
        assert mode == 0o600, (name, oct(mode))


async def test_cleanup_removes_expired_partials(db: Settings) -> None:  # type: ignore[no-untyped-def]
    storage = LocalDiskStorage(db.media_dir)
    sha = sha256(uuid.uuid4().bytes)
    await storage.save_upload(
        UploadInfo(sha, 1000, {"sha256": sha}, time.time() - 100, time.time() - 1), new=True
    )
    assert await storage.get_upload(sha) is not None
    assert await cleanup(db) >= 1
    assert await storage.get_upload(sha) is None
    assert not storage.part_path(sha).exists()


async def test_head_indexes_a_stored_file_the_database_lost(client, officer) -> None:  # type: ignore[no-untyped-def]
    _, auth, _ = officer
    record_id = str(uuid.uuid4())
    data = photo_bytes()
    sha = sha256(data)
    await push(client, auth, create_app_mutation(record_id), attach(record_id, sha))
    assert (await tus_upload(client, auth, data, record_id)).status_code == 201
    # as if the process died between storing the bytes and writing the index
    await Blob.filter(sha256=sha).delete()
    await Application.filter(id=record_id).update(
        files=[{"sha256": sha, "kind": "ktp", "arrived": False}]
    )
    head = await client.head(f"/api/uploads/{sha}", headers={**auth, **TUS})
    assert head.headers["Upload-Offset"] == str(len(data))
    assert await Blob.filter(sha256=sha).exists()
    assert (await Application.get(id=record_id)).files[0]["arrived"] is True


async def test_head_marks_the_file_arrived_when_a_crash_came_after_the_index(  # type: ignore[no-untyped-def]
    client, officer
) -> None:
    """Found by the kill -9 rounds (tests/reliability/test_crash.py): the index row was
    written, the process died before the applications were told, and the file never showed
    as arrived."""
    _, auth, _ = officer
    record_id = str(uuid.uuid4())
    data = photo_bytes(seed=3)
    sha = sha256(data)
    await push(client, auth, create_app_mutation(record_id), attach(record_id, sha))
    assert (await tus_upload(client, auth, data, record_id)).status_code == 201
    await Application.filter(id=record_id).update(
        files=[{"sha256": sha, "kind": "ktp", "arrived": False}]
    )
    assert await Blob.filter(sha256=sha).exists()
    head = await client.head(f"/api/uploads/{sha}", headers={**auth, **TUS})
    assert head.headers["Upload-Offset"] == str(len(data))
    assert (await Application.get(id=record_id)).files[0]["arrived"] is True


async def test_cleanup_removes_temporary_files_of_dead_processes_only(db: Settings) -> None:
    storage = LocalDiskStorage(db.media_dir)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    left_by_crash = storage.tmp / f"{dead}-0123456789abcdef.tmp"
    being_written = storage.tmp / f"{os.getpid()}-fedcba9876543210.tmp"
    left_by_crash.write_bytes(b"half")
    being_written.write_bytes(b"busy")
    await cleanup(db)
    assert not left_by_crash.exists()
    assert being_written.exists()
    being_written.unlink()


async def test_head_finishes_an_upload_whose_bytes_all_arrived_before_a_crash(  # type: ignore[no-untyped-def]
    client, officer, db: Settings
) -> None:
    """Found by the kill -9 rounds: the last PATCH had written every byte, the process died
    before the checks and the commit, and HEAD answered offset == length: the client stopped
    and the file never arrived."""
    _, auth, _ = officer
    record_id = str(uuid.uuid4())
    data = photo_bytes(seed=4)
    sha = sha256(data)
    await push(client, auth, create_app_mutation(record_id), attach(record_id, sha))
    storage = LocalDiskStorage(db.media_dir)
    meta = {"sha256": sha, "record_id": record_id, "kind": "ktp", "filetype": "image/jpeg"}
    await storage.save_upload(
        UploadInfo(sha, len(data), meta, time.time(), time.time() + 3600), new=True
    )
    storage.part_path(sha).write_bytes(data)
    assert await storage.get_blob(sha) is None

    head = await client.head(f"/api/uploads/{sha}", headers={**auth, **TUS})
    assert head.status_code == 200
    assert head.headers["Upload-Offset"] == head.headers["Upload-Length"] == str(len(data))
    assert await storage.get_blob(sha) is not None
    assert await Blob.filter(sha256=sha).exists()
    assert (await Application.get(id=record_id)).files[0]["arrived"] is True


async def test_head_of_whole_bytes_that_fail_the_checks_answers_404(  # type: ignore[no-untyped-def]
    client, officer, db: Settings
) -> None:
    _, auth, _ = officer
    data = b"GIF89a not an accepted type" * 10
    sha = sha256(data)
    storage = LocalDiskStorage(db.media_dir)
    meta = {"sha256": sha, "record_id": str(uuid.uuid4()), "kind": "ktp"}
    await storage.save_upload(
        UploadInfo(sha, len(data), meta, time.time(), time.time() + 3600), new=True
    )
    storage.part_path(sha).write_bytes(data)
    head = await client.head(f"/api/uploads/{sha}", headers={**auth, **TUS})
    assert head.status_code == 404
    assert await storage.get_upload(sha) is None and await storage.get_blob(sha) is None


async def test_a_pdf_is_served_without_its_author_software_dates_or_xmp(  # type: ignore[no-untyped-def]
    client, officer, make_user
) -> None:
    """Issue 10, files: what staff open is the document without its metadata; the file as
    uploaded is for supervisors and admins, and every view is audited."""
    import pikepdf

    _, auth, _ = officer
    record_id = str(uuid.uuid4())
    data = pdf_bytes(pages=2)
    assert pdf_leaks(data)  # the positive control: the upload does carry them
    sha = sha256(data)
    await push(client, auth, create_app_mutation(record_id), attach(record_id, sha, "document"))
    r = await tus_upload(client, auth, data, record_id, "document", "application/pdf")
    assert r.status_code == 201, r.text
    url = f"/api/uploads/{sha}/content"

    verifier = await make_user(Role.VERIFIER, area_codes=["63.71"])
    await staff_login(client, verifier.username)
    served = await client.get(url)
    assert served.status_code == 200
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["content-disposition"].startswith("attachment;")
    assert "sandbox" in served.headers["content-security-policy"]
    assert pdf_leaks(served.content) == []
    with pikepdf.open(io.BytesIO(served.content)) as pdf:
        assert len(pdf.pages) == 2  # the document itself is whole
    r = await client.get(url, params={"variant": "original"})
    assert (r.status_code, r.json()["error"]) == (403, "original_restricted")
    assert "dokumen asli" in r.json()["message"].lower()
    r = await client.get(url, params={"variant": "thumb"})
    assert (r.status_code, r.json()["error"]) == (404, "no_thumbnail")

    supervisor = await make_user(Role.SUPERVISOR, area_codes=["63.71"])
    await staff_login(client, supervisor.username)
    original = await client.get(url, params={"variant": "original"})
    assert original.content == data and PDF_AUTHOR.encode() in original.content
    views = await AuditEvent.filter(action="file.view").order_by("seq")
    assert [(v.actor_id, v.detail["variant"]) for v in views] == [  # type: ignore[attr-defined]
        (verifier.id, "safe"),
        (supervisor.id, "original"),
    ]
    row = await Blob.get(sha256=sha)
    assert (row.content_type, row.safe_content_type) == ("application/pdf", "application/pdf")


async def test_a_pdf_stored_before_cleaning_is_cleaned_on_first_view(  # type: ignore[no-untyped-def]
    client, officer, make_user, db: Settings
) -> None:
    """Files stored by an earlier version (no clean copy) are never served with their
    metadata: the copy is made on first view and kept."""
    _, auth, _ = officer
    record_id = str(uuid.uuid4())
    data = pdf_bytes()
    sha = sha256(data)
    await push(client, auth, create_app_mutation(record_id), attach(record_id, sha, "document"))
    storage = LocalDiskStorage(db.media_dir)
    info = UploadInfo(sha, len(data), {"sha256": sha}, time.time(), time.time() + 60)
    await storage.save_upload(info, new=True)
    part = await storage.open_part(sha)
    await part.write(data)
    await part.close()
    await storage.commit(info, "application/pdf", None, None)  # as stored before
    await files.blob_stored(
        sha256=sha, size=len(data), content_type="application/pdf", safe_content_type=None
    )
    assert await storage.variant_path(sha, "safe") is None

    verifier = await make_user(Role.VERIFIER, area_codes=["63.71"])
    await staff_login(client, verifier.username)
    first = await client.get(f"/api/uploads/{sha}/content")
    assert first.status_code == 200 and pdf_leaks(first.content) == []
    kept = await storage.variant_path(sha, "safe")
    assert kept is not None and kept.read_bytes() == first.content
    assert (await client.get(f"/api/uploads/{sha}/content")).content == first.content


def _image_with_metadata(fmt: str) -> bytes:
    im = Image.effect_noise((900, 600), 60).convert("RGB")
    exif = Image.Exif()
    exif[0x010F] = "TestCam"
    exif[0x8825] = {1: "S", 2: (3.0, 19.0, 12.0), 3: "E", 4: (114.0, 35.0, 24.0)}
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">Budi Santoso</x:xmpmeta>'
    buf = io.BytesIO()
    if fmt == "PNG":
        from PIL import PngImagePlugin

        text = PngImagePlugin.PngInfo()
        text.add_text("Author", "Budi Santoso")
        text.add_itxt("XML:com.adobe.xmp", xmp.decode())
        im.save(buf, format="PNG", exif=exif.tobytes(), pnginfo=text)
    else:
        im.save(buf, format=fmt, exif=exif.tobytes(), xmp=xmp)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("fmt", "filetype"), [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")]
)
async def test_every_served_image_variant_is_free_of_exif_gps_xmp_and_text(  # type: ignore[no-untyped-def]
    client, officer, make_user, fmt: str, filetype: str
) -> None:
    _, auth, _ = officer
    record_id = str(uuid.uuid4())
    data = _image_with_metadata(fmt)
    with Image.open(io.BytesIO(data)) as im:  # the positive control
        assert im.getexif().get_ifd(0x8825)
    assert b"Budi Santoso" in data
    sha = sha256(data)
    await push(client, auth, create_app_mutation(record_id), attach(record_id, sha))
    assert (await tus_upload(client, auth, data, record_id, filetype=filetype)).status_code == 201
    verifier = await make_user(Role.VERIFIER, area_codes=["63.71"])
    await staff_login(client, verifier.username)
    for variant in ("safe", "thumb"):
        r = await client.get(f"/api/uploads/{sha}/content", params={"variant": variant})
        assert r.status_code == 200, (variant, r.text)
        assert b"Budi Santoso" not in r.content and b"xmpmeta" not in r.content, variant
        assert b"Exif" not in r.content and b"TestCam" not in r.content, variant
        with Image.open(io.BytesIO(r.content)) as im:
            assert not im.getexif(), variant
            assert not {"exif", "xmp", "XML:com.adobe.xmp", "Author"} & set(im.info), variant
    r = await client.get(f"/api/uploads/{sha}/content", params={"variant": "original"})
    assert r.status_code == 403  # the only variant with metadata is for supervisors
