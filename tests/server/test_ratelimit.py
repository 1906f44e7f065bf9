"""Rate limits (server/web/ratelimit.py): keyed so one person's typos never lock out
colleagues behind the same address, 429 with Retry-After, shared storages that count
across workers, and client addresses that honour only trusted proxies."""

from __future__ import annotations

import os
import socket

import httpx
import pytest
from starlette.requests import Request

from server.app import create_app
from server.models import RateLimitCounter, Role
from server.services.throttling.limiter import Limiter, Rule
from server.settings import Settings, SettingsError
from server.web import ratelimit
from tests.conftest import TEST_PASSWORD, post_login

WRONG = "salah-sekali-ya"


async def login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await post_login(client, username, password)


async def test_ten_bad_logins_are_refused_from_the_sixth_with_retry_after(client, make_user):
    user = await make_user(Role.VERIFIER)
    statuses = [(await login(client, user.username, WRONG)).status_code for _ in range(10)]
    assert statuses == [400] * 5 + [429] * 5
    blocked = await login(client, user.username, TEST_PASSWORD)  # even the right password
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["retry-after"]) <= 900
    assert "Terlalu banyak percobaan" in blocked.text


async def test_one_persons_typos_do_not_lock_out_colleagues_behind_the_same_address(
    client, make_user
):
    clumsy = await make_user(Role.VERIFIER)
    colleague = await make_user(Role.VERIFIER)
    for name in (clumsy.username, "tidak-ada-orang"):  # known and unknown usernames alike
        for _ in range(6):
            await login(client, name, WRONG)
        assert (await login(client, name, WRONG)).status_code == 429
    ok = await login(client, colleague.username, TEST_PASSWORD)
    assert ok.status_code == 303, ok.text


async def test_a_successful_login_forgives_earlier_typos_from_that_address(client, make_user):
    user = await make_user(Role.VERIFIER)
    for _ in range(4):
        await login(client, user.username, WRONG)
    assert (await login(client, user.username, TEST_PASSWORD)).status_code == 303
    for _ in range(4):
        assert (await login(client, user.username, WRONG)).status_code == 400


