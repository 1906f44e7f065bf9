"""Reading request bodies safely: size caps, gzip, JSON shape — 4xx on anything odd."""

from __future__ import annotations

import json
import zlib
from typing import Any

from starlette.requests import Request

from server.web.errors import ApiError
from sync.validate import text_problem


async def read_body(request: Request, max_bytes: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > max_bytes:
                raise ApiError(413, "too_large", f"Body exceeds the limit of {max_bytes} bytes.")
        except ValueError:
            raise ApiError(400, "bad_length", "Content-Length is not a number.") from None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise ApiError(413, "too_large", f"Body exceeds the limit of {max_bytes} bytes.")
        chunks.append(chunk)
    body = b"".join(chunks)
    encoding = request.headers.get("content-encoding", "identity").lower()
    if encoding == "gzip":
        body = _gunzip(body, max_bytes * 8)
    elif encoding not in ("identity", ""):
        raise ApiError(415, "bad_encoding", f"Content-Encoding {encoding!r} is not supported.")
    return body


def _gunzip(body: bytes, limit: int) -> bytes:
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = decompressor.decompress(body, limit)
    except zlib.error:
        raise ApiError(400, "bad_gzip", "The gzip body is corrupt.") from None
    if decompressor.unconsumed_tail:
        raise ApiError(413, "too_large", "The decompressed body exceeds the limit.")
    if not decompressor.eof:
        raise ApiError(400, "bad_gzip", "The gzip body is truncated.")
    return out


async def read_json(request: Request, max_bytes: int = 256 * 1024) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise ApiError(415, "not_json", "Send the body as application/json.")
    body = await read_body(request, max_bytes)
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(400, "bad_json", f"The body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ApiError(400, "bad_json", "The body must be a JSON object.")
    return data


FORM_MAX_BYTES = 64 * 1024


async def read_form(request: Request, *, max_bytes: int = FORM_MAX_BYTES, **limits: Any) -> Any:
    """A form body read under the same cap as JSON (413 past it, with or without
    Content-Length) before Starlette parses it; `limits` go to `request.form`."""
    body = await read_body(request, max_bytes)
    request._body = body  # Starlette's form parser then reads this, not the spent stream
    return await request.form(**limits)


def require_str(data: dict[str, Any], key: str, *, max_length: int = 200) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, "missing_field", f"Field {key!r} is required and must be text.")
    return check_text(value, key, max_length=max_length)


def optional_str(data: dict[str, Any], key: str, *, max_length: int = 200) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ApiError(400, "invalid_field", f"Field {key!r} must be text.")
    return check_text(value, key, max_length=max_length)


def check_text(value: str, key: str, *, max_length: int) -> str:
    """The shared rule for text from any client (JSON or form): bounded length, and nothing a
    database cannot store (see ``sync.validate.text_problem``)."""
    if len(value) > max_length:
        raise ApiError(400, "too_long", f"Field {key!r} is longer than {max_length} characters.")
    problem = text_problem(value)
    if problem:
        raise ApiError(400, "invalid_text", f"Field {key!r} {problem}.")
    return value


__all__ = ["check_text", "optional_str", "read_body", "read_form", "read_json", "require_str"]
