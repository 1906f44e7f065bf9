"""The one exception the upload component raises for a refused request."""

from __future__ import annotations


class UploadError(Exception):
    """A refusal with an HTTP status, a stable code and a sentence a person can act on."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
