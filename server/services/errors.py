"""Errors services raise; the web layer turns them into 4xx answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ServiceError(Exception):
    """A request that cannot be honoured, with a message a person can act on.

    ``message`` is an English message id (its Indonesian is in the Babel catalog); a message
    with variables names them ``%(name)s`` and passes ``params``, so the web layer can
    translate the template first and fill it in after (``server.web.i18n.service_message``).
    ``self.message`` is the English text, filled in."""

    status = 400
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        details: Any = None,
        params: Mapping[str, object] | None = None,
    ) -> None:
        self.template = message
        self.params = dict(params or {})
        self.message = message % self.params if self.params else message
        super().__init__(self.message)
        if code:
            self.code = code
        self.details = details


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class TooManyRequests(ServiceError):
    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
