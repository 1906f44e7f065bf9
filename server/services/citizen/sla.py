"""The SLA figures the status page shows. One function, ``for_application``, so the citizen
side follows whatever the back-office workflow computes once that lands; until then it counts
working days (server.services.reference.calendar) from the day the office received the file,
and days spent waiting on the citizen (perlu_perbaikan) do not count."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from server.models import Application, PermitType, StatusChange
from server.services.reference import calendar
from server.settings import Settings
from sync.model import APPROVED, NEEDS_CORRECTION, PROCESSING, RECEIVED, VERIFYING

RUNNING = frozenset({RECEIVED, VERIFYING, NEEDS_CORRECTION, PROCESSING, APPROVED})


@dataclass(frozen=True)
class SlaView:
    due: date
    days_left: int  # working days; negative when overdue
    paused: bool
    overdue: bool


async def for_application(
    app: Application,
    steps: Sequence[StatusChange],
    permit: PermitType | None,
    settings: Settings,
    today: date,
) -> SlaView | None:
    if permit is None or app.status not in RUNNING:
        return None
    received = next((s.at for s in steps if s.to_status == RECEIVED), app.created_at)
    start = calendar.local_date(received, settings.timezone)
    holidays = await calendar.holidays_between(start, today + timedelta(days=400))
    paused_days = 0
    paused_since: date | None = None
    for step in steps:
        day = calendar.local_date(step.at, settings.timezone)
        if step.to_status == NEEDS_CORRECTION and paused_since is None:
            paused_since = day
        elif step.to_status != NEEDS_CORRECTION and paused_since is not None:
            paused_days += calendar.working_days_between(paused_since, day, holidays)
            paused_since = None
    if paused_since is not None:
        paused_days += calendar.working_days_between(paused_since, today, holidays)
    due = calendar.add_working_days(start, permit.sla_days + paused_days, holidays)
    if today <= due:
        left = calendar.working_days_between(today, due, holidays)
    else:
        left = -calendar.working_days_between(due, today, holidays)
    paused = app.status == NEEDS_CORRECTION
    return SlaView(due=due, days_left=left, paused=paused, overdue=left < 0 and not paused)


def issued_reference(app: Application) -> str:
    """The permit's number once issued; the back-office workflow adds the field."""
    return str(getattr(app, "issued_reference", "") or "")
