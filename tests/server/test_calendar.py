from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from server.models import Holiday
from server.services.reference.calendar import add_working_days, due_date, working_days_between

KEMERDEKAAN = date(2026, 8, 17)  # a Monday


def test_weekends_and_holidays_are_skipped():
    friday = date(2026, 8, 14)
    assert add_working_days(friday, 1, []) == date(2026, 8, 17)
    assert add_working_days(friday, 1, [KEMERDEKAAN]) == date(2026, 8, 18)
    assert add_working_days(date(2026, 8, 15), 0, [KEMERDEKAAN]) == date(2026, 8, 18)


@given(
    start=st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 12, 31)),
    days=st.integers(min_value=0, max_value=40),
    holidays=st.sets(
        st.dates(min_value=date(2025, 1, 1), max_value=date(2029, 3, 31)), max_size=30
    ),
)
def test_counting_back_gives_the_sla(start, days, holidays):
    due = add_working_days(start, days, holidays)
    assert due.weekday() < 5 and due not in holidays
    first = start
    while first.weekday() >= 5 or first in holidays:
        first += timedelta(days=1)
    assert working_days_between(first, due, holidays) == days


@given(
    start=st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 12, 31)),
    span=st.integers(min_value=-10, max_value=800),
    holidays=st.sets(
        st.dates(min_value=date(2024, 12, 1), max_value=date(2031, 3, 31)), max_size=40
    ),
)
def test_counting_by_weeks_matches_counting_day_by_day(start, span, holidays):
    end = start + timedelta(days=span)
    by_day = sum(
        1
        for n in range(1, span + 1)
        if (start + timedelta(days=n)).weekday() < 5 and start + timedelta(days=n) not in holidays
    )
    assert working_days_between(start, end, holidays) == by_day


async def test_due_date_uses_the_holiday_table_and_wita(db):
    await Holiday.create(date=KEMERDEKAAN, name="Hari Kemerdekaan")
    # 16:30 UTC on Friday 14 August is already Saturday 00:30 in WITA.
    late_friday = datetime(2026, 8, 14, 16, 30, tzinfo=UTC)
    assert await due_date(late_friday, 1, "Asia/Makassar") == date(2026, 8, 19)
    assert await due_date(late_friday, 1, "UTC") == date(2026, 8, 18)
