"""The sync use cases over any ``Store``: push, pull, and the server-side writes (staff edits,
status moves, conflict resolution, deletions, file arrival) that must bump the change sequence
so devices see them."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sync import cursor as cursors
from sync import model
from sync.applications import default_registry
from sync.errors import BadRequest, Conflict, Forbidden, NotFound, Rejected, StorageRefused
from sync.forms import AnyForm, FormRules, check_values
from sync.model import (
    NEEDS_CORRECTION,
    Actor,
    Batch,
    ClientState,
    Effect,
    Record,
    StatusChange,
    StoredResult,
    iso,
)
from sync.mutations import Context, Registry, review_record
from sync.protocol import CLOCK_SKEW_LIMIT_S, PROTOCOL, Mutation, PullRequest, PushRequest
from sync.store import ReadTx, Store, WriteTx
from sync.validate import Invalid, same
from sync.workflow import STAFF_MOVES

MISSING: Any = object()
log = logging.getLogger("sync")


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_uuid() -> str:
    return str(uuid.uuid4())


REGION_CODE_RE = re.compile(r"^\d{2}(\.\d{2}){0,2}(\.\d{4})?$")  # Kemendagri, e.g. 63.01.01.2001
MAX_SKEW_S = 10 * 365 * 24 * 3600  # a clock years off is reported as "years off"


def business_region(record: Record) -> str:
    """The record's region for scoping: a well-formed village (or higher) code, else none."""
    value = record.fields.get("business_region")
    return value if isinstance(value, str) and REGION_CODE_RE.fullmatch(value) else ""


