"""What an officer (or a support person with DevTools open) sees in the console: a first
sign-in cancels no request, and the normal upload of a new photo logs no error (the "does
the server have it" probe answers 200, not a tus 404)."""

from __future__ import annotations

import pytest

from server.models import Application

from .conftest import Device, submit_nib, sync_now

pytestmark = pytest.mark.browser


async def test_a_first_sign_in_aborts_no_request(device: Device, demo_data) -> None:
    await device.open()
    await device.login()
    await device.goto_app("#/")  # and the list drawn again after the first sync
    await device.page.wait_for_selector("#new-application")  # type: ignore[union-attr]
    assert device.failed_requests == [], "\n".join(device.failed_requests)
    assert device.console_errors == [], "\n".join(device.console_errors)
    assert device.http_errors == []


async def test_a_normal_upload_logs_no_console_error(device: Device, demo_data, small_jpeg) -> None:
    await device.open()
    await device.login()
    rec = await submit_nib(device, small_jpeg)  # online: it goes up at once
    await sync_now(device, timeout=60)
    app = await Application.get(id=rec["id"])
    assert app.files and all(f["arrived"] for f in app.files), app.files
    assert device.console_errors == [], "\n".join(device.console_errors)
    assert device.http_errors == []
