"""A status move, its status-change row, its SLA columns and its audit row are one
transaction: an audit row that cannot be written takes the move back with it, and moves
interleaved with other audit writers (tasks and processes) keep one linear hash chain."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from typing import Any

import pytest

from server.models import Application, AuditEvent, Role, StatusChange, SyncCounter
from server.services import audit
from server.services.applications import moves
from server.services.applications.moves import MoveRequest
from tests.conftest import ROOT
from tests.server.test_workflow import push_submitted, step

SNAPSHOT = (
    "status",
    "version",
    "change_seq",
    "updated_at",
    "corrections",
    "sla_state",
    "sla_started_at",
    "sla_due",
    "issued_reference",
)


async def snapshot(app_id: str) -> dict[str, Any]:
    app = await Application.get(id=app_id)
    return {
        "app": {name: getattr(app, name) for name in SNAPSHOT},
        "changes": await StatusChange.filter(application_id=app_id).count(),
        "audit": await AuditEvent.all().count(),
        "counter": (await SyncCounter.get(id=1)).value,
    }


def failing_audit(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """``audit.record_in`` appends its row, then fails (a full disk, a dropped connection):
    the row it wrote must go too. Returns the seqs it wrote before failing."""
    written: list[int] = []
    original = audit.record_in

    async def append_then_fail(conn: Any, action: str, **kw: Any) -> int:
        written.append(await original(conn, action, **kw))
        raise RuntimeError("audit write failed")

    monkeypatch.setattr(audit, "record_in", append_then_fail)
    return written


async def test_a_move_whose_audit_row_fails_changes_nothing(
    client, make_user, make_device, siup_mikro_form, monkeypatch
):
    app_id = await push_submitted(client, make_user, make_device)
    verifier = await make_user(Role.VERIFIER)
    await step(verifier, app_id, "verifikasi")
    before = await snapshot(app_id)
    assert before["app"]["sla_state"] == "waiting"

    written = failing_audit(monkeypatch)
    with pytest.raises(RuntimeError, match="audit write failed"):
        await step(verifier, app_id, "diproses")  # would start the SLA clock
    assert len(written) == 1  # the row was appended inside the move's transaction …
    assert await snapshot(app_id) == before  # … and went back with everything else
    assert not await AuditEvent.exists(seq=written[0])

    monkeypatch.undo()
    moved = await step(verifier, app_id, "diproses")
    assert moved.status == "diproses" and moved.sla_state == "running"
    row = await AuditEvent.get(action="application.status_move", object_id=app_id, seq=written[0])
    assert row.detail == {
        "from_status": "verifikasi",
        "to_status": "diproses",
        "corrected_fields": [],
    }
    assert row.actor_id == verifier.id  # type: ignore[attr-defined]
    result = await audit.verify()
    assert result.ok, result.problem


async def test_an_issue_whose_audit_row_fails_keeps_no_reference(
    client, make_user, make_device, siup_mikro_form, monkeypatch
):
    app_id = await push_submitted(client, make_user, make_device)
    verifier = await make_user(Role.VERIFIER)
    for to in ("verifikasi", "diproses", "disetujui"):
        await step(verifier, app_id, to)
    before = await snapshot(app_id)
    failing_audit(monkeypatch)
    with pytest.raises(RuntimeError):
        await step(verifier, app_id, "terbit", reference="NIB-0001")
    after = await snapshot(app_id)
    assert after == before and after["app"]["issued_reference"] == ""


async def test_moves_and_other_audit_writers_in_one_process_keep_one_chain(
    client, make_user, make_device, siup_mikro_form
):
    ids = [await push_submitted(client, make_user, make_device) for _ in range(6)]
    verifier = await make_user(Role.VERIFIER)
    before = await AuditEvent.all().count()

    async def move(app_id: str) -> None:
        app = await Application.get(id=app_id)
        await moves.move(verifier, app_id, MoveRequest("verifikasi", app.version))

    await asyncio.gather(
        *(move(i) for i in ids),
        *(audit.record("file.view", object_type="file", object_id=str(n)) for n in range(12)),
    )
    result = await audit.verify()
    assert result.ok, result.problem
    assert result.rows == before + 18
    moved = await AuditEvent.filter(action="application.status_move").values_list(
        "object_id", flat=True
    )
    assert sorted(moved) == sorted(ids)


MOVER = """
import asyncio, sys
from server import db
from server.models import Application, User
from server.services import audit
from server.services.applications import moves
from server.settings import Settings

async def main():
    settings = Settings.from_env()
    await db.init_db(settings)
    try:
        user = await User.get(id=int(sys.argv[1]))
        for app_id in sys.argv[2:]:
            app = await Application.get(id=app_id)
            await moves.move(user, app_id, moves.MoveRequest("verifikasi", app.version))
            await audit.record("file.view", object_type="file", object_id=app_id)
    finally:
        await db.close_db()

asyncio.run(main())
"""


@pytest.mark.slow
async def test_moves_from_concurrent_processes_keep_one_chain(
    db, client, make_user, make_device, siup_mikro_form
):
    ids = [await push_submitted(client, make_user, make_device) for _ in range(9)]
    verifier = await make_user(Role.VERIFIER)
    before = await AuditEvent.all().count()
    env = {**os.environ, "DATABASE_URL": db.database_url, "DATA_DIR": str(db.data_dir)}
    env["SECRET_KEY"] = db.secret_key
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            MOVER,
            str(verifier.id),
            *ids[n::3],
            cwd=ROOT,
            env=env,
            stderr=subprocess.PIPE,
        )
        for n in range(3)
    ]
    for process in processes:
        _out, err = await process.communicate()
        assert process.returncode == 0, err.decode()[-2000:]
    result = await audit.verify()
    assert result.ok, result.problem
    assert result.rows == before + 18
    assert await Application.filter(id__in=ids, status="verifikasi").count() == 9
    assert await AuditEvent.filter(action="application.status_move").count() == 9
