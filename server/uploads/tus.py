"""The tus 1.0 endpoints (core, creation, creation-with-upload, checksum, termination,
expiration) over a content-addressed store: the upload URL is `<prefix>/<sha256>`."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.uploads import protocol as tp
from server.uploads.checks import check_file
from server.uploads.config import (
    Admit,
    Authenticate,
    BeforeCreate,
    Limits,
    OnComplete,
    OnPresent,
    Principal,
)
from server.uploads.errors import UploadError
from server.uploads.locks import Locks
from server.uploads.sniff import ALIASES, ALLOWED, SNIFF_BYTES, require_allowed
from server.uploads.storage import Storage, UploadInfo

_SYNC_EVERY = 256 * 1024


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def _not_found() -> UploadError:
    return UploadError(404, "upload_not_found", "No upload exists at this address.")


def _gone() -> UploadError:
    return UploadError(
        410, "upload_expired", "This upload expired and was removed; start it again."
    )


class TusEndpoints:
    def __init__(
        self,
        storage: Storage,
        locks: Locks,
        authenticate: Authenticate,
        on_complete: OnComplete,
        limits: Limits,
        before_create: BeforeCreate | None = None,
        prefix: str = "/api/uploads",
        on_present: OnPresent | None = None,
        admit: Admit | None = None,
    ) -> None:
        self.storage = storage
        self.locks = locks
        self.authenticate = authenticate
        self.on_complete = on_complete
        self.limits = limits
        self.before_create = before_create
        self.prefix = prefix.rstrip("/")
        self.on_present = on_present
        self.admit = admit

    # -- plumbing --------------------------------------------------------------------------
    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Tus-Resumable": tp.TUS_VERSION, "Cache-Control": "no-store"}
        headers.update(extra or {})
        return headers

    def _error(self, error: UploadError, method: str) -> Response:
        """``method`` is the HTTP method on the wire: a POST standing in for a HEAD
        (X-HTTP-Method-Override) may carry the error's body, a real HEAD may not."""
        headers = self._headers(error.headers)
        if method == "HEAD":
            return Response(status_code=error.status, headers=headers)
        body = {"error": error.code, "message": error.message}
        return JSONResponse(body, status_code=error.status, headers=headers)

    async def _run(self, request: Request, method: str) -> Response:
        """``method`` is the tus method (an override's); errors are shaped for the wire's."""
        try:
            if method != "OPTIONS" and request.headers.get("tus-resumable") != tp.TUS_VERSION:
                raise UploadError(
                    412,
                    "tus_version",
                    "This server speaks tus 1.0.0; send Tus-Resumable: 1.0.0.",
                    {"Tus-Version": tp.TUS_VERSION},
                )
            handler = {
                "OPTIONS": self._options,
                "POST": self._create,
                "HEAD": self._head,
                "PATCH": self._patch,
                "DELETE": self._delete,
            }[method]
            return await handler(request)
        except UploadError as error:
            return self._error(error, request.method)

    async def collection(self, request: Request) -> Response:
        return await self._run(request, request.method)

    async def resource(self, request: Request) -> Response:
        method = request.method
        if method == "POST":
            override = request.headers.get("x-http-method-override", "").upper()
            if override not in ("PATCH", "DELETE", "HEAD"):
                return self._error(
                    UploadError(405, "method_not_allowed", "POST an upload to the collection."),
                    method,
                )
            method = override
        return await self._run(request, method)

    def _sha(self, request: Request) -> str:
        sha = request.path_params.get("sha256", "")
        if not tp.SHA256_RE.match(sha):
            raise _not_found()
        return sha

    def _location(self, request: Request, sha: str) -> str:
        return f"{request.scope.get('root_path', '')}{self.prefix}/{sha}"

    def _expires(self, info: UploadInfo) -> dict[str, str]:
        return {"Upload-Expires": tp.http_date(info.expires)}

    # -- OPTIONS ---------------------------------------------------------------------------
    async def _options(self, request: Request) -> Response:
        return Response(
            status_code=204,
            headers={
                "Tus-Resumable": tp.TUS_VERSION,
                "Tus-Version": tp.TUS_VERSION,
                "Tus-Extension": tp.EXTENSIONS,
                "Tus-Max-Size": str(self.limits.max_file_bytes),
                "Tus-Checksum-Algorithm": ",".join(tp.CHECKSUM_ALGORITHMS),
            },
        )

    # -- POST (creation, creation-with-upload) ---------------------------------------------
    async def _create(self, request: Request) -> Response:
        if "upload-defer-length" in request.headers:
            raise UploadError(400, "defer_length", "Send Upload-Length; deferred length is off.")
        length = tp.parse_int_header(request.headers.get("upload-length"), "Upload-Length")
        if length > self.limits.max_file_bytes:
            raise UploadError(
                413,
                "file_too_large",
                f"Files may be at most {self.limits.max_file_bytes:,} bytes.",
            )
        if length == 0:
            raise UploadError(400, "empty_file", "An empty file cannot be uploaded.")
        raw = tp.parse_metadata(request.headers.get("upload-metadata"))
        metadata = tp.check_upload_metadata(raw, self.limits.kinds)
        declared = metadata.get("filetype")
        if declared and ALIASES.get(declared, declared) not in ALLOWED:
            raise UploadError(
                415, "unsupported_type", "Only JPEG, PNG, WebP and PDF files are accepted."
            )
        has_body = request.headers.get("content-type", "").split(";")[0] == tp.OFFSET_CONTENT_TYPE
        if not has_body and request.headers.get("content-length", "0") not in ("", "0"):
            raise UploadError(
                415, "bad_content_type", f"Data sent with POST must be {tp.OFFSET_CONTENT_TYPE}."
            )
        checksum = tp.parse_checksum(request.headers.get("upload-checksum"))
        principal = await self.authenticate(request)
        used = await self.before_create(principal, metadata, length) if self.before_create else 0
        if used + length > self.limits.max_application_bytes:
            raise UploadError(
                413,
                "application_quota",
                f"An application may hold at most {self.limits.max_application_bytes:,} "
                "bytes of files.",
            )
        sha = metadata["sha256"]
        location = {"Location": self._location(request, sha)}

        blob = await self.storage.get_blob(sha)
        if blob is not None:
            if blob.size != length:
                raise UploadError(400, "length_mismatch", "Upload-Length does not match sha256.")
            await self.on_complete(principal, metadata, sha)
            headers = self._headers({**location, "Upload-Offset": str(length)})
            return Response(status_code=201, headers=headers)

        async with self.locks.hold(sha):
            now = time.time()
            info = await self.storage.get_upload(sha)
            if info is not None and (info.expires <= now or info.length != length):
                await self.storage.discard_upload(sha)
                info = None
            if info is None:
                if self.admit is not None:  # a new upload; a resume is never refused here
                    await self.admit(principal, metadata, length)
                info = UploadInfo(sha, length, metadata, now, now + self.limits.expire_seconds)
                await self.storage.save_upload(info, new=True)
            offset = await self.storage.upload_offset(sha)
            if has_body and offset == 0:
                offset = await self._receive(request, info, 0, checksum)
            return await self._after_write(principal, info, offset, 201, location)

    # -- GET <prefix>/<sha256>/state (not tus) ----------------------------------------------
    async def state(self, request: Request) -> Response:
        """Whether this server holds the file or a live part of it, as JSON that is 200 for
        every answer: a client asks first, then resumes (HEAD) what is present and creates
        (POST) what is not, so the usual answer for a new photo is no 404 in its console.
        ``present`` is what a HEAD would answer 200 for; ``stored`` says the file is whole."""
        try:
            sha = request.path_params.get("sha256", "")
            if not tp.SHA256_RE.match(sha):
                raise UploadError(
                    400, "bad_sha256", "The address must end in a SHA-256: 64 lowercase hex digits."
                )
            await self.authenticate(request)
            stored = await self.storage.get_blob(sha) is not None
            info = None if stored else await self.storage.get_upload(sha)
            live = info is not None and info.expires > time.time()
        except UploadError as error:
            return self._error(error, "GET")
        body = {"present": stored or live, "stored": stored}
        return JSONResponse(body, headers=self._headers())

    # -- HEAD ------------------------------------------------------------------------------
    async def _head(self, request: Request) -> Response:
        sha = self._sha(request)
        principal = await self.authenticate(request)
        blob = await self.storage.get_blob(sha)
        if blob is not None:
            if self.on_present is not None:
                # e.g. re-index a file whose completion hook was cut short by a crash
                await self.on_present(principal, sha)
            size = str(blob.size)
            return Response(
                status_code=200,
                headers=self._headers({"Upload-Offset": size, "Upload-Length": size}),
            )
        info = await self._live_upload(sha)
        # Let a request that is just finishing (client cut off) sync first, so the offset
        # we report is the one the next PATCH will be checked against.
        finished = False
        with contextlib.suppress(UploadError):
            async with self.locks.hold(sha):
                finished = await self._finish_if_whole(principal, info)
        if finished:
            size = str(info.length)
            return Response(
                status_code=200,
                headers=self._headers({"Upload-Offset": size, "Upload-Length": size}),
            )
        info = await self._live_upload(sha)  # gone if finishing it failed its checks
        headers = {
            "Upload-Offset": str(await self.storage.upload_offset(sha)),
            "Upload-Length": str(info.length),
            "Upload-Metadata": tp.encode_metadata(info.metadata),
            **self._expires(info),
        }
        return Response(status_code=200, headers=self._headers(headers))

    async def _finish_if_whole(self, principal: Principal, info: UploadInfo) -> bool:
        """Every byte is here but the file was never checked and stored (the process died
        in between): finish it now, or a client told offset == length would stop for good.
        A file that fails its checks is discarded (the HEAD then answers 404)."""
        if await self.storage.upload_offset(info.sha256) != info.length:
            return False
        try:
            await self._complete(principal, info)
        except UploadError:
            return False
        return True

    async def _live_upload(self, sha: str) -> UploadInfo:
        info = await self.storage.get_upload(sha)
        if info is None:
            raise _not_found()
        if info.expires <= time.time():
            raise _gone()
        return info

    # -- PATCH -----------------------------------------------------------------------------
    async def _patch(self, request: Request) -> Response:
        sha = self._sha(request)
        if request.headers.get("content-type", "").split(";")[0] != tp.OFFSET_CONTENT_TYPE:
            raise UploadError(
                415, "bad_content_type", f"PATCH bodies must be {tp.OFFSET_CONTENT_TYPE}."
            )
        offset = tp.parse_int_header(request.headers.get("upload-offset"), "Upload-Offset")
        checksum = tp.parse_checksum(request.headers.get("upload-checksum"))
        principal = await self.authenticate(request)
        async with self.locks.hold(sha):
            blob = await self.storage.get_blob(sha)
            if blob is not None:
                if offset != blob.size:
                    raise self._conflict(blob.size)
                return Response(
                    status_code=204, headers=self._headers({"Upload-Offset": str(blob.size)})
                )
            info = await self._live_upload(sha)
            current = await self.storage.upload_offset(sha)
            if offset != current:
                raise self._conflict(current)
            declared = request.headers.get("content-length")
            if declared is not None and declared.isdigit() and offset + int(declared) > info.length:
                raise UploadError(
                    413, "exceeds_length", "The data would run past the declared Upload-Length."
                )
            new_offset = await self._receive(request, info, offset, checksum)
            return await self._after_write(principal, info, new_offset, 204, {})

    def _conflict(self, current: int) -> UploadError:
        return UploadError(
            409,
            "offset_mismatch",
            f"Upload-Offset does not match the {current} bytes the server has; ask with HEAD.",
            {"Upload-Offset": str(current)},
        )

    async def _after_write(
        self,
        principal: Principal,
        info: UploadInfo,
        offset: int,
        status: int,
        extra: dict[str, str],
    ) -> Response:
        if offset == info.length:
            await self._complete(principal, info)
            return Response(
                status_code=status, headers=self._headers({**extra, "Upload-Offset": str(offset)})
            )
        info.expires = time.time() + self.limits.expire_seconds
        await self.storage.save_upload(info, new=False)
        headers = {**extra, "Upload-Offset": str(offset), **self._expires(info)}
        return Response(status_code=status, headers=self._headers(headers))

    async def _receive(
        self,
        request: Request,
        info: UploadInfo,
        start: int,
        checksum: tuple[str, bytes] | None,
    ) -> int:
        """Append the body as it arrives; keep what came before a disconnect (unless a
        checksum was promised: unverifiable bytes are dropped). Returns the new offset."""
        hasher = tp.CHECKSUM_ALGORITHMS[checksum[0]]() if checksum else None
        head = b"" if start == 0 else None
        written = unsynced = 0
        complete = False
        part = await self.storage.open_part(info.sha256)
        try:
            while True:
                try:
                    message = await asyncio.wait_for(
                        request.receive(), self.limits.idle_timeout_seconds
                    )
                except TimeoutError:
                    break
                if message["type"] == "http.disconnect":
                    break
                body: bytes = message.get("body", b"")
                if start + written + len(body) > info.length:
                    raise UploadError(
                        413, "exceeds_length", "The data runs past the declared Upload-Length."
                    )
                if head is not None and body:
                    head += body[: SNIFF_BYTES - len(head)]
                    if len(head) >= min(SNIFF_BYTES, info.length):
                        require_allowed(head, info.metadata.get("filetype"))
                        head = None
                if body:
                    await part.write(body)
                    written += len(body)
                    unsynced += len(body)
                    if hasher:
                        hasher.update(body)
                    if unsynced >= _SYNC_EVERY:
                        await part.sync()
                        unsynced = 0
                if not message.get("more_body", False):
                    complete = True
                    break
            await part.sync()
            if checksum and hasher and (not complete or hasher.digest() != checksum[1]):
                await part.truncate(start)
                await part.sync()
                if complete:
                    raise UploadError(
                        460, "checksum_mismatch", "Upload-Checksum does not match the data sent."
                    )
                return start
            return start + written
        except UploadError as error:
            if error.code in ("unsupported_type", "type_mismatch"):
                await self.storage.discard_upload(info.sha256)  # nothing of it is kept
            else:
                await part.truncate(start)
                await part.sync()
            raise
        finally:
            await part.close()

    async def _complete(self, principal: Principal, info: UploadInfo) -> None:
        path = self.storage.part_path(info.sha256)
        try:
            if await asyncio.to_thread(_sha256_file, path) != info.sha256:
                raise UploadError(
                    460,
                    "content_hash_mismatch",
                    "The file's SHA-256 does not match the sha256 in Upload-Metadata.",
                )
            checked = await asyncio.to_thread(
                check_file,
                path,
                info.metadata.get("filetype"),
                self.limits.max_pixels,
                self.limits.reencode_quality,
            )
        except UploadError:
            await self.storage.discard_upload(info.sha256)
            raise
        await self.storage.commit(info, checked.content_type, checked.safe, checked.safe_type)
        await self.on_complete(principal, info.metadata, info.sha256)

    # -- DELETE (termination) --------------------------------------------------------------
    async def _delete(self, request: Request) -> Response:
        sha = self._sha(request)
        await self.authenticate(request)
        if await self.storage.get_blob(sha) is not None:
            raise UploadError(
                403,
                "upload_complete",
                "A completed file cannot be terminated; detach it from the application instead.",
            )
        if await self.storage.get_upload(sha) is None:
            raise _not_found()
        async with self.locks.hold(sha):
            await self.storage.discard_upload(sha)
        return Response(status_code=204, headers=self._headers())
