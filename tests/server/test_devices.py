"""Device credentials: enrollment, use, and revocation that bites on the next request."""

from __future__ import annotations

from server.models import Device, Role
from tests.conftest import TEST_PASSWORD, staff_login


async def enroll(client, username, password=TEST_PASSWORD):
    return await client.post(
        "/api/devices/enroll",
        json={"username": username, "password": password, "device_name": "Tab A9"},
    )


async def test_enroll_then_call_with_the_token(client, make_user):
    officer = await make_user(Role.OFFICER)
    response = await enroll(client, officer.username)
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["username"] == officer.username
    device = await Device.get(id=body["device_id"])
    assert body["token"] not in device.token_hash  # stored hashed
    me = await client.get("/api/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.json()["device"]["name"] == "Tab A9"


async def test_wrong_password_and_bad_bodies_get_clear_4xx(client, make_user):
    officer = await make_user(Role.OFFICER)
    wrong = await enroll(client, officer.username, "salah-sekali")
    assert wrong.status_code == 400 and wrong.json()["error"] == "login_failed"
    not_json = await client.post(
        "/api/devices/enroll", content=b"{", headers={"content-type": "application/json"}
    )
    assert not_json.status_code == 400 and not_json.json()["error"] == "bad_json"
    missing = await client.post("/api/devices/enroll", json={"username": officer.username})
    assert missing.status_code == 400 and "password" in missing.json()["message"]
    form = await client.post("/api/devices/enroll", data={"username": "x"})
    assert form.status_code == 415


async def test_verifier_cannot_enroll_a_tablet(client, make_user):
    verifier = await make_user(Role.VERIFIER)
    response = await enroll(client, verifier.username)
    assert response.status_code == 403


async def test_missing_or_unknown_token_is_refused(client, db):
    assert (await client.get("/api/me")).json()["error"] == "device_token_missing"
    response = await client.get("/api/me", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401 and response.json()["error"] == "device_unknown"


async def test_revocation_refuses_the_very_next_request(client, make_user):
    officer = await make_user(Role.OFFICER)
    admin = await make_user(Role.ADMIN)
    token = (await enroll(client, officer.username)).json()["token"]
    device = await Device.get(user=officer)
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/me", headers=headers)).status_code == 200

    csrf = await staff_login(client, admin.username)
    admin_page = await client.get("/admin/devices")
    assert str(device.id) in admin_page.text
    forged = await client.post(f"/admin/devices/{device.id}/revoke", data={"csrf_token": "x"})
    assert forged.status_code == 403
    revoked = await client.post(f"/admin/devices/{device.id}/revoke", data={"csrf_token": csrf})
    assert revoked.status_code == 303

    refused = await client.get("/api/me", headers=headers)
    assert refused.status_code == 401
    assert refused.json()["error"] == "device_revoked"


async def test_field_app_logout_revokes_the_token_and_is_audited(client, make_user):
    from server.models import AuditEvent

    officer = await make_user(Role.OFFICER)
    enrolled = await enroll(client, officer.username)
    assert enrolled.json()["field_app"] == {"lock_idle_seconds": 600, "timezone": "Asia/Makassar"}
    assert enrolled.headers["cache-control"] == "no-store"
    headers = {"Authorization": f"Bearer {enrolled.json()['token']}"}
    me = await client.get("/api/me", headers=headers)
    assert me.json()["field_app"]["lock_idle_seconds"] == 600
    assert me.headers["cache-control"] == "no-store"

    assert (await client.post("/api/devices/logout")).status_code == 401
    wrong = await client.post("/api/devices/logout", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.json()["error"] == "device_unknown"
    out = await client.post("/api/devices/logout", headers=headers)
    assert out.status_code == 204
    device = await Device.get(id=enrolled.json()["device_id"])
    assert device.revoked_at is not None
    events = await AuditEvent.filter(action="device.logout", object_id=str(device.id))
    assert len(events) == 1 and events[0].actor_id == officer.id  # type: ignore[attr-defined]
    after = await client.get("/api/me", headers=headers)
    assert after.status_code == 401 and after.json()["error"] == "device_revoked"
    again = await client.post("/api/devices/logout", headers=headers)
    assert again.status_code == 401  # a logged-out token cannot log out (or do anything) again
    # Logging out is not a revocation by an admin: the officer may enrol a tablet again.
    assert (await enroll(client, officer.username)).status_code == 201


async def test_reference_data_is_scoped_and_cacheable(client, make_user, make_device):
    from server.models import Region

    await Region.bulk_create(
        [
            Region(code="63", parent_code=None, name="Kalimantan Selatan", level=1),
            Region(code="63.71", parent_code="63", name="Kota Banjarmasin", level=2),
            Region(code="63.71.01", parent_code="63.71", name="Banjarmasin Selatan", level=3),
            Region(code="63.03", parent_code="63", name="Kabupaten Banjar", level=2),
        ]
    )
    officer = await make_user(Role.OFFICER, area_codes=["63.71"])
    token = (await make_device(officer)).token
    headers = {"Authorization": f"Bearer {token}"}
    response = await client.get("/api/reference", headers=headers)
    codes = [r["code"] for r in response.json()["regions"]]
    assert codes == ["63", "63.71", "63.71.01"]  # ancestors kept, other regencies left out
    again = await client.get(
        "/api/reference", headers={**headers, "If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304


async def test_revoking_a_tablet_ends_the_officers_sessions_and_blocks_re_enrolment(
    client, make_user
):
    from server.models import AuditEvent, StaffSession

    officer = await make_user(Role.OFFICER)
    admin = await make_user(Role.ADMIN)
    token = (await enroll(client, officer.username)).json()["token"]
    device = await Device.get(user=officer)
    await staff_login(client, officer.username)  # the officer's back-office session
    assert await StaffSession.filter(user=officer).count() == 1
    client.cookies.clear()

    csrf = await staff_login(client, admin.username)
    revoked = await client.post(f"/admin/devices/{device.id}/revoke", data={"csrf_token": csrf})
    assert revoked.status_code == 303
    assert await StaffSession.filter(user=officer).count() == 0
    admin_page = await client.get(f"/admin/users/{officer.username}")
    assert f"/admin/users/{officer.username}/allow-enrol" in admin_page.text

    # The same password cannot enrol a new tablet until an admin allows it.
    again = await enroll(client, officer.username)
    assert again.status_code == 403 and again.json()["error"] == "enrol_blocked"
    assert await Device.filter(user=officer).count() == 1

    # Every refused request from the revoked tablet leaves an audit row.
    before = await AuditEvent.filter(action="device.refused").count()
    for _ in range(3):
        refused = await client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
        assert refused.json()["error"] == "device_revoked"
    rows = await AuditEvent.filter(action="device.refused").order_by("seq")
    assert len(rows) == before + 3
    assert rows[-1].object_id == str(device.id) and rows[-1].detail == {"reason": "revoked"}

    allowed = await client.post(
        f"/admin/users/{officer.username}/allow-enrol", data={"csrf_token": csrf}
    )
    assert allowed.status_code == 303
    assert (await enroll(client, officer.username)).status_code == 201
    assert await AuditEvent.filter(action="device.enroll_allowed").count() == 1


async def test_allow_enrol_refuses_unknown_users_and_other_roles(client, make_user):
    officer = await make_user(Role.OFFICER)
    verifier = await make_user(Role.VERIFIER)
    admin = await make_user(Role.ADMIN)
    csrf = await staff_login(client, verifier.username)
    denied = await client.post(
        f"/admin/users/{officer.username}/allow-enrol", data={"csrf_token": csrf}
    )
    assert denied.status_code == 403
    client.cookies.clear()
    csrf = await staff_login(client, admin.username)
    missing = await client.post("/admin/users/nobody-here/allow-enrol", data={"csrf_token": csrf})
    assert missing.status_code == 404


async def test_the_field_app_is_told_the_office_time_zone(db, make_user):
    """The tablet shows times and "today" in the office's zone (TIMEZONE), not a fixed +8 h."""
    import dataclasses

    import httpx

    from server.app import create_app

    officer = await make_user(Role.OFFICER)
    app = create_app(dataclasses.replace(db, timezone="Asia/Jakarta"), manage_db=False)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50001))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        enrolled = await enroll(client, officer.username)
        assert enrolled.json()["field_app"]["timezone"] == "Asia/Jakarta"
        token = enrolled.json()["token"]
        me = await client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
        assert me.json()["field_app"]["timezone"] == "Asia/Jakarta"
