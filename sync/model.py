"""The data the sync core reasons about. Stores persist these; the engine never sees a database."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

DRAFT = "draf"
RECEIVED = "diterima"
VERIFYING = "verifikasi"
NEEDS_CORRECTION = "perlu_perbaikan"
PROCESSING = "diproses"
FIELD_INSPECTION = "pemeriksaan_lapangan"
APPROVED = "disetujui"
REFUSED = "ditolak"
ISSUED = "terbit"
DONE = "selesai"
CANCELLED = "dibatalkan"

STATUSES = (
    DRAFT,
    RECEIVED,
    VERIFYING,
    NEEDS_CORRECTION,
    PROCESSING,
    FIELD_INSPECTION,
    APPROVED,
    REFUSED,
    ISSUED,
    DONE,
    CANCELLED,
)


def in_area(region_code: str, prefix: str) -> bool:
    """Kemendagri codes are dotted ("63.01.01.2001"); "63.01" covers the regency and below."""
    return region_code == prefix or region_code.startswith(prefix + ".")


@dataclass(frozen=True)
class Actor:
    """Who is asking. Officers (devices) see their own applications plus their assigned areas."""

    user_id: str
    device_id: str | None = None
    areas: tuple[str, ...] = ()
    role: str = "officer"
    name: str = ""  # shown as "by" on conflict resolutions; defaults to user_id

    @property
    def label(self) -> str:
        return f"device:{self.device_id}" if self.device_id else f"user:{self.user_id}"

    def sees(self, record: Record) -> bool:
        if record.owner_user_id == self.user_id:
            return True
        return any(in_area(record.region_code, prefix) for prefix in self.areas)


@dataclass
class FileRef:
    sha256: str
    kind: str
    arrived: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "kind": self.kind, "arrived": self.arrived}


@dataclass
class Record:
    id: str
    owner_user_id: str
    created_by_client: str
    permit_type: str
    form_version: int
    tracking_code: str
    status_token: str
    status: str
    fields: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    region_code: str = ""
    corrections: dict[str, str] = field(default_factory=dict)
    files: list[FileRef] = field(default_factory=list)
    captured_at: datetime | None = None
    version: int = 1
    change_seq: int = 0
    deleted: bool = False
    # Server-side only (never sent to devices): when it first left the draft state, the
    # warnings the form check computed (field -> [{"code", "id", "en"}]), and what the officer
    # typed where the stored canonical value reads differently (field -> {"typed", "canonical"}).
    submitted_at: datetime | None = None
    warnings: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    typed: dict[str, dict[str, Any]] = field(default_factory=dict)

    def clone(self) -> Record:
        return copy.deepcopy(self)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "permit_type": self.permit_type,
            "form_version": self.form_version,
            "tracking_code": self.tracking_code,
            "status": self.status,
            "fields": self.fields,
            "corrections": self.corrections,
            "files": [f.to_json() for f in self.files],
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
        }


@dataclass
class Conflict:
    id: str
    record_id: str
    field: str
    base: Any
    device_value: Any
    server_value: Any
    client_id: str
    mutation_id: int
    created_at: datetime
    status: str = "open"
    resolution: dict[str, Any] | None = None
    change_seq: int = 0

    def clone(self) -> Conflict:
        return copy.deepcopy(self)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "record_id": self.record_id,
            "field": self.field,
            "base": self.base,
            "device_value": self.device_value,
            "server_value": self.server_value,
            "mutation_id": self.mutation_id,
            "status": self.status,
            "resolution": self.resolution,
        }


@dataclass
class StatusChange:
    record_id: str
    from_status: str | None
    to_status: str
    actor: str
    at: datetime
    note: str = ""


@dataclass
class ClientState:
    """One sync client (an installation of the PWA), bound to the device that first used it."""

    client_id: str
    device_id: str | None
    user_id: str
    last_mutation_id: int = 0
    clock_skew_s: int | None = None
    clock_flagged_at: datetime | None = None


@dataclass
class StoredResult:
    """The answer given to one mutation, replayed verbatim when the same id comes again."""

    client_id: str
    mutation_id: int
    name: str
    result: dict[str, Any]
    received_at: datetime
    hlc: str = ""
    device_time: datetime | None = None
    rejected_args: Any = None


@dataclass
class Effect:
    """A write a registered mutation asks for outside the application record (feedback, survey…).

    Stores persist effects through handlers registered per ``kind``. ``claim`` is a key that
    at most one effect of its kind may ever hold (the application a survey rates); the store
    reports who holds a claim (``WriteTx.claims``) so a second one is refused, not dropped."""

    kind: str
    data: dict[str, Any]
    claim: str | None = None


@dataclass
class Batch:
    """Everything one write transaction persists, computed in memory first so that stores can
    write it set-based (one statement per table, not one per row)."""

    records: dict[str, Record] = field(default_factory=dict)
    new_record_ids: set[str] = field(default_factory=set)
    conflicts: dict[str, Conflict] = field(default_factory=dict)
    new_conflict_ids: set[str] = field(default_factory=set)
    status_changes: list[StatusChange] = field(default_factory=list)
    results: list[StoredResult] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    client: ClientState | None = None
    new_client: bool = False

    def changed_rows(self) -> int:
        return len(self.records) + len(self.conflicts)


def iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")
