"""Sign-in, roles, sessions, CSRF and throttling through the real pages."""

from __future__ import annotations

import pytest

from server.models import AuditEvent, Role, StaffSession
from server.services.accounts import users
from server.services.accounts.passwords import WeakPassword
from server.services.errors import Conflict, ServiceError
from server.web.auth import SESSION_COOKIE, START_PAGES
from tests.conftest import TEST_PASSWORD, post_login, staff_login


@pytest.mark.parametrize("role", list(Role))
async def test_each_role_lands_on_its_own_start_page(client, make_user, role):
    user = await make_user(role)
    response = await post_login(client, user.username, TEST_PASSWORD)
    assert response.status_code == 303
    if role in (Role.ADMIN, Role.SUPERVISOR):  # a second step first (tests/server/test_totp.py)
        assert response.headers["location"] == "/login/second-factor/setup"
        await staff_login(client, user.username)
    else:
        assert response.headers["location"] == START_PAGES[role]
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    for attribute in ("Secure", "HttpOnly", "SameSite=strict", "Path=/"):
        assert attribute.lower() in cookie.lower()
    page = await client.get(START_PAGES[role])
    assert page.status_code == 200
    assert user.full_name in page.text


async def test_pages_deny_other_roles(client, make_user):
    officer = await make_user(Role.OFFICER)
    await staff_login(client, officer.username)
    assert (await client.get("/admin/")).status_code == 403
    assert (await client.get("/office/")).status_code == 403


async def test_anonymous_is_sent_to_login(client, db):
    response = await client.get("/admin/")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/admin/"


async def test_cookie_replayed_after_logout_is_dead(client, make_user):
    user = await make_user(Role.ADMIN)
    csrf = await staff_login(client, user.username)
    stolen = client.cookies.get(SESSION_COOKIE)
    assert (await client.get("/admin/")).status_code == 200
    response = await client.post("/logout", data={"csrf_token": csrf})
    assert response.status_code == 303
    assert await StaffSession.filter(user=user).count() == 0
    client.cookies.set(SESSION_COOKIE, stolen, domain="testserver")
    replay = await client.get("/admin/")
    assert replay.status_code == 303 and replay.headers["location"].startswith("/login")


async def test_logout_without_csrf_is_refused(client, make_user):
    user = await make_user(Role.VERIFIER)
    await staff_login(client, user.username)
    response = await client.post("/logout", data={"csrf_token": "forged"})
    assert response.status_code == 403
    assert await StaffSession.filter(user=user).count() == 1


async def test_unknown_user_and_wrong_password_get_the_same_answer(client, make_user):
    user = await make_user(Role.VERIFIER)
    wrong = await post_login(client, user.username, "salah-sekali")
    unknown = await post_login(client, "tidakada", "salah-sekali")
    assert wrong.status_code == unknown.status_code == 400
    assert users.LOGIN_FAILED in wrong.text and users.LOGIN_FAILED in unknown.text


async def test_login_is_throttled_after_repeated_failures(client, make_user, settings):
    user = await make_user(Role.VERIFIER)
    for _ in range(settings.login_max_failures):
        await post_login(client, user.username, "salah-sekali")
    # Even the right password is refused inside the window, so guessing cannot continue.
    blocked = await post_login(client, user.username, TEST_PASSWORD)
    assert blocked.status_code == 429
    assert "Terlalu banyak" in blocked.text


async def test_open_redirect_is_ignored(client, make_user):
    user = await make_user(Role.VERIFIER)
    response = await post_login(client, user.username, TEST_PASSWORD, next="//evil.example/x")
    assert response.headers["location"] == START_PAGES[Role.VERIFIER]


@pytest.mark.parametrize(
    "password", ["pendek1", "password123", "Indonesia123", "petugas-kita-2026x"]
)
async def test_weak_passwords_are_refused(db, password):
    with pytest.raises(WeakPassword):
        await users.create_user("petugas-kita", password, full_name="P", role=Role.OFFICER)


async def test_duplicate_username_is_refused(db, make_user):
    await make_user(Role.OFFICER, username="rahmat")
    with pytest.raises(Conflict, match="sudah dipakai"):
        await users.create_user("Rahmat", TEST_PASSWORD, full_name="R", role=Role.OFFICER)


async def test_invalid_role_and_username(db):
    with pytest.raises(ServiceError, match="Peran"):
        await users.create_user("valid", TEST_PASSWORD, full_name="V", role="boss")
    with pytest.raises(ServiceError, match="Nama pengguna"):
        await users.create_user("../x", TEST_PASSWORD, full_name="V", role=Role.OFFICER)


async def test_disabling_a_user_ends_their_sessions(client, make_user):
    user = await make_user(Role.SUPERVISOR)
    await staff_login(client, user.username)
    await users.set_active(user.username, False)
    response = await client.get("/office/dashboard")
    assert response.status_code == 303
    assert await AuditEvent.filter(action="user.disable").count() == 1


async def test_password_hash_is_argon2id(db, make_user):
    user = await make_user(Role.OFFICER)
    assert user.password_hash.startswith("$argon2id$")
    assert TEST_PASSWORD not in user.password_hash


@pytest.mark.parametrize(
    ("role", "password", "ok"),
    [
        (Role.OFFICER, "Sungai-Martapura", True),  # 16 characters, uncommon words
        (Role.OFFICER, "pasar terapung lok baintan", True),  # spaces are fine
        (Role.OFFICER, "Kelotok7", True),  # 8 is the floor for officers
        (Role.ADMIN, "Kelotok-Pagi-7", False),  # 14: admins need 15
        (Role.SUPERVISOR, "Kelotok-Pagi-77", True),
        (Role.OFFICER, "iloveyou", False),  # zxcvbn's common list
        (Role.OFFICER, "qwertyuiop", False),
        (Role.ADMIN, "aaaaaaaaaaaaaaaaaaaa", False),  # long but trivially guessable
        (Role.OFFICER, "x" * 257, False),  # over the cap
        (Role.OFFICER, "😀 Banjarmasin kota seribu sungai", True),  # any character
    ],
)
async def test_password_policy_follows_nist(db, role, password, ok):
    if ok:
        await users.create_user("pengguna", password, full_name="P", role=role)
    else:
        with pytest.raises(WeakPassword):
            await users.create_user("pengguna", password, full_name="P", role=role)


async def test_set_password_applies_the_role_minimum(db, make_user):
    admin = await make_user(Role.ADMIN)
    with pytest.raises(WeakPassword, match="15"):
        await users.set_password(admin.username, "Kelotok-Pagi-7")
