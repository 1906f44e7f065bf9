"""Every refused input gets a clear 4xx and leaves nothing behind; images are sanitised."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.uploads.conftest import Live
from tests.uploads.harness import encode_metadata, metadata, pdf_bytes, photo_bytes, sha256

OCTETS = "application/offset+octet-stream"


def upload(live: Live, data: bytes, **meta: str) -> httpx.Response:
    """POST then one PATCH with the whole file; returns the first refusal or the last answer."""
    r = live.http.post(
        "/api/uploads/",
        headers={
            "Upload-Length": str(len(data)),
            "Upload-Metadata": encode_metadata(metadata(data, **meta)),
        },
    )
    if r.status_code != 201:
        return r
    return live.http.patch(
        r.headers["Location"],
        content=data,
        headers={"Upload-Offset": "0", "Content-Type": OCTETS},
    )


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def huge_png(side: int = 20_000) -> bytes:
    """A small file that declares side x side pixels (a decompression bomb)."""
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" + b"\x00" * (side // 8), 9) * 1
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", rows)
        + png_chunk(b"IEND", b"")
    )


def zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("payload.html", "<b>hi</b>")
    return buf.getvalue()


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)
PDF_JS = (
    b"%PDF-1.7\n1 0 obj<</Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj\n"
    b"%%EOF\n"
)

CASES = {
    "svg renamed .jpg": (SVG, {}, 415, "unsupported_type"),
    "html renamed .png": (
        b"<html><body>hi</body></html>",
        {"filetype": "image/png"},
        415,
        "unsupported_type",
    ),
    "jpeg + html polyglot": (photo_bytes() + b"<script>alert(1)</script>", {}, 422, "polyglot"),
    "jpeg + zip polyglot": (photo_bytes() + zip_bytes(), {}, 422, "polyglot"),
    "jpeg + pdf polyglot": (photo_bytes() + b"%PDF-1.4\n%%EOF", {}, 422, "polyglot"),
    "20000x20000 png": (
        huge_png(),
        {"filetype": "image/png", "filename": "a.png"},
        422,
        "too_many_pixels",
    ),
    "truncated jpeg": (photo_bytes()[:20_000], {}, 422, "corrupt_file"),
    "png declared as jpeg": (huge_png(64), {"filetype": "image/jpeg"}, 415, "type_mismatch"),
    "pdf with javascript": (
        PDF_JS,
        {"filetype": "application/pdf", "filename": "a.pdf"},
        422,
        "active_content",
    ),
    "gif": (b"GIF89a" + b"\x00" * 100, {"filetype": "image/gif"}, 415, "unsupported_type"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_refused_and_nothing_kept(live: Live, name: str) -> None:
    data, meta, status, code = CASES[name]
    r = upload(live, data, **meta)
    assert (r.status_code, r.json()["error"]) == (status, code), r.text
    assert r.json()["message"]
    assert live.stored_files() == []
    assert live.recorder.completed == []
    assert live.http.head(f"/api/uploads/{sha256(data)}").status_code == 404


@pytest.mark.parametrize(
    "filename",
    ["../../x", "..\\x", "%2e%2e%2fx", "a\x00b.jpg", "x" * 300, "dir/a.jpg", "..", " . "],
)
def test_path_like_names_are_refused(live: Live, filename: str) -> None:
    r = upload(live, photo_bytes(), filename=filename)
    assert (r.status_code, r.json()["error"]) == (400, "bad_filename")
    assert live.stored_files() == []


@pytest.mark.parametrize(
    ("meta", "code"),
    [
        ({"sha256": "../../etc/passwd"}, "bad_metadata"),
        ({"sha256": "A" * 64}, "bad_metadata"),
        ({"record_id": "../x"}, "bad_metadata"),
        ({"record_id": "a" * 64}, "bad_metadata"),  # once a 500: longer than the column
        ({"record_id": "not-a-uuid"}, "bad_metadata"),
        ({"record_id": "0190F0C2-AAAA-7BBB-8CCC-123456789ABC"}, "bad_metadata"),
        ({"kind": "../ktp"}, "bad_kind"),
        ({"kind": "KTP Photo"}, "bad_kind"),
    ],
)
def test_bad_metadata_is_refused(live: Live, meta: dict[str, str], code: str) -> None:
    r = upload(live, photo_bytes(), **meta)
    assert (r.status_code, r.json()["error"]) == (400, code)
    assert live.stored_files() == []


def test_oversize_is_413_before_any_byte(live: Live) -> None:
    r = live.http.post(
        "/api/uploads/",
        headers={
            "Upload-Length": str(10 * 1024 * 1024 + 1),
            "Upload-Metadata": encode_metadata(metadata(b"x")),
        },
    )
    assert (r.status_code, r.json()["error"]) == (413, "file_too_large")
    assert live.stored_files() == []


def test_data_past_the_declared_length_is_413(live: Live) -> None:
    data = photo_bytes()
    r = live.http.post(
        "/api/uploads/",
        headers={"Upload-Length": "1000", "Upload-Metadata": encode_metadata(metadata(data))},
    )
    r = live.http.patch(
        r.headers["Location"],
        content=data[:1500],
        headers={"Upload-Offset": "0", "Content-Type": OCTETS},
    )
    assert (r.status_code, r.json()["error"]) == (413, "exceeds_length")


def test_whole_file_hash_mismatch_keeps_nothing(live: Live) -> None:
    data = photo_bytes()
    other = photo_bytes(seed=2)
    r = upload(live, data, sha256=sha256(other))
    assert (r.status_code, r.json()["error"]) == (460, "content_hash_mismatch")
    assert live.stored_files() == []
    assert live.recorder.completed == []


def test_gps_and_exif_are_stripped_from_the_derivative(live: Live) -> None:
    data = photo_bytes((800, 600), gps=True)
    with Image.open(io.BytesIO(data)) as original:
        assert original.getexif().get_ifd(0x8825)  # the fixture really carries GPS
    sha = sha256(data)
    assert upload(live, data).status_code == 204
    base = live.media / "blobs" / sha[:2] / sha[2:4] / sha
    assert base.read_bytes() == data  # the address is the hash of the bytes sent
    safe = base.with_suffix(".safe").read_bytes()
    assert b"Exif" not in safe and b"TestCam" not in safe
    with Image.open(io.BytesIO(safe)) as im:
        assert im.format == "JPEG"
        assert im.size == (800, 600)
        assert dict(im.getexif()) == {}


def test_png_and_webp_and_pdf_are_accepted(live: Live) -> None:
    for fmt, filetype in (("PNG", "image/png"), ("WEBP", "image/webp")):
        buf = io.BytesIO()
        im = Image.effect_noise((300, 200), 50).convert("RGB")
        im.save(buf, format=fmt)
        data = buf.getvalue()
        r = upload(live, data, filetype=filetype, filename=f"a.{fmt.lower()}")
        assert r.status_code == 204, r.text
    r = upload(live, pdf_bytes(), filetype="application/pdf", filename="surat.pdf", kind="document")
    assert r.status_code == 204, r.text
    assert len(live.recorder.completed) == 3


def test_a_configured_kind_allowlist_is_enforced() -> None:
    from server.uploads.errors import UploadError
    from server.uploads.protocol import check_upload_metadata

    meta = metadata(b"x", kind="kk")
    assert check_upload_metadata(meta, None)["kind"] == "kk"
    with pytest.raises(UploadError) as refused:
        check_upload_metadata(meta, frozenset({"ktp"}))
    assert refused.value.code == "bad_kind"


def test_active_pdf_content_hidden_in_a_compressed_object_stream_is_refused(
    tmp_path: Path,
) -> None:
    """The byte scan cannot read compressed object streams; the parsed check does."""
    import pikepdf

    from server.uploads.checks import check_file
    from server.uploads.errors import UploadError

    pdf = pikepdf.open(io.BytesIO(pdf_bytes()))
    pdf.Root.OpenAction = pdf.make_indirect(
        pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
    )
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    hidden = out.getvalue()
    assert b"JavaScript" not in hidden and b"/JS" not in hidden  # invisible to the byte scan
    path = tmp_path / "hidden.pdf"
    path.write_bytes(hidden)
    with pytest.raises(UploadError) as refused:
        check_file(path, "application/pdf", 1, 1)
    assert refused.value.code == "active_content"

    pageless = tmp_path / "pageless.pdf"
    pageless.write_bytes(
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    with pytest.raises(UploadError) as refused:
        check_file(pageless, "application/pdf", 1, 1)
    assert refused.value.code == "corrupt_file"
