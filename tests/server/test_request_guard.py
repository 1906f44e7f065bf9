"""Cross-site state changes refused (Sec-Fetch-Site / Origin), the sign-in form's own CSRF
token, Cache-Control: no-store on personal data, Clear-Site-Data on logout, and the idle
timeout of staff sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.models import Role, StaffSession
from server.services.accounts import sessions
from server.web.auth import LOGIN_COOKIE, SESSION_COOKIE
from server.web.requests_guard import carries_personal_data
from tests.conftest import TEST_PASSWORD, login_form_token, post_login, staff_login


@pytest.mark.parametrize(
    "headers",
    [
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site"},  # a sibling subdomain is another site for us
        {"origin": "https://evil.example"},
        {"origin": "null"},  # sandboxed iframes and some redirects
    ],
)
async def test_cross_site_logout_is_refused_and_changes_nothing(client, make_user, headers):
    user = await make_user(Role.VERIFIER)
    csrf = await staff_login(client, user.username)
    response = await client.post("/logout", data={"csrf_token": csrf}, headers=headers)
    assert response.status_code == 403
    assert "situs web lain" in response.text
    assert await StaffSession.filter(user=user).count() == 1


async def test_cross_site_device_call_is_refused_as_json(client, make_user, make_device):
    device = await make_device(await make_user(Role.OFFICER))
    response = await client.post(
        "/api/devices/logout",
        headers={"authorization": f"Bearer {device.token}", "sec-fetch-site": "cross-site"},
    )
    assert response.status_code == 403 and response.json()["error"] == "cross_origin"
    await device.device.refresh_from_db()
    assert device.device.revoked_at is None


@pytest.mark.parametrize(
    "headers",
    [
        {"sec-fetch-site": "same-origin"},  # what the field app's fetch() sends
        {"origin": "https://testserver"},  # an older browser: Origin only, our own host
        {"origin": "http://127.0.0.1:8000"},  # BASE_URL
        {},  # not a browser (tus client, scripts): nothing to forge through
    ],
)
async def test_same_origin_state_changes_pass(client, make_user, make_device, headers):
    device = await make_device(await make_user(Role.OFFICER))
    response = await client.get(
        "/api/me", headers={"authorization": f"Bearer {device.token}", **headers}
    )
    assert response.status_code == 200
    body = {"protocol": 1, "client_id": "c0ffee00-0000-4000-8000-000000000002"}
    pulled = await client.post(
        "/api/sync/pull",
        json=body,
        headers={"authorization": f"Bearer {device.token}", **headers},
    )
    assert pulled.status_code == 200, pulled.text


async def test_cross_site_get_is_not_blocked(client, db):
    # Links from other sites to the sign-in page must keep working.
    page = await client.get("/login", headers={"sec-fetch-site": "cross-site"})
    assert page.status_code == 200


async def test_sign_in_form_needs_its_own_token(client, make_user):
    user = await make_user(Role.VERIFIER)
    bare = await client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    assert bare.status_code == 403 and "kedaluwarsa" in bare.text.lower()
    token = await login_form_token(client)
    forged = await client.post(
        "/login",
        data={"username": user.username, "password": TEST_PASSWORD, "login_token": token + "x"},
    )
    assert forged.status_code == 403
    # A token is bound to its cookie: another browser's token does not fit this cookie.
    client.cookies.clear()
    stolen = await client.post(
        "/login",
        data={"username": user.username, "password": TEST_PASSWORD, "login_token": token},
        headers={"cookie": f"{LOGIN_COOKIE}=another-browser-nonce-1234567"},
    )
    assert stolen.status_code == 403
    assert not await StaffSession.filter(user=user).exists()
    ok = await post_login(client, user.username, TEST_PASSWORD)
    assert ok.status_code == 303


async def test_login_cookie_attributes(client, db):
    page = await client.get("/login")
    cookie = next(c for c in page.headers.get_list("set-cookie") if LOGIN_COOKIE in c)
    for attribute in ("secure", "httponly", "samesite=strict", "path=/"):
        assert attribute in cookie.lower()


async def test_personal_pages_and_api_say_no_store(client, make_user, make_device):
    verifier = await make_user(Role.VERIFIER)
    device = await make_device(await make_user(Role.OFFICER))
    me = await client.get("/api/me", headers={"authorization": f"Bearer {device.token}"})
    assert me.headers["cache-control"] == "no-store"
    login = await client.get("/login")
    assert login.headers["cache-control"] == "no-store"
    await staff_login(client, verifier.username)
    for path in ("/office/", "/api/nothing-here"):
        response = await client.get(path)
        assert response.headers["cache-control"] == "no-store", path
    # Static files and the reference data (no personal data) keep their caching.
    css = await client.get("/static/office.css")
    assert "no-store" not in css.headers.get("cache-control", "")
    reference = await client.get(
        "/api/reference", headers={"authorization": f"Bearer {device.token}"}
    )
    assert reference.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize(
    ("path", "personal"),
    [
        ("/office/applications/1", True),
        ("/admin/", True),
        ("/api/uploads/ab/content", True),
        ("/t/abc", True),
        ("/lacak", True),
        ("/login/second-factor", True),
        ("/api/reference", False),
        ("/app/index.html", False),
        ("/static/office.css", False),
    ],
)
def test_which_paths_carry_personal_data(path, personal):
    assert carries_personal_data(path) is personal


async def test_back_office_logout_clears_cache_and_cookies_not_storage(client, make_user):
    user = await make_user(Role.VERIFIER)
    csrf = await staff_login(client, user.username)
    response = await client.post("/logout", data={"csrf_token": csrf})
    assert response.status_code == 303
    assert response.headers["clear-site-data"] == '"cache", "cookies"'


async def test_idle_session_ends_and_a_replayed_cookie_stays_dead(client, make_user, settings):
    user = await make_user(Role.VERIFIER)
    await staff_login(client, user.username)
    assert (await client.get("/office/")).status_code == 200
    cookie = client.cookies.get(SESSION_COOKIE)
    idle = datetime.now(UTC) - timedelta(minutes=settings.session_idle_minutes + 1)
    await StaffSession.filter(user=user).update(last_seen_at=idle)
    replay = await client.get("/office/")
    assert replay.status_code == 303 and replay.headers["location"].startswith("/login")
    assert not await StaffSession.filter(user=user).exists()
    assert await sessions.load(cookie, idle_minutes=settings.session_idle_minutes) is None


async def test_activity_keeps_a_session_alive(make_user):
    user = await make_user(Role.VERIFIER)
    new = await sessions.start(user, hours=12, language="id")
    almost = datetime.now(UTC) - timedelta(minutes=29)
    await StaffSession.filter(id_hash=new.session.id_hash).update(last_seen_at=almost)
    assert await sessions.load(new.token, idle_minutes=30) is not None
    row = await StaffSession.get(id_hash=new.session.id_hash)
    assert row.last_seen_at is not None and datetime.now(UTC) - row.last_seen_at < timedelta(
        minutes=1
    )  # the request counted as activity


async def test_absolute_timeout_still_applies(make_user):
    user = await make_user(Role.VERIFIER)
    new = await sessions.start(user, hours=12, language="id")
    await StaffSession.filter(id_hash=new.session.id_hash).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    assert await sessions.load(new.token, idle_minutes=30) is None


def test_idle_minutes_is_a_setting():
    from server.settings import Settings, SettingsError

    base = {"SECRET_KEY": "k" * 40, "DATA_DIR": "/tmp/unused"}
    assert Settings.from_env(base).session_idle_minutes == 30
    assert Settings.from_env({**base, "SESSION_IDLE_MINUTES": "10"}).session_idle_minutes == 10
    with pytest.raises(SettingsError, match="SESSION_IDLE_MINUTES"):
        Settings.from_env({**base, "SESSION_IDLE_MINUTES": "0"})