class Sync:
    def __init__(
        self,
        store: Store,
        registry: Registry | None = None,
        clock: Callable[[], datetime] = utcnow,
        new_id: Callable[[], str] = new_uuid,
        region_of: Callable[[Record], str] = business_region,
        forms: FormRules | None = None,
    ) -> None:
        self.store = store
        self.registry = registry or default_registry()
        self.clock = clock
        self.new_id = new_id
        self.region_of = region_of
        self.forms: FormRules = forms or AnyForm()

    # --- push -------------------------------------------------------------------------------

    async def push(self, actor: Actor, request: PushRequest) -> dict[str, Any]:
        try:
            return await self._push(actor, request)
        except StorageRefused:
            log.exception("store refused a push batch; retrying its mutations one by one")
            return await self._push_one_by_one(actor, request)

    async def _push_one_by_one(self, actor: Actor, request: PushRequest) -> dict[str, Any]:
        """The queue must never block: a mutation the store cannot keep is recorded as
        rejected (without its arguments) and the others apply on their own."""
        results: list[dict[str, Any]] = []
        answer: dict[str, Any] = {}
        for m in request.mutations:
            one = PushRequest(request.client_id, (m,), request.sent_at)
            try:
                answer = await self._push(actor, one)
            except StorageRefused:
                log.exception("store refused mutation %s of client %s", m.id, request.client_id)
                refused = replace(
                    m,
                    args=None,
                    reason="storage_refused",
                    error=("The server could not store this change; the office has been told."),
                )
                answer = await self._push(actor, replace(one, mutations=(refused,)))
            results.extend(answer["results"])
        return {**answer, "results": results}

    async def _push(self, actor: Actor, request: PushRequest) -> dict[str, Any]:
        if request.mutations:
            await self.forms.refresh()
        now = self.clock()
        async with self.store.write() as tx:
            client = await tx.client(request.client_id)
            batch = Batch(client=client, new_client=client is None)
            if client is None:
                client = batch.client = ClientState(
                    request.client_id, actor.device_id, actor.user_id
                )
            _own_client(client, actor)
            last = client.last_mutation_id
            if request.mutations and request.mutations[0].id > last + 1:
                raise Conflict(
                    "mutation_gap",
                    f"The server has processed mutations up to {last}; "
                    f"resend the queue starting at {last + 1}.",
                    expected=last + 1,
                )
            seen = [m.id for m in request.mutations if m.id <= last]
            stored = await tx.results(client.client_id, seen) if seen else {}
            fresh = [m for m in request.mutations if m.id > last]
            results = {mid: _replayed(mid, stored.get(mid)) for mid in seen}
            if fresh:
                for mutation, result in await self._apply(tx, actor, client, fresh, batch, now):
                    results[mutation.id] = result
            clock = _clock(now, request, fresh)
            if clock["skew_s"] is not None:
                client.clock_skew_s = clock["skew_s"]
                if clock["flagged"]:
                    client.clock_flagged_at = now
            if fresh or batch.new_client or clock["skew_s"] is not None:
                await _save(tx, batch)
        return {
            "protocol": PROTOCOL,
            "last_mutation_id": client.last_mutation_id,
            "results": [results[m.id] for m in request.mutations],
            "clock": clock,
        }

    async def _apply(
        self,
        tx: WriteTx,
        actor: Actor,
        client: ClientState,
        fresh: list[Mutation],
        batch: Batch,
        now: datetime,
    ) -> list[tuple[Mutation, dict[str, Any]]]:
        parsed: list[tuple[Mutation, Any, str | None]] = []
        ids: set[str] = set()
        codes: set[str] = set()
        blobs: set[str] = set()
        claims: set[tuple[str, str]] = set()
        for m in fresh:
            args, error = self._parse(m)
            parsed.append((m, args, error))
            if error is None:
                spec = self.registry.get(m.name)
                assert spec is not None
                ids.update(spec.record_ids(args))
                codes.update(spec.tracking_codes(args))
                blobs.update(spec.blobs(args))
                claims.update(spec.claims(args))
        found, taken = await tx.lookup(ids, codes) if ids or codes else ({}, {})
        view: dict[str, Record | None] = dict(found)
        known = await tx.known_blobs(blobs) if blobs else set()
        held = await tx.claims(claims) if claims else {}
        out: list[tuple[Mutation, dict[str, Any]]] = []
        for m, args, error in parsed:
            result: dict[str, Any] = {"id": m.id, "status": "applied"}
            if error is not None:
                result = _rejection(m.id, m.reason if m.error else "invalid_mutation", error)
            else:
                spec = self.registry.get(m.name)
                assert spec is not None
                ctx = Context(
                    actor,
                    client.client_id,
                    m.id,
                    now,
                    m.device_time,
                    view,
                    taken,
                    self.new_id,
                    self.region_of,
                    self.forms,
                    known,
                    held,
                )
                try:
                    spec.apply(ctx, args)
                except Rejected as exc:
                    result = _rejection(m.id, exc.reason, exc.message, exc.fields)
                else:
                    conflicts = ctx.commit(batch)
                    if conflicts:
                        result = {
                            "id": m.id,
                            "status": "conflict",
                            "conflicts": [c.to_json() for c in conflicts],
                        }
            batch.results.append(
                StoredResult(
                    client.client_id,
                    m.id,
                    m.name,
                    result,
                    now,
                    m.hlc,
                    m.device_time,
                    m.args if result["status"] == "rejected" else None,
                )
            )
            client.last_mutation_id = m.id
            out.append((m, result))
        return out

    def _parse(self, m: Mutation) -> tuple[Any, str | None]:
        if m.error is not None:
            return None, m.error
        spec = self.registry.get(m.name)
        if spec is None:
            return None, (
                f"Unknown mutation '{m.name}'; this server knows: "
                f"{', '.join(self.registry.names())}."
            )
        try:
            return spec.parse(m.args), None
        except Invalid as exc:
            return None, f"{exc.path} {exc.message}."

    # --- pull -------------------------------------------------------------------------------

    async def pull(self, actor: Actor, request: PullRequest) -> dict[str, Any]:
        now = self.clock()
        async with self.store.read() as tx:
            client = await tx.client(request.client_id)
            if client is not None:
                _own_client(client, actor)
            last = client.last_mutation_id if client else 0
            high = await tx.high_water()
            scope = cursors.scope_fingerprint(actor)
            after = await _cursor_start(tx, request.cursor, scope, high)
            body: dict[str, Any] = {
                "protocol": PROTOCOL,
                "reset": after is None,
                "cursor": None,
                "has_more": False,
                "last_mutation_id": last,
                "records": [],
                "tombstones": [],
                "conflicts": [],
                "server_time": iso(now),
            }
            if after is None:
                return body
            rows = await tx.changed_records(actor, after, high, request.limit + 1)
            body["has_more"] = len(rows) > request.limit
            rows = rows[: request.limit]
            end = rows[-1].change_seq if body["has_more"] else high
            conflicts = await tx.changed_conflicts(request.client_id, after, end)
            body["cursor"] = cursors.encode(cursors.Cursor(await tx.epoch(), end, scope))
        body["records"] = [r.to_json() for r in rows if not r.deleted]
        body["tombstones"] = [{"id": r.id} for r in rows if r.deleted]
        body["conflicts"] = [c.to_json() for c in conflicts]
        return body

    # --- server-side writes -----------------------------------------------------------------

    async def resolve_conflict(
        self, staff: Actor, conflict_id: str, *, value: Any = MISSING, keep: str | None = None
    ) -> dict[str, Any]:
        if (value is MISSING) == (keep is None) or keep not in (None, "server", "device"):
            raise BadRequest(
                "invalid_request", 'Give either "value" or "keep": "server" | "device".'
            )
        if value is not MISSING:
            await self.forms.refresh()
        now = self.clock()
        async with self.store.write() as tx:
            item = await tx.conflict(conflict_id)
            if item is None:
                raise NotFound("conflict_not_found", f"Conflict {conflict_id} does not exist.")
            if item.status != "open":
                raise Conflict("conflict_resolved", "This conflict has already been resolved.")
            record = (await tx.records([item.record_id]))[item.record_id]
            current = record.fields.get(item.field)
            chosen = current if keep == "server" else item.device_value if keep else value
            if value is not MISSING:  # kept values were checked when they arrived
                self._staff_values_fit(record, {item.field: chosen})
            batch = Batch()
            if not same(current, chosen):
                _set_field(record, item.field, chosen)
                review_record(self.forms, record)
                chosen = record.fields.get(item.field)
                _touch(record, now, batch)
            item.status = "resolved"
            item.resolution = {"value": chosen, "by": staff.name or staff.user_id, "at": iso(now)}
            batch.conflicts[item.id] = item
            await _save(tx, batch)
        return item.to_json()

    def _staff_values_fit(self, record: Record, values: dict[str, Any]) -> None:
        try:
            check_values(
                self.forms, record.permit_type, record.form_version, values, complete=False
            )
        except Rejected as exc:
            raise BadRequest(exc.reason, exc.message, fields=exc.fields) from None

    async def staff_update(self, staff: Actor, record_id: str, values: dict[str, Any]) -> Record:
        await self.forms.refresh()
        now = self.clock()
        async with self.store.write() as tx:
            record = await _get(tx, record_id)
            self._staff_values_fit(record, values)
            batch = Batch()
            if any(not same(record.fields.get(k), val) for k, val in values.items()):
                for name, val in values.items():
                    _set_field(record, name, val)
                review_record(self.forms, record)
                record.region_code = self.region_of(record)
                _touch(record, now, batch)
                await _save(tx, batch)
        return record

    async def transition(
        self,
        staff: Actor,
        record_id: str,
        to_status: str,
        note: str = "",
        corrections: dict[str, str] | None = None,
        *,
        expected_version: int | None = None,
        allowed: Callable[[Record], Collection[str]] | None = None,
        effects: Sequence[Effect] = (),
    ) -> Record:
        """Move a record to ``to_status``. ``allowed`` names the moves open from a record's
        current status (default: STAFF_MOVES); ``expected_version`` is the version the staff
        member saw, so a second person acting on an older view is refused, not overwritten;
        ``effects`` are written in the same transaction (e.g. the issued reference)."""
        now = self.clock()
        async with self.store.write() as tx:
            record = await _get(tx, record_id)
            if expected_version is not None and record.version != expected_version:
                raise Conflict(
                    "changed_meanwhile",
                    f"Application {record.id} changed meanwhile (now version {record.version}, "
                    f"status '{record.status}'); look at it again before acting.",
                    record=record.to_json(),
                )
            moves = allowed(record) if allowed else STAFF_MOVES.get(record.status, frozenset())
            if to_status not in moves:
                raise Conflict(
                    "invalid_transition",
                    f"An application that is '{record.status}' cannot move to '{to_status}'; "
                    f"allowed moves: {', '.join(sorted(moves)) or 'none'}.",
                    status=record.status,
                    allowed=sorted(moves),
                )
            if to_status == NEEDS_CORRECTION and not corrections:
                raise BadRequest(
                    "corrections_required", "Say which fields need correcting and why."
                )
            batch = Batch()
            batch.status_changes.append(
                StatusChange(record.id, record.status, to_status, staff.label, now, note)
            )
            batch.effects.extend(effects)
            record.status = to_status
            record.corrections = dict(corrections or {}) if to_status == NEEDS_CORRECTION else {}
            _touch(record, now, batch)
            await _save(tx, batch)
        return record

    async def delete_record(self, staff: Actor, record_id: str) -> None:
        now = self.clock()
        async with self.store.write() as tx:
            record = await _get(tx, record_id)
            batch = Batch()
            record.deleted = True
            _touch(record, now, batch)
            await _save(tx, batch)

    async def file_arrived(self, sha256: str) -> int:
        """Mark a fully uploaded file as arrived on every record that references it."""
        now = self.clock()
        async with self.store.write() as tx:
            batch = Batch()
            for record in await tx.records_with_blob(sha256):
                hits = [f for f in record.files if f.sha256 == sha256 and not f.arrived]
                for ref in hits:
                    ref.arrived = True
                if hits:
                    _touch(record, now, batch)
            if batch.records:
                await _save(tx, batch)
        return len(batch.records)


