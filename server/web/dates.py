"""Dates, times and rupiah as people read them: "12 Januari 2026, 09.15 WITA" in Indonesian,
"12 January 2026, 09:15 WITA" in English (Babel, in the office's time zone)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

from server.web.i18n import current_language

ZONE_NAMES = {"Asia/Makassar": "WITA", "Asia/Jakarta": "WIB", "Asia/Jayapura": "WIT"}


def local_datetime(moment: datetime | None, timezone: str) -> str:
    if moment is None:
        return ""
    language = current_language.get()
    pattern = "d MMMM y, HH.mm" if language == "id" else "d MMMM y, HH:mm"
    text = format_datetime(moment, pattern, tzinfo=ZoneInfo(timezone), locale=language)
    return f"{text} {ZONE_NAMES.get(timezone, timezone)}"


def long_date(day: date | None) -> str:
    if day is None:
        return ""
    return format_date(day, "d MMMM y", locale=current_language.get())


def rupiah(amount: int) -> str:
    return "Rp" + format_decimal(amount, format="#,##0", locale="id")
