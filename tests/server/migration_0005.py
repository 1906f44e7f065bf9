"""Run by tests/server/test_migration_0005.py in its own process (Tortoise's connections are
process-wide): build a database up to migration 0004, store an application the way 0004 did
(its status token in plain text), migrate forward, and report what is stored and what the
receipt's old link answers. Prints one JSON object."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
from tortoise import connections
from tortoise.migrations.api import migrate

from server import db as dbmod
from server.app import create_app
from server.settings import Settings

RECORD_ID = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
CODE = "JB-7K3M-9QXD-4HTW"
TOKEN = "q3Vb8xY2mN4pR6tW1zA9cE"  # 128 bits, base64url, as the tablet made it


async def main(database_url: str, data_dir: str) -> dict[str, object]:
    settings = Settings.from_env(
        {
            "DATA_DIR": data_dir,
            "MEDIA_DIR": str(Path(data_dir) / "media"),
            "DATABASE_URL": database_url,
            "SECRET_KEY": "migration-test-secret-" + "x" * 32,
            "BASE_URL": "http://127.0.0.1:8000",
        }
    )
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    await migrate(config=dbmod.tortoise_config(settings), target="models.0004_sync_push_log")
    conn = connections.get("default")
    postgres = conn.capabilities.dialect == "postgres"
    columns = (
        "id, owner_user_id, created_by_client, permit_type, form_version, tracking_code, "
        "status_token, status, data, corrections, files, region_code, created_at, updated_at, "
        "version, change_seq, deleted"
    )
    marks = ", ".join(f"${n}" if postgres else "?" for n in range(1, 18))
    stamp = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    await conn.execute_query(
        f"INSERT INTO application ({columns}) VALUES ({marks})",
        [
            RECORD_ID,
            "7",
            "c0ffee00-0000-4000-8000-000000000001",
            "siup_mikro",
            1,
            CODE,
            TOKEN,
            "diterima",
            json.dumps({"full_name": "Siti Aminah", "business_region": "63.71.01.1002"}),
            "{}",
            "[]",
            "63.71.01.1002",
            stamp,
            stamp,
            1,
            1,
            False,
        ],
    )
    # An office and a user too: later migrations add NOT NULL columns to tables in use.
    office = ", ".join(f"${n}" if postgres else "?" for n in range(1, 7))
    await conn.execute_query(
        f"INSERT INTO office (code, name, region_code, address, phone, email) VALUES ({office})",
        ["dpmptsp-banjarmasin", "DPMPTSP Kota Banjarmasin", "63.71", "Jl. Lambung", "", ""],
    )
    user = ", ".join(f"${n}" if postgres else "?" for n in range(1, 8))
    await conn.execute_query(
        "INSERT INTO app_user (username, full_name, role, area_codes, password_hash, is_active, "
        f"created_at) VALUES ({user})",
        ["petugas", "Petugas Lapangan", "officer", '["63.71"]', "x", True, stamp],
    )
    before = await conn.execute_query_dict("SELECT status_token FROM application")
    await dbmod.close_db()
    applied = await dbmod.migrate(settings)
    await dbmod.init_db(settings)
    conn = connections.get("default")
    stored = await conn.execute_query_dict("SELECT * FROM application")
    offices = await conn.execute_query_dict("SELECT * FROM office")
    users = await conn.execute_query_dict("SELECT * FROM app_user")
    app = create_app(settings, manage_db=False)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        page = await client.get(f"/t/{CODE}?k={TOKEN}")
        wrong = await client.get(f"/t/{CODE}?k={TOKEN[:-1]}A")
    await dbmod.close_db()
    return {
        "before": [row["status_token"] for row in before],
        "applied": applied,
        "columns": sorted(stored[0]),
        "stored": [row["status_token_hash"] for row in stored],
        "page_status": page.status_code,
        "page_has_code": CODE in page.text,
        "page_status_attr": 'data-status="diterima"' in page.text,
        "wrong_status": wrong.status_code,
        "office_hours": [row["hours"] for row in offices],
        "users": [row["username"] for row in users],
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1], sys.argv[2]))))
