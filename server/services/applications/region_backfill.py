"""Applications stored before every permit type was scoped by its own region field
(migration 0012): a halal or SPP-IRT application was saved with an empty ``region_code``
although its form names the field to scope by (``production_region``). This fills that
column from the field the application's form scopes by (``forms.definitions.scope_field``,
the rule the sync store applies to new ones), and gives each filled row a new
``change_seq`` so the tablets of the area pull it now that it is in their scope."""

from __future__ import annotations

from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from server.services.applications.sync_sql import Sql, load
from server.services.forms.definitions import scope_field
from sync.engine import REGION_CODE_RE


def region_from(data: Any, field: str | None) -> str:
    """The scoping region in an application's values: a Kemendagri code or nothing."""
    value = data.get(field) if field and isinstance(data, dict) else None
    return value if isinstance(value, str) and REGION_CODE_RE.fullmatch(value) else ""


async def backfill_region_codes(conn: BaseDBAsyncClient) -> int:
    """Fill ``region_code`` where it is empty and the form's scoping field holds a region;
    returns how many applications were filled. Running it again changes nothing."""
    sql = Sql(conn)
    forms = await sql.rows(
        "SELECT p.code, f.version, f.definition FROM form_definition f "
        "JOIN permit_type p ON p.id = f.permit_type_id"
    )
    scope = {(str(f["code"]), int(f["version"])): scope_field(load(f["definition"])) for f in forms}
    apps = await sql.rows(
        "SELECT id, permit_type, form_version, data FROM application "
        "WHERE region_code = ? AND deleted = ? ORDER BY change_seq",
        ["", False],
    )
    filled: list[tuple[str, str]] = []
    for row in apps:
        field = scope.get((str(row["permit_type"]), int(row["form_version"])))
        region = region_from(load(row["data"]), field)
        if region:
            filled.append((region, str(row["id"])))
    if not filled:
        return 0
    # The sync writers' lock and sequence: one number per filled row, above every earlier one.
    (counter,) = await sql.rows(
        "UPDATE sync_counter SET value = value + ? WHERE id = 1 RETURNING value", [len(filled)]
    )
    first = int(counter["value"]) - len(filled) + 1
    await sql.many(
        "UPDATE application SET region_code = ?, change_seq = ? WHERE id = ?",
        [[region, first + n, app_id] for n, (region, app_id) in enumerate(filled)],
    )
    return len(filled)
