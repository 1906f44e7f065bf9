"""The office inbox: submitted applications in the staff member's area, filtered, searched and
paged by keyset (so page 2,000 costs what page 1 costs), with the badges a verifier scans for.

Filter values arrive as text (query parameters); ``parse_filters`` checks their shape and
``check_filters`` that what they name exists. Both raise ``FilterError`` naming the parameter,
so the page can say in the reader's language what to fix."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.expressions import Q, Subquery
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from server.models import (
    Application,
    ApplicationDuplicate,
    PermitType,
    Region,
    Role,
    SyncConflict,
    User,
)
from server.services import audit
from server.services.applications import scope
from server.services.applications.sla import MISSED, PAUSED, RUNNING
from server.services.errors import ServiceError
from server.services.reference.calendar import holidays_between, working_days_between
from sync.model import DRAFT, STATUSES

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_SEARCH = 100
SORTS = ("newest", "oldest", "updated", "due")
# The "due" sort: first every application whose SLA clock runs or is paused, by due date
# (soonest first, so the overdue ones lead), then the rest (no clock yet, decided, cancelled)
# longest waiting first. Its cursor names the segment it stopped in.
OPEN_SEGMENT, REST_SEGMENT = "open", "rest"
OPEN_CLOCKS = (RUNNING, PAUSED)
FLAGS = ("overdue", "conflict", "duplicate", "files_missing")
PARAMETERS = frozenset(
    {"status", "permit_type", "region", "officer", "from", "to", "q", "sort", "cursor", "limit"}
    | set(FLAGS)
)
IGNORED = frozenset({"lang"})  # read by the language middleware
INBOX_STATUSES = tuple(s for s in STATUSES if s != DRAFT)
REGION_RE = re.compile(r"\d{2}(\.\d{2}){1,2}(\.\d{4})?")
TRACKING_RE = re.compile(r"JB-[0-9A-Z-]{1,14}")
NIK_LENGTH = 16


class FilterError(ServiceError):
    """A filter value that does not exist or cannot be read. ``code`` says which kind,
    ``details`` names the parameter and echoes the value (the page explains it)."""

    status = 400

    def __init__(self, parameter: str, code: str, value: str = "") -> None:
        super().__init__(
            f"{parameter}: {code}", code=code, details={"parameter": parameter, "value": value}
        )
        self.parameter = parameter
        self.value = value


@dataclass(frozen=True)
class Cursor:
    """Where a page stopped: the sort key and id of its last row (and, for the due sort,
    which segment that row was in: an open clock's ``sla_due`` date, or ``submitted_at``)."""

    value: datetime | date
    id: str
    segment: str = ""


@dataclass(frozen=True)
class Filters:
    status: str = ""
    permit_type: str = ""
    region: str = ""
    officer: str = ""  # username
    date_from: date | None = None
    date_to: date | None = None
    overdue: bool = False
    conflict: bool = False
    duplicate: bool = False
    files_missing: bool = False
    q: str = ""
    sort: str = "newest"
    cursor: Cursor | None = None
    limit: int = PAGE_SIZE

    def as_params(self) -> dict[str, str]:
        """The filters as query parameters (no cursor): for links and the JSON twin."""
        out = {
            "status": self.status,
            "permit_type": self.permit_type,
            "region": self.region,
            "officer": self.officer,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "q": self.q,
            "sort": self.sort if self.sort != "newest" else "",
            "limit": str(self.limit) if self.limit != PAGE_SIZE else "",
        }
        out.update({flag: "1" for flag in FLAGS if getattr(self, flag)})
        return {k: v for k, v in out.items() if v}


def _flag(params: Mapping[str, str], name: str) -> bool:
    value = params.get(name, "")
    if value not in ("", "0", "1", "on", "true"):
        raise FilterError(name, "invalid_flag", value)
    return value in ("1", "on", "true")


def _date(params: Mapping[str, str], name: str) -> date | None:
    value = params.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value) if len(value) == 10 else _bad_date(name, value)
    except ValueError:
        return _bad_date(name, value)


def _bad_date(name: str, value: str) -> date:
    raise FilterError(name, "invalid_date", value)


