"""Working days in the office's time zone: SLA deadlines skip weekends and the holiday table."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from server.models import Holiday


def is_working_day(day: date, holidays: set[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: date, days: int, holidays: Iterable[date]) -> date:
    """The date by which ``days`` working days after ``start`` have passed. A service with an
    SLA of 0 days is due the same day (the next working day if ``start`` is not one)."""
    if days < 0:
        raise ValueError("days must not be negative")
    off = set(holidays)
    current = start
    while not is_working_day(current, off):
        current += timedelta(days=1)
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if is_working_day(current, off):
            remaining -= 1
    return current


def working_days_between(start: date, end: date, holidays: Iterable[date]) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end <= start).
    Counted by whole weeks (five working days each), so a year-old overdue badge costs what a
    one-day one does."""
    if end <= start:
        return 0
    weeks, extra = divmod((end - start).days, 7)
    first = start.weekday()
    count = weeks * 5 + sum(1 for i in range(1, extra + 1) if (first + i) % 7 < 5)
    return count - sum(1 for day in set(holidays) if start < day <= end and day.weekday() < 5)


def local_date(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


async def holidays_between(start: date, end: date) -> set[date]:
    days = await Holiday.filter(date__gte=start, date__lte=end).values_list("date", flat=True)
    return set(cast(list[date], days))


async def due_date(start: datetime, sla_days: int, timezone: str) -> date:
    begin = local_date(start, timezone)
    # Generous window: even a month of holidays cannot push the deadline past it.
    window_end = begin + timedelta(days=sla_days * 2 + 60)
    return add_working_days(begin, sla_days, await holidays_between(begin, window_end))
