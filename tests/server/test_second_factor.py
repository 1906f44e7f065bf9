"""TOTP second factor: required for admins and supervisors (enrolment at the first sign-in
with a server-drawn QR), optional for others, single-use codes, recovery codes stored hashed,
and a session id that changes when the second step is done."""

from __future__ import annotations

import time

import pyotp
import pytest

from server.models import AuditEvent, RecoveryCode, Role, StaffSession, User
from server.services.accounts import second_factor
from server.web.auth import SESSION_COOKIE, START_PAGES
from tests.conftest import (
    TEST_PASSWORD,
    enrol_second_factor,
    next_totp_code,
    post_login,
    staff_login,
)


def hidden(html: str, name: str) -> str:
    return html.split(f'name="{name}" value="')[1].split('"')[0]


async def test_admin_enrols_an_authenticator_at_first_sign_in(client, make_user):
    admin = await make_user(Role.ADMIN)
    response = await post_login(client, admin.username, TEST_PASSWORD)
    assert response.headers["location"] == "/login/second-factor/setup"
    pending_cookie = client.cookies.get(SESSION_COOKIE)
    # Between password and code, no page opens.
    blocked = await client.get("/admin/")
    assert blocked.status_code == 303 and blocked.headers["location"].startswith(
        "/login/second-factor"
    )

    setup = await client.get("/login/second-factor/setup")
    assert setup.status_code == 200
    assert "<svg" in setup.text and "cdn" not in setup.text.lower()
    secret = hidden(setup.text, "secret")
    assert secret in setup.text.split('id="totp-secret">')[1]  # typed by hand if no camera
    form = {
        "csrf_token": hidden(setup.text, "csrf_token"),
        "secret": secret,
        "signature": hidden(setup.text, "signature"),
    }
    wrong = await client.post("/login/second-factor/setup", data={**form, "code": "000000"})
    assert wrong.status_code == 400 and "tidak cocok" in wrong.text
    tampered = {**form, "secret": pyotp.random_base32()}
    forged = await client.post(
        "/login/second-factor/setup",
        data={**tampered, "code": pyotp.TOTP(tampered["secret"]).now()},
    )
    assert forged.status_code == 400  # a secret the server did not hand out is refused
    done = await client.post(
        "/login/second-factor/setup", data={**form, "code": pyotp.TOTP(secret).now()}
    )
    assert done.status_code == 200
    codes = [c.split("</code>")[0] for c in done.text.split("<li><code>")[1:]]
    assert len(codes) == 10 and len(set(codes)) == 10

    await admin.refresh_from_db()
    assert admin.totp_secret == secret
    stored = await RecoveryCode.filter(user=admin)
    assert len(stored) == 10
    assert all(row.code_hash.startswith("$argon2id$") for row in stored)
    assert not any(code in row.code_hash for row in stored for code in codes)
    # The session id changed with the privilege; the pending cookie is dead.
    assert client.cookies.get(SESSION_COOKIE) != pending_cookie
    assert not await StaffSession.filter(second_factor_done=False).exists()
    assert (await client.get("/admin/")).status_code == 200


async def test_a_code_is_taken_once_and_a_wrong_one_is_refused(client, make_user):
    supervisor = await make_user(Role.SUPERVISOR)
    secret = await enrol_second_factor(supervisor)
    assert (await post_login(client, supervisor.username, TEST_PASSWORD)).headers[
        "location"
    ] == "/login/second-factor"
    page = await client.get("/login/second-factor")
    csrf = hidden(page.text, "csrf_token")
    wrong = await client.post("/login/second-factor", data={"code": "12345", "csrf_token": csrf})
    assert wrong.status_code == 400 and "salah atau sudah dipakai" in wrong.text
    code = pyotp.TOTP(secret).now()
    ok = await client.post("/login/second-factor", data={"code": code, "csrf_token": csrf})
    assert ok.status_code == 303 and ok.headers["location"] == START_PAGES[Role.SUPERVISOR]

    # Someone who watched the code type it in a second browser: refused.
    client.cookies.clear()
    await post_login(client, supervisor.username, TEST_PASSWORD)
    csrf = hidden((await client.get("/login/second-factor")).text, "csrf_token")
    replay = await client.post("/login/second-factor", data={"code": code, "csrf_token": csrf})
    assert replay.status_code == 400
    assert (await client.get("/office/dashboard")).status_code == 303


