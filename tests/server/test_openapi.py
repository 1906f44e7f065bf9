"""/api/openapi.json describes the whole JSON API and matches the route table: every API
route and method is declared, nothing declared is missing from the routes; and schemathesis,
run against a real server with every check, finds nothing: no server error, and the status
codes, content types and bodies agree with the document (the few rules JSON Schema cannot
state are listed, with their reason, in tests/server/schemathesis/schemathesis.toml).

JEMPUT_SCHEMATHESIS_EXAMPLES sets the examples per operation (default 8, CI's short run)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from bench._common import more_tablets, seed_officer
from server.app import collect_routes
from server.models import Role, StaffSession
from server.services.accounts import users
from server.settings import Settings
from server.web.openapi import api_routes, document, documented_methods
from tests.conftest import TEST_PASSWORD, LiveServer, live_staff_cookie

EXAMPLES = os.environ.get("JEMPUT_SCHEMATHESIS_EXAMPLES", "8")
ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent / "schemathesis"  # its config and hooks


def test_every_api_route_and_method_is_declared_and_nothing_else() -> None:
    routes = collect_routes()
    doc = document(routes)
    expected = {
        (method.lower(), route.path)
        for route in api_routes(routes)
        for method in documented_methods(route)
    }
    declared = {(method, path) for path, ops in doc["paths"].items() for method in ops}
    assert declared == expected, {"undeclared": expected - declared, "stale": declared - expected}
    assert len(expected) >= 15
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert op["summary"] and op["responses"], (method, path)
            assert any(code.startswith("2") for code in op["responses"]), (method, path)
            for name in (p.split("}")[0] for p in path.split("{")[1:]):
                params = [p["name"] for p in op.get("parameters", []) if p["in"] == "path"]
                assert name in params, (method, path, name)


async def test_the_document_is_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.json() == json.loads(json.dumps(document(collect_routes())))
    assert response.json()["openapi"].startswith("3.1")


@pytest.mark.slow
async def test_schemathesis_finds_the_server_and_its_document_in_agreement(
    db: Settings, live_server: LiveServer, tmp_path: Path
) -> None:
    token = await seed_officer("petugas_skema")
    admin = await users.create_user(
        "admin_skema", TEST_PASSWORD, full_name="Admin Skema", role=Role.ADMIN
    )
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        cookie = await live_staff_cookie(http, admin.username)
    session = await StaffSession.filter(user_id=admin.id).order_by("-created_at").first()
    assert session is not None
    report = tmp_path / "junit.xml"
    me = httpx.get(live_server.url + "/api/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200, me.text
    command = [
        *(sys.executable, "-m", "schemathesis.cli"),
        *("--config-file", str(HERE / "schemathesis.toml")),
        *("run", f"{live_server.url}/api/openapi.json"),
        *("--checks", "all", "--max-examples", EXAMPLES, "--seed", "1", "--workers", "1"),
        *("--header", f"Authorization: Bearer {token}"),
        *("--header", f"Cookie: {cookie}"),
        *("--header", f"X-CSRF-Token: {session.csrf_token}"),
        # logout revokes the token the rest of the run uses (tests/server/test_devices.py)
        *("--exclude-path", "/api/devices/logout"),
        *("--report", "junit", "--report-junit-path", str(report)),
    ]
    push_token, pull_token = await more_tablets(2, "petugas_skema")
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "hooks",
        "PYTHONPATH": f"{HERE}:{ROOT}",
        "JEMPUT_PUSH_TOKEN": push_token,
        "JEMPUT_PULL_TOKEN": pull_token,
    }
    run = subprocess.run(  # in tmp_path: schemathesis keeps a run cache in its working folder
        command, capture_output=True, text=True, timeout=600, cwd=tmp_path, env=env
    )
    output = run.stdout + run.stderr
    assert "Test cases:" in output, output[-6000:]  # it ran
    assert "ST101" not in output, output[-6000:]  # schemathesis' not_a_server_error
    assert "Server error" not in output, output[-6000:]
    assert "Authentication failed" not in output, output[-6000:]
    # Every other check too: status codes, content types, bodies, negative and positive data.
    for finding in ("Failures:", "Errors:", "Serialization not possible", "ST2", "ST1"):
        assert finding not in output, output[-12000:]
    assert run.returncode == 0, output[-12000:]
    tested = int(output.split("Tested: ")[1].split()[0])
    assert tested == int(output.split("Selected: ")[1].split("/")[0]) >= 17, output[-3000:]
    assert "mostly returned 429" not in output, output[-3000:]  # push and pull really tested
    assert "Traceback" not in live_server.log.read_text(errors="replace")