def _own_client(client: ClientState, actor: Actor) -> None:
    if client.device_id != actor.device_id or client.user_id != actor.user_id:
        raise Forbidden(
            "foreign_client", "This client_id belongs to another device; generate a new one."
        )


def _replayed(mid: int, stored: StoredResult | None) -> dict[str, Any]:
    if stored is None:  # stores may keep only answers other than a plain "applied"
        return {"id": mid, "status": "applied", "replayed": True}
    return {**stored.result, "replayed": True}


def _rejection(
    mid: int, reason: str, message: str, fields: dict[str, Any] | None = None
) -> dict[str, Any]:
    result = {"id": mid, "status": "rejected", "reason": reason, "message": message}
    if fields:
        result["fields"] = fields
    return result


def _clock(now: datetime, request: PushRequest, fresh: list[Mutation]) -> dict[str, Any]:
    """Device clocks are only reported and flagged, never used to order or merge anything."""
    skew: int | None = None
    if request.sent_at is not None:
        skew = round((request.sent_at - now).total_seconds())
    ahead = [round((m.device_time - now).total_seconds()) for m in fresh if m.device_time]
    if ahead and max(ahead) > CLOCK_SKEW_LIMIT_S and (skew is None or max(ahead) > skew):
        skew = max(ahead)  # a capture time in the future is a wrong clock whatever sent_at says
    if skew is not None:
        skew = max(-MAX_SKEW_S, min(MAX_SKEW_S, skew))
    flagged = skew is not None and abs(skew) > CLOCK_SKEW_LIMIT_S
    return {"server_time": iso(now), "skew_s": skew, "flagged": flagged}


