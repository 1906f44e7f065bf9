"""Where upload bytes live: partial uploads and the content-addressed blob store.

Layout under the media directory (names are always hex digests, never client names):

    uploads/<sha>.part   bytes received so far (appended, fsynced)
    uploads/<sha>.json   the upload's length, metadata and expiry
    blobs/ab/cd/<sha>            the exact bytes the client sent (hash = address)
    blobs/ab/cd/<sha>.safe       sanitised derivative (images: re-encoded, metadata stripped)
    blobs/ab/cd/<sha>.thumb      back-office thumbnail, made once on first request
    blobs/ab/cd/<sha>.json       size and content types; written last, so it marks completion
    tmp/                         temporary files, renamed into place
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

import aiofiles
import aiofiles.os

from server.uploads.protocol import SHA256_RE

VARIANTS = ("original", "safe", "thumb")


@dataclass
class UploadInfo:
    sha256: str
    length: int
    metadata: dict[str, str]
    created: float
    expires: float


@dataclass(frozen=True)
class BlobInfo:
    sha256: str
    size: int
    content_type: str
    safe_content_type: str | None  # None: serve the original (PDF)
    created: float


class PartWriter(Protocol):
    async def write(self, data: bytes) -> None: ...
    async def sync(self) -> None: ...
    async def truncate(self, size: int) -> None: ...
    async def close(self) -> None: ...


class Storage(Protocol):
    """What the tus endpoints need. Partial uploads stay on a local path (`part_path`);
    completed blobs may live elsewhere (see docs/uploads.md for an S3-compatible store)."""

    async def get_upload(self, sha: str) -> UploadInfo | None: ...
    async def save_upload(self, info: UploadInfo, *, new: bool) -> None: ...
    async def upload_offset(self, sha: str) -> int: ...
    async def open_part(self, sha: str) -> PartWriter: ...
    def part_path(self, sha: str) -> Path: ...
    async def discard_upload(self, sha: str) -> None: ...
    async def list_uploads(self) -> list[UploadInfo]: ...
    async def commit(
        self, info: UploadInfo, content_type: str, safe: bytes | None, safe_type: str | None
    ) -> BlobInfo: ...
    async def get_blob(self, sha: str) -> BlobInfo | None: ...
    async def variant_path(self, sha: str, variant: str) -> Path | None: ...
    async def put_variant(self, sha: str, variant: str, data: bytes) -> None: ...


class _AioPart:
    def __init__(self, handle: aiofiles.threadpool.binary.AsyncBufferedIOBase) -> None:
        self._f = handle

    async def write(self, data: bytes) -> None:
        await self._f.write(data)

    async def sync(self) -> None:
        await self._f.flush()
        await asyncio.to_thread(os.fsync, self._f.fileno())

    async def truncate(self, size: int) -> None:
        await self._f.flush()
        await self._f.truncate(size)
        await self._f.seek(size)

    async def close(self) -> None:
        await self._f.close()


# Photos of identity cards: readable by the server's own user only, whatever the umask.
FILE_MODE = 0o600
DIR_MODE = 0o700


def _private(path: str | os.PathLike[str], flags: int) -> int:
    """``opener`` for every file the store creates."""
    return os.open(path, flags, FILE_MODE)


def _private_dirs(path: Path, stop: Path) -> None:
    """Creates ``path`` and its missing parents up to ``stop``, each 0700."""
    missing = []
    while path != stop and not path.exists():
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):
        with contextlib.suppress(FileExistsError):
            directory.mkdir(mode=DIR_MODE)
        os.chmod(directory, DIR_MODE)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class LocalDiskStorage:
    def __init__(self, media_dir: str | os.PathLike[str]) -> None:
        self.root = Path(media_dir)
        self.uploads = self.root / "uploads"
        self.blobs = self.root / "blobs"
        self.tmp = self.root / "tmp"
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, DIR_MODE)
        for directory in (self.uploads, self.blobs, self.tmp):
            directory.mkdir(mode=DIR_MODE, exist_ok=True)
            os.chmod(directory, DIR_MODE)

    # -- partial uploads -------------------------------------------------------------------
    def _info_path(self, sha: str) -> Path:
        assert SHA256_RE.match(sha), "storage paths are built from validated digests only"
        return self.uploads / f"{sha}.json"

    def part_path(self, sha: str) -> Path:
        assert SHA256_RE.match(sha), "storage paths are built from validated digests only"
        return self.uploads / f"{sha}.part"

    async def get_upload(self, sha: str) -> UploadInfo | None:
        try:
            async with aiofiles.open(self._info_path(sha), "rb") as f:
                raw = await f.read()
        except FileNotFoundError:
            return None
        return UploadInfo(**json.loads(raw))

    async def save_upload(self, info: UploadInfo, *, new: bool) -> None:
        if new:
            async with aiofiles.open(self.part_path(info.sha256), "wb", opener=_private) as f:
                await f.flush()
                await asyncio.to_thread(os.fsync, f.fileno())
        await self._atomic_write(self._info_path(info.sha256), json.dumps(asdict(info)).encode())

    async def upload_offset(self, sha: str) -> int:
        try:
            return (await aiofiles.os.stat(self.part_path(sha))).st_size
        except FileNotFoundError:
            return 0

    async def open_part(self, sha: str) -> PartWriter:
        return _AioPart(await aiofiles.open(self.part_path(sha), "ab", opener=_private))

    async def discard_upload(self, sha: str) -> None:
        for path in (self._info_path(sha), self.part_path(sha)):
            with contextlib.suppress(FileNotFoundError):
                await aiofiles.os.remove(path)

    async def list_uploads(self) -> list[UploadInfo]:
        infos = []
        for name in await aiofiles.os.listdir(self.uploads):
            sha = name.split(".")[0]
            if name.endswith(".json") and SHA256_RE.match(sha):
                info = await self.get_upload(sha)
                if info is not None:
                    infos.append(info)
        return infos

    # -- blobs -----------------------------------------------------------------------------
    def _blob_base(self, sha: str) -> Path:
        assert SHA256_RE.match(sha), "storage paths are built from validated digests only"
        return self.blobs / sha[:2] / sha[2:4] / sha

    async def commit(
        self, info: UploadInfo, content_type: str, safe: bytes | None, safe_type: str | None
    ) -> BlobInfo:
        base = self._blob_base(info.sha256)
        await asyncio.to_thread(_private_dirs, base.parent, self.blobs)
        if safe is not None:
            await self._atomic_write(base.with_suffix(".safe"), safe)
        # The part file is already fsynced; a rename on the same file system is atomic.
        await aiofiles.os.replace(self.part_path(info.sha256), base)
        blob = BlobInfo(info.sha256, info.length, content_type, safe_type, time.time())
        await self._atomic_write(base.with_suffix(".json"), json.dumps(asdict(blob)).encode())
        await self.discard_upload(info.sha256)
        return blob

    async def get_blob(self, sha: str) -> BlobInfo | None:
        try:
            async with aiofiles.open(self._blob_base(sha).with_suffix(".json"), "rb") as f:
                return BlobInfo(**json.loads(await f.read()))
        except FileNotFoundError:
            return None

    async def variant_path(self, sha: str, variant: str) -> Path | None:
        if variant not in VARIANTS:
            raise ValueError(variant)
        base = self._blob_base(sha)
        path = base if variant == "original" else base.with_suffix(f".{variant}")
        return path if await aiofiles.os.path.exists(path) else None

    async def put_variant(self, sha: str, variant: str, data: bytes) -> None:
        if variant not in VARIANTS[1:]:
            raise ValueError(variant)
        await self._atomic_write(self._blob_base(sha).with_suffix(f".{variant}"), data)

    def sweep_tmp(self) -> list[str]:
        """Remove temporary files left by a process that died mid-write (kill -9, power
        loss). Names carry the writer's pid, so a live worker's files are left alone."""
        removed = []
        for path in self.tmp.glob("*.tmp"):
            pid = path.name.split("-", 1)[0]
            if pid.isdigit() and _alive(int(pid)):
                continue
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed.append(path.name)
        return removed

    async def _atomic_write(self, target: Path, data: bytes) -> None:
        temp = self.tmp / f"{os.getpid()}-{secrets.token_hex(8)}.tmp"
        try:
            async with aiofiles.open(temp, "wb", opener=_private) as f:
                await f.write(data)
                await f.flush()
                await asyncio.to_thread(os.fsync, f.fileno())
            await aiofiles.os.replace(temp, target)
            await asyncio.to_thread(_fsync_dir, target.parent)
        finally:
            if await aiofiles.os.path.exists(temp):
                await aiofiles.os.remove(temp)
