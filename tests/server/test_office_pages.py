"""The office start pages list and count what devices synced (deleted ones left out; the
inbox lists submitted applications only)."""

from __future__ import annotations

import uuid

from server.models import Role
from server.services.applications import sync_service
from tests.conftest import staff_login


def create(record_id: str, code: str, name: str) -> dict:
    return {
        "name": "create_application",
        "args": {
            "record_id": record_id,
            "permit_type": "siup_mikro",
            "form_version": 1,
            "tracking_code": code,
            "status_token": "q3Vb8xY2mN4pR6tW1zA9cE" + code[-4:],
            "fields": {"full_name": name, "business_region": "63.71.01.1002"},
        },
    }


async def test_inbox_and_dashboard_show_synced_applications(
    client, make_user, make_device, siup_mikro_form
):
    officer = await make_user(Role.OFFICER, area_codes=["63.71"])
    token = (await make_device(officer)).token
    ids = [str(uuid.uuid4()) for _ in range(3)]
    codes = ["JB-7K3M-9QXD-4HTA", "JB-7K3M-9QXD-4HTB", "JB-7K3M-9QXD-4HTC"]
    mutations = [
        create(i, c, f"Pemohon {n}") for n, (i, c) in enumerate(zip(ids, codes, strict=True))
    ]
    mutations.append({"name": "submit_application", "args": {"record_id": ids[0]}})
    body = {
        "protocol": 1,
        "client_id": str(uuid.uuid4()),
        "mutations": [{"id": n + 1, **m} for n, m in enumerate(mutations)],
    }
    pushed = await client.post(
        "/api/sync/push", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert [r["status"] for r in pushed.json()["results"]] == ["applied"] * 4
    supervisor = await make_user(Role.SUPERVISOR)
    await sync_service.delete_application(supervisor, ids[2])

    await staff_login(client, supervisor.username)
    inbox = (await client.get("/office/")).text
    # Drafts stay with their officer; deleted applications are gone.
    assert codes[0] in inbox and codes[1] not in inbox and codes[2] not in inbox
    dashboard = (await client.get("/office/dashboard")).text
    assert "Diterima: 1" in dashboard and "Draf: 1" in dashboard
    assert "Dibatalkan" not in dashboard
