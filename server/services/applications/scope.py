"""Which applications a staff member may see: those in their areas (region-code prefixes,
e.g. "63.71" covers Banjarmasin and every village in it). Only office-wide roles (admin) see
every application without an area. A verifier or supervisor with no area assigned sees
nothing — a forgotten area must not open the whole office — and every page tells them why
(``lacks_area``, ``NO_AREA``). To give someone the whole office, give them the office's
region as their area (e.g. "63"). ``files.default_access`` applies the same rule to photos."""

from __future__ import annotations

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from server.models import Application, Role, User
from server.services.errors import NotFound
from sync.model import DRAFT, in_area

OFFICE_WIDE_ROLES = frozenset({Role.ADMIN})
AREA_ROLES = frozenset({Role.VERIFIER, Role.SUPERVISOR})
NO_AREA = {
    "id": "Anda belum diberi wilayah kerja, jadi tidak ada permohonan yang ditampilkan. "
    "Minta admin menetapkan wilayah kerja Anda (Admin → Pengguna).",
    "en": "You have no work area assigned, so no applications are shown. "
    "Ask an admin to set your work area (Admin → Users).",
}


def _everywhere(user: User) -> bool:
    return user.role in OFFICE_WIDE_ROLES


def lacks_area(user: User) -> bool:
    """An area-scoped office role with no area: sees no application at all."""
    return user.role in AREA_ROLES and not user.area_codes


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
    if lacks_area(user):
        raise NotFound(f"{NO_AREA['id']} ({NO_AREA['en']})", code="no_area")
    app = await Application.get_or_none(id=application_id, deleted=False)
    if app is None or app.status == DRAFT or not covers(user, app.region_code):
        raise NotFound(
            "Permohonan tidak ditemukan atau di luar wilayah kerja Anda. "
            "(Application not found, or outside your area.)",
            code="application_not_found",
        )
    return app
