"""Importing Kemendagri region codes from CSV (code,parent_code,name), all or nothing."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import OperationalError
from tortoise.transactions import in_transaction

from server.models import Region
from server.services.errors import ServiceError

CODE_RE = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
PROVINCES = {"63": "Kalimantan Selatan"}
BATCH = 500


class ImportError_(ServiceError):
    code = "import_failed"


@dataclass(frozen=True)
class RegionRow:
    code: str
    parent_code: str | None
    name: str
    level: int
    source: str


def level_of(code: str) -> int:
    return code.count(".") + 1


def read_csv(path: Path) -> list[RegionRow]:
    rows: list[RegionRow] = []
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise ImportError_(f"{path}: cannot open ({exc.strerror})") from exc
    with handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or [h.strip() for h in header] != ["code", "parent_code", "name"]:
            raise ImportError_(f"{path}:1: header must be code,parent_code,name")
        for line_no, record in enumerate(reader, start=2):
            where = f"{path}:{line_no}"
            if len(record) != 3:
                raise ImportError_(f"{where}: expected 3 columns, found {len(record)}")
            code, parent, name = (value.strip() for value in record)
            if not CODE_RE.match(code):
                raise ImportError_(f"{where}: {code!r} is not a Kemendagri code like 63.71.01.1001")
            expected_parent = code.rsplit(".", 1)[0] if "." in code else ""
            if parent != expected_parent:
                raise ImportError_(
                    f"{where}: parent_code {parent!r} does not match code {code!r} "
                    f"(expected {expected_parent!r})"
                )
            if not name or len(name) > 120:
                raise ImportError_(f"{where}: name must be 1–120 characters")
            rows.append(RegionRow(code, parent or None, name, level_of(code), where))
    return rows


def read_directory(directory: Path) -> list[RegionRow]:
    if not directory.is_dir():
        raise ImportError_(f"{directory}: not a directory")
    files = sorted(directory.glob("*.csv"))
    if not files:
        raise ImportError_(f"{directory}: no .csv files found")
    rows = [row for path in files for row in read_csv(path)]
    return sorted(rows, key=lambda r: (r.level, r.code))


async def import_rows(
    rows: Iterable[RegionRow], progress: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """Import in one transaction. One import at a time across every worker and process: on
    PostgreSQL a second one is refused at once (``import_running``); on SQLite it waits for
    the first (``busy_timeout``) and then finds its rows there, or is refused the same way.
    ``progress(done, total)`` counts rows checked, inserted and renamed, out of all rows."""
    rows = list(rows)
    seen: dict[str, RegionRow] = {}
    for row in rows:
        if row.code in seen:
            raise ImportError_(
                f"{row.source}: code {row.code} already given at {seen[row.code].source}"
            )
        seen[row.code] = row
    total = len(rows)
    try:
        async with in_transaction() as conn:
            await take_import_lock(conn)
            # Read what exists only once the lock is held: a concurrent import has finished.
            existing = {r.code: r for r in await Region.all().using_db(conn)}
            for row in rows:
                parent = row.parent_code
                if parent and parent not in seen and parent not in existing and row.level > 2:
                    raise ImportError_(f"{row.source}: parent {parent} of {row.code} is unknown")
            provinces = {row.parent_code for row in rows if row.level == 2 and row.parent_code}
            created = 0
            for code in sorted(provinces - set(seen) - set(existing)):
                await Region.create(
                    code=code,
                    parent_code=None,
                    name=PROVINCES.get(code, f"Provinsi {code}"),
                    level=1,
                    using_db=conn,
                )
                created += 1
            new = [row for row in rows if row.code not in existing]
            changed = [
                row for row in rows if row.code in existing and existing[row.code].name != row.name
            ]
            done = total - len(new) - len(changed)  # unchanged rows are done once checked
            if progress:
                progress(done, total)
            for start in range(0, len(new), BATCH):
                chunk = new[start : start + BATCH]
                await Region.bulk_create(
                    [
                        Region(code=r.code, parent_code=r.parent_code, name=r.name, level=r.level)
                        for r in chunk
                    ],
                    using_db=conn,
                )
                done += len(chunk)
                if progress:
                    progress(done, total)
            for n, row in enumerate(changed, start=1):
                await Region.filter(code=row.code).using_db(conn).update(name=row.name)
                if progress and (n % BATCH == 0 or n == len(changed)):
                    progress(done + n, total)
    except OperationalError as exc:
        if "locked" not in str(exc).lower():
            raise
        raise busy() from exc
    return {
        "created": created + len(new),
        "updated": len(changed),
        "unchanged": total - len(new) - len(changed),
    }


# pg_advisory_xact_lock key: "jbregn" read as a number.
IMPORT_LOCK_KEY = 0x6A627265676E


def busy() -> ImportError_:
    error = ImportError_(
        "Impor wilayah lain sedang berjalan; tunggu sampai selesai lalu coba lagi, tidak ada "
        "yang diubah. (Another region import is running; wait for it to finish and try again. "
        "Nothing changed.)",
        code="import_running",
    )
    error.status = 409
    return error


async def take_import_lock(conn: BaseDBAsyncClient) -> None:
    if conn.capabilities.dialect == "postgres":
        rows = await conn.execute_query_dict(
            "SELECT pg_try_advisory_xact_lock($1) AS ok", [IMPORT_LOCK_KEY]
        )
        if not rows[0]["ok"]:
            raise busy()
        return
    # SQLite: a write statement takes the database's write lock for the transaction (another
    # process waits busy_timeout for it; one process's tasks share one connection in turn).
    await conn.execute_query("UPDATE region SET name = name WHERE 1 = 0")
