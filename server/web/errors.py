"""Errors: JSON under /api/, friendly pages elsewhere; never a stack trace to a user."""

from __future__ import annotations

import errno
import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from tortoise.exceptions import DBConnectionError, OperationalError

from server.db import RETRY_AFTER_SECONDS, is_transient_db_error
from server.services.errors import ServiceError, TooManyRequests
from server.web.i18n import gettext as _
from server.web.twin import wants_json

STORAGE_RETRY_AFTER_SECONDS = 300  # an operator has to free space first
log = logging.getLogger("jemput.errors")

DEFAULT_MESSAGES = {
    400: "The request could not be understood.",
    401: "Please sign in first.",
    403: "You are not allowed to do this.",
    404: "The page you are looking for does not exist.",
    405: "This action is not allowed here.",
    409: "This conflicts with the current state; reload and try again.",
    413: "What you sent is too large.",
    415: "This kind of content is not accepted here.",
    429: "Too many attempts; wait a moment and try again.",
    500: "Something went wrong on our side. The team has been told; please try again.",
    503: "The service is busy; please try again shortly.",
}


class ApiError(HTTPException):
    """Raised by endpoints for a 4xx with a machine code and a human message."""

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        *,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status_code, detail=message, headers=headers)
        self.code = code
        self.details = details


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_response(
    request: Request,
    status: int,
    code: str,
    message: str,
    *,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> Response:
    if is_api(request) or wants_json(request):  # a page's JSON twin answers JSON errors too
        body: dict[str, Any] = {"error": code, "message": message}
        if details is not None:
            body["details"] = details
        return JSONResponse(body, status_code=status, headers=headers)
    templates = request.app.state.templates
    return templates.TemplateResponse(
        request,
        "error.html",
        {"status": status, "message": message},
        status_code=status,
        headers=headers,
    )


async def http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = getattr(exc, "code", None) or f"http_{exc.status_code}"
    message = exc.detail if isinstance(exc, ApiError) else None
    if not message or message == _default_phrase(exc.status_code):
        message = _(DEFAULT_MESSAGES.get(exc.status_code, "The request could not be completed."))
    return error_response(
        request,
        exc.status_code,
        code,
        str(message),
        details=getattr(exc, "details", None),
        headers=exc.headers,
    )


async def service_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ServiceError)
    headers = None
    if isinstance(exc, TooManyRequests):
        headers = {"Retry-After": str(exc.retry_after)}
    return error_response(
        request, exc.status, exc.code, exc.message, details=exc.details, headers=headers
    )


async def database_error(request: Request, exc: Exception) -> Response:
    """A database that is busy or away is worth retrying (503); one that refuses the data
    itself is a bug in our input checks (500, logged)."""
    if is_transient_db_error(exc):
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        return error_response(
            request,
            503,
            "unavailable",
            _(DEFAULT_MESSAGES[503]),
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    return await server_error(request, exc)


DISK_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


async def storage_error(request: Request, exc: Exception) -> Response:
    """A full disk (media or database) is worth retrying once space is freed: 507 with
    Retry-After; the request wrote nothing it could not take back. Other OS errors are 500."""
    if getattr(exc, "errno", None) in DISK_FULL:
        log.error("disk full on %s %s: %s", request.method, request.url.path, exc)
        return error_response(
            request,
            507,
            "storage_full",
            _("The server has no room to store this now; nothing was lost. Try again later."),
            headers={"Retry-After": str(STORAGE_RETRY_AFTER_SECONDS)},
        )
    return await server_error(request, exc)


async def client_disconnect(request: Request, exc: Exception) -> Response:
    # Normal on a flaky link: the tablet went away mid-body. Nobody will read this answer.
    log.info("client went away during %s %s", request.method, request.url.path)
    return Response(status_code=400, headers={"Connection": "close"})


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    # The connection's state is unknown after a failure: tell the client not to reuse it.
    return error_response(
        request,
        500,
        "server_error",
        _(DEFAULT_MESSAGES[500]),
        headers={"Connection": "close"},
    )


def _default_phrase(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


EXCEPTION_HANDLERS = {
    HTTPException: http_exception,
    ServiceError: service_error,
    ClientDisconnect: client_disconnect,
    OperationalError: database_error,
    DBConnectionError: database_error,
    OSError: storage_error,
    Exception: server_error,
}
