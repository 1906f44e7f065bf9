"""The form catalogue the sync engine checks pushed values against (``sync.forms.FormRules``).

Form definitions are versioned and never edited once stored, so every process may keep them
in memory. Before each batch one small query compares the table's size and highest id with
what this process holds and reloads only when they differ (a form published by another
process, or a reset database). Drafts and edits in the plain shapes the field app sends are
accepted by a quick test compiled per form (``form_fast``); the rest, and every submission,
get the full check."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tortoise import connections

from server.models import FormDefinition
from server.services.form_fast import Acceptor, quick_acceptor
from server.services.forms import validate_against_checked
from sync.forms import FieldProblem


class FormCatalog:
    def __init__(self) -> None:
        self._forms: dict[tuple[str, int], dict[str, Any]] = {}
        self._quick: dict[tuple[str, int], Acceptor] = {}
        self._signature: tuple[int, int] | None = None

    async def refresh(self) -> None:
        (row,) = await connections.get("default").execute_query_dict(
            "SELECT COUNT(*) AS n, MAX(id) AS top FROM form_definition"
        )
        signature = (int(row["n"] or 0), int(row["top"] or 0))
        if signature == self._signature:
            return
        forms = await FormDefinition.all().values("version", "definition", "permit_type__code")
        self._forms = {
            (str(f["permit_type__code"]), int(f["version"])): f["definition"] for f in forms
        }
        self._quick = {key: quick_acceptor(definition) for key, definition in self._forms.items()}
        self._signature = signature

    def forget(self) -> None:
        self._forms, self._quick, self._signature = {}, {}, None

    def problems(
        self, permit_type: str, form_version: int, values: Mapping[str, Any], *, complete: bool
    ) -> list[FieldProblem] | None:
        definition = self._forms.get((permit_type, form_version))
        if definition is None:
            return None
        if not complete and self._quick[(permit_type, form_version)](values):
            return []
        checked = validate_against_checked(definition, dict(values), partial=not complete)
        return [
            FieldProblem(name, issue.code, issue.id, issue.en)
            for name, issues in checked.errors.items()
            for issue in issues
        ]


__all__ = ["FormCatalog"]
