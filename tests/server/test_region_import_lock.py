"""`jemput regions import` and the admin page's import: progress over every row, and one import
at a time across tasks, workers and processes (PostgreSQL refuses a second one at once;
SQLite makes it wait, then refuses it clearly if the first takes too long). Never half an
import, never a traceback."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from server.models import Region, Role
from server.services.errors import ServiceError
from server.services.reference import region_jobs, regions
from tests.conftest import ROOT, is_postgres, staff_login

VILLAGES = 1200


def region_rows(renamed: int = 0) -> list[regions.RegionRow]:
    rows = [
        regions.RegionRow("63.71", "63", "Kota Banjarmasin", 2, "t:1"),
        regions.RegionRow("63.71.01", "63.71", "Banjarmasin Selatan", 3, "t:2"),
    ]
    rows += [
        regions.RegionRow(
            f"63.71.01.{n}",
            "63.71.01",
            f"Kelurahan {n}{' Baru' if n - 1001 < renamed else ''}",
            4,
            f"t:{n}",
        )
        for n in range(1001, 1001 + VILLAGES)
    ]
    return rows


async def test_progress_counts_every_row_inserts_and_renames(db) -> None:
    seen: list[tuple[int, int]] = []
    first = await regions.import_rows(region_rows(), progress=lambda d, t: seen.append((d, t)))
    total = VILLAGES + 2
    assert first == {"created": total + 1, "updated": 0, "unchanged": 0}  # + the province
    assert seen == [(0, total), (500, total), (1000, total), (total, total)]
    seen.clear()
    again = await regions.import_rows(
        region_rows(renamed=700), progress=lambda d, t: seen.append((d, t))
    )
    assert again == {"created": 0, "updated": 700, "unchanged": total - 700}
    assert seen[0] == (total - 700, total) and seen[-1] == (total, total)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert await Region.filter(name__endswith=" Baru").count() == 700


async def test_a_second_import_while_one_holds_the_lock_is_refused(db) -> None:
    held, release = asyncio.Event(), asyncio.Event()
    raw: sqlite3.Connection | None = None
    holder: asyncio.Task[None] | None = None
    if is_postgres():

        async def hold() -> None:  # another worker, mid-import
            async with in_transaction() as conn:
                await regions.take_import_lock(conn)
                held.set()
                await release.wait()

        holder = asyncio.create_task(hold())
        await held.wait()
    else:  # another process holds the write lock; wait for it only briefly here
        path = db.database_url.removeprefix("sqlite://").split("?")[0]
        raw = sqlite3.connect(path, isolation_level=None)
        raw.execute("BEGIN")
        raw.execute("UPDATE region SET name = name WHERE 1 = 0")
        await connections.get("default").execute_script("PRAGMA busy_timeout = 300")
    try:
        with pytest.raises(ServiceError) as refused:
            await regions.import_rows(region_rows())
    finally:
        release.set()
        if holder is not None:
            await holder
        if raw is not None:
            raw.execute("ROLLBACK")
            raw.close()
            await connections.get("default").execute_script("PRAGMA busy_timeout = 10000")
    assert (refused.value.code, refused.value.status) == ("import_running", 409)
    assert "Another region import is running" in refused.value.message
    assert "Impor wilayah lain sedang berjalan" in refused.value.message
    assert await Region.all().count() == 0  # nothing half-written
    done = await regions.import_rows(region_rows())
    assert done["created"] == VILLAGES + 3


async def test_two_imports_at_once_import_once(db) -> None:
    outcomes = await asyncio.gather(
        regions.import_rows(region_rows()),
        regions.import_rows(region_rows()),
        return_exceptions=True,
    )
    results = [o for o in outcomes if isinstance(o, dict)]
    refusals = [o for o in outcomes if isinstance(o, BaseException)]
    assert results, outcomes
    assert all(isinstance(r, ServiceError) and r.code == "import_running" for r in refusals)
    assert sum(r["created"] for r in results) == VILLAGES + 3
    if len(results) == 2:  # waited for the first, then found every row there
        assert sorted(r["unchanged"] for r in results) == [0, VILLAGES + 2]
    assert await Region.all().count() == VILLAGES + 3


@pytest.fixture
async def admin(client, make_user):  # type: ignore[no-untyped-def]
    user = await make_user(Role.ADMIN, username="admin1")
    return user, await staff_login(client, "admin1")


async def test_the_admin_page_refuses_a_second_import_while_one_runs(  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient,
    admin,
    monkeypatch,
) -> None:
    _actor, csrf = admin
    gate = asyncio.Event()
    original = regions.import_rows

    async def slow_import(rows, progress=None):  # type: ignore[no-untyped-def]
        await gate.wait()
        return await original(rows, progress=progress)

    monkeypatch.setattr(regions, "import_rows", slow_import)
    csv = "code,parent_code,name\n63.71,63,Kota Banjarmasin\n"
    first = await client.post("/admin/regions/import", data={"csrf_token": csrf, "csv": csv})
    assert first.status_code == 303
    second = await client.post("/admin/regions/import.json", data={"csrf_token": csrf, "csv": csv})
    assert second.status_code == 409
    assert second.json()["error"]["error"] == "import_running"
    assert "Another region import is running" in second.json()["error"]["message"]
    page = await client.post("/admin/regions/import", data={"csrf_token": csrf, "csv": csv})
    assert page.status_code == 409 and "Impor wilayah lain sedang berjalan" in page.text
    gate.set()
    await region_jobs.wait_all()
    job = (await client.get(first.headers["location"] + ".json")).json()["job"]
    assert job["state"] == "done" and job["result"]["created"] == 2
    third = await client.post("/admin/regions/import", data={"csrf_token": csrf, "csv": csv})
    assert third.status_code == 303


@pytest.mark.slow
async def test_two_cli_imports_at_once(db, tmp_path: Path) -> None:
    folder = tmp_path / "wilayah"
    folder.mkdir()
    lines = ["code,parent_code,name", "63.71,63,Kota Banjarmasin", "63.71.01,63.71,Selatan"]
    lines += [f"63.71.01.{n},63.71.01,Kelurahan {n}" for n in range(1001, 1001 + VILLAGES)]
    (folder / "regions.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": db.database_url, "DATA_DIR": str(db.data_dir)}
    env["SECRET_KEY"] = db.secret_key
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "server.cli",
            "regions",
            "import",
            str(folder),
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    answers = [await p.communicate() for p in processes]
    ok = 0
    for process, (out, err) in zip(processes, answers, strict=True):
        text = out.decode() + err.decode()
        assert "Traceback" not in text, text
        if process.returncode == 0:
            ok += 1
            assert f"importing {VILLAGES + 2}/{VILLAGES + 2}" in text, text
        else:
            assert "Another region import is running" in text, text
    assert ok >= 1
    assert await Region.all().count() == VILLAGES + 3
