"""The sync HTTP API: the golden protocol examples replayed through the real app, plus what only
HTTP has (auth, gzip, size caps, malformed bodies, 503 + Retry-After, staff resolution)."""

from __future__ import annotations

import gzip
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.models import Application, AuditEvent, Role, SyncClient
from server.services.applications import sync_service
from server.services.errors import ServiceError
from tests.conftest import staff_login
from tests.sync.golden import load, scenarios
from tests.sync.helpers import create, rid

VOLATILE = {"server_time", "created_at", "updated_at", "at", "by"}
CID = "5a0b8e9c-1d2f-4a6b-8c3d-2e1f0a9b8c7d"

pytestmark = pytest.mark.usefixtures("siup_mikro_form")


def match(expected: Any, actual: Any, maps: dict[str, dict[str, str]], path: str = "") -> None:
    """Equal, except server times and names; cursors and conflict ids must map one-to-one."""
    if isinstance(expected, dict):
        if re.search(r"\.records\[\d+\]$", path) and "status_token" not in expected:
            # The HTTP layer adds the reprint token (docs/sync-protocol.md); the core does not.
            actual = dict(actual)
            assert len(actual.pop("status_token")) == 22, path
        assert isinstance(actual, dict) and set(actual) == set(expected), path
        for key, value in expected.items():
            here = f"{path}.{key}"
            if key in VOLATILE and isinstance(value, str):
                assert isinstance(actual[key], str), here
                if key != "by":
                    datetime.fromisoformat(actual[key])
            elif key == "skew_s" and value is not None:
                assert abs(actual[key] - value) <= 5, here  # the real clock moved on a little
            elif key == "cursor" and value is not None:
                assert maps["cursor"].setdefault(value, actual[key]) == actual[key], here
            elif key == "id" and ".conflict" in here:
                assert maps["conflict"].setdefault(value, actual[key]) == actual[key], here
            else:
                match(value, actual[key], maps, here)
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), path
        for n, (e, a) in enumerate(zip(expected, actual, strict=True)):
            match(e, a, maps, f"{path}[{n}]")
    else:
        assert expected == actual, f"{path}: {expected!r} != {actual!r}"


@pytest.fixture
async def officers(make_user, make_device):  # type: ignore[no-untyped-def]
    async def build(actors: dict[str, Any]) -> dict[str, dict[str, str]]:
        out = {}
        for name, spec in actors.items():
            user = await make_user(Role.OFFICER, username=name, area_codes=spec["areas"])
            enrollment = await make_device(user)
            out[name] = {"authorization": f"Bearer {enrollment.token}"}
        return out

    return build


@pytest.mark.parametrize("path", scenarios(), ids=lambda p: p.stem)
async def test_golden_scenario_over_http(
    path: Path,
    client: httpx.AsyncClient,
    officers,
    make_user,  # type: ignore[no-untyped-def]
) -> None:
    scenario = load(path)
    headers = await officers(scenario["actors"])
    # These applications have no region: only an office-wide role (admin) sees them.
    staff = await make_user(Role.ADMIN, username="verifikator", area_codes=[])
    csrf = await staff_login(client, staff.username)
    maps: dict[str, dict[str, str]] = {"cursor": {}, "conflict": {}}
    for index, step in enumerate(scenario["steps"]):
        if "staff" in step:
            action = step["staff"]
            if action["action"] == "update_fields":
                await sync_service.update_fields(staff, action["record_id"], action["values"])
            elif action["action"] == "transition":
                await sync_service.transition(staff, action["record_id"], action["to"])
            else:
                await sync_service.delete_application(staff, action["record_id"])
            continue
        request = json.loads(json.dumps(step["request"]))
        body = request["body"]
        if body.get("cursor") in maps["cursor"]:
            body["cursor"] = maps["cursor"][body["cursor"]]
        if "sent_at" in body:  # keep the fixture's device clock offset against the real clock
            offset = datetime.fromisoformat(body["sent_at"]) - (
                datetime.fromisoformat(scenario["start"]) + timedelta(minutes=index + 1)
            )
            body["sent_at"] = (datetime.now(UTC) + offset).isoformat()
        url = request["path"]
        for fixture_id, real_id in maps["conflict"].items():
            url = url.replace(fixture_id, real_id)
        extra = {"x-csrf-token": csrf} if step["actor"] == "staff" else headers[step["actor"]]
        response = await client.post(url, json=body, headers=extra)
        assert response.status_code == step["response"]["status"], (index, response.text)
        match(step["response"]["body"], response.json(), maps, f"step{index}")


