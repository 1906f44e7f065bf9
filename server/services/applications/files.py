"""Files of applications: which have arrived, which an application still expects, who may
see them. The bytes and the tus protocol live in server/uploads; this module only reads and
writes the index rows (Blob, Upload) and the applications' own ``files`` lists.

For the sync layer: ``known_blobs(sha256s)`` answers which files have arrived (sync_store
reads the same ``file_blob`` table); ``blob_stored`` calls ``sync_service.file_arrived`` so
records flip ``arrived`` and devices hear of it. ``set_access_check(fn)`` replaces the default
rule for which staff may see an application (``default_access``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import server.models as models
from server.models import Blob, Role, Upload, User
from server.services import audit
from server.services.applications import sync_service

log = logging.getLogger(__name__)

AccessCheck = Callable[[User, Any], Awaitable[bool]]

_access: list[AccessCheck] = []

FILE_FIELD_TYPES = ("photo", "signature")


def set_access_check(check: AccessCheck | None) -> None:
    _access.clear()
    if check is not None:
        _access.append(check)


async def known_blobs(sha256s: Iterable[str], connection: Any = None) -> set[str]:
    wanted = list(set(sha256s))
    if not wanted:
        return set()
    query = Blob.filter(sha256__in=wanted)
    if connection is not None:
        query = query.using_db(connection)
    found = await query.values_list("sha256", flat=True)
    return set(cast(list[str], found))


async def application_bytes(application_id: str, excluding: str = "") -> int:
    """Bytes of the distinct files declared for an application (arrived or in progress)."""
    rows = await Upload.filter(application_id=application_id).values_list("sha256", "length")
    sizes = {sha: length for sha, length in rows if sha != excluding}
    return sum(sizes.values())


async def upload_started(
    *,
    sha256: str,
    application_id: str,
    kind: str,
    filename: str,
    length: int,
    user_id: int | None,
    device_id: Any = None,
) -> int:
    """Note a tus creation; returns the bytes the application already holds in other files."""
    used = await application_bytes(application_id, excluding=sha256)
    exists = await Upload.filter(
        sha256=sha256, application_id=application_id, kind=kind, completed_at=None
    ).exists()
    if not exists:
        await Upload.create(
            sha256=sha256,
            application_id=application_id,
            kind=kind,
            filename=filename,
            length=length,
            user_id=user_id,
            device_id=device_id,
        )
    return used


async def blob_stored(
    *, sha256: str, size: int, content_type: str, safe_content_type: str | None
) -> None:
    """A file passed every check and is in the store: index it and tell the listeners."""
    await Blob.get_or_create(
        sha256=sha256,
        defaults={
            "size": size,
            "content_type": content_type,
            "safe_content_type": safe_content_type,
        },
    )
    now = datetime.now(UTC)
    await Upload.filter(sha256=sha256, completed_at=None).update(completed_at=now)
    await sync_service.file_arrived(sha256)


async def forget_stale_uploads(before: datetime) -> int:
    """Drop Upload rows of uploads abandoned before `before` (they no longer count)."""
    return await Upload.filter(completed_at=None, created_at__lt=before).delete()


# --- what an application expects ---------------------------------------------------------


@dataclass(frozen=True)
class ExpectedFile:
    kind: str
    sha256: str | None  # None: a required file field with nothing attached yet
    arrived: bool
    field: str | None = None  # the form field it fills, if any


@dataclass(frozen=True)
class FileStatus:
    application_id: str
    files: list[ExpectedFile] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return all(f.arrived for f in self.files)

    @property
    def missing(self) -> list[ExpectedFile]:
        return [f for f in self.files if not f.arrived]


def _file_fields(definition: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        f
        for section in definition.get("sections", [])
        for f in section.get("fields", [])
        if f.get("type") in FILE_FIELD_TYPES
    ]


async def _definition(application: Any) -> dict[str, Any]:
    form = await models.FormDefinition.get_or_none(
        permit_type__code=application.permit_type, version=application.form_version
    )
    return form.definition if form is not None else {}


async def file_status(application: Any) -> FileStatus:
    """Every file the application expects (attached via attach_file, or required by its form)
    and whether its bytes have arrived. Complete only when all have."""
    refs: list[tuple[str, str | None, str | None]] = []  # (kind, sha256, field)
    values = dict(application.data or {})
    for f in _file_fields(await _definition(application)):
        value = values.get(f["name"])
        kind = "signature" if f["type"] == "signature" else str(f.get("kind", ""))
        if isinstance(value, dict) and isinstance(value.get("sha256"), str):
            refs.append((kind, value["sha256"], f["name"]))
        elif f.get("required"):
            refs.append((kind, None, f["name"]))
    seen = {(kind, sha) for kind, sha, _ in refs}
    for ref in application.files or []:
        key = (str(ref.get("kind", "")), ref.get("sha256"))
        if key not in seen:
            seen.add(key)
            refs.append((key[0], key[1], None))
    arrived = await known_blobs(sha for _, sha, _ in refs if sha)
    files = [ExpectedFile(kind, sha, sha in arrived, name) for kind, sha, name in refs]
    return FileStatus(str(application.id), files)


async def status_for(application_id: str) -> FileStatus | None:
    model = getattr(models, "Application", None)
    if model is None:
        return None
    application = await model.get_or_none(id=application_id)
    return None if application is None else await file_status(application)


# --- who may see a file ------------------------------------------------------------------


async def applications_with(sha256: str) -> list[Any]:
    link = getattr(models, "ApplicationBlob", None)
    if link is None:
        return []
    rows = await link.filter(sha256=sha256).prefetch_related("application")
    return [row.application for row in rows if not getattr(row.application, "deleted", False)]


def _under(code: str, prefixes: list[str]) -> bool:
    return any(code == p or code.startswith(p + ".") for p in prefixes)


async def default_access(user: User, application: Any) -> bool:
    """Admins see everything; anyone sees their own; otherwise the application's region must
    lie in the user's areas (office staff with no area assigned see nothing, as in
    ``applications.scope``)."""
    if user.role == Role.ADMIN or str(application.owner_user_id) == str(user.id):
        return True
    areas = [str(code) for code in user.area_codes or []]
    return bool(areas) and _under(str(application.region_code or ""), areas)


async def may_see_application(user: User, application: Any) -> bool:
    if not user.is_active:
        return False
    check = _access[0] if _access else default_access
    return await check(user, application)


# The photo as taken keeps its EXIF (camera, time, GPS of where it was taken): evidence a
# supervisor may need about a field visit. Everyone else sees the re-encoded copies, which
# carry no metadata.
ORIGINAL_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


def may_see_original(user: User) -> bool:
    """The file as uploaded: a photo's EXIF (GPS, camera), a PDF's author and software."""
    return user.role in ORIGINAL_ROLES


async def record_view(user: User, sha256: str, variant: str) -> None:
    """Every view of a file, in every variant (a KTP thumbnail shows the NIK as well), is an
    audit row naming the kinds the file was uploaded as (``ktp``, ``photo``, …)."""
    kinds = sorted(set(await Upload.filter(sha256=sha256).values_list("kind", flat=True)))
    await audit.record(
        "file.view",
        actor=user,
        object_type="file",
        object_id=sha256,
        variant=variant,
        kinds=[str(kind) for kind in kinds],
    )


async def can_view(user: User, sha256: str) -> bool:
    """A staff member may see a file if they may see an application that references it."""
    if await Blob.get_or_none(sha256=sha256) is None:
        return False
    for application in await applications_with(sha256):
        if await may_see_application(user, application):
            return True
    return False
