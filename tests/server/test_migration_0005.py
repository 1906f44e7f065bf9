"""Migration 0005 hashes the status tokens stored before it: a database at 0004 holding a
token in plain text ends with only its sha256, and the link on the receipt already in the
citizen's hands still opens the status page (a wrong token still does not). The database is
one in use (an office, a user, an application), so every later migration must also work on
tables that have rows (``server/migrations/_fill.py``)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

from tests.conftest import ROOT, is_postgres
from tests.server.migration_0005 import TOKEN


def _scratch_database(tmp_path: Path) -> tuple[str, str | None]:
    """A database of its own (the shared test database is already at the latest migration)."""
    if not is_postgres():
        return f"sqlite://{tmp_path / 'at-0004.sqlite3'}", None
    url = os.environ["TEST_DATABASE_URL"]
    name = f"jemput_m0005_{uuid.uuid4().hex[:8]}"
    base, _sep, _db = url.rpartition("/")
    _admin(url, f'CREATE DATABASE "{name}"')
    return f"{base}/{name}", name


def _admin(url: str, statement: str) -> None:
    script = (
        "import asyncio, asyncpg, sys\n"
        "async def main():\n"
        "    conn = await asyncpg.connect(sys.argv[1].replace('asyncpg://', 'postgres://'))\n"
        "    await conn.execute(sys.argv[2])\n"
        "    await conn.close()\n"
        "asyncio.run(main())\n"
    )
    subprocess.run([sys.executable, "-c", script, url, statement], check=True, timeout=60)


def test_0005_keeps_only_the_hash_and_old_links_keep_working(tmp_path: Path) -> None:
    url, scratch = _scratch_database(tmp_path)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "tests.server.migration_0005", url, str(tmp_path / "data")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=180,
        )
    finally:
        if scratch:
            _admin(os.environ["TEST_DATABASE_URL"], f'DROP DATABASE IF EXISTS "{scratch}"')
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["before"] == [TOKEN]  # 0004 kept the token as the tablet sent it
    assert out["applied"][0].startswith("0005_") and len(out["applied"]) >= 2
    assert "status_token" not in out["columns"] and "status_token_hash" in out["columns"]
    assert out["stored"] == [hashlib.sha256(TOKEN.encode()).hexdigest()]
    assert TOKEN not in json.dumps(out["stored"])
    assert out["page_status"] == 200 and out["page_has_code"] and out["page_status_attr"]
    assert out["wrong_status"] == 404
    assert out["office_hours"] == [""] and out["users"] == ["petugas"]  # rows kept, filled
