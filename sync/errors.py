"""Errors the sync core raises. Each carries a stable code and a sentence a person can act on."""

from __future__ import annotations

from typing import Any


class SyncError(Exception):
    """A request the server refuses as a whole; nothing was committed."""

    status = 400

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        body.update(self.details)
        return body


class BadRequest(SyncError):
    status = 400


class Forbidden(SyncError):
    status = 403


class NotFound(SyncError):
    status = 404


class Conflict(SyncError):
    """409: the request cannot apply to the current state (mutation gap, conflict resolved)."""

    status = 409


class TooLarge(SyncError):
    status = 413


class Transient(SyncError):
    """A failure worth retrying (database busy or unreachable). Answered with 503."""

    status = 503

    def __init__(self, message: str = "The server is busy; retry shortly.", retry_after: int = 5):
        super().__init__("unavailable", message)
        self.retry_after = retry_after


class StorageRefused(Exception):
    """The database refused the data itself (not a passing failure): retrying cannot help."""


class Rejected(Exception):
    """A single mutation that can never apply; recorded as rejected and counted as processed."""

    def __init__(
        self, reason: str, message: str, fields: dict[str, list[dict[str, str]]] | None = None
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.fields = fields  # per-field problems, when the form refused values
