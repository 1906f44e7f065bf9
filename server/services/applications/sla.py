"""The service-level clock of an application, in working days of the office's time zone.

The clock starts when the file is declared complete (the workflow's ``sla.start`` statuses),
pauses while the office waits on the applicant (``sla.pause``, "Perlu Perbaikan"), resumes on
resubmission and stops at the decision (``sla.stop``) or a cancellation. Each working day
spent paused pushes the due date back by one. Everything is computed from the status history
(``StatusChange`` rows); ``refresh_columns`` keeps ``Application.sla_*`` in step inside the
write transaction of every status move, so lists can filter on them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from tortoise.transactions import in_transaction

from server.models import Application, Holiday, PermitType, StatusChange
from server.services.applications.sync_sql import Sql, load, when
from server.services.applications.workflow import SlaRules, SlaVersion, sla_history, sla_rules
from server.services.reference.calendar import add_working_days, local_date, working_days_between

NOT_STARTED = "waiting"  # the file is not (yet) complete: no clock
RUNNING = "running"
PAUSED = "paused"
MET = "met"
MISSED = "missed"
CANCELLED = "cancelled"
FINISHED = (MET, MISSED)


@dataclass(frozen=True)
class Sla:
    state: str
    sla_days: int
    started_at: datetime | None = None
    due: date | None = None
    days_left: int | None = None  # working days; negative when overdue
    paused: bool = False
    overdue: bool = False
    finished_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "sla_days": self.sla_days,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "due": self.due.isoformat() if self.due else None,
            "days_left": self.days_left,
            "paused": self.paused,
            "overdue": self.overdue,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
        }


def compute(
    changes: Sequence[tuple[str, datetime]],
    sla_days: int,
    rules: SlaRules,
    holidays: Iterable[date],
    now: datetime,
    timezone: str,
    earlier: Sequence[SlaVersion] = (),
) -> Sla:
    """The clock from the status moves ``(to_status, at)`` in the order they happened.

    ``sla_days`` and ``rules`` are the permit type's current settings; ``earlier`` the ones
    an admin replaced (oldest first). A clock keeps the settings in force when it started (or
    when the application was cancelled before any clock); one that had not started when the
    settings changed is judged by the new settings over its whole history."""
    sla_days, rules = _in_force(changes, (sla_days, rules), earlier)
    off = set(holidays)
    started: datetime | None = None
    pause_start: datetime | None = None
    paused_days = 0
    finished: datetime | None = None
    cancelled = False
    for to_status, at in changes:
        if to_status in rules.cancel and started is None:
            return Sla(CANCELLED, sla_days, finished_at=at)
        if started is None:
            if to_status in rules.start:
                started = at
            continue
        if pause_start is None and to_status in rules.pause:
            pause_start = at
        elif pause_start is not None and to_status not in rules.pause:
            paused_days += _between(pause_start, at, timezone, off)
            pause_start = None
        if to_status in rules.stop or to_status in rules.cancel:
            finished, cancelled = at, to_status in rules.cancel
            break
    if started is None:
        return Sla(NOT_STARTED, sla_days)
    today = local_date(now, timezone)
    if pause_start is not None:
        paused_days += working_days_between(local_date(pause_start, timezone), today, off)
    due = add_working_days(local_date(started, timezone), sla_days + paused_days, off)
    if finished is not None:
        on_time = local_date(finished, timezone) <= due
        state = CANCELLED if cancelled else MET if on_time else MISSED
        return Sla(state, sla_days, started, due, finished_at=finished)
    if due >= today:
        left = working_days_between(today, due, off)
    else:
        left = -working_days_between(due, today, off)
    paused = pause_start is not None
    return Sla(
        PAUSED if paused else RUNNING,
        sla_days,
        started,
        due,
        days_left=left,
        paused=paused,
        overdue=not paused and today > due,
    )


def _in_force(
    changes: Sequence[tuple[str, datetime]],
    current: tuple[int, SlaRules],
    earlier: Sequence[SlaVersion],
) -> tuple[int, SlaRules]:
    """The settings a clock runs by: the first earlier version under which it started (or
    was cancelled) while that version was in force; otherwise the current ones."""
    for version in earlier:
        for to_status, at in changes:
            if at >= version.until:
                break
            if to_status in version.rules.start or to_status in version.rules.cancel:
                return version.days, version.rules
    return current


def _between(start: datetime, end: datetime, timezone: str, off: set[date]) -> int:
    return working_days_between(local_date(start, timezone), local_date(end, timezone), off)


def _horizon(starts: Iterable[datetime | None], now: datetime) -> tuple[date, date]:
    """The holiday window every clock of a batch can touch."""
    known = [s for s in starts if s is not None]
    first = min(known).date() - timedelta(days=1) if known else now.date()
    return first, now.date() + timedelta(days=800)


# --------------------------------------------------------------------------- reading


async def sla_for_many(
    applications: Sequence[Application], *, timezone: str, now: datetime | None = None
) -> dict[str, Sla]:
    """The clock of each application (by id), with three queries whatever their number."""
    now = now or datetime.now(UTC)
    if not applications:
        return {}
    ids = [a.id for a in applications]
    history: dict[str, list[tuple[str, datetime]]] = {i: [] for i in ids}
    rows = (
        await StatusChange.filter(application_id__in=ids)
        .order_by("at", "id")
        .values_list("application_id", "to_status", "at")
    )
    for app_id, to_status, at in rows:
        history[str(app_id)].append((str(to_status), at))
    permits = {
        p.code: p for p in await PermitType.filter(code__in={a.permit_type for a in applications})
    }
    first, last = _horizon((h[0][1] if h else None for h in history.values()), now)
    days = await Holiday.filter(date__gte=first, date__lte=last).values_list("date", flat=True)
    holidays = set(cast(list[date], days))
    out: dict[str, Sla] = {}
    for app in applications:
        permit = permits.get(app.permit_type)
        if permit is None:
            out[app.id] = Sla(NOT_STARTED, 0)
            continue
        rules, earlier = sla_rules(permit.meta), sla_history(permit.meta)
        out[app.id] = compute(
            history[app.id], permit.sla_days, rules, holidays, now, timezone, earlier
        )
    return out


async def sla_for(application: Application, *, timezone: str, now: datetime | None = None) -> Sla:
    """Due date, working days left, paused and overdue flags of one application."""
    return (await sla_for_many([application], timezone=timezone, now=now))[application.id]


# --------------------------------------------------------------------------- stored columns


async def refresh_columns(sql: Sql, record_ids: Iterable[str], timezone: str) -> None:
    """Recompute ``Application.sla_*`` for these records inside the caller's transaction
    (the sync store calls this after writing status moves, device moves included)."""
    ids = sorted(set(record_ids))
    if not ids:
        return
    marks = sql.marks(len(ids))
    apps = await sql.rows(f"SELECT id, permit_type FROM application WHERE id IN ({marks})", ids)
    codes = sorted({row["permit_type"] for row in apps})
    permits = {
        row["code"]: row
        for row in await sql.rows(
            f"SELECT code, sla_days, meta FROM permit_type WHERE code IN ({sql.marks(len(codes))})",
            codes,
        )
    }
    history: dict[str, list[tuple[str, datetime]]] = {i: [] for i in ids}
    for row in await sql.rows(
        "SELECT application_id, to_status, at FROM application_status_change "
        f"WHERE application_id IN ({marks}) ORDER BY at, id",
        ids,
    ):
        at = when(row["at"])
        assert at is not None
        history[row["application_id"]].append((row["to_status"], at))
    now = datetime.now(UTC)
    first, last = _horizon((h[0][1] if h else None for h in history.values()), now)
    holidays = {
        _as_date(row["date"])
        for row in await sql.rows(
            "SELECT date FROM holiday WHERE date >= ? AND date <= ?", [first, last]
        )
    }
    updates: list[list[Any]] = []
    for row in apps:
        permit = permits.get(row["permit_type"])
        if permit is None:
            continue
        meta = load(permit["meta"]) or {}
        clock = compute(
            history[row["id"]],
            int(permit["sla_days"]),
            sla_rules(meta),
            holidays,
            now,
            timezone,
            sla_history(meta),
        )
        updates.append([clock.state, clock.started_at, clock.due, clock.finished_at, row["id"]])
    await sql.many(
        "UPDATE application SET sla_state = ?, sla_started_at = ?, sla_due = ?, "
        "sla_finished_at = ? WHERE id = ?",
        updates,
    )


async def refresh_open(timezone: str, batch: int = 500) -> int:
    """Recompute the stored clock of every application whose clock runs or is paused: after
    the holiday table changed (``jemput holidays import`` calls this). Returns how many."""
    ids = await Application.filter(sla_state__in=(RUNNING, PAUSED), deleted=False).values_list(
        "id", flat=True
    )
    return await _refresh([str(i) for i in ids], timezone, batch)


async def refresh_permit_type(code: str, timezone: str, batch: int = 500) -> int:
    """After an admin changed a permit type's SLA: the clocks of its open applications (one
    that had not started may start under the new settings; started ones keep theirs)."""
    ids = await Application.filter(
        permit_type=code, deleted=False, sla_state__in=("", NOT_STARTED, RUNNING, PAUSED)
    ).values_list("id", flat=True)
    return await _refresh([str(i) for i in ids], timezone, batch)


async def _refresh(ids: list[str], timezone: str, batch: int) -> int:
    for start in range(0, len(ids), batch):
        async with in_transaction() as conn:
            sql = Sql(conn)
            # Writers of status moves hold this row lock too: no move interleaves.
            await sql.rows("UPDATE sync_counter SET value = value WHERE id = 1 RETURNING value")
            await refresh_columns(sql, ids[start : start + batch], timezone)
    return len(ids)


def _as_date(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value
