"""The upload component wired into the application: device or staff credentials, the
database index (server.services.applications.files), and serving files to staff. Listed in
server.app.ROUTE_MODULES; built lazily per app from ``app.state.settings``."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from server.models import Device, User
from server.services.applications import files
from server.services.errors import ServiceError, TooManyRequests
from server.services.throttling import quota
from server.settings import Settings
from server.uploads.checks import make_thumbnail
from server.uploads.cleanup import expire_uploads
from server.uploads.config import Limits
from server.uploads.errors import UploadError
from server.uploads.locks import close_locks, locks_for
from server.uploads.pdfs import clean_pdf
from server.uploads.protocol import SHA256_RE
from server.uploads.sniff import PDF
from server.uploads.storage import LocalDiskStorage, Storage
from server.uploads.tus import TusEndpoints
from server.web import ratelimit
from server.web.auth import check_csrf, require_device, require_staff
from server.web.errors import ApiError
from server.web.i18n import gettext as _
from server.web.openapi import DEVICE, SHA256, STAFF, error, ok, operation

log = logging.getLogger("jemput.uploads")

PREFIX = "/api/uploads"
# Served files can never run script or be framed: images and PDFs only need to be shown.
FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
}


@dataclass(frozen=True)
class Uploader:
    user: User
    device: Device | None


async def authenticate(request: Request) -> Uploader:
    """A device token (the field app), or a staff session with its CSRF token."""
    try:
        if request.headers.get("authorization"):
            ctx = await require_device(request)
            await ratelimit.enforce(request, ratelimit.DEVICE_UPLOAD, str(ctx.device.id))
            return Uploader(ctx.user, ctx.device)
        user = await require_staff(request)
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            await check_csrf(request)
        return Uploader(user, None)
    except TooManyRequests as error:
        headers = {"Retry-After": str(error.retry_after)}
        raise UploadError(error.status, error.code, error.message, headers) from error
    except ServiceError as error:
        raise UploadError(error.status, error.code, error.message) from error


async def before_create(who: Uploader, metadata: dict[str, str], length: int) -> int:
    application_id = metadata["record_id"]
    application = await _application(application_id)
    if application is not None:
        mine = str(application.owner_user_id) == str(who.user.id)
        if not mine and not (
            who.device is None and await files.may_see_application(who.user, application)
        ):
            raise UploadError(403, "forbidden", "You may not add files to this application.")
    return await files.upload_started(
        sha256=metadata["sha256"],
        application_id=application_id,
        kind=metadata["kind"],
        filename=metadata.get("filename", ""),
        length=length,
        user_id=who.user.id,
        device_id=who.device.id if who.device else None,
    )


async def _application(application_id: str) -> Any:
    import server.models as models

    model = getattr(models, "Application", None)
    return None if model is None else await model.get_or_none(id=application_id)


def component(request: Request) -> TusEndpoints:
    state = request.app.state
    tus: TusEndpoints | None = getattr(state, "uploads", None)
    if tus is None:
        settings: Settings = state.settings
        storage = LocalDiskStorage(settings.media_dir)

        async def on_present(who: Uploader, sha: str) -> None:
            # Idempotent repair: a crash may have cut the completion hook short after the
            # index row and before the applications were told (they would never show it).
            blob = await storage.get_blob(sha)
            if blob is not None:
                await files.blob_stored(
                    sha256=sha,
                    size=blob.size,
                    content_type=blob.content_type,
                    safe_content_type=blob.safe_content_type,
                )

        async def on_complete(who: Uploader, metadata: dict[str, str], sha: str) -> None:
            blob = await storage.get_blob(sha)
            if blob is not None:
                await files.blob_stored(
                    sha256=sha,
                    size=blob.size,
                    content_type=blob.content_type,
                    safe_content_type=blob.safe_content_type,
                )

        daily = quota.DailyQuota(
            settings.upload_daily_files, settings.upload_daily_bytes, settings.timezone
        )
        counter = quota.make_storage(settings.rate_limit_storage)

        async def admit(who: Uploader, metadata: dict[str, str], length: int) -> None:
            refused = await quota.take(counter, daily, str(who.user.id), length)
            if refused is not None:
                raise _over_quota(daily, refused)

        tus = TusEndpoints(
            storage,
            locks_for(settings),
            authenticate,
            on_complete,
            limits_for(settings),
            before_create,
            PREFIX,
            on_present,
            admit,
        )
        state.uploads = tus
    return tus


def _over_quota(daily: quota.DailyQuota, refused: quota.Refusal) -> UploadError:
    """429 with Retry-After until local midnight: the field app keeps the file and tries
    again later (it retries 429), and uploads already started go on (they are not counted)."""
    message = _(
        "Today's upload limit for your account is reached (%(files)s files or %(megabytes)s "
        "MB a day). Files already started still finish; new ones are accepted again after "
        "midnight, in %(seconds)s seconds. Your photos stay on the tablet."
    ) % {
        "files": f"{daily.files:,}" if daily.files else "∞",
        "megabytes": f"{daily.bytes // (1024 * 1024):,}" if daily.bytes else "∞",
        "seconds": refused.retry_after,
    }
    return UploadError(
        429, "daily_upload_quota", message, {"Retry-After": str(refused.retry_after)}
    )


def limits_for(settings: Settings) -> Limits:
    return Limits(
        max_file_bytes=settings.max_upload_bytes,
        max_application_bytes=settings.max_application_bytes,
    )


TUS_HEADERS = [
    {"name": "Tus-Resumable", "in": "header", "required": True, "schema": {"const": "1.0.0"}},
]
TUS_ERRORS = {
    "403": error("a completed file cannot be terminated, or not your application"),
    "404": error("no such upload"),
    "409": error("Upload-Offset is not the server's offset"),
    "410": error("the upload expired"),
    "412": error("Tus-Resumable 1.0.0 is required"),
    "413": error("over the file or application cap"),
    "415": error("unsupported type or content type"),
    "422": error("the file failed its checks"),
    "423": error("another request is writing this upload"),
    "460": error("checksum or content hash mismatch"),
}
DIGITS = {"type": "string", "pattern": "^[0-9]{1,15}$"}  # an offset
LENGTH = {"type": "string", "pattern": "^[1-9][0-9]{0,14}$"}  # no empty files
SHA_PARAM = {"name": "sha256", "in": "path", "required": True, "schema": SHA256}
OCTETS = {"content": {"application/offset+octet-stream": {"schema": {"type": "string"}}}}


@operation("OPTIONS", summary="tus capabilities", security=[], responses={"204": ok("tus")})
@operation(
    "POST",
    summary="tus creation (with upload): the address is the file's SHA-256 (docs/uploads.md)",
    security=[*DEVICE, *STAFF],
    parameters=[
        *TUS_HEADERS,
        {"name": "Upload-Length", "in": "header", "required": True, "schema": LENGTH},
        {"name": "Upload-Metadata", "in": "header", "required": True, "schema": {"type": "string"}},
    ],
    requestBody={"required": False, **OCTETS},
    responses={"201": ok("created (or already stored)"), **TUS_ERRORS},
)
async def tus_collection(request: Request) -> Response:
    return await component(request).collection(request)


@operation(
    "OPTIONS",
    summary="tus capabilities (the server's, whatever the address names)",
    security=[],
    parameters=[{"name": "sha256", "in": "path", "required": True, "schema": {"type": "string"}}],
    responses={"204": ok("tus")},
)
@operation(
    "HEAD",
    summary="tus offset of an upload (a stored file: offset = length)",
    security=[*DEVICE, *STAFF],
    parameters=[SHA_PARAM, *TUS_HEADERS],
    responses={"200": ok("offset"), **TUS_ERRORS},
)
@operation(
    "PATCH",
    summary="tus: append bytes at Upload-Offset",
    security=[*DEVICE, *STAFF],
    parameters=[
        SHA_PARAM,
        *TUS_HEADERS,
        {"name": "Upload-Offset", "in": "header", "required": True, "schema": DIGITS},
    ],
    requestBody={"required": True, **OCTETS},
    responses={"204": ok("appended"), **TUS_ERRORS},
)
@operation(
    "DELETE",
    summary="tus termination of a partial upload",
    security=[*DEVICE, *STAFF],
    parameters=[SHA_PARAM, *TUS_HEADERS],
    responses={"204": ok("terminated"), **TUS_ERRORS},
)
@operation(
    "POST",
    summary="X-HTTP-Method-Override: PATCH, DELETE or HEAD",
    security=[*DEVICE, *STAFF],
    parameters=[
        SHA_PARAM,
        *TUS_HEADERS,
        {
            "name": "X-HTTP-Method-Override",
            "in": "header",
            "required": True,
            "schema": {"enum": ["PATCH", "DELETE", "HEAD"]},
        },
    ],
    requestBody={"required": False, **OCTETS},
    responses={
        "200": ok("as HEAD"),
        "204": ok("as PATCH or DELETE"),
        "405": error("no, or another, X-HTTP-Method-Override"),
        **TUS_ERRORS,
    },
)
async def tus_resource(request: Request) -> Response:
    return await component(request).resource(request)


@operation(
    "GET",
    summary="Whether the server holds this file or a live part of it (asked before tus)",
    security=[*DEVICE, *STAFF],
    parameters=[SHA_PARAM],
    responses={
        "200": ok("{present, stored}: present means resume with HEAD, else create with POST"),
        "400": error("the address is not a SHA-256"),
        "401": error("no device token or staff session"),
    },
)
async def upload_state(request: Request) -> Response:
    """GET /api/uploads/<sha256>/state: the field app's "does the server have it" probe."""
    return await component(request).state(request)


