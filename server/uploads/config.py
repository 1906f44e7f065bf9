"""Limits and hooks the application injects into the upload component."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

Principal = Any
Metadata = dict[str, str]
Authenticate = Callable[[Request], Awaitable[Principal]]
OnComplete = Callable[[Principal, Metadata, str], Awaitable[None]]
# Called when a HEAD finds the file already stored (the "already have it" path).
OnPresent = Callable[[Principal, str], Awaitable[None]]
# Called before an upload is created: may refuse (raise UploadError) and returns how many
# bytes the application named by metadata["record_id"] already holds (for the per-app cap).
BeforeCreate = Callable[[Principal, Metadata, int], Awaitable[int]]
# Called once for each new upload (Upload-Length bytes), after every other check and before
# anything is written; never for a resumed upload or a file already stored. May refuse
# (raise UploadError, e.g. 429 for a daily quota).
Admit = Callable[[Principal, Metadata, int], Awaitable[None]]


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 10 * 1024 * 1024
    max_application_bytes: int = 60 * 1024 * 1024
    # Checked from the header before Pillow decodes anything. 60 MP keeps a 50 MP phone
    # photo and stays under Pillow's own 89 MP warning threshold.
    max_pixels: int = 60_000_000
    expire_seconds: int = 7 * 24 * 3600
    # A PATCH whose body stalls this long is ended (bytes kept) so its lock is freed.
    idle_timeout_seconds: float = 30.0
    # File kinds accepted in Upload-Metadata; None = any name like "ktp" or "business_front"
    # (kinds come from the permit types' form definitions).
    kinds: frozenset[str] | None = None
    # Re-encoded JPEG/WebP quality for the sanitised derivative.
    reencode_quality: int = 88
    thumbnail_px: int = 320
