"""Which applications a staff member may see: those in their areas (region-code prefixes,
e.g. "63.71" covers Banjarmasin and every village in it); admins, and office staff with no
area assigned, see all (the same rule as ``files.default_access`` for their photos)."""

from __future__ import annotations

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from server.models import Application, Role, User
from server.services.errors import NotFound
from sync.model import DRAFT, in_area


def _everywhere(user: User) -> bool:
    return user.role == Role.ADMIN or (
        not user.area_codes and user.role in (Role.VERIFIER, Role.SUPERVISOR)
    )


def covers(user: User, region_code: str) -> bool:
    if _everywhere(user):
        return True
    return any(in_area(region_code, str(prefix)) for prefix in user.area_codes or ())


def area_filter(user: User) -> Q:
    """The same rule as ``covers``, as a query filter (a prefix range, so indexes help)."""
    if _everywhere(user):
        return Q()
    parts = [
        Q(region_code=prefix) | Q(region_code__startswith=f"{prefix}.")
        for prefix in (str(p) for p in user.area_codes or ())
    ]
    if not parts:
        return Q(id__in=[])
    return Q(*parts, join_type="OR")


def visible(user: User) -> QuerySet[Application]:
    """Submitted applications in the user's areas (drafts stay with their officer)."""
    return Application.filter(area_filter(user), deleted=False).exclude(status=DRAFT)


async def visible_application(user: User, application_id: str) -> Application:
    app = await Application.get_or_none(id=application_id, deleted=False)
    if app is None or app.status == DRAFT or not covers(user, app.region_code):
        raise NotFound(
            "Permohonan tidak ditemukan atau di luar wilayah kerja Anda. "
            "(Application not found, or outside your area.)",
            code="application_not_found",
        )
    return app
