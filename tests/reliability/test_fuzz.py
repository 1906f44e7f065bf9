"""A seeded, bounded fuzzer over every route of the app (taken from the route table, so a new
route is fuzzed without anyone listing it): each request gets a method the route takes, path
parameters that are valid or random, the credentials of a device, a staff member, both or
none, odd headers (content types, encodings, lengths, tus headers, method overrides) and a
body that is random bytes, random JSON, a near-valid push, or form fields. The answer must
never be a server error, and the server must log no traceback.

JEMPUT_FUZZ_EXAMPLES sets the number of requests (default 300; CI's short run)."""

from __future__ import annotations

import base64
import json
import os
import re
import uuid
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.routing import Route

from bench._common import application, seed_officer
from server.app import collect_routes
from server.models import Application, Device, Role, StaffSession
from server.services.accounts import users
from server.settings import Settings
from tests.conftest import TEST_PASSWORD, LiveServer, live_staff_cookie

EXAMPLES = int(os.environ.get("JEMPUT_FUZZ_EXAMPLES", "300"))
PARAM = re.compile(r"{([a-z_]+)(?::[a-z]+)?}")


def targets() -> list[tuple[str, str]]:
    out = []
    for route in collect_routes():
        if isinstance(route, Route):
            for method in sorted(route.methods or ()):
                out.append((method, route.path))
    return out


TARGETS = targets()

printable = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f"),
    max_size=60,
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


@pytest.fixture
async def world(db: Settings, live_server: LiveServer) -> dict[str, Any]:
    token = await seed_officer("petugas_fuzz")
    device = await Device.get(user__username="petugas_fuzz")
    admin = await users.create_user(
        "admin_fuzz", TEST_PASSWORD, full_name="Admin Fuzz", role=Role.ADMIN
    )
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        cookie = await live_staff_cookie(http, admin.username)
    session = await StaffSession.filter(user_id=admin.id).order_by("-created_at").first()
    assert session is not None
    import random

    args = application(random.Random(3), 0)
    push = {
        "protocol": 1,
        "client_id": str(uuid.uuid4()),
        "mutations": [{"id": 1, "name": "create_application", "args": args}],
    }
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        answer = await http.post(
            "/api/sync/push", json=push, headers={"Authorization": f"Bearer {token}"}
        )
    assert answer.status_code == 200, answer.text
    record = await Application.get(id=args["record_id"])
    return {
        "url": live_server.url,
        "log": live_server.log,
        "token": token,
        "cookie": cookie,
        "csrf": session.csrf_token,
        "record_id": record.id,
        "tracking_code": record.tracking_code,
        "status_token": args["status_token"],
        "device_id": str(device.id),
        "sha": args["fields"]["ktp_photo"]["sha256"],
        "push": push,
    }


def path_values(world: dict[str, Any]) -> dict[str, st.SearchStrategy[str]]:
    known = st.sampled_from(
        [
            world["record_id"],
            world["device_id"],
            world["sha"],
            world["tracking_code"],
            world["status_token"],
            "id",
            "en",
            "core",
            "js",
            "index.html",
            "1",
        ]
    )
    return {"any": known | st.text(alphabet="abcdef0123456789-_.%~ABCZ", min_size=1, max_size=70)}


def near_valid_push(draw: st.DrawFn, push: dict[str, Any]) -> Any:
    body = json.loads(json.dumps(push))
    mutation = body["mutations"][0]
    where = draw(st.sampled_from(["top", "mutation", "args", "fields"]))
    target = {
        "top": body,
        "mutation": mutation,
        "args": mutation["args"],
        "fields": mutation["args"]["fields"],
    }[where]
    key = draw(st.sampled_from([*target.keys(), "extra"]))
    if draw(st.booleans()):
        target[key] = draw(json_values)
    else:
        target.pop(key, None)
    return body