async def test_an_account_guessed_from_many_addresses_is_slowed_down(app, make_user, monkeypatch):
    monkeypatch.setattr(ratelimit, "LOGIN_ACCOUNT", Rule("login-account", "3 per 15 minutes"))
    user = await make_user(Role.VERIFIER)
    statuses = []
    for n in range(5):
        transport = httpx.ASGITransport(app=app, client=(f"10.0.0.{n + 1}", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
            statuses.append((await login(c, user.username, WRONG)).status_code)
    assert statuses == [400, 400, 400, 429, 429]


async def test_a_username_spray_from_one_address_meets_the_address_ceiling(client, db, monkeypatch):
    monkeypatch.setattr(ratelimit, "LOGIN_ADDRESS", Rule("login-address", "4 per 15 minutes"))
    statuses = [(await login(client, f"orang{n}", WRONG)).status_code for n in range(6)]
    assert statuses == [400, 400, 400, 400, 429, 429]


async def test_enrolment_shares_the_sign_in_counters(client, make_user):
    officer = await make_user(Role.OFFICER)
    for _ in range(5):
        await login(client, officer.username, WRONG)
    response = await client.post(
        "/api/devices/enroll", json={"username": officer.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 429
    assert response.json()["error"] == "too_many_requests"
    assert int(response.headers["retry-after"]) > 0


async def test_sync_is_limited_per_device(client, make_user, make_device, monkeypatch):
    monkeypatch.setattr(ratelimit, "DEVICE_SYNC", Rule("device-sync", "2 per minute"))
    busy = await make_device(await make_user(Role.OFFICER))
    calm = await make_device(await make_user(Role.OFFICER))
    body = {"protocol": 1, "client_id": "c0ffee00-0000-4000-8000-000000000001"}

    async def pull(token: str) -> httpx.Response:
        return await client.post(
            "/api/sync/pull", json=body, headers={"authorization": f"Bearer {token}"}
        )

    assert [(await pull(busy.token)).status_code for _ in range(3)][-1] == 429
    refused = await pull(busy.token)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert (await pull(calm.token)).status_code != 429


async def test_uploads_are_limited_per_device(client, make_user, make_device, monkeypatch):
    monkeypatch.setattr(ratelimit, "DEVICE_UPLOAD", Rule("device-upload", "1 per minute"))
    device = await make_device(await make_user(Role.OFFICER))
    headers = {"authorization": f"Bearer {device.token}", "tus-resumable": "1.0.0"}
    first = await client.request("HEAD", "/api/uploads/" + "ab" * 32, headers=headers)
    assert first.status_code == 404
    second = await client.request("HEAD", "/api/uploads/" + "ab" * 32, headers=headers)
    assert second.status_code == 429 and int(second.headers["retry-after"]) > 0


def request_from(peer: str, forwarded: str | None, proxies: str) -> Request:
    settings = Settings.from_env(
        {"SECRET_KEY": "k" * 40, "DATA_DIR": "/tmp/unused", "TRUSTED_PROXIES": proxies}
    )
    app = type("App", (), {"state": type("State", (), {"settings": settings})()})()
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded is not None else []
    return Request({"type": "http", "client": (peer, 1), "headers": headers, "app": app})


@pytest.mark.parametrize(
    ("peer", "forwarded", "proxies", "expected"),
    [
        ("203.0.113.9", "1.2.3.4", "", "203.0.113.9"),  # no proxy trusted: header ignored
        ("203.0.113.9", "1.2.3.4", "10.0.0.0/8", "203.0.113.9"),  # peer is not our proxy
        ("10.0.0.2", "198.51.100.7", "10.0.0.0/8", "198.51.100.7"),
        ("10.0.0.2", "6.6.6.6, 198.51.100.7, 10.0.0.3", "10.0.0.0/8", "198.51.100.7"),
        ("10.0.0.2", "not-an-ip", "10.0.0.0/8", "10.0.0.2"),
        ("10.0.0.2", None, "10.0.0.0/8", "10.0.0.2"),
        ("::1", "2001:db8::5", "::1", "2001:db8::5"),
    ],
)
def test_client_address_trusts_only_configured_proxies(peer, forwarded, proxies, expected):
    assert ratelimit.client_address(request_from(peer, forwarded, proxies)) == expected


async def test_colleagues_behind_a_trusted_proxy_are_counted_apart(settings, db, make_user):
    proxied = Settings.from_env(
        {
            "DATA_DIR": str(settings.data_dir),
            "DATABASE_URL": settings.database_url,
            "SECRET_KEY": settings.secret_key,
            "TRUSTED_PROXIES": "127.0.0.1",
        }
    )
    app = create_app(proxied, manage_db=False)
    user = await make_user(Role.VERIFIER)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
        first = {"x-forwarded-for": "198.51.100.1"}
        for _ in range(5):
            await post_login(c, user.username, WRONG, headers=first)
        blocked = await post_login(c, user.username, TEST_PASSWORD, headers=first)
        other = await post_login(
            c, user.username, TEST_PASSWORD, headers={"x-forwarded-for": "198.51.100.2"}
        )
    assert blocked.status_code == 429
    assert other.status_code == 303


async def test_database_storage_counts_resets_and_reports_the_wait(db):
    limiter = Limiter("database")
    rule = Rule("unit", "2 per 10 minutes")
    assert [await limiter.hit(rule, "k") for _ in range(3)][:2] == [0, 0]
    wait = await limiter.retry_after(rule, "k")
    assert 500 < wait <= 600
    assert await limiter.retry_after(rule, "other") == 0
    row = await RateLimitCounter.get(bucket__contains="unit")
    assert row.hits == 3
    # An expired window starts again at one hit (no sleeping: move the expiry back).
    await RateLimitCounter.filter(bucket=row.bucket).update(expires_at=1.0)
    assert await limiter.hit(rule, "k") == 0
    assert (await RateLimitCounter.get(bucket=row.bucket)).hits == 1
    await limiter.purge_expired()
    await limiter.clear(rule, "k")
    assert await RateLimitCounter.filter(bucket=row.bucket).count() == 0


async def test_database_storage_counts_concurrent_hits_exactly(db):
    """Concurrent hits land on one row exactly (an upsert, not read-then-write)."""
    import asyncio

    limiter = Limiter("database")
    rule = Rule("burst", "1000 per hour")
    await asyncio.gather(*(limiter.hit(rule, "same") for _ in range(40)))
    row = await RateLimitCounter.get(bucket__contains="burst")
    assert row.hits == 40


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not redis_reachable(), reason="no Redis on 127.0.0.1:6379")
async def test_redis_storage_counts_and_reports_the_wait():
    limiter = Limiter("redis://127.0.0.1:6379/15")
    rule = Rule(f"unit-{os.getpid()}-{id(limiter)}", "2 per 10 minutes")
    try:
        assert [await limiter.hit(rule, "k") for _ in range(2)] == [0, 0]
        assert await limiter.hit(rule, "k") > 0
        assert 500 < await limiter.retry_after(rule, "k") <= 600
    finally:
        await limiter.clear(rule, "k")
        await limiter.close()


def test_settings_refuse_per_process_counters_with_several_workers():
    base = {"SECRET_KEY": "k" * 40, "DATA_DIR": "/tmp/unused"}
    assert Settings.from_env({**base, "WORKERS": "4"}).rate_limit_storage == "database"
    assert Settings.from_env(base).rate_limit_storage == "memory"
    with pytest.raises(SettingsError, match="RATE_LIMIT_STORAGE=memory"):
        Settings.from_env({**base, "WORKERS": "4", "RATE_LIMIT_STORAGE": "memory"})
    with pytest.raises(SettingsError, match="RATE_LIMIT_STORAGE"):
        Settings.from_env({**base, "RATE_LIMIT_STORAGE": "memcached://x"})
    with pytest.raises(SettingsError, match="TRUSTED_PROXIES"):
        Settings.from_env({**base, "TRUSTED_PROXIES": "10.0.0.0/8, proxy.local"})
