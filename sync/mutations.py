"""The registry of named mutations and the context a mutation applies in.

A mutation is a name, a strict argument parser, the record ids it touches (so a store can load
them in one query) and an ``apply`` function. Later issues add their own with ``register``;
the core never changes for them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sync.errors import Rejected
from sync.forms import AnyForm, FormRules, check_values
from sync.model import DRAFT, Actor, Batch, Conflict, Effect, Record, StatusChange


@dataclass(frozen=True)
class MutationSpec:
    name: str
    parse: Callable[[Any], Any]  # raises sync.validate.Invalid
    apply: Callable[[Context, Any], None]  # raises sync.errors.Rejected
    record_ids: Callable[[Any], Iterable[str]] = lambda args: ()
    tracking_codes: Callable[[Any], Iterable[str]] = lambda args: ()
    blobs: Callable[[Any], Iterable[str]] = lambda args: ()
    claims: Callable[[Any], Iterable[tuple[str, str]]] = lambda args: ()  # (kind, key)


class Registry:
    def __init__(self, specs: Iterable[MutationSpec] = ()) -> None:
        self._specs: dict[str, MutationSpec] = {}
        for spec in specs:
            self.register(spec)

    def register(self, spec: MutationSpec) -> None:
        if spec.name in self._specs:
            raise ValueError(f"mutation {spec.name!r} is already registered")
        self._specs[spec.name] = spec

    def get(self, name: str) -> MutationSpec | None:
        return self._specs.get(name)

    def names(self) -> list[str]:
        return sorted(self._specs)

    def copy(self) -> Registry:
        return Registry(self._specs.values())


@dataclass(slots=True)
class Context:
    """What one mutation sees and may change. Changes are staged and only merged into the batch
    when ``apply`` returns, so a mutation rejected half-way leaves no trace."""

    actor: Actor
    client_id: str
    mutation_id: int
    now: datetime
    device_time: datetime | None
    records: dict[str, Record | None]
    tracking_codes: dict[str, str]
    new_id: Callable[[], str]
    region_of: Callable[[Record], str]
    forms: FormRules = field(default_factory=AnyForm)
    known_blobs: set[str] = field(default_factory=set)
    held: dict[tuple[str, str], str] = field(default_factory=dict)  # claim -> holder id
    _saved: dict[str, Record] = field(default_factory=dict)
    _created: set[str] = field(default_factory=set)
    _conflicts: list[Conflict] = field(default_factory=list)
    _moves: list[StatusChange] = field(default_factory=list)
    _effects: list[Effect] = field(default_factory=list)

    def existing(self, record_id: str) -> Record | None:
        """The stored record whatever its visibility (for creates); a private copy."""
        if record_id in self._saved:
            return self._saved[record_id]
        record = self.records.get(record_id)
        return record.clone() if record is not None else None

    def record(self, record_id: str) -> Record:
        """A record this actor may change, or a rejection that does not reveal whether it exists."""
        record = self.existing(record_id)
        if record is None or record.deleted or not self.actor.sees(record):
            raise Rejected("not_found", f"Application {record_id} does not exist or is not yours.")
        return record

    def check_form(self, record: Record, values: dict[str, Any], *, complete: bool) -> None:
        """Reject values the record's form can never accept (see ``sync.forms``)."""
        check_values(self.forms, record.permit_type, record.form_version, values, complete=complete)

    def review(self, record: Record) -> None:
        """Once submitted, store values in canonical form with the form's warnings."""
        review_record(self.forms, record)

    def canonical(self, record: Record, name: str, value: Any) -> Any:
        """``value`` as the server would store it on this record (for comparisons)."""
        if value is None or record.status == DRAFT:
            return value
        return self.forms.review(record.permit_type, record.form_version, {name: value}).values.get(
            name, value
        )

    def create(self, record: Record) -> None:
        self._created.add(record.id)
        self.save(record)

    def save(self, record: Record) -> None:
        record.region_code = self.region_of(record)
        self._saved[record.id] = record

    def conflict(self, record: Record, name: str, base: Any, device: Any) -> Conflict:
        item = Conflict(
            id=self.new_id(),
            record_id=record.id,
            field=name,
            base=base,
            device_value=device,
            server_value=record.fields.get(name),
            client_id=self.client_id,
            mutation_id=self.mutation_id,
            created_at=self.now,
        )
        self._conflicts.append(item)
        return item

    def move(self, record: Record, to_status: str, note: str = "") -> None:
        self._moves.append(
            StatusChange(record.id, record.status, to_status, self.actor.label, self.now, note)
        )
        if record.status == DRAFT and record.submitted_at is None:
            record.submitted_at = self.now
        record.status = to_status
        self.save(record)

    def effect(self, kind: str, data: dict[str, Any], claim: str | None = None) -> None:
        self._effects.append(Effect(kind, data, claim))

    def holder(self, kind: str, key: str) -> str | None:
        """The id of the effect (stored, or staged earlier in this push) holding a claim."""
        for staged in self._effects:
            if staged.kind == kind and staged.claim == key:
                return str(staged.data["id"])
        return self.held.get((kind, key))

    def commit(self, batch: Batch) -> list[Conflict]:
        for record_id, record in self._saved.items():
            if record_id not in self._created:
                record.version += 1
            record.updated_at = self.now
            self.records[record_id] = record
            batch.records[record_id] = record
            if record_id in self._created:
                batch.new_record_ids.add(record_id)
                self.tracking_codes[record.tracking_code] = record_id
        for item in self._conflicts:
            batch.conflicts[item.id] = item
            batch.new_conflict_ids.add(item.id)
        batch.status_changes.extend(self._moves)
        batch.effects.extend(self._effects)
        for effect in self._effects:
            if effect.claim is not None:
                self.held[(effect.kind, effect.claim)] = str(effect.data["id"])
        return self._conflicts


def review_record(forms: FormRules, record: Record) -> None:
    """Canonical values, warnings and typed originals of a record that has left the draft
    state (drafts stay exactly as the tablet holds them). A typed original is kept while the
    stored value is still the canonical form of it."""
    if record.status == DRAFT:
        return
    result = forms.review(record.permit_type, record.form_version, record.fields)
    record.fields = {k: v for k, v in result.values.items() if v is not None}
    record.warnings = result.warnings
    typed = {
        name: entry
        for name, entry in record.typed.items()
        if name in record.fields and record.fields[name] == entry.get("canonical")
    }
    for name, original in result.typed.items():
        typed[name] = {"typed": original, "canonical": record.fields.get(name)}
    record.typed = typed
