"""The duplicates queue: suspected duplicates flagged at sync (``duplicates.flag``), shown in
pairs to staff whose area covers the flagged application, who link them (it is a duplicate of
the other) or dismiss the suspicion. Both decisions are audited (ids and reason only)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import Subquery

from server.models import Application, ApplicationDuplicate, Region, User
from server.services import audit
from server.services.applications import scope
from server.services.applications.detail import mask_nik
from server.services.errors import Conflict, NotFound

DECISIONS = {"link": "linked", "dismiss": "dismissed"}


class FlagNotFound(NotFound):
    code = "duplicate_not_found"

    def __init__(self) -> None:
        super().__init__(
            "Dugaan duplikat ini tidak ada atau di luar wilayah kerja Anda. "
            "(This suspected duplicate does not exist or is outside your area.)"
        )


def _side(app: Application, villages: dict[str, str]) -> dict[str, Any]:
    return {
        "id": app.id,
        "tracking_code": app.tracking_code,
        "permit_type": app.permit_type,
        "status": app.status,
        "applicant_name": app.applicant_name,
        "business_name": app.business_name,
        "nik": mask_nik(app.nik) if app.nik else "",
        "village": villages.get(app.region_code, app.region_code),
        "submitted_at": app.submitted_at,
    }


async def queue(user: User, application_id: str = "") -> list[dict[str, Any]]:
    """Open suspicions whose flagged application lies in the user's area, oldest first."""
    mine = Application.filter(scope.area_filter(user), deleted=False)
    if application_id:
        mine = mine.filter(id=application_id)
    flags = (
        await ApplicationDuplicate.filter(
            status="open", application_id__in=Subquery(mine.values("id"))
        )
        .order_by("created_at", "id")
        .limit(200)
    )
    ids = {f.application_id for f in flags} | {f.other_id for f in flags}  # type: ignore[attr-defined]
    apps = {a.id: a for a in await Application.filter(id__in=ids)}
    villages = dict(
        await Region.filter(code__in={a.region_code for a in apps.values()}).values_list(
            "code", "name"
        )
    )
    return [
        {
            "id": f.id,
            "reason": f.reason,
            "created_at": f.created_at,
            "application": _side(apps[f.application_id], villages),  # type: ignore[attr-defined]
            "other": _side(apps[f.other_id], villages),  # type: ignore[attr-defined]
        }
        for f in flags
    ]


async def decide(user: User, flag_id: int, decision: str) -> str:
    """Link or dismiss one suspicion; a second decision on it is refused (409)."""
    status = DECISIONS[decision]
    flag = await ApplicationDuplicate.get_or_none(id=flag_id).prefetch_related("application")
    if flag is None or not scope.covers(user, flag.application.region_code):
        raise FlagNotFound()
    changed = await ApplicationDuplicate.filter(id=flag_id, status="open").update(
        status=status, decided_by=f"user:{user.id}", decided_at=datetime.now(UTC)
    )
    if not changed:
        raise Conflict(
            "Dugaan duplikat ini sudah diputuskan orang lain; muat ulang halaman. "
            "(Someone already decided on this suspected duplicate; reload the page.)",
            code="duplicate_decided",
        )
    await audit.record(
        f"duplicate.{decision}",
        actor=user,
        object_type="application",
        object_id=flag.application.id,
        other=flag.other_id,  # type: ignore[attr-defined]
        reason=flag.reason,
    )
    return status