@operation(
    "GET",
    summary="A file to staff who may see its application",
    security=STAFF,
    parameters=[
        SHA_PARAM,
        {"name": "variant", "in": "query", "schema": {"enum": ["safe", "thumb", "original"]}},
    ],
    responses={
        "200": {"description": "the file", "content": {"*/*": {"schema": {"type": "string"}}}},
        "403": error("the original (with its metadata) is for supervisors and admins"),
        "404": error("no such file, or not one you may see"),
    },
)
async def serve_file(request: Request) -> Response:
    """GET /api/uploads/<sha256>/content?variant=safe|thumb|original (staff only)."""
    user = await require_staff(request)
    sha = request.path_params["sha256"]
    if not SHA256_RE.match(sha) or not await files.can_view(user, sha):
        raise ApiError(404, "not_found", "There is no file here you may see.")
    storage = component(request).storage
    blob = await storage.get_blob(sha)
    variant = request.query_params.get("variant", "safe")
    if blob is None or variant not in ("safe", "thumb", "original"):
        raise ApiError(404, "not_found", "There is no such file or variant.")
    is_pdf = blob.content_type == PDF
    if variant == "original" and not files.may_see_original(user):
        raise ApiError(403, "original_restricted", _original_refused(is_pdf))
    if variant == "thumb" and is_pdf:
        raise ApiError(404, "no_thumbnail", "PDF files have no thumbnail; open the file.")
    if variant == "thumb":
        path = await storage.variant_path(sha, "thumb")
        if path is None:
            source = await storage.variant_path(sha, "safe")
            if source is None:
                raise ApiError(404, "not_found", "The file's image is missing.")
            data = await asyncio.to_thread(source.read_bytes)
            thumb = await asyncio.to_thread(make_thumbnail, data, 320)
            await storage.put_variant(sha, "thumb", thumb)
            path = await storage.variant_path(sha, "thumb")
        media_type: str | None = "image/jpeg"
    elif variant == "safe":
        path = await storage.variant_path(sha, "safe")
        if path is None and is_pdf:
            path = await _clean_stored_pdf(storage, sha)
        media_type = blob.safe_content_type or (PDF if is_pdf else None)
    else:
        path = await storage.variant_path(sha, "original")
        media_type = blob.content_type
    if path is None or media_type is None:
        raise ApiError(404, "not_found", "The file is missing from the store.")
    await files.record_view(user, sha, variant)
    inline = media_type.startswith("image/") and variant != "original"
    name = f"{sha[:16]}.{_EXTENSIONS.get(media_type, 'bin')}"
    headers = {
        "Content-Disposition": f'{"inline" if inline else "attachment"}; filename="{name}"',
        "Content-Security-Policy": FILE_CSP,
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
        "Cross-Origin-Resource-Policy": "same-origin",
    }
    return FileResponse(path, media_type=media_type, headers=headers)


