"""tus 1.0 header parsing and formatting (no I/O)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from datetime import UTC, datetime
from email.utils import format_datetime

from server.uploads.errors import UploadError
from sync.validate import UUID_RE

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,creation-with-upload,termination,checksum,expiration"
CHECKSUM_ALGORITHMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256}
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_KEY_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_KIND_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_MAX_METADATA = 4096


def parse_metadata(header: str | None) -> dict[str, str]:
    """Decode `Upload-Metadata` (comma-separated `key base64value` pairs)."""
    if not header:
        return {}
    if len(header) > _MAX_METADATA:
        raise UploadError(400, "bad_metadata", "Upload-Metadata is too long.")
    result: dict[str, str] = {}
    for pair in header.split(","):
        parts = pair.strip().split(" ")
        if not parts[0] or len(parts) > 2 or not _KEY_RE.match(parts[0]):
            raise UploadError(400, "bad_metadata", "Upload-Metadata is not 'key base64' pairs.")
        key = parts[0]
        if key in result:
            raise UploadError(400, "bad_metadata", f"Upload-Metadata repeats the key {key!r}.")
        try:
            value = base64.b64decode(parts[1], validate=True).decode() if len(parts) == 2 else ""
        except (binascii.Error, UnicodeDecodeError):
            raise UploadError(
                400, "bad_metadata", f"Upload-Metadata value for {key!r} is not base64 UTF-8."
            ) from None
        result[key] = value
    return result


def encode_metadata(metadata: dict[str, str]) -> str:
    return ",".join(
        f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in metadata.items()
    )


def check_filename(name: str) -> str:
    """A display name only (never a path): refuse anything that looks like one."""
    if not name or len(name) > 255:
        raise UploadError(400, "bad_filename", "The file name must be 1 to 255 characters.")
    if any(ord(c) < 32 or c in '/\\:*?"<>|\x7f' for c in name) or name.strip(". ") == "":
        raise UploadError(
            400,
            "bad_filename",
            "The file name may not contain path separators, control or reserved characters.",
        )
    if ".." in name or "%2e" in name.lower() or "%2f" in name.lower():
        raise UploadError(400, "bad_filename", "The file name may not contain '..'.")
    return name


def check_upload_metadata(metadata: dict[str, str], kinds: frozenset[str] | None) -> dict[str, str]:
    """Validate the keys the content-addressed store needs; unknown keys are dropped."""
    sha = metadata.get("sha256", "")
    if not SHA256_RE.match(sha):
        raise UploadError(
            400, "bad_metadata", "Upload-Metadata must carry sha256 as 64 lowercase hex digits."
        )
    record_id = metadata.get("record_id", "")
    if not UUID_RE.fullmatch(record_id):
        raise UploadError(
            400,
            "bad_metadata",
            "Upload-Metadata must carry record_id: the application's id, a lower-case UUID.",
        )
    kind = metadata.get("kind", "")
    if not _KIND_RE.match(kind):
        raise UploadError(
            400, "bad_kind", "Upload-Metadata kind must be a name like ktp (a-z, 0-9, _)."
        )
    if kinds is not None and kind not in kinds:
        raise UploadError(
            400, "bad_kind", f"Upload-Metadata kind must be one of: {', '.join(sorted(kinds))}."
        )
    clean = {"sha256": sha, "record_id": record_id, "kind": kind}
    if "filename" in metadata:
        clean["filename"] = check_filename(metadata["filename"])
    filetype = metadata.get("filetype", "")
    if filetype:
        if len(filetype) > 100 or not re.match(r"^[a-z]+/[a-z0-9.+-]+$", filetype):
            raise UploadError(400, "bad_metadata", "Upload-Metadata filetype is not a media type.")
        clean["filetype"] = filetype
    return clean


def parse_int_header(value: str | None, name: str) -> int:
    # ASCII digits only: str.isdigit() also says yes to "²" or "٣", which int() refuses.
    if value is None or not (value.isascii() and value.isdigit()) or len(value) > 15:
        raise UploadError(400, "bad_header", f"{name} must be a non-negative integer.")
    return int(value)


def parse_checksum(value: str | None) -> tuple[str, bytes] | None:
    """`Upload-Checksum: <algorithm> <base64 digest>` → (algorithm, digest)."""
    if value is None:
        return None
    parts = value.strip().split(" ")
    if len(parts) != 2:
        raise UploadError(400, "bad_checksum", "Upload-Checksum must be '<algorithm> <base64>'.")
    algorithm, encoded = parts
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise UploadError(
            400, "unsupported_checksum", "Upload-Checksum algorithm must be sha1 or sha256."
        )
    try:
        digest = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise UploadError(400, "bad_checksum", "Upload-Checksum digest is not base64.") from None
    return algorithm, digest


def http_date(timestamp: float) -> str:
    return format_datetime(datetime.fromtimestamp(timestamp, UTC), usegmt=True)