@st.composite
def requests(draw: st.DrawFn, world: dict[str, Any]) -> dict[str, Any]:
    method, template = draw(st.sampled_from(TARGETS))
    fill = path_values(world)["any"]
    path = PARAM.sub(lambda _: draw(fill).replace("/", "%2F"), template)
    if draw(st.integers(0, 9)) == 0:
        path += (
            "?"
            + draw(st.sampled_from(["lang=", "next=", "page=", "q=", "status="]))
            + draw(st.text(alphabet="abc123%-_./:", max_size=30))
        )
    headers: dict[str, str] = {}
    who = draw(st.sampled_from(["none", "device", "staff", "both", "forged"]))
    if who in ("device", "both"):
        headers["Authorization"] = f"Bearer {world['token']}"
    if who in ("staff", "both"):
        headers["Cookie"] = world["cookie"]
        if draw(st.booleans()):
            headers["X-CSRF-Token"] = world["csrf"]
    if who == "forged":
        headers["Authorization"] = draw(st.sampled_from(["Bearer ", "Basic x", "Bearer "])) + draw(
            printable
        )
        headers["Cookie"] = "__Host-jb_session=" + draw(
            st.text(alphabet="abcXYZ019_-=;", max_size=50)
        )
    headers["Content-Type"] = draw(
        st.sampled_from(
            [
                "application/json",
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=xyz",
                "application/offset+octet-stream",
                "text/plain",
                "application/json; charset=latin-1",
                "",
            ]
        )
        | printable
    )
    if draw(st.integers(0, 5)) == 0:
        headers["Content-Encoding"] = draw(st.sampled_from(["gzip", "br", "identity", "x"]))
    for name, values in {
        "Tus-Resumable": st.sampled_from(["1.0.0", "0.2", ""]),
        "Upload-Length": st.sampled_from(["0", "1", "-1", "99999999999999999999", "x", "10"]),
        "Upload-Offset": st.sampled_from(["0", "5", "-3", "1e3", ""]),
        "Upload-Metadata": st.just("sha256 " + base64.b64encode(world["sha"].encode()).decode())
        | printable,
        "Upload-Checksum": st.sampled_from(["sha1 AAAA", "md5 x", "sha256", ""]),
        "X-HTTP-Method-Override": st.sampled_from(["PATCH", "DELETE", "HEAD", "GET", "x"]),
        "If-None-Match": printable,
        "Accept": st.sampled_from(["application/json", "text/html", "*/*"]) | printable,
        "Accept-Language": printable,
        "Origin": st.sampled_from(["https://evil.example", "null"]) | printable,
    }.items():
        if draw(st.integers(0, 4)) == 0:
            headers[name] = draw(values)
    kind = draw(st.sampled_from(["empty", "bytes", "json", "push", "form"]))
    if kind == "bytes":
        body = draw(st.binary(max_size=300))
    elif kind == "json":
        body = json.dumps(draw(json_values)).encode()
    elif kind == "push":
        body = json.dumps(near_valid_push(draw, world["push"])).encode()
    elif kind == "form":
        fields = draw(
            st.dictionaries(
                st.sampled_from(
                    [
                        "username",
                        "password",
                        "next",
                        "csrf_token",
                        "note",
                        "status",
                        "to_status",
                        "version",
                        "reason",
                        "value",
                        "keep",
                        "q",
                        "code",
                    ]
                )
                | st.text(max_size=10),
                st.text(max_size=80) | st.sampled_from([world["csrf"], world["tracking_code"]]),
                max_size=5,
            )
        )
        body = httpx.QueryParams(fields).__str__().encode()
    else:
        body = b""
    return {"method": method, "path": path, "headers": headers, "body": body}


def test_no_request_gets_a_server_error(world: dict[str, Any]) -> None:
    log_start = world["log"].stat().st_size
    seen: list[str] = []
    with httpx.Client(base_url=world["url"], timeout=30) as http:

        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(st.data())
        def one(data: st.DataObject) -> None:
            request = data.draw(requests(world))
            seen.append(f"{request['method']} {request['path']}")
            response = http.request(
                request["method"],
                request["path"],
                headers={
                    k: v.strip(" \t").encode("latin-1") for k, v in request["headers"].items()
                },
                content=request["body"],
            )
            transient = response.status_code == 503 and "retry-after" in response.headers
            assert response.status_code < 500 or transient, (
                request,
                response.status_code,
                response.text[:500],
            )

        one()
    log = world["log"].read_text(errors="replace")[log_start:]
    assert "Traceback" not in log, log[-3000:]
    fuzzed = {p.split(" ", 1)[1].split("?")[0] for p in seen}
    assert len(fuzzed) > 10
