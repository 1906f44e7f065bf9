"""Golden protocol examples (tests/fixtures/sync/*.json): run their steps against the engine.

Each file: ``actors`` (officers with user id, device id, areas and client id), ``start`` (the
server clock; it moves one minute per step) and ``steps``. A step is either an HTTP exchange
(``actor``, ``request`` {method, path, body}, ``response`` {status, body}) or a back-office
action (``staff``: {action, ...}) the scenario needs. The JavaScript tests read the same files.

Regenerate the responses after a deliberate protocol change with
``.venv/bin/python -m tests.sync.golden --write`` and review the diff by eye."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sync import Actor, MemoryStore, Sync, parse_pull, parse_push
from sync.errors import SyncError
from tests.sync.helpers import Clock, id_factory

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sync"
STAFF = Actor("u-staff", None, (), "staff")


def scenarios() -> list[Path]:
    return sorted(FIXTURES.glob("*.json"))


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def actors(scenario: dict[str, Any]) -> dict[str, Actor]:
    return {
        name: Actor(a["user_id"], a["device_id"], tuple(a["areas"]))
        for name, a in scenario["actors"].items()
    }


async def staff_action(sync: Sync, action: dict[str, Any]) -> None:
    kind = action["action"]
    if kind == "update_fields":
        await sync.staff_update(STAFF, action["record_id"], action["values"])
    elif kind == "transition":
        await sync.transition(
            STAFF,
            action["record_id"],
            action["to"],
            action.get("note", ""),
            action.get("corrections"),
        )
    elif kind == "delete":
        await sync.delete_record(STAFF, action["record_id"])
    else:
        raise ValueError(f"unknown staff action {kind}")


async def call(sync: Sync, actor: Actor, request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    path, body = request["path"], request["body"]
    try:
        if path == "/api/sync/push":
            return 200, await sync.push(actor, parse_push(body))
        if path == "/api/sync/pull":
            return 200, await sync.pull(actor, parse_pull(body))
        if path.startswith("/api/conflicts/") and path.endswith("/resolve"):
            conflict_id = path.split("/")[3]
            kwargs = {"value": body["value"]} if "value" in body else {"keep": body.get("keep")}
            return 200, {"conflict": await sync.resolve_conflict(STAFF, conflict_id, **kwargs)}
    except SyncError as exc:
        return exc.status, exc.to_json()
    raise ValueError(f"unknown path {path}")


async def run(scenario: dict[str, Any]) -> list[dict[str, Any] | None]:
    """The response each step gets from a fresh engine (None for staff steps)."""
    clock = Clock(datetime.fromisoformat(scenario["start"]))
    sync = Sync(MemoryStore(epoch="golden"), clock=clock, new_id=id_factory())
    people = actors(scenario)
    out: list[dict[str, Any] | None] = []
    for step in scenario["steps"]:
        clock.now += timedelta(minutes=1)
        if "staff" in step:
            await staff_action(sync, step["staff"])
            out.append(None)
            continue
        actor = STAFF if step["actor"] == "staff" else people[step["actor"]]
        body = step["request"]["body"]
        if str(body.get("cursor", "")).startswith("FROM_STEP_"):  # only while generating
            earlier = out[int(body["cursor"].removeprefix("FROM_STEP_"))]
            assert earlier is not None
            body["cursor"] = earlier["body"]["cursor"]
        status, body = await call(sync, actor, step["request"])
        out.append({"status": status, "body": body})
    return out


def write_all() -> None:
    import asyncio

    for path in scenarios():
        scenario = load(path)
        for step, got in zip(scenario["steps"], asyncio.run(run(scenario)), strict=True):
            if got is not None:
                step["response"] = got
        path.write_text(json.dumps(scenario, indent=2, ensure_ascii=False) + "\n")
        print(f"wrote {path.name}")


if __name__ == "__main__" and "--write" in sys.argv:
    write_all()
