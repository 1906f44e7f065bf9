"""Public holidays and collective leave days (for working-day SLAs), imported from CSV."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from tortoise.transactions import in_transaction

from server.models import Holiday
from server.services.errors import ServiceError


class HolidayImportError(ServiceError):
    code = "import_failed"


def read_csv(path: Path) -> list[tuple[date, str]]:
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise HolidayImportError(f"{path}: cannot open ({exc.strerror})") from exc
    out: list[tuple[date, str]] = []
    seen: dict[date, int] = {}
    with handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or [h.strip() for h in header] != ["date", "name"]:
            raise HolidayImportError(f"{path}:1: header must be date,name")
        for line_no, record in enumerate(reader, start=2):
            where = f"{path}:{line_no}"
            if len(record) != 2:
                raise HolidayImportError(f"{where}: expected 2 columns, found {len(record)}")
            raw_date, name = record[0].strip(), record[1].strip()
            try:
                day = date.fromisoformat(raw_date)
            except ValueError:
                raise HolidayImportError(
                    f"{where}: {raw_date!r} is not a date like 2026-08-17"
                ) from None
            if not name:
                raise HolidayImportError(f"{where}: name is empty")
            if day in seen:
                raise HolidayImportError(f"{where}: {day} already listed on line {seen[day]}")
            seen[day] = line_no
            out.append((day, name[:200]))
    return out


async def import_file(path: Path) -> int:
    rows = read_csv(path)
    async with in_transaction():
        await Holiday.filter(date__in=[day for day, _ in rows]).delete()
        await Holiday.bulk_create([Holiday(date=day, name=name) for day, name in rows])
    return len(rows)
