"""Content checks on a completed upload, run in a worker thread.

Order matters: type by magic bytes → structure and polyglot markers → pixel count from the
header → only then Pillow decodes, re-encodes and drops EXIF/GPS/XMP/text chunks. A PDF is
parsed by pikepdf and copied without its metadata (server/uploads/pdfs.py).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps

from server.uploads.errors import UploadError
from server.uploads.pdfs import clean_pdf
from server.uploads.sniff import JPEG, PDF, PNG, WEBP, image_size, require_allowed

# Markers of active content that have no business inside a photo or a form scan. Compressed
# image data matching one of these by chance is vanishingly unlikely (≥ 6 specific bytes).
_ACTIVE = re.compile(
    rb"<script|<html|<svg|<!doctype|<\?php|<iframe|<body|javascript:|%PDF-", re.IGNORECASE
)
_PDF_ACTIVE = re.compile(
    rb"/JavaScript|/JS\b|/Launch|/EmbeddedFile|/RichMedia|/XFA|/AA\b|<script|<html"
)
_PDF_ESCAPED_NAME = re.compile(rb"/[A-Za-z]*#[0-9A-Fa-f]{2}")
_ZIP_EOCD = b"PK\x05\x06"
_PNG_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"


@dataclass(frozen=True)
class Checked:
    content_type: str
    safe: bytes | None  # sanitised derivative: images re-encoded, PDFs without metadata
    safe_type: str | None


def _polyglot(message: str) -> UploadError:
    return UploadError(
        422, "polyglot", f"{message} The file looks like it hides another format; refused."
    )


def _structure(data: bytes, kind: str) -> None:
    if _ZIP_EOCD in data[-65_558:]:
        raise _polyglot("The file ends with a ZIP archive directory.")
    if kind == PDF:
        if not re.match(rb"%PDF-[12]\.\d", data):
            raise UploadError(422, "corrupt_file", "The PDF header is damaged.")
        if b"%%EOF" not in data[-1024:]:
            raise UploadError(422, "corrupt_file", "The PDF is cut short (no %%EOF at its end).")
        if _PDF_ACTIVE.search(data) or _PDF_ESCAPED_NAME.search(data):
            raise UploadError(
                422, "active_content", "The PDF contains scripts, actions or embedded files."
            )
        return
    if _ACTIVE.search(data):
        raise _polyglot("The image contains HTML, script or PDF markers.")
    if kind == JPEG and data.rfind(b"\xff\xd9") < data.find(b"\xff\xda"):
        # Scan data stuffs every 0xFF with 0x00, so an end marker after the first scan is
        # only missing when the file was cut short (phone trailers after it are fine).
        raise UploadError(422, "corrupt_file", "The JPEG file is cut short (no end marker).")
    if kind == PNG and not data.endswith(_PNG_IEND):
        raise UploadError(422, "corrupt_file", "The PNG file is cut short or has data after it.")
    if kind == WEBP and int.from_bytes(data[4:8], "little") + 8 != len(data):
        raise UploadError(422, "corrupt_file", "The WebP file size does not match its header.")


def _reencode(data: bytes, kind: str, quality: int) -> bytes:
    fmt = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP"}[kind]
    with Image.open(io.BytesIO(data), formats=[fmt]) as im:
        im.load()
        icc = im.info.get("icc_profile")
        out = ImageOps.exif_transpose(im)  # bake the orientation in before EXIF goes
        if fmt == "JPEG" and out.mode not in ("RGB", "L", "CMYK"):
            out = out.convert("RGB")
        out.info = {}  # no EXIF, GPS, XMP, comments or text chunks are carried over
        if im.info.get("transparency") is not None and out.mode == "P":
            out.info["transparency"] = im.info["transparency"]
        buf = io.BytesIO()
        options: dict[str, object] = {"icc_profile": icc} if icc else {}
        if fmt in ("JPEG", "WEBP"):
            options["quality"] = quality
        out.save(buf, format=fmt, **options)
        return buf.getvalue()


def check_file(path: Path, declared: str | None, max_pixels: int, quality: int) -> Checked:
    """Raise UploadError (415/422) for anything not a clean JPEG, PNG, WebP or PDF."""
    data = path.read_bytes()
    kind = require_allowed(data[:16], declared)
    _structure(data, kind)
    if kind == PDF:
        return Checked(kind, clean_pdf(data), PDF)
    width, height = image_size(io.BytesIO(data), kind)
    if width * height > max_pixels or width == 0 or height == 0:
        raise UploadError(
            422,
            "too_many_pixels",
            f"The image is {width} x {height} pixels; at most {max_pixels:,} pixels are accepted.",
        )
    try:
        safe = _reencode(data, kind, quality)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise UploadError(
            422, "corrupt_file", "The image could not be decoded (damaged or cut short)."
        ) from error
    return Checked(kind, safe, kind)


def make_thumbnail(data: bytes, size: int) -> bytes:
    with Image.open(io.BytesIO(data)) as im:
        im.thumbnail((size, size))
        out = im.convert("RGB")
        buf = io.BytesIO()
        out.save(buf, format="JPEG", quality=80)
        return buf.getvalue()
