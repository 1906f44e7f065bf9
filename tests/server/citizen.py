"""Helpers for the citizen-side tests: an application pushed by a tablet, forged form tokens."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import httpx

from server.models import Office, Role
from server.public import guard
from server.settings import Settings

TOKEN = "q3Vb8xY2mN4pR6tW1zA9cE"
NIK = "6371014506900002"
PHONE = "+6281234567890"


@dataclass
class Pushed:
    record_id: str
    code: str
    token: str
    device_token: str
    client_id: str


async def push_application(
    client: httpx.AsyncClient,
    make_user,  # type: ignore[no-untyped-def]
    make_device,  # type: ignore[no-untyped-def]
    *,
    code: str = "JB-7K3M-9QXD-4HTW",
    token: str = TOKEN,
    name: str = "Siti Aminah",
    submit: bool = True,
) -> Pushed:
    officer = await make_user(Role.OFFICER, area_codes=["63.71"])
    device_token = (await make_device(officer)).token
    record_id = str(uuid.uuid4())
    mutations = [
        {
            "name": "create_application",
            "args": {
                "record_id": record_id,
                "permit_type": "siup_mikro",
                "form_version": 1,
                "tracking_code": code,
                "status_token": token,
                "fields": {
                    "full_name": name,
                    "nik": NIK,
                    "phone": PHONE,
                    "business_region": "63.71.01.1002",
                },
            },
        }
    ]
    if submit:
        mutations.append({"name": "submit_application", "args": {"record_id": record_id}})
    client_id = str(uuid.uuid4())
    body = {
        "protocol": 1,
        "client_id": client_id,
        "mutations": [{"id": n + 1, **m} for n, m in enumerate(mutations)],
    }
    answer = await client.post(
        "/api/sync/push", json=body, headers={"Authorization": f"Bearer {device_token}"}
    )
    assert [r["status"] for r in answer.json()["results"]] == ["applied"] * len(mutations)
    return Pushed(record_id, code, token, device_token, client_id)


async def banjarmasin_office() -> Office:
    return await Office.create(
        code="dpmptsp-banjarmasin",
        name="DPMPTSP Kota Banjarmasin",
        region_code="63.71",
        address="Jl. Lambung Mangkurat, Banjarmasin",
        phone="+625110000002",
        email="dpmptsp@demo.example",
        hours="Senin–Kamis 08.00–15.00 WITA",
    )


def aged_form_token(settings: Settings, nonce: str, age_s: int = 30) -> str:
    """A public form token issued ``age_s`` seconds ago (a person took that long to fill in)."""
    issued = int(time.time()) - age_s
    return f"{issued}.{guard._sign(settings.secret_key, nonce, issued)}"


async def form_nonce(client: httpx.AsyncClient, path: str) -> str:
    page = await client.get(path)
    assert page.status_code == 200, page.text
    return client.cookies[guard.FORM_COOKIE]