def _original_refused(is_pdf: bool) -> str:
    if is_pdf:
        return _(
            "The document as uploaded (with its author, software and dates) is for "
            "supervisors and admins; open the cleaned copy instead."
        )
    return _(
        "The photo as taken (with its camera and location data) is for supervisors "
        "and admins; open the cleaned copy instead."
    )


async def _clean_stored_pdf(storage: Storage, sha: str) -> Path:
    """A PDF stored before PDFs were cleaned on arrival: its copy without metadata is made
    on first view and kept, like a thumbnail. One that cannot be cleaned is not served."""
    original = await storage.variant_path(sha, "original")
    if original is None:
        raise ApiError(404, "not_found", "The file is missing from the store.")
    data = await asyncio.to_thread(original.read_bytes)
    try:
        cleaned = await asyncio.to_thread(clean_pdf, data)
    except UploadError as error:
        raise ApiError(
            404,
            "no_clean_copy",
            "This document could not be cleaned of its metadata, so only supervisors and "
            "admins may open it (variant=original).",
        ) from error
    await storage.put_variant(sha, "safe", cleaned)
    path = await storage.variant_path(sha, "safe")
    assert path is not None
    return path


async def cleanup(settings: Settings) -> int:
    """`jemput uploads cleanup` and the periodic task: remove expired partial uploads and
    forget their Upload rows. Needs the database initialised. Returns uploads removed."""
    limits = limits_for(settings)
    storage = LocalDiskStorage(settings.media_dir)
    locks = locks_for(settings)
    try:
        removed = await expire_uploads(storage, locks)
        await asyncio.to_thread(storage.sweep_tmp)
    finally:
        await close_locks(locks)
    cutoff = datetime.now(UTC) - timedelta(seconds=limits.expire_seconds)
    await files.forget_stale_uploads(cutoff)
    return removed


async def cleanup_periodically(settings: Settings, every_seconds: float = 3600) -> None:
    """Lifespan task: ``asyncio.create_task(cleanup_periodically(settings))``; cancel on exit."""
    while True:
        try:
            removed = await cleanup(settings)
            if removed:
                log.info("removed %d expired partial uploads", removed)
        except Exception:  # a failed sweep must not end the loop
            log.exception("upload cleanup failed")
        await asyncio.sleep(every_seconds)


routes = [
    Route(PREFIX, tus_collection, methods=["OPTIONS", "POST"]),
    Route(PREFIX + "/", tus_collection, methods=["OPTIONS", "POST"]),
    Route(
        PREFIX + "/{sha256}", tus_resource, methods=["OPTIONS", "HEAD", "PATCH", "DELETE", "POST"]
    ),
    Route(PREFIX + "/{sha256}/state", upload_state, methods=["GET"]),
    Route(PREFIX + "/{sha256}/content", serve_file, methods=["GET", "HEAD"]),
]


async def close(app: Any) -> None:
    """Release what the upload component holds (the advisory-lock pool) at shutdown."""
    tus = getattr(app.state, "uploads", None)
    if tus is not None:
        await close_locks(tus.locks)
        app.state.uploads = None
