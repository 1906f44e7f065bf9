"""What lands in the audit trail from the web: sign-ins (both outcomes), sign-outs, device
enrolment and revocation, and conflict resolutions without the resolved value."""

from __future__ import annotations

from server.models import AuditEvent, Role
from server.services import audit
from tests.conftest import TEST_PASSWORD, post_login, staff_login


async def actions() -> list[tuple[str, int | None, str]]:
    rows = await AuditEvent.all().order_by("seq")
    return [(r.action, r.actor_id, r.object_id) for r in rows]  # type: ignore[attr-defined]


async def test_office_sign_in_out_and_a_failed_attempt(client, make_user):
    verifier = await make_user(Role.VERIFIER, username="verif1")
    start = await AuditEvent.all().count()
    bad = await post_login(client, "Verif1", "salah-sekali")
    assert bad.status_code == 400
    csrf = await staff_login(client, "verif1")
    out = await client.post("/logout", data={"csrf_token": csrf})
    assert out.status_code == 303
    assert (await actions())[start:] == [
        ("login.failed", None, "verif1"),
        ("login", verifier.id, str(verifier.id)),
        ("logout", verifier.id, str(verifier.id)),
    ]
    failed = await AuditEvent.get(action="login.failed")
    assert failed.detail == {"client": "127.0.0.1", "channel": "office"}
    assert "salah" not in str(failed.detail)  # never the password
    assert (await audit.verify()).ok


async def test_device_enrolment_and_revocation(client, make_user):
    officer = await make_user(Role.OFFICER, username="petugas9")
    admin = await make_user(Role.ADMIN, username="admin9")
    start = await AuditEvent.all().count()
    refused = await client.post(
        "/api/devices/enroll", json={"username": "petugas9", "password": "bukan-ini-123"}
    )
    assert refused.status_code == 400
    enrolled = await client.post(
        "/api/devices/enroll", json={"username": "petugas9", "password": TEST_PASSWORD}
    )
    assert enrolled.status_code == 201
    device_id = enrolled.json()["device_id"]
    csrf = await staff_login(client, "admin9")
    revoked = await client.post(f"/admin/devices/{device_id}/revoke", data={"csrf_token": csrf})
    assert revoked.status_code == 303
    assert (await actions())[start:] == [
        ("login.failed", None, "petugas9"),
        ("device.enroll", officer.id, device_id),
        ("login.password", admin.id, str(admin.id)),  # then the second factor:
        ("login", admin.id, str(admin.id)),
        ("device.revoke", admin.id, device_id),
    ]
    assert (await AuditEvent.get(action="login.failed")).detail["channel"] == "device"
