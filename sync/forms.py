"""What the sync core asks of the forms an application is filled with.

The core knows nothing about permit types; a server plugs in ``FormRules`` so that a create,
an edit or a submission naming a form that does not exist, a field that is not on the form, or
a value the form can never accept is rejected with the field and a reason. ``AnyForm`` accepts
everything and is the default, so the protocol can be exercised without a catalogue."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sync.errors import Rejected


@dataclass(frozen=True)
class FieldProblem:
    field: str
    code: str
    message_id: str  # Bahasa Indonesia, for the officer
    message_en: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "id": self.message_id, "en": self.message_en}


@dataclass
class Review:
    """A submitted application's values as the server keeps them: canonical (NIK as 16 digits,
    phones in E.164, trimmed text), the warnings a person should see, and what the officer
    typed where it reads differently from the canonical value."""

    values: dict[str, Any]
    warnings: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    typed: dict[str, Any] = field(default_factory=dict)


class FormRules(Protocol):
    async def refresh(self) -> None:
        """Called before each batch: pick up forms published since the last call."""

    def problems(
        self, permit_type: str, form_version: int, values: Mapping[str, Any], *, complete: bool
    ) -> list[FieldProblem] | None:
        """None when no such form exists, else what is wrong with ``values`` (empty: fine).
        ``complete`` is False for drafts and edits (required fields may be missing)."""

    def review(self, permit_type: str, form_version: int, values: Mapping[str, Any]) -> Review:
        """Canonical values and warnings; a value the form cannot clean is kept as it is."""


class AnyForm:
    async def refresh(self) -> None:
        return None

    def problems(
        self, permit_type: str, form_version: int, values: Mapping[str, Any], *, complete: bool
    ) -> list[FieldProblem] | None:
        return []

    def review(self, permit_type: str, form_version: int, values: Mapping[str, Any]) -> Review:
        return Review(dict(values))


def check_values(
    rules: FormRules,
    permit_type: str,
    form_version: int,
    values: Mapping[str, Any],
    *,
    complete: bool,
) -> None:
    """Raise ``Rejected`` (reason ``unknown_form`` or ``invalid_fields``) unless values fit.
    A ``None`` value clears its field and is not checked."""
    present = {name: value for name, value in values.items() if value is not None}
    found = rules.problems(permit_type, form_version, present, complete=complete)
    if found is None:
        raise Rejected(
            "unknown_form",
            f"Permit type '{permit_type}' has no form version {form_version} on this server; "
            "refresh the reference data and fill the application on a current form.",
        )
    if found:
        listed = "; ".join(f"{p.field}: {p.message_en}" for p in found[:10])
        more = f" (and {len(found) - 10} more)" if len(found) > 10 else ""
        by_field: dict[str, list[dict[str, str]]] = {}
        for p in found:
            by_field.setdefault(p.field, []).append(p.as_dict())
        raise Rejected("invalid_fields", f"Fix these fields: {listed}{more}", fields=by_field)