async def _cursor_start(tx: ReadTx, text: str | None, scope: str, high: int) -> int | None:
    """Where a pull starts, or None when the cursor cannot be served (answer: reset)."""
    if text is None:
        return 0
    parsed = cursors.decode(text)
    if parsed is None or parsed.scope != scope or parsed.seq > high:
        return None
    if parsed.epoch != await tx.epoch() or parsed.seq < await tx.horizon():
        return None
    return parsed.seq


async def _get(tx: WriteTx, record_id: str) -> Record:
    record = (await tx.records([record_id])).get(record_id)
    if record is None or record.deleted:
        raise NotFound("record_not_found", f"Application {record_id} does not exist.")
    return record


def _set_field(record: Record, name: str, value: Any) -> None:
    if value is None:
        record.fields.pop(name, None)
    else:
        record.fields[name] = value


def _touch(record: Record, now: datetime, batch: Batch) -> None:
    record.version += 1
    record.updated_at = now
    batch.records[record.id] = record


async def _save(tx: WriteTx, batch: Batch) -> None:
    count = batch.changed_rows()
    if count:
        seq = await tx.allocate(count)
        rows: list[Record | model.Conflict] = [*batch.records.values(), *batch.conflicts.values()]
        for row in rows:
            row.change_seq = seq
            seq += 1
    await tx.save(batch)
