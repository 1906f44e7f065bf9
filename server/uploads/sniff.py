"""File type by magic bytes, and image dimensions read from the header (no decoding)."""

from __future__ import annotations

import struct
from typing import BinaryIO

from server.uploads.errors import UploadError

JPEG, PNG, WEBP, PDF = "image/jpeg", "image/png", "image/webp", "application/pdf"
ALLOWED = (JPEG, PNG, WEBP, PDF)
ALIASES = {"image/jpg": JPEG, "image/pjpeg": JPEG, "application/x-pdf": PDF}
SNIFF_BYTES = 16


def sniff(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    return None


def require_allowed(head: bytes, declared: str | None) -> str:
    kind = sniff(head)
    if kind is None:
        raise UploadError(
            415,
            "unsupported_type",
            "Only JPEG, PNG, WebP and PDF files are accepted (checked from the file's "
            "contents, not its name).",
        )
    if declared and ALIASES.get(declared, declared) != kind:
        raise UploadError(
            415,
            "type_mismatch",
            f"The file was declared as {declared} but its contents are {kind}.",
        )
    return kind


def _bad(message: str) -> UploadError:
    return UploadError(422, "corrupt_file", message)


def image_size(f: BinaryIO, kind: str) -> tuple[int, int]:
    """Width and height from the header only, so the pixel cap runs before any decoding."""
    f.seek(0)
    if kind == PNG:
        head = f.read(24)
        if len(head) < 24 or head[12:16] != b"IHDR":
            raise _bad("The PNG header is missing or damaged.")
        return struct.unpack(">II", head[16:24])
    if kind == WEBP:
        head = f.read(30)
        chunk = head[12:16]
        if chunk == b"VP8 " and len(head) >= 30:
            w, h = struct.unpack("<HH", head[26:30])
            return w & 0x3FFF, h & 0x3FFF
        if chunk == b"VP8L" and len(head) >= 25:
            bits = int.from_bytes(head[21:25], "little")
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        if chunk == b"VP8X" and len(head) >= 30:
            w = int.from_bytes(head[24:27], "little") + 1
            h = int.from_bytes(head[27:30], "little") + 1
            return w, h
        raise _bad("The WebP header is missing or damaged.")
    return _jpeg_size(f)


_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg_size(f: BinaryIO) -> tuple[int, int]:
    f.seek(2)
    while True:
        if f.read(1) != b"\xff":
            raise _bad("The JPEG file is damaged or cut short before its image header.")
        marker = f.read(1)
        while marker == b"\xff":  # fill bytes before a marker
            marker = f.read(1)
        if not marker:
            raise _bad("The JPEG file ends before its image header.")
        code = marker[0]
        if code == 0xD8 or code == 0x01 or 0xD0 <= code <= 0xD7:
            continue
        if code in (0xD9, 0xDA):
            raise _bad("The JPEG file has no image header.")
        raw = f.read(2)
        if len(raw) < 2:
            raise _bad("The JPEG file ends before its image header.")
        length = struct.unpack(">H", raw)[0]
        if length < 2:
            raise _bad("The JPEG file has a damaged segment.")
        if code in _SOF:
            body = f.read(5)
            if len(body) < 5:
                raise _bad("The JPEG image header is cut short.")
            height, width = struct.unpack(">HH", body[1:5])
            return width, height
        f.seek(length - 2, 1)
