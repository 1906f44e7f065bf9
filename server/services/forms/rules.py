"""The form catalogue the sync engine checks pushed values against (``sync.forms.FormRules``).

Form definitions are versioned and never edited once stored, so every process may keep them
in memory. Before each batch one small query compares the size and bounds of the
``form_definition`` and ``region`` tables with what this process holds; it reloads when they
differ (a form published by another process, a region import, a reset database) and at least
every ten minutes. A region value must name a village the server knows (when it knows any).
Drafts and edits in the plain shapes the field app sends are accepted by a quick test compiled
per form (``form_fast``); the rest, and every submission, get the full check."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, cast

from tortoise import connections
from tortoise.exceptions import DBConnectionError, OperationalError

from server.models import FormDefinition, Region
from server.services.forms.definitions import scope_field
from server.services.forms.fast import Acceptor, quick_acceptor
from server.services.forms.values import iter_fields, validate_against_checked
from sync.engine import REGION_CODE_RE
from sync.errors import Transient
from sync.forms import FieldProblem, Review
from sync.model import Record

# Kinds of value whose canonical form reads differently from what was typed ("0812-…" is
# stored "+62812…"): the typed original is kept for the office.
TYPED_KEPT = frozenset({"nik", "phone"})

SIGNATURE_SQL = (
    "SELECT (SELECT COUNT(*) FROM form_definition) AS forms,"
    " (SELECT MAX(id) FROM form_definition) AS top_form,"
    " (SELECT COUNT(*) FROM region) AS regions,"
    " (SELECT MIN(code) FROM region) AS low_region,"
    " (SELECT MAX(code) FROM region) AS top_region"
)
# A region import that swaps codes one for one keeps the signature; reload now and then anyway.
RELOAD_SECONDS = 600


class FormCatalog:
    def __init__(self) -> None:
        self._forms: dict[tuple[str, int], dict[str, Any]] = {}
        self._quick: dict[tuple[str, int], Acceptor] = {}
        self._scope: dict[tuple[str, int], str | None] = {}
        self._signature: tuple[Any, ...] | None = None
        self._regions: frozenset[str] = frozenset()
        self._loaded_at = 0.0

    async def refresh(self) -> None:
        try:
            await self._refresh()
        except (OperationalError, DBConnectionError, OSError) as exc:
            raise Transient() from exc  # the database is busy or away: the device retries

    async def _refresh(self) -> None:
        (row,) = await connections.get("default").execute_query_dict(SIGNATURE_SQL)
        signature = tuple(
            row[k] for k in ("forms", "top_form", "regions", "low_region", "top_region")
        )
        stale = time.monotonic() - self._loaded_at > RELOAD_SECONDS
        if signature == self._signature and not stale:
            return
        rows = await FormDefinition.all().values("version", "definition", "permit_type__code")
        codes = await Region.all().values_list("code", flat=True)
        regions = frozenset(cast(list[str], codes))
        forms = {(str(f["permit_type__code"]), int(f["version"])): f["definition"] for f in rows}
        known = regions.__contains__ if regions else None
        quick = {key: quick_acceptor(d, known) for key, d in forms.items()}
        scope = {key: scope_field(d) for key, d in forms.items()}
        # swapped in together, after the last await, so a concurrent batch sees one state
        self._forms, self._quick, self._regions, self._scope = forms, quick, regions, scope
        self._signature, self._loaded_at = signature, time.monotonic()

    def forget(self) -> None:
        self.__init__()  # type: ignore[misc]

    def region_of(self, record: Record) -> str:
        """The application's region for scoping, from the region field its form scopes by
        (``business_region`` on a form this process does not hold)."""
        key = (record.permit_type, record.form_version)
        name = self._scope.get(key, "business_region")
        value = record.fields.get(name) if name else None
        return value if isinstance(value, str) and REGION_CODE_RE.fullmatch(value) else ""

    def problems(
        self, permit_type: str, form_version: int, values: Mapping[str, Any], *, complete: bool
    ) -> list[FieldProblem] | None:
        definition = self._forms.get((permit_type, form_version))
        if definition is None:
            return None
        if not complete and self._quick[(permit_type, form_version)](values):
            return []
        checked = validate_against_checked(
            definition,
            dict(values),
            known_region_codes=self._regions.__contains__ if self._regions else None,
            partial=not complete,
        )
        return [
            FieldProblem(name, issue.code, issue.id, issue.en)
            for name, issues in checked.errors.items()
            for issue in issues
        ]

    def review(self, permit_type: str, form_version: int, values: Mapping[str, Any]) -> Review:
        definition = self._forms.get((permit_type, form_version))
        if definition is None:
            return Review(dict(values))
        checked = validate_against_checked(
            definition,
            dict(values),
            known_region_codes=self._regions.__contains__ if self._regions else None,
            partial=True,
        )
        out = Review({**values, **checked.values})
        out.warnings = {
            name: [{"code": i.code, "id": i.id, "en": i.en} for i in issues]
            for name, issues in checked.warnings.items()
        }
        for f in iter_fields(definition):
            name = f["name"]
            typed = values.get(name)
            if f["type"] not in TYPED_KEPT or not isinstance(typed, str):
                continue
            if name in checked.values and "".join(typed.split()) != checked.values[name]:
                out.typed[name] = typed
        return out


__all__ = ["FormCatalog"]
