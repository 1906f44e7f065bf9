"""Push and pull messages: strict parsing of what a device sends.

Envelope errors (not an object, wrong protocol, bad client id, ids not increasing) refuse the
whole request with 400. Anything wrong *inside* one mutation is that mutation's rejection, so
one bad entry never blocks the queue."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sync import validate as v
from sync.errors import BadRequest, TooLarge

PROTOCOL = 1
MAX_MUTATIONS = 100
MAX_BODY_BYTES = 1_048_576  # after gzip decoding
DEFAULT_PULL_LIMIT = 200
MAX_PULL_LIMIT = 500
MAX_CURSOR_LEN = 200
CLOCK_SKEW_LIMIT_S = 600
HLC_RE = re.compile(r"^[\x21-\x7e]{1,64}$")
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")

PUSH_FIELDS = ("protocol", "client_id", "mutations")
PUSH_OPTIONAL = ("sent_at",)
MUTATION_FIELDS = ("id", "name", "args")
MUTATION_OPTIONAL = ("hlc", "device_time")
PULL_FIELDS = ("protocol", "client_id")
PULL_OPTIONAL = ("cursor", "limit", "sent_at", "pending")
MAX_PENDING_REPORT = 1_000_000


@dataclass(frozen=True)
class Mutation:
    id: int
    name: str
    args: Any
    hlc: str = ""
    device_time: datetime | None = None
    error: str | None = None  # set when the envelope of this one mutation is malformed
    reason: str = "invalid_mutation"  # the rejection reason that goes with ``error``


@dataclass(frozen=True)
class PushRequest:
    client_id: str
    mutations: tuple[Mutation, ...]
    sent_at: datetime | None = None


@dataclass(frozen=True)
class PullRequest:
    client_id: str
    cursor: str | None = None
    limit: int = DEFAULT_PULL_LIMIT
    sent_at: datetime | None = None
    # Mutations still waiting in the device's outbox (shown to admins; never used for sync).
    pending: int | None = None


def _bad(exc: v.Invalid) -> BadRequest:
    if exc.path == "request":
        return BadRequest("invalid_request", f"The request has {exc.message}.")
    return BadRequest("invalid_request", f"{exc.path} {exc.message}.", field=exc.path)


def _is_protocol(value: Any) -> bool:
    # JSON true and 1.0 compare equal to 1 in Python; only the integer names the version.
    return type(value) is int and value == PROTOCOL


def _envelope(body: Any, required: tuple[str, ...], optional: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise BadRequest("invalid_request", "The body must be a JSON object.")
    if "protocol" in body and not _is_protocol(body["protocol"]):
        raise BadRequest(
            "unsupported_protocol",
            f"This server speaks sync protocol {PROTOCOL}; update the app.",
            supported=[PROTOCOL],
        )
    try:
        v.obj(body, "request", required, optional)
        v.uuid(body["client_id"], "client_id")
        if body.get("sent_at") is not None:
            v.timestamp(body["sent_at"], "sent_at")
    except v.Invalid as exc:
        raise _bad(exc) from None
    return body


def parse_push(body: Any, max_mutations: int = MAX_MUTATIONS) -> PushRequest:
    body = _envelope(body, PUSH_FIELDS, PUSH_OPTIONAL)
    raw = body["mutations"]
    if not isinstance(raw, list):
        raise BadRequest("invalid_request", "mutations must be an array.", field="mutations")
    if len(raw) > max_mutations:
        raise TooLarge(
            "batch_too_large",
            f"A push carries at most {max_mutations} mutations; send the rest in the next one.",
            max_mutations=max_mutations,
        )
    mutations: list[Mutation] = []
    for index, item in enumerate(raw):
        path = f"mutations[{index}]"
        if not isinstance(item, dict) or "id" not in item:
            raise BadRequest("invalid_request", f"{path} must be an object with an id.", field=path)
        try:
            mid = v.integer(item["id"], f"{path}.id", minimum=1, maximum=2**53 - 1)
        except v.Invalid as exc:
            raise _bad(exc) from None
        if mutations and mid <= mutations[-1].id:
            raise BadRequest(
                "ids_not_increasing",
                f"{path}.id {mid} does not follow {mutations[-1].id}; "
                "mutation ids must increase within a batch.",
                field=f"{path}.id",
            )
        if mutations and mid != mutations[-1].id + 1:
            raise BadRequest(
                "ids_not_consecutive",
                f"{path}.id {mid} skips ids after {mutations[-1].id}; send the queue in order.",
                field=f"{path}.id",
            )
        mutations.append(_mutation(item, mid, path))
    sent_at = v.timestamp(body["sent_at"], "sent_at") if body.get("sent_at") else None
    return PushRequest(body["client_id"], tuple(mutations), sent_at)


def _mutation(item: dict[str, Any], mid: int, path: str) -> Mutation:
    raw_name = item.get("name")
    name = raw_name if isinstance(raw_name, str) and NAME_RE.fullmatch(raw_name) else ""
    try:
        v.obj(item, path, MUTATION_FIELDS, MUTATION_OPTIONAL)
        v.string(item["name"], f"{path}.name", pattern=NAME_RE, max_len=64, hint="mutation name")
        hlc = item.get("hlc")
        hlc = (
            ""
            if hlc is None
            else v.string(hlc, f"{path}.hlc", pattern=HLC_RE, min_len=1, max_len=64)
        )
        dt = item.get("device_time")
        device_time = None if dt is None else v.timestamp(dt, f"{path}.device_time")
    except v.Invalid as exc:
        return Mutation(mid, name, item.get("args"), error=f"{exc.path} {exc.message}.")
    return Mutation(mid, name, item["args"], hlc, device_time)


def parse_pull(body: Any) -> PullRequest:
    body = _envelope(body, PULL_FIELDS, PULL_OPTIONAL)
    try:
        cursor = body.get("cursor")
        if cursor is not None:
            v.string(cursor, "cursor", max_len=MAX_CURSOR_LEN)
        limit = body.get("limit")
        limit = (
            DEFAULT_PULL_LIMIT
            if limit is None
            else v.integer(limit, "limit", minimum=1, maximum=MAX_PULL_LIMIT)
        )
        sent_at = v.timestamp(body["sent_at"], "sent_at") if body.get("sent_at") else None
        pending = body.get("pending")
        if pending is not None:
            pending = v.integer(pending, "pending", minimum=0, maximum=MAX_PENDING_REPORT)
    except v.Invalid as exc:
        raise _bad(exc) from None
    return PullRequest(body["client_id"], cursor, limit, sent_at, pending)
