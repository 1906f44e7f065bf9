"""Public holidays and collective leave days (for working-day SLAs): imported from CSV (the CLI
or an uploaded file, all or nothing, a bad line named) and edited one by one by admins."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from tortoise.transactions import in_transaction

from server.models import Holiday, User
from server.services import audit
from server.services.errors import NotFound, ServiceError

MAX_NAME = 200


class HolidayImportError(ServiceError):
    code = "import_failed"


def parse_day(raw: str, where: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise HolidayImportError(
            f"{where}: {raw.strip()!r} is not a date like 2026-08-17 "
            f"(bukan tanggal seperti 2026-08-17)"
        ) from None


def parse_lines(lines: Iterable[str], source: str) -> list[tuple[date, str]]:
    out: list[tuple[date, str]] = []
    seen: dict[date, int] = {}
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None or [h.strip().lstrip("\ufeff") for h in header] != ["date", "name"]:
        raise HolidayImportError(
            f"{source}:1: header must be date,name (baris judul harus date,name)"
        )
    for line_no, record in enumerate(reader, start=2):
        where = f"{source}:{line_no}"
        if not record:
            continue
        if len(record) != 2:
            raise HolidayImportError(
                f"{where}: perlu 2 kolom, ada {len(record)} (expected 2 columns, found "
                f"{len(record)})"
            )
        day = parse_day(record[0], where)
        name = record[1].strip()
        if not name:
            raise HolidayImportError(f"{where}: nama kosong (name is empty)")
        if day in seen:
            raise HolidayImportError(
                f"{where}: {day} sudah ada di baris {seen[day]} (already listed on line "
                f"{seen[day]})"
            )
        seen[day] = line_no
        out.append((day, name[:MAX_NAME]))
    return out


def read_csv(path: Path) -> list[tuple[date, str]]:
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise HolidayImportError(f"{path}: cannot open ({exc.strerror})") from exc
    with handle:
        return parse_lines(handle, str(path))


def read_upload(data: bytes, filename: str) -> list[tuple[date, str]]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise HolidayImportError(
            f"{filename}: bukan teks UTF-8 (not UTF-8 text); save the file as CSV UTF-8"
        ) from None
    return parse_lines(io.StringIO(text, newline=""), filename)


async def store(rows: list[tuple[date, str]], *, actor: User | None = None) -> int:
    async with in_transaction():
        await Holiday.filter(date__in=[day for day, _ in rows]).delete()
        await Holiday.bulk_create([Holiday(date=day, name=name) for day, name in rows])
        if rows:
            await audit.record(
                "holiday.import",
                actor=actor,
                object_type="holiday",
                object_id=f"{min(rows)[0]}..{max(rows)[0]}",
                count=len(rows),
            )
    return len(rows)


async def import_file(path: Path, *, actor: User | None = None) -> int:
    return await store(read_csv(path), actor=actor)


async def list_holidays(year: int | None = None) -> list[Holiday]:
    query = Holiday.all()
    if year is not None:
        query = query.filter(date__gte=date(year, 1, 1), date__lte=date(year, 12, 31))
    return await query.order_by("date")


async def set_holiday(day: date, name: str, *, actor: User | None = None) -> Holiday:
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise ServiceError(
            f"Nama hari libur 1–{MAX_NAME} karakter (holiday name: 1–{MAX_NAME} characters).",
            code="invalid_name",
        )
    async with in_transaction():
        holiday, created = await Holiday.get_or_create(date=day, defaults={"name": name})
        if not created:
            holiday.name = name
            await holiday.save(update_fields=["name"])
        await audit.record(
            "holiday.set", actor=actor, object_type="holiday", object_id=day.isoformat()
        )
    return holiday


async def remove_holiday(day: date, *, actor: User | None = None) -> None:
    async with in_transaction():
        deleted = await Holiday.filter(date=day).delete()
        if not deleted:
            raise NotFound(f"{day} bukan hari libur (is not a holiday).")
        await audit.record(
            "holiday.remove", actor=actor, object_type="holiday", object_id=day.isoformat()
        )
