"""Resumable, content-addressed uploads (tus 1.0) as a self-contained Starlette component.

    routes = build_routes(storage=LocalDiskStorage(media_dir), locks=FileLocks(media_dir/"locks"),
                          authenticate=..., on_complete=..., limits=Limits())

See docs/uploads.md.
"""

from __future__ import annotations

from starlette.routing import Route

from server.uploads.cleanup import expire_uploads, run_periodically
from server.uploads.config import Authenticate, BeforeCreate, Limits, OnComplete, OnPresent
from server.uploads.errors import UploadError
from server.uploads.locks import FileLocks, Locks, PgAdvisoryLocks
from server.uploads.storage import BlobInfo, LocalDiskStorage, Storage, UploadInfo
from server.uploads.tus import TusEndpoints

__all__ = [
    "BlobInfo",
    "FileLocks",
    "Limits",
    "LocalDiskStorage",
    "Locks",
    "PgAdvisoryLocks",
    "Storage",
    "TusEndpoints",
    "UploadError",
    "UploadInfo",
    "build_routes",
    "expire_uploads",
    "run_periodically",
]


def build_routes(
    storage: Storage,
    locks: Locks,
    authenticate: Authenticate,
    on_complete: OnComplete,
    limits: Limits | None = None,
    before_create: BeforeCreate | None = None,
    prefix: str = "/api/uploads",
    on_present: OnPresent | None = None,
) -> list[Route]:
    tus = TusEndpoints(
        storage,
        locks,
        authenticate,
        on_complete,
        limits or Limits(),
        before_create,
        prefix,
        on_present,
    )
    prefix = tus.prefix
    return [
        Route(prefix, tus.collection, methods=["OPTIONS", "POST"]),
        Route(prefix + "/", tus.collection, methods=["OPTIONS", "POST"]),
        Route(
            prefix + "/{sha256}",
            tus.resource,
            methods=["OPTIONS", "HEAD", "PATCH", "DELETE", "POST"],
        ),
        Route(prefix + "/{sha256}/state", tus.state, methods=["GET"]),
    ]
