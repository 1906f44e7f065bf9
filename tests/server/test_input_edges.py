"""The request classes a fuzzer once turned into 500s, each fixed at its cause:
one text rule (length, NUL, lone surrogates), dates that exist in UTC, a strict protocol
number, UUID record ids on uploads, a busy database that answers 503, a body that stops
arriving, and a client that goes away mid-body."""

from __future__ import annotations

import logging
import socket
import sqlite3
import time

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route
from tortoise import connections

from server.models import Device, Role, User
from server.web.errors import EXCEPTION_HANDLERS
from tests.conftest import (
    TEST_PASSWORD,
    is_postgres,
    post_login,
    staff_login,
    start_server,
    stop_server,
)
from tests.sync.helpers import create
from tests.uploads.harness import encode_metadata, metadata, photo_bytes

pytestmark = pytest.mark.usefixtures("siup_mikro_form")

CID = "7c0b8e9c-1d2f-4a6b-8c3d-2e1f0a9b8c7d"
OUT_OF_RANGE = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"]


@pytest.fixture
async def device(make_user, make_device):  # type: ignore[no-untyped-def]
    officer = await make_user(Role.OFFICER, username="edge")
    return {"Authorization": f"Bearer {(await make_device(officer)).token}"}


def push_body(**extra: object) -> dict:
    return {"protocol": 1, "client_id": CID, "mutations": [{"id": 1, **create(1)}], **extra}


@pytest.mark.parametrize("when", OUT_OF_RANGE)
async def test_device_time_outside_utc_years_rejects_the_mutation_for_good(client, device, when):
    body = push_body()
    body["mutations"][0]["device_time"] = when
    response = await client.post("/api/sync/push", json=body, headers=device)
    assert response.status_code == 200, response.text
    [result] = response.json()["results"]
    assert result["status"] == "rejected"  # for good: the outbox moves past it
    assert "device_time must fall within the years 1 to 9999" in result["message"]
    again = await client.post(
        "/api/sync/pull", json={"protocol": 1, "client_id": CID}, headers=device
    )
    assert again.status_code == 200
    assert again.json()["records"] == []


@pytest.mark.parametrize("when", OUT_OF_RANGE)
@pytest.mark.parametrize("path", ["/api/sync/push", "/api/sync/pull"])
async def test_sent_at_outside_utc_years_is_refused(client, device, when, path):
    body = (
        push_body(sent_at=when)
        if path.endswith("push")
        else {"protocol": 1, "client_id": CID, "sent_at": when}
    )
    response = await client.post(path, json=body, headers=device)
    assert response.status_code == 400, response.text
    assert "sent_at" in response.json()["message"]


