"""Strict parsing: envelope problems refuse the request, problems inside one mutation reject it."""

from __future__ import annotations

from typing import Any

import pytest

from sync import Actor, MemoryStore, Sync, parse_pull, parse_push
from sync.errors import BadRequest, TooLarge
from tests.sync.helpers import Device, create

CID = "6f1c1c1e-3c1b-4c5e-9a53-3b7a3c2f0d11"


def push(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"protocol": 1, "client_id": CID, "mutations": []}
    body.update(over)
    return body


def mutation(mid: int, **over: Any) -> dict[str, Any]:
    return {"id": mid, "name": "submit_application", "args": {}, **over}


@pytest.mark.parametrize(
    ("body", "code", "words"),
    [
        ([], "invalid_request", "JSON object"),
        (push(protocol=2), "unsupported_protocol", "protocol 1"),
        (push(extra=1), "invalid_request", "The request has unknown field(s): extra"),
        (push(client_id="ABC"), "invalid_request", "client_id is not a valid lower-case UUID"),
        (push(mutations={}), "invalid_request", "mutations must be an array"),
        (push(mutations=[{"name": "x"}]), "invalid_request", "mutations[0] must be an object"),
        (push(mutations=[mutation(1.5)]), "invalid_request", "mutations[0].id must be an integer"),
        (push(mutations=[mutation(True)]), "invalid_request", "must be an integer, got boolean"),
        (push(mutations=[mutation(0)]), "invalid_request", "must be at least 1"),
        (push(mutations=[mutation(2), mutation(1)]), "ids_not_increasing", "does not follow 2"),
        (push(mutations=[mutation(2), mutation(2)]), "ids_not_increasing", "does not follow 2"),
        (push(mutations=[mutation(2), mutation(4)]), "ids_not_consecutive", "skips ids after 2"),
        (push(sent_at="yesterday"), "invalid_request", "sent_at is not an ISO 8601"),
        (push(sent_at="2026-03-01T10:00:00"), "invalid_request", "must carry a time zone"),
        ({"client_id": CID, "mutations": []}, "invalid_request", "missing field(s): protocol"),
    ],
)
def test_push_envelope_errors(body: Any, code: str, words: str) -> None:
    with pytest.raises(BadRequest) as caught:
        parse_push(body)
    assert caught.value.code == code
    assert words in caught.value.message


def test_batch_over_limit() -> None:
    body = push(mutations=[mutation(i) for i in range(1, 102)])
    with pytest.raises(TooLarge) as caught:
        parse_push(body)
    assert caught.value.details == {"max_mutations": 100}
    assert len(parse_push(push(mutations=[mutation(i) for i in range(1, 101)])).mutations) == 100


@pytest.mark.parametrize(
    ("item", "words"),
    [
        (mutation(1, extra=True), "mutations[0] unknown field(s): extra"),
        (mutation(1, name="Submit"), "mutations[0].name is not a valid mutation name"),
        (mutation(1, name=7), "mutations[0].name must be a string, got number"),
        (mutation(1, hlc=""), "mutations[0].hlc must be 1..64 characters long"),
        (mutation(1, device_time="now"), "mutations[0].device_time is not an ISO 8601"),
    ],
)
def test_mutation_envelope_errors_become_rejections(item: dict[str, Any], words: str) -> None:
    (parsed,) = parse_push(push(mutations=[item])).mutations
    assert parsed.error is not None and words in parsed.error


@pytest.mark.parametrize(
    ("mutation_body", "words"),
    [
        ({"name": "update_fields", "args": {"record_id": CID}}, "missing field(s): changes"),
        ({"name": "update_fields", "args": {"record_id": CID, "changes": {}}}, "at least one"),
        (
            {"name": "update_fields", "args": {"record_id": CID, "changes": {"a": {"value": 1}}}},
            "args.changes.a missing field(s): base",
        ),
        (
            {"name": "update_fields", "args": {"record_id": CID, "changes": {"Bad-Name": {}}}},
            "not a valid field name",
        ),
        ({"name": "submit_application", "args": []}, "args must be an object, got array"),
        ({"name": "submit_application", "args": {"record_id": CID, "x": 1}}, "unknown field(s): x"),
        ({"name": "cancel_application", "args": {"record_id": CID, "reason": 3}}, "must be a str"),
        (
            {"name": "attach_file", "args": {"record_id": CID, "sha256": "ABC", "kind": "ktp"}},
            "args.sha256 is not a valid SHA-256",
        ),
        ({"name": "teleport", "args": {}}, "Unknown mutation 'teleport'"),
        (
            {
                "name": "update_fields",
                "args": {
                    "record_id": CID,
                    "changes": {"notes": {"base": None, "value": "x" * 16_385}},
                },
            },
            "args.changes.notes.value is longer than 16384 characters",
        ),
    ],
)
async def test_argument_errors_are_precise_rejections(
    mutation_body: dict[str, Any], words: str
) -> None:
    device = Device(Sync(MemoryStore()), Actor("u", "d"))
    out = await device.push(mutation_body)
    (result,) = out["results"]
    assert result["status"] == "rejected" and result["reason"] == "invalid_mutation"
    assert words in result["message"]
    assert out["last_mutation_id"] == 1


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("tracking_code", "JB-abcd-1234", "tracking code"),
        ("status_token", "short", "status token"),
        ("form_version", "1", "must be an integer, got string"),
        ("permit_type", "", "not a valid permit type code"),
        ("fields", {"ok": 1, "9bad": 2}, "not a valid field name"),
        ("fields", {"photo": {"data": "x" * 16_400}}, "args.fields.photo is longer than 16384"),
        ("fields", {"name": "Siti\x00"}, "args.fields.name contains a NUL character"),
        ("fields", {"gps": {"note\x00": 1}}, "args.fields.gps contains a NUL character"),
        ("status_token", "A" * 21 + "\x00", "contains a NUL character"),
    ],
)
async def test_create_argument_checks(field: str, value: Any, words: str) -> None:
    device = Device(Sync(MemoryStore()), Actor("u", "d"))
    body = create(1)
    body["args"][field] = value
    (result,) = (await device.push(body))["results"]
    assert result["reason"] == "invalid_mutation" and words in result["message"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"protocol": 1, "client_id": CID, "limit": 0}, "limit must be at least 1"),
        ({"protocol": 1, "client_id": CID, "limit": 501}, "limit must be at most 500"),
        ({"protocol": 1, "client_id": CID, "cursor": 5}, "cursor must be a string"),
        ({"protocol": 1, "client_id": CID, "since": 5}, "unknown field(s): since"),
        ({"protocol": 1}, "missing field(s): client_id"),
    ],
)
def test_pull_errors(body: dict[str, Any], words: str) -> None:
    with pytest.raises(BadRequest) as caught:
        parse_pull(body)
    assert words in caught.value.message


async def test_backslash_text_is_not_mistaken_for_nul() -> None:
    device = Device(Sync(MemoryStore()), Actor("u", "d"))
    out = await device.push(create(1, {"path": {"win": "C:\\x00data"}, "t": "a\\x00"}))
    assert out["results"][0]["status"] == "applied"


def test_pull_defaults() -> None:
    parsed = parse_pull({"protocol": 1, "client_id": CID, "cursor": None})
    assert (parsed.cursor, parsed.limit) == (None, 200)
