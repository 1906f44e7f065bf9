"""The back-office sign-in with its second step, in real Chromium: an admin's first sign-in
enrols an authenticator from the QR page and shows the recovery codes; the next sign-in asks
for a code, a code already used is refused, and sign-out clears the browser's cache and
cookies."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pyotp
import pytest
from playwright.async_api import Browser, Page, Playwright

from server.models import Role, User
from tests.conftest import TEST_PASSWORD, next_totp_code

from .conftest import ARGS

pytestmark = pytest.mark.browser


@pytest.fixture
async def browser(pw: Playwright, chromium_path: str) -> AsyncIterator[Browser]:
    browser = await pw.chromium.launch(executable_path=chromium_path, args=ARGS, headless=True)
    yield browser
    await browser.close()


async def sign_in(page: Page, base: str, username: str) -> None:
    await page.goto(f"{base}/login")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", TEST_PASSWORD)
    async with page.expect_navigation():
        await page.click("main button[type=submit]")


async def type_code(page: Page, code: str) -> None:
    await page.fill("input[name=code]", code)
    async with page.expect_navigation():
        await page.click("main button[type=submit]")


async def test_admin_sets_up_and_uses_the_second_step(
    browser: Browser, live_server, make_user
) -> None:
    admin = await make_user(Role.ADMIN)
    base = live_server.url
    context = await browser.new_context(locale="id-ID")
    page = await context.new_page()
    page.set_default_timeout(15_000)

    await sign_in(page, base, admin.username)
    assert page.url == f"{base}/login/second-factor/setup"
    assert await page.locator("#totp-qr svg").is_visible()  # drawn by the server, no CDN
    secret = (await page.text_content("#totp-secret") or "").strip()
    await type_code(page, "000000")
    assert "tidak cocok" in (await page.text_content("main") or "")
    secret = (await page.text_content("#totp-secret") or "").strip()  # same key kept
    await type_code(page, pyotp.TOTP(secret).now())
    codes = await page.locator("#recovery-codes code").all_text_contents()
    assert len(codes) == 10
    async with page.expect_navigation():
        await page.click("main a.button")
    assert page.url == f"{base}/admin/"

    # Sign out: the answer asks the browser to drop its cache and cookies.
    async with page.expect_response(f"{base}/logout") as logout:
        await page.click("form.logout button")
    headers = await (await logout.value).all_headers()
    assert headers["clear-site-data"] == '"cache", "cookies"'
    await page.wait_for_url(f"{base}/login")

    await sign_in(page, base, admin.username)
    assert page.url == f"{base}/login/second-factor"
    user = await User.get(id=admin.id)
    used = pyotp.TOTP(secret).at(user.totp_last_step * 30)  # type: ignore[operator]
    await type_code(page, used)  # the code that set it up: already taken
    assert "sudah dipakai" in (await page.text_content("main") or "")
    await type_code(page, next_totp_code(user))
    assert page.url == f"{base}/admin/"
    await context.close()