@pytest.mark.parametrize("protocol", [True, 1.0, "1", 2])
async def test_only_the_integer_1_names_protocol_1(client, device, protocol):
    response = await client.post(
        "/api/sync/push", json=push_body(protocol=protocol), headers=device
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_protocol"


async def test_long_username_on_the_login_form_is_a_clear_400(client, make_user):
    await make_user(Role.VERIFIER, username="verif")
    response = await post_login(client, "u" * 200, "x")
    assert response.status_code == 400
    assert "64" in response.text
    # the form still works for the person behind it
    ok = await post_login(client, "verif", TEST_PASSWORD)
    assert ok.status_code == 303


@pytest.mark.parametrize(
    ("raw_username", "device_name", "field"),
    [
        ('"\\ud800petugas"', '"Tablet"', "username"),  # a lone surrogate, escaped in JSON
        ('"pet\\u0000ugas"', '"Tablet"', "username"),
        ('"petugas"', '"Tab\\u0000let"', "device_name"),
        ('"petugas"', '"Tab\\udfffle"', "device_name"),
        ('"petugas"', '"' + "T" * 101 + '"', "device_name"),
    ],
)
async def test_enrolment_refuses_text_no_database_can_store(
    client, make_user, raw_username, device_name, field
):
    await make_user(Role.OFFICER, username="petugas")
    body = (
        f'{{"username": {raw_username}, "password": "{TEST_PASSWORD}", '
        f'"device_name": {device_name}}}'
    )
    response = await client.post(
        "/api/devices/enroll", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert field in response.json()["message"]
    assert await Device.all().count() == 0


@pytest.mark.parametrize("username", ["pet\x00ugas", "u" * 65])
async def test_login_form_refuses_nul_and_overlong_usernames(client, make_user, username):
    await make_user(Role.VERIFIER, username="petugas")
    response = await post_login(client, username, "x")
    assert response.status_code == 400
    assert await User.filter(username="petugas").count() == 1


@pytest.mark.parametrize(
    "record_id", ["a" * 64, "not-a-uuid", "0190F0C2-AAAA-7BBB-8CCC-123456789ABC"]
)
async def test_upload_record_id_must_be_a_uuid(client, device, record_id):
    data = photo_bytes()
    response = await client.post(
        "/api/uploads/",
        headers={
            **device,
            "Tus-Resumable": "1.0.0",
            "Upload-Length": str(len(data)),
            "Upload-Metadata": encode_metadata(metadata(data, record_id=record_id)),
        },
    )
    assert response.status_code == 400, response.text
    assert "UUID" in response.json()["message"]


@pytest.mark.skipif(is_postgres(), reason="SQLite's write lock")
async def test_busy_database_during_device_auth_is_503_with_retry_after(client, device, db):
    """A tablet's first call after a day offline writes ``last_seen_at``; a writer holding the
    database must make that a retry (503), not a failure (500)."""
    await Device.all().update(last_seen_at=None)
    conn = connections.get("default")
    await conn.execute_script("PRAGMA busy_timeout = 200")
    path = db.database_url.removeprefix("sqlite://")
    holder = sqlite3.connect(path, timeout=1)
    try:
        holder.execute("BEGIN IMMEDIATE")
        response = await client.post(
            "/api/sync/pull", json={"protocol": 1, "client_id": CID}, headers=device
        )
    finally:
        holder.rollback()
        holder.close()
        await conn.execute_script("PRAGMA busy_timeout = 10000")
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"].isdigit()
    assert response.json()["error"] == "unavailable"


async def test_a_500_tells_the_client_to_close_the_connection():
    async def broken(request):  # type: ignore[no-untyped-def]
        raise RuntimeError("a bug")

    app = Starlette(routes=[Route("/api/x", broken)], exception_handlers=EXCEPTION_HANDLERS)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/api/x")
    assert response.status_code == 500
    assert response.headers["connection"] == "close"
    assert response.json()["error"] == "server_error"


async def test_client_gone_mid_body_logs_no_traceback(app, device, caplog):
    messages = [
        {"type": "http.request", "body": b'{"protocol": 1, "client', "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[dict] = []

    async def receive():  # type: ignore[no-untyped-def]
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message):  # type: ignore[no-untyped-def]
        sent.append(message)

    auth = device["Authorization"].encode()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "https",
        "path": "/api/sync/push",
        "raw_path": b"/api/sync/push",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"content-length", b"4000"),
            (b"authorization", auth),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 443),
        "state": {},
    }
    with caplog.at_level(logging.INFO):
        await app(scope, receive, send)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert any("went away" in r.getMessage() for r in caplog.records)


def test_a_body_that_stops_arriving_is_given_up_on(migrated):
    """Content-Length promises 4000 bytes, 20 arrive: the server answers 408 and closes,
    instead of holding the connection for ever."""
    server = start_server(migrated, extra_env={"BODY_TIMEOUT_SECONDS": "1"})
    try:
        port = int(server.url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(
                b"POST /api/devices/enroll HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\nContent-Length: 4000\r\n\r\n"
                b'{"username": "petug'
            )
            started = time.monotonic()
            received = b""
            while chunk := sock.recv(4096):
                received += chunk
            waited = time.monotonic() - started
        assert received.startswith(b"HTTP/1.1 408"), received[:200]
        assert b"connection: close" in received.lower()
        assert 0.9 <= waited < 8
    finally:
        stop_server(server)


async def test_a_csrf_token_with_non_ascii_characters_is_refused_not_a_500(
    client: httpx.AsyncClient, make_user
) -> None:  # type: ignore[no-untyped-def]
    """Found by tests/reliability/test_fuzz.py: hmac.compare_digest raised TypeError on a
    forged form field holding non-ASCII text (500 on every state-changing staff form)."""
    user = await make_user(Role.ADMIN)
    await staff_login(client, user.username)
    response = await client.post("/logout", data={"csrf_token": "tökén-ß"})
    assert response.status_code == 403, response.text
