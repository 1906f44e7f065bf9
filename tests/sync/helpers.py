"""Test doubles shared by the contract suite, the property test and the golden examples."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sync import Actor, Sync, parse_pull, parse_push
from sync.forms import FieldProblem, Review

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
TOKEN = "tok_" + "A" * 22


class Clock:
    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def id_factory(prefix: int = 0) -> Any:
    counter = itertools.count(1)
    return lambda: f"00000000-0000-4000-8{prefix:03d}-{next(counter):012d}"


def rid(n: int) -> str:
    return str(uuid.UUID(int=n, version=4))


def code(n: int) -> str:
    digits = f"{n:012d}"
    return f"JB-{digits[:4]}-{digits[4:8]}-{digits[8:]}"


def create(
    n: int, fields: dict[str, Any] | None = None, permit: str = "siup_mikro"
) -> dict[str, Any]:
    return {
        "name": "create_application",
        "args": {
            "record_id": rid(n),
            "permit_type": permit,
            "form_version": 1,
            "tracking_code": code(n),
            "status_token": TOKEN,
            "fields": fields if fields is not None else {"full_name": f"Warga {n}"},
        },
    }


def update(n: int, **changes: tuple[Any, Any]) -> dict[str, Any]:
    return {
        "name": "update_fields",
        "args": {
            "record_id": rid(n),
            "changes": {k: {"base": b, "value": v} for k, (b, v) in changes.items()},
        },
    }


def intent(name: str, n: int, **extra: Any) -> dict[str, Any]:
    return {"name": name, "args": {"record_id": rid(n), **extra}}


@dataclass
class Device:
    """One tablet: an officer, a client id and a mutation counter."""

    sync: Sync
    actor: Actor
    client_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    next_id: int = 1
    sent_at: str | None = None

    def body(self, *mutations: dict[str, Any], first: int | None = None) -> dict[str, Any]:
        start = self.next_id if first is None else first
        muts = []
        for offset, m in enumerate(mutations):
            muts.append(
                {
                    "id": start + offset,
                    "hlc": f"{start + offset:013d}:0000:dev",
                    "device_time": "2026-03-01T10:00:00+08:00",
                    **m,
                }
            )
        if first is None:
            self.next_id += len(mutations)
        out: dict[str, Any] = {"protocol": 1, "client_id": self.client_id, "mutations": muts}
        if self.sent_at:
            out["sent_at"] = self.sent_at
        return out

    async def push(self, *mutations: dict[str, Any]) -> dict[str, Any]:
        return await self.send(self.body(*mutations))

    async def send(self, body: dict[str, Any]) -> dict[str, Any]:
        return await self.sync.push(self.actor, parse_push(body))

    async def pull(self, cursor: str | None = None, limit: int = 200) -> dict[str, Any]:
        body = {"protocol": 1, "client_id": self.client_id, "cursor": cursor, "limit": limit}
        return await self.sync.pull(self.actor, parse_pull(body))


@dataclass
class Replica:
    """What a device holds after applying pulled pages, the way the protocol says to."""

    device: Device
    cursor: str | None = None
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    conflicts: dict[str, dict[str, Any]] = field(default_factory=dict)
    pulls: int = 0

    async def catch_up(self, limit: int = 200) -> None:
        while True:
            page = await self.device.pull(self.cursor, limit)
            self.pulls += 1
            if page["reset"]:
                self.cursor, self.records, self.conflicts = None, {}, {}
                continue
            for record in page["records"]:
                self.records[record["id"]] = record
            for tomb in page["tombstones"]:
                self.records.pop(tomb["id"], None)
            for item in page["conflicts"]:
                self.conflicts[item["id"]] = item
            self.cursor = page["cursor"]
            if not page["has_more"]:
                return


async def full_state(device: Device) -> Replica:
    replica = Replica(device)
    await replica.catch_up()
    return replica


class ToyForms:
    """A form catalogue with one form, ``siup_mikro`` version 1: ``full_name`` (required text),
    ``phone`` (text) and ``capital`` (a whole number). Counts its refreshes."""

    FIELDS = {"full_name": str, "phone": str, "capital": int, "business_region": str}

    def __init__(self) -> None:
        self.refreshes = 0

    async def refresh(self) -> None:
        self.refreshes += 1

    def problems(
        self, permit_type: str, form_version: int, values: Any, *, complete: bool
    ) -> list[FieldProblem] | None:
        if (permit_type, form_version) != ("siup_mikro", 1):
            return None
        found = []
        for name, value in values.items():
            kind = self.FIELDS.get(name)
            if kind is None:
                found.append(FieldProblem(name, "unknown_field", "Tidak ada.", "Not on the form."))
            elif not isinstance(value, kind) or isinstance(value, bool):
                found.append(FieldProblem(name, "wrong_type", "Jenis salah.", "Wrong type."))
        if complete and not values.get("full_name"):
            found.append(FieldProblem("full_name", "required", "Wajib.", "Required."))
        return found

    def review(self, permit_type: str, form_version: int, values: Any) -> Review:
        """Text is trimmed, a phone "08…" becomes "+628…" (the typed one kept), and a capital
        above a billion is a warning."""
        out = Review(dict(values))
        if isinstance(values.get("full_name"), str):
            out.values["full_name"] = values["full_name"].strip()
        phone = values.get("phone")
        if isinstance(phone, str) and phone.startswith("0"):
            out.values["phone"] = "+62" + phone[1:].replace("-", "")
            out.typed["phone"] = phone
        capital = values.get("capital")
        if isinstance(capital, int) and capital > 1_000_000_000:
            out.warnings["capital"] = [
                {"code": "capital_large", "id": "Modal sangat besar.", "en": "Very large capital."}
            ]
        return out
