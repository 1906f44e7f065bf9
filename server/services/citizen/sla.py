"""The SLA figures the status page shows, read from the back-office workflow's clock
(``server.services.applications.sla``): due date, working days left, paused while the office
waits on the citizen, overdue. Nothing is shown before the clock starts or after it stops."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from server.models import Application
from server.services.applications import sla as clock
from server.services.reference import calendar
from server.settings import Settings


@dataclass(frozen=True)
class SlaView:
    due: date
    days_left: int  # working days; negative when overdue
    paused: bool
    overdue: bool


async def for_application(
    app: Application, settings: Settings, now: datetime, holidays: frozenset[date]
) -> SlaView | None:
    """From the columns the workflow keeps in step on every status move (no query), except
    while paused: then the due date moves every day, so the clock is read in full."""
    if app.sla_state == clock.RUNNING and app.sla_due is not None:
        today = calendar.local_date(now, settings.timezone)
        due = app.sla_due
        if today <= due:
            left = calendar.working_days_between(today, due, holidays)
        else:
            left = -calendar.working_days_between(due, today, holidays)
        return SlaView(due=due, days_left=left, paused=False, overdue=left < 0)
    if app.sla_state != clock.PAUSED:
        return None
    found = await clock.sla_for(app, timezone=settings.timezone, now=now)
    if found.state not in (clock.RUNNING, clock.PAUSED) or found.due is None:
        return None
    return SlaView(
        due=found.due,
        days_left=found.days_left or 0,
        paused=found.paused,
        overdue=found.overdue,
    )


def issued_reference(app: Application) -> str:
    return app.issued_reference or ""