async def test_replay_is_refused_even_when_two_checks_race(make_user):
    import asyncio

    user = await make_user(Role.ADMIN)
    secret = await enrol_second_factor(user)
    now = time.time()
    code = pyotp.TOTP(secret).at(now)
    again = await User.get(id=user.id)
    results = await asyncio.gather(
        second_factor.verify(user, code, now=now), second_factor.verify(again, code, now=now)
    )
    assert sorted(results) == [False, True]
    # Codes from a step before the last one taken are refused too; the next step works.
    assert not await second_factor.verify(user, pyotp.TOTP(secret).at(now - 30), now=now)
    assert await second_factor.verify(user, pyotp.TOTP(secret).at(now + 30), now=now)
    # Outside the one-step window either side: refused.
    assert not await second_factor.verify(user, pyotp.TOTP(secret).at(now + 90), now=now)


async def test_a_recovery_code_works_once(client, make_user):
    admin = await make_user(Role.ADMIN)
    codes = await second_factor.confirm_enrolment(
        admin, secret := second_factor.new_secret(), pyotp.TOTP(secret).now()
    )
    assert codes is not None
    await post_login(client, admin.username, TEST_PASSWORD)
    csrf = hidden((await client.get("/login/second-factor")).text, "csrf_token")
    used = await client.post("/login/second-factor", data={"code": codes[3], "csrf_token": csrf})
    assert used.status_code == 303
    event = await AuditEvent.filter(action="second_factor.recovery_code").first()
    assert event is not None and event.detail["left"] == 9

    client.cookies.clear()
    await post_login(client, admin.username, TEST_PASSWORD)
    csrf = hidden((await client.get("/login/second-factor")).text, "csrf_token")
    again = await client.post("/login/second-factor", data={"code": codes[3], "csrf_token": csrf})
    assert again.status_code == 400


async def test_wrong_codes_are_throttled_like_passwords(client, make_user):
    admin = await make_user(Role.ADMIN)
    await enrol_second_factor(admin)
    await post_login(client, admin.username, TEST_PASSWORD)
    csrf = hidden((await client.get("/login/second-factor")).text, "csrf_token")
    statuses = [
        (
            await client.post("/login/second-factor", data={"code": "000000", "csrf_token": csrf})
        ).status_code
        for _ in range(6)
    ]
    assert statuses == [400] * 5 + [429]
    await admin.refresh_from_db()
    right = await client.post(
        "/login/second-factor", data={"code": next_totp_code(admin), "csrf_token": csrf}
    )
    assert right.status_code == 429 and int(right.headers["retry-after"]) > 0


@pytest.mark.parametrize("role", [Role.OFFICER, Role.VERIFIER])
async def test_others_may_turn_it_on_and_are_then_asked(client, make_user, role):
    user = await make_user(role)
    response = await post_login(client, user.username, TEST_PASSWORD)
    assert response.headers["location"] == START_PAGES[role]  # optional: not asked yet
    setup = await client.get("/login/second-factor/setup")
    assert setup.status_code == 200
    assert "Peran Anda memerlukan" not in setup.text
    secret = hidden(setup.text, "secret")
    done = await client.post(
        "/login/second-factor/setup",
        data={
            "csrf_token": hidden(setup.text, "csrf_token"),
            "secret": secret,
            "signature": hidden(setup.text, "signature"),
            "code": pyotp.TOTP(secret).now(),
        },
    )
    assert done.status_code == 200 and "recovery-codes" in done.text
    client.cookies.clear()
    again = await post_login(client, user.username, TEST_PASSWORD)
    assert again.headers["location"] == "/login/second-factor"


async def test_reset_forgets_the_authenticator(make_user):
    admin = await make_user(Role.ADMIN)
    secret = second_factor.new_secret()
    assert await second_factor.confirm_enrolment(admin, secret, pyotp.TOTP(secret).now())
    await second_factor.reset(admin, actor=None)
    await admin.refresh_from_db()
    assert admin.totp_secret is None and admin.totp_last_step is None
    assert await RecoveryCode.filter(user=admin).count() == 0
    assert second_factor.required(admin)  # still required by the role: set up anew


async def test_staff_api_calls_need_the_second_step_too(client, make_user):
    admin = await make_user(Role.ADMIN)
    await enrol_second_factor(admin)
    await post_login(client, admin.username, TEST_PASSWORD)
    response = await client.post("/api/conflicts/x/resolve", json={"keep": "server"})
    assert response.status_code == 401
    assert response.json()["error"] == "second_factor_required"


async def test_staff_login_helper_goes_through_the_real_second_step(client, make_user):
    admin = await make_user(Role.ADMIN)
    await staff_login(client, admin.username)
    event = await AuditEvent.filter(action="login").order_by("-seq").first()
    assert event is not None and event.detail.get("second_factor") is True