def encode_cursor(value: datetime | date, record_id: str, segment: str = "") -> str:
    key = value.astimezone(UTC).isoformat() if isinstance(value, datetime) else value.isoformat()
    text = f"{segment}~{key}|{record_id}" if segment else f"{key}|{record_id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(text: str, sort: str = "newest") -> Cursor:
    """A cursor made for ``sort``; anything else (damaged, or made for another sort) is a
    400 naming the cursor."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        key, record_id = raw.split("|", 1)
        segment, _, key = key.rpartition("~")
        value: datetime | date
        if segment == OPEN_SEGMENT:
            value = date.fromisoformat(key)
        else:
            value = datetime.fromisoformat(key)
            if value.tzinfo is None:
                raise ValueError(key)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise FilterError("cursor", "invalid_cursor", text[:40]) from None
    wanted = (OPEN_SEGMENT, REST_SEGMENT) if sort == "due" else ("",)
    if segment not in wanted or not record_id or len(record_id) > 36:
        raise FilterError("cursor", "invalid_cursor", text[:40])
    return Cursor(value, record_id, segment)


def parse_filters(params: Mapping[str, str]) -> Filters:
    """Shape checks only (no database): unknown parameters and unreadable values."""
    for name in params:
        if name not in PARAMETERS and name not in IGNORED:
            raise FilterError(name, "unknown_parameter")
    status = params.get("status", "").strip()
    if status and status not in INBOX_STATUSES:
        raise FilterError("status", "unknown_status", status)
    sort = params.get("sort", "").strip() or "newest"
    if sort not in SORTS:
        raise FilterError("sort", "unknown_sort", sort)
    region = params.get("region", "").strip()
    if region and not REGION_RE.fullmatch(region):
        raise FilterError("region", "unknown_region", region)
    limit_text = params.get("limit", "").strip()
    if limit_text and not (limit_text.isdigit() and 1 <= int(limit_text) <= MAX_PAGE_SIZE):
        raise FilterError("limit", "invalid_limit", limit_text)
    q = " ".join(params.get("q", "").split())
    if len(q) > MAX_SEARCH:
        raise FilterError("q", "search_too_long", q[:40])
    date_from, date_to = _date(params, "from"), _date(params, "to")
    if date_from and date_to and date_from > date_to:
        raise FilterError("to", "date_range_reversed", date_to.isoformat())
    cursor_text = params.get("cursor", "").strip()
    return Filters(
        status=status,
        permit_type=params.get("permit_type", "").strip(),
        region=region,
        officer=params.get("officer", "").strip(),
        date_from=date_from,
        date_to=date_to,
        overdue=_flag(params, "overdue"),
        conflict=_flag(params, "conflict"),
        duplicate=_flag(params, "duplicate"),
        files_missing=_flag(params, "files_missing"),
        q=q,
        sort=sort,
        cursor=decode_cursor(cursor_text, sort) if cursor_text else None,
        limit=int(limit_text) if limit_text else PAGE_SIZE,
    )


async def check_filters(user: User, filters: Filters) -> dict[str, Any]:
    """What the filters name must exist (and a region must lie in the user's area); returns
    the officer's user id when one is named."""
    found: dict[str, Any] = {}
    if filters.permit_type and not await PermitType.exists(code=filters.permit_type):
        raise FilterError("permit_type", "unknown_permit_type", filters.permit_type)
    if filters.region:
        if not await Region.exists(code=filters.region):
            raise FilterError("region", "unknown_region", filters.region)
        if not scope.covers(user, filters.region) and not _area_inside(user, filters.region):
            raise FilterError("region", "region_outside_area", filters.region)
    if filters.officer:
        officer = await User.get_or_none(username=filters.officer, role=Role.OFFICER)
        if officer is None:
            raise FilterError("officer", "unknown_officer", filters.officer)
        found["officer_id"] = str(officer.id)
    return found


def _area_inside(user: User, region: str) -> bool:
    """A regency filter for someone who covers only some of its districts is fine."""
    return any(str(p).startswith(region + ".") for p in user.area_codes or ())


@dataclass
class InboxPage:
    rows: list[dict[str, Any]]
    next_cursor: str | None
    filters: Filters
    nik_search: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _search(q: str) -> tuple[Q, bool]:
    """Tracking code, NIK (digits) or applicant / business name; True when a full NIK."""
    compact = q.replace(" ", "")
    if compact.isdigit():
        if len(compact) == NIK_LENGTH:
            return Q(nik=compact), True
        return Q(nik__startswith=compact), False
    upper = q.upper()
    if TRACKING_RE.fullmatch(upper):
        return Q(tracking_code__startswith=upper), False
    return Q(applicant_name__icontains=q) | Q(business_name__icontains=q), False


def _order(sort: str) -> tuple[str, bool]:
    """(column, descending)."""
    return {"newest": ("submitted_at", True), "oldest": ("submitted_at", False)}.get(
        sort, ("updated_at", True)
    )


async def page(user: User, filters: Filters, *, timezone: str, now: datetime) -> InboxPage:
    found = await check_filters(user, filters)
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    query = Application.filter(
        scope.area_filter(user), deleted=False, submitted_at__isnull=False
    ).exclude(status=DRAFT)
    if filters.status:
        query = query.filter(status=filters.status)
    if filters.permit_type:
        query = query.filter(permit_type=filters.permit_type)
    if filters.region:
        query = query.filter(
            Q(region_code=filters.region) | Q(region_code__startswith=filters.region + ".")
        )
    if "officer_id" in found:
        query = query.filter(owner_user_id=found["officer_id"])
    if filters.date_from:
        query = query.filter(submitted_at__gte=_start_of(filters.date_from, zone))
    if filters.date_to:
        query = query.filter(submitted_at__lt=_start_of(filters.date_to + timedelta(days=1), zone))
    if filters.overdue:
        query = query.filter(sla_state=RUNNING, sla_due__lt=today)
    if filters.conflict:
        open_conflicts = SyncConflict.filter(status="open").values("application_id")
        query = query.filter(id__in=Subquery(open_conflicts))
    if filters.duplicate:
        open_flags = ApplicationDuplicate.filter(status="open").values("application_id")
        query = query.filter(id__in=Subquery(open_flags))
    if filters.files_missing:
        query = query.filter(files_missing=True)
    nik_search = False
    if filters.q:
        condition, nik_search = _search(filters.q)
        query = query.filter(condition)
    if filters.sort == "due":
        apps, next_cursor = await _due_page(query, filters)
    else:
        apps, next_cursor = await _keyset_page(query, filters)
    rows = await _rows(apps, today)
    if nik_search:
        await audit.record(
            "inbox.search_nik",
            actor=user,
            object_type="application",
            object_id=",".join(r["id"] for r in rows)[:64],
            found=len(rows),
            matched=[r["tracking_code"] for r in rows],
        )
    return InboxPage(rows, next_cursor, filters, nik_search)


async def _keyset_page(
    query: QuerySet[Application], filters: Filters
) -> tuple[list[Application], str | None]:
    column, descending = _order(filters.sort)
    if filters.cursor:
        moment, last_id = filters.cursor.value, filters.cursor.id
        bound: dict[str, Any] = {f"{column}__lte" if descending else f"{column}__gte": moment}
        beyond: dict[str, Any] = {f"{column}__lt" if descending else f"{column}__gt": moment}
        after_id = Q(id__lt=last_id) if descending else Q(id__gt=last_id)
        query = query.filter(Q(**bound), Q(**beyond) | after_id)
    direction = "-" if descending else ""
    apps = await query.order_by(f"{direction}{column}", f"{direction}id").limit(filters.limit + 1)
    if len(apps) <= filters.limit:
        return apps, None
    last = apps[filters.limit - 1]
    return apps[: filters.limit], encode_cursor(getattr(last, column), last.id)


def _after(query: QuerySet[Application], column: str, cursor: Cursor) -> QuerySet[Application]:
    """Rows after ``cursor`` in (column, id) ascending order."""
    bound: dict[str, Any] = {f"{column}__gte": cursor.value}
    beyond: dict[str, Any] = {f"{column}__gt": cursor.value}
    return query.filter(Q(**bound), Q(**beyond) | Q(id__gt=cursor.id))


async def _due_page(
    query: QuerySet[Application], filters: Filters
) -> tuple[list[Application], str | None]:
    """The due sort: open clocks by (sla_due, id), then the rest by (submitted_at, id). A page
    may end in the first segment and continue in the second; the cursor says where."""
    limit, cursor = filters.limit, filters.cursor
    open_clock = Q(sla_state__in=OPEN_CLOCKS, sla_due__isnull=False)
    apps: list[Application] = []
    if cursor is None or cursor.segment == OPEN_SEGMENT:
        # One query per clock state, merged here: "sla_state = ? ORDER BY sla_due" walks the
        # (sla_state, sla_due) index in order and stops after a page; "IN (...)" would sort
        # every open clock of the office first.
        for state in OPEN_CLOCKS:
            first = query.filter(sla_state=state, sla_due__isnull=False)
            if cursor is not None:
                first = _after(first, "sla_due", cursor)
            apps += await first.order_by("sla_due", "id").limit(limit + 1)
        apps = sorted(apps, key=lambda a: (a.sla_due, a.id))[: limit + 1]
        if len(apps) > limit:
            last = apps[limit - 1]
            return apps[:limit], encode_cursor(last.sla_due, last.id, OPEN_SEGMENT)  # type: ignore[arg-type]
    rest = query.exclude(open_clock)
    if cursor is not None and cursor.segment == REST_SEGMENT:
        rest = _after(rest, "submitted_at", cursor)
    room = limit - len(apps)
    more = await rest.order_by("submitted_at", "id").limit(room + 1)
    apps += more[:room]
    if len(more) <= room:
        return apps, None
    last = apps[-1]
    if more[:room]:
        return apps, encode_cursor(last.submitted_at, last.id, REST_SEGMENT)  # type: ignore[arg-type]
    # The page ended exactly at the last open clock: continue after it (the next page finds
    # no open clock beyond it and starts the rest from its beginning).
    return apps, encode_cursor(last.sla_due, last.id, OPEN_SEGMENT)  # type: ignore[arg-type]


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


async def _rows(apps: list[Application], today: date) -> list[dict[str, Any]]:
    """Each application with its badges, in a fixed number of queries per page."""
    if not apps:
        return []
    ids = [a.id for a in apps]
    conflicts: set[str] = set(
        await SyncConflict.filter(application_id__in=ids, status="open").values_list(
            "application_id", flat=True
        )  # type: ignore[arg-type]
    )
    duplicates: set[str] = set(
        await ApplicationDuplicate.filter(application_id__in=ids, status="open").values_list(
            "application_id", flat=True
        )  # type: ignore[arg-type]
    )
    officer_ids = sorted({int(a.owner_user_id) for a in apps if a.owner_user_id.isdigit()})
    officers = dict(await User.filter(id__in=officer_ids).values_list("id", "username"))
    villages = dict(
        await Region.filter(code__in={a.region_code for a in apps}).values_list("code", "name")
    )
    permits = {
        p.code: {"id": p.name_id, "en": p.name_en}
        for p in await PermitType.filter(code__in={a.permit_type for a in apps})
    }
    dues = [a.sla_due for a in apps if a.sla_due is not None]
    holidays: set[date] = set()
    if dues:
        holidays = await holidays_between(min([*dues, today]), max([*dues, today]))
    return [
        {
            "id": a.id,
            "tracking_code": a.tracking_code,
            "permit_type": a.permit_type,
            "permit_name": permits.get(a.permit_type, {"id": a.permit_type, "en": a.permit_type}),
            "status": a.status,
            "applicant_name": a.applicant_name,
            "business_name": a.business_name,
            "region_code": a.region_code,
            "village": villages.get(a.region_code, ""),
            "officer": officers.get(int(a.owner_user_id), "") if a.owner_user_id.isdigit() else "",
            "submitted_at": a.submitted_at,
            "updated_at": a.updated_at,
            "sla": sla_badge(a.sla_state, a.sla_due, today, holidays),
            "conflict": a.id in conflicts,
            "duplicate": a.id in duplicates,
            "files_missing": a.files_missing,
            "nik_warning": "nik" in (a.warnings or {}),
            "data_warnings": sorted(k for k in (a.warnings or {}) if k != "nik"),
        }
        for a in apps
    ]


def sla_badge(state: str, due: date | None, today: date, holidays: set[date]) -> dict[str, Any]:
    """``{"state", "due", "days_left", "overdue"}``; days are working days (negative when
    overdue), only for a running or paused clock."""
    badge: dict[str, Any] = {"state": state, "due": due, "days_left": None, "overdue": False}
    if due is None or state not in (RUNNING, PAUSED):
        badge["overdue"] = state == MISSED
        return badge
    if due >= today:
        badge["days_left"] = working_days_between(today, due, holidays)
    else:
        badge["days_left"] = -working_days_between(due, today, holidays)
        badge["overdue"] = state == RUNNING
    return badge


async def filter_options(user: User) -> dict[str, Any]:
    """What the filter form offers: permit types, regencies and districts in the user's
    area, and officers."""
    permits = [
        {"code": p.code, "name": {"id": p.name_id, "en": p.name_en}}
        for p in await PermitType.all().order_by("code")
    ]
    regions = [
        {"code": r.code, "name": r.name, "level": r.level}
        for r in await Region.filter(level__in=(2, 3)).order_by("code")
        if scope.covers(user, r.code) or _area_inside(user, r.code)
    ]
    officers = await User.filter(role=Role.OFFICER, is_active=True).order_by("username")
    return {
        "statuses": list(INBOX_STATUSES),
        "permit_types": permits,
        "regions": regions,
        "officers": [{"username": o.username, "name": o.full_name} for o in officers],
        "sorts": list(SORTS),
    }


async def count_by_status(user: User) -> dict[str, int]:
    rows = (
        await Application.filter(scope.area_filter(user), deleted=False)
        .annotate(n=Count("id"))
        .group_by("status")
        .values_list("status", "n")
    )
    return {str(status): int(n) for status, n in rows}
