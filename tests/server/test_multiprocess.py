"""Two uvicorn workers behave like one server: nothing lives in one process's memory."""

from __future__ import annotations

import httpx
import pytest

from server.models import Device, Role, StaffSession
from tests.conftest import (
    TEST_PASSWORD,
    enrol_second_factor,
    next_totp_code,
    post_login_sync,
    start_server,
    stop_server,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def two_workers(db):
    server = start_server(db, workers=2)
    yield server
    stop_server(server)


def fresh(url: str) -> httpx.Client:
    # No keep-alive: every request opens a new connection, so both workers get traffic.
    return httpx.Client(base_url=url, limits=httpx.Limits(max_keepalive_connections=0))


async def test_sessions_devices_and_throttling_are_shared(two_workers, make_user):
    officer = await make_user(Role.OFFICER)
    admin = await make_user(Role.ADMIN)
    with fresh(two_workers.url) as http:
        enrolled = http.post(
            "/api/devices/enroll",
            json={"username": officer.username, "password": TEST_PASSWORD, "device_name": "T"},
        )
        assert enrolled.status_code == 201
        bearer = {"Authorization": f"Bearer {enrolled.json()['token']}"}
        assert all(http.get("/api/me", headers=bearer).status_code == 200 for _ in range(12))

        await enrol_second_factor(admin)
        login = post_login_sync(http, admin.username, TEST_PASSWORD)
        assert login.status_code == 303
        pending = await StaffSession.get(user=admin)
        done = http.post(
            "/login/second-factor",
            data={"code": next_totp_code(admin), "csrf_token": pending.csrf_token},
            headers={"Cookie": login.headers["set-cookie"].split(";")[0]},
        )
        assert done.status_code == 303, done.text
        cookie = done.headers["set-cookie"].split(";")[0]
        pages = [http.get("/admin/", headers={"Cookie": cookie}) for _ in range(12)]
        assert all(page.status_code == 200 for page in pages)

        session = await StaffSession.get(user=admin)
        device = await Device.get(user=officer)
        revoke = http.post(
            f"/admin/devices/{device.id}/revoke",
            data={"csrf_token": session.csrf_token},
            headers={"Cookie": cookie},
        )
        assert revoke.status_code == 303
        refused = [http.get("/api/me", headers=bearer) for _ in range(12)]
        assert {r.status_code for r in refused} == {401}

        for _ in range(5):
            post_login_sync(http, officer.username, "salah-sekali")
        blocked = [post_login_sync(http, officer.username, TEST_PASSWORD) for _ in range(6)]
        assert {r.status_code for r in blocked} == {429}
    log = two_workers.log.read_text()
    assert log.count("Started server process") >= 2