@pytest.fixture
async def device(make_user, make_device) -> dict[str, str]:  # type: ignore[no-untyped-def]
    user = await make_user(Role.OFFICER, area_codes=["63.01"])
    enrollment = await make_device(user)
    return {"authorization": f"Bearer {enrollment.token}"}


def push_body(*mutations: dict[str, Any], first: int = 1) -> dict[str, Any]:
    return {
        "protocol": 1,
        "client_id": CID,
        "mutations": [{"id": first + n, **m} for n, m in enumerate(mutations)],
    }


async def test_gzip_body_is_accepted(client: httpx.AsyncClient, device: dict[str, str]) -> None:
    raw = json.dumps(push_body(*(create(n) for n in range(1, 51)))).encode()
    packed = gzip.compress(raw)
    assert len(packed) < len(raw) / 4
    response = await client.post(
        "/api/sync/push",
        content=packed,
        headers={**device, "content-type": "application/json", "content-encoding": "gzip"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["last_mutation_id"] == 50
    assert await Application.all().count() == 50


async def test_body_over_the_cap_is_413_and_commits_nothing(
    client: httpx.AsyncClient,
    device: dict[str, str],
    db,  # type: ignore[no-untyped-def]
) -> None:
    big = create(1, {"notes": "x" * (db.sync_max_body_bytes + 10)})
    response = await client.post("/api/sync/push", json=push_body(big), headers=device)
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"
    bomb = gzip.compress(json.dumps(push_body(big)).encode())  # small on the wire, huge inside
    assert len(bomb) < db.sync_max_body_bytes
    response = await client.post(
        "/api/sync/push",
        content=bomb,
        headers={**device, "content-type": "application/json", "content-encoding": "gzip"},
    )
    assert response.status_code == 413
    assert await Application.all().count() == 0


@pytest.mark.parametrize(
    ("content", "content_type", "status", "code"),
    [
        (b"{not json", "application/json", 400, "bad_json"),
        (
            b'{"protocol": 1, "client_id": NaN, "mutations": []}',
            "application/json",
            400,
            "bad_json",
        ),
        (b"\xff\xfe{}", "application/json", 400, "bad_json"),
        (
            b'{"protocol": 1, "client_id": "\\ud800", "mutations": []}',
            "application/json",
            400,
            "bad_json",
        ),
        (b'{"protocol": 1}', "text/plain", 415, "not_json"),
        (b"[1, 2]", "application/json", 400, "invalid_request"),
        (
            b'{"protocol": 1, "client_id": "x", "mutations": []}',
            "application/json",
            400,
            "invalid_request",
        ),
    ],
)
async def test_malformed_push_is_4xx(
    client: httpx.AsyncClient,
    device: dict[str, str],
    content: bytes,
    content_type: str,
    status: int,
    code: str,
) -> None:
    response = await client.post(
        "/api/sync/push", content=content, headers={**device, "content-type": content_type}
    )
    assert response.status_code == status
    body = response.json()
    assert body["error"] == code and body["message"]


async def test_device_token_is_required(client: httpx.AsyncClient) -> None:
    for url in ("/api/sync/push", "/api/sync/pull"):
        response = await client.post(url, json={"protocol": 1, "client_id": CID})
        assert response.status_code == 401
        assert response.json()["error"] == "device_token_missing"


async def test_foreign_client_id_is_403(
    client: httpx.AsyncClient,
    device: dict[str, str],
    make_user,
    make_device,  # type: ignore[no-untyped-def]
) -> None:
    await client.post("/api/sync/push", json=push_body(create(1)), headers=device)
    other = await make_device(await make_user(Role.OFFICER))
    response = await client.post(
        "/api/sync/push",
        json=push_body(create(2), first=2),
        headers={"authorization": f"Bearer {other.token}"},
    )
    assert response.status_code == 403
    assert response.json()["error"] == "foreign_client"


async def test_transient_failure_is_503_with_retry_after_and_commits_nothing(
    client: httpx.AsyncClient, device: dict[str, str]
) -> None:
    store = sync_service.engine().store
    store.fail_next_save = True  # type: ignore[attr-defined]
    response = await client.post("/api/sync/push", json=push_body(create(1)), headers=device)
    assert response.status_code == 503
    assert int(response.headers["retry-after"]) > 0
    assert response.json()["error"] == "unavailable"
    assert await Application.all().count() == 0
    assert await SyncClient.all().count() == 0
    again = await client.post("/api/sync/push", json=push_body(create(1)), headers=device)
    assert again.json()["results"] == [{"id": 1, "status": "applied"}]


async def conflict_id(client: httpx.AsyncClient, device: dict[str, str], staff) -> str:  # type: ignore[no-untyped-def]
    await client.post(
        "/api/sync/push", json=push_body(create(1, {"phone": "+6281100000001"})), headers=device
    )
    await sync_service.update_fields(staff, rid(1), {"phone": "+6281100000002"})
    change = {
        "name": "update_fields",
        "args": {
            "record_id": rid(1),
            "changes": {"phone": {"base": "+6281100000001", "value": "+6281100000003"}},
        },
    }
    response = await client.post("/api/sync/push", json=push_body(change, first=2), headers=device)
    return str(response.json()["results"][0]["conflicts"][0]["id"])


async def test_resolve_needs_staff_role_and_csrf(
    client: httpx.AsyncClient,
    device: dict[str, str],
    make_user,  # type: ignore[no-untyped-def]
) -> None:
    staff = await make_user(Role.ADMIN, area_codes=[])  # office-wide: the record has no region
    cid = await conflict_id(client, device, staff)
    url = f"/api/conflicts/{cid}/resolve"
    assert (await client.post(url, json={"keep": "device"})).status_code == 401
    officer = await make_user(Role.OFFICER)
    await staff_login(client, officer.username)
    assert (await client.post(url, json={"keep": "device"})).status_code in (401, 403)
    csrf = await staff_login(client, staff.username)
    refused = await client.post(url, json={"keep": "device"})
    assert refused.status_code == 403 and refused.json()["error"] == "csrf_failed"
    headers = {"x-csrf-token": csrf}
    for bad in ({}, {"keep": "mine"}, {"keep": "server", "value": 1}, {"value": 1, "x": 2}):
        response = await client.post(url, json=bad, headers=headers)
        assert response.status_code == 400, bad
    missing = await client.post(
        "/api/conflicts/nope/resolve", json={"keep": "server"}, headers=headers
    )
    assert missing.status_code == 404
    not_a_phone = await client.post(url, json={"value": "4"}, headers=headers)
    assert not_a_phone.status_code == 400
    assert not_a_phone.json()["details"]["fields"]["phone"][0]["code"] == "phone_prefix"
    done = await client.post(url, json={"value": "+6281100000004"}, headers=headers)
    assert done.status_code == 200
    assert done.json()["conflict"]["resolution"]["by"] == staff.username
    assert (await Application.get(id=rid(1))).data["phone"] == "+6281100000004"
    row = await AuditEvent.get(action="conflict.resolve", actor=staff)
    assert row.detail == {"conflict": cid, "field": "phone", "outcome": "typed"}
    assert "6281100000004" not in str(row.detail)  # the audit trail holds no personal values


async def test_only_staff_whose_area_covers_the_record_resolve(
    client: httpx.AsyncClient,
    device: dict[str, str],
    make_user,  # type: ignore[no-untyped-def]
) -> None:
    writer = await make_user(Role.VERIFIER, area_codes=[])
    cid = await conflict_id(client, device, writer)  # the record has no region at all
    elsewhere = await make_user(Role.VERIFIER, area_codes=["63.71"])
    csrf = await staff_login(client, elsewhere.username)
    url = f"/api/conflicts/{cid}/resolve"
    refused = await client.post(url, json={"keep": "device"}, headers={"x-csrf-token": csrf})
    assert refused.status_code == 404 and refused.json()["error"] == "conflict_not_found"
    assert (await Application.get(id=rid(1))).data["phone"] == "+6281100000002"
    assert not await AuditEvent.filter(action="conflict.resolve").exists()


async def test_service_errors_reach_other_callers_as_service_errors(make_user) -> None:  # type: ignore[no-untyped-def]
    staff = await make_user(Role.VERIFIER)
    with pytest.raises(ServiceError) as missing:
        await sync_service.transition(staff, rid(9), "verifikasi")
    assert (missing.value.status, missing.value.code) == (404, "record_not_found")


async def test_a_database_failure_while_reading_the_forms_is_503(
    client: httpx.AsyncClient, device: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tortoise.exceptions import DBConnectionError

    from server.services.forms.rules import FormCatalog

    async def away(self: FormCatalog) -> None:
        raise DBConnectionError("connection refused")

    sync_service.form_catalog.forget()
    monkeypatch.setattr(FormCatalog, "_refresh", away)
    response = await client.post("/api/sync/push", json=push_body(create(1)), headers=device)
    assert response.status_code == 503 and int(response.headers["retry-after"]) > 0
    monkeypatch.undo()
    again = await client.post("/api/sync/push", json=push_body(create(1)), headers=device)
    assert again.json()["results"] == [{"id": 1, "status": "applied"}]
