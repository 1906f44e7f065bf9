"""The SLA figures the status page shows, read from the back-office workflow's clock
(``server.services.applications.sla``): due date, working days left, paused while the office
waits on the citizen, overdue. Nothing is shown before the clock starts or after it stops."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from server.models import Application
from server.services.applications import sla as clock
from server.settings import Settings


@dataclass(frozen=True)
class SlaView:
    due: date
    days_left: int  # working days; negative when overdue
    paused: bool
    overdue: bool


async def for_application(app: Application, settings: Settings, now: datetime) -> SlaView | None:
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
