"""kill -9 of a real `jemput serve` during pushes and uploads, restart, replay: nothing
half-applied, nothing acknowledged lost, no duplicates, no orphan files, and SQLite's
integrity_check stays ok. A few rounds here; `bench/crash.py` runs 50 (or more)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from bench._common import more_tablets, seed_officer
from server.settings import Settings
from tests.conftest import LiveServer, free_port, start_server, stop_server
from tests.reliability.crash import crash_rounds

ROUNDS = int(os.environ.get("JEMPUT_CRASH_ROUNDS", "3"))


@pytest.mark.slow
async def test_kill_9_during_push_and_upload_loses_nothing(db: Settings, tmp_path: Path) -> None:
    tokens = [await seed_officer("petugas_crash"), *await more_tablets(ROUNDS, "petugas_crash")]
    media = tmp_path / "media"  # its own, so leftovers of other tests are not counted

    def start(port: int) -> LiveServer:
        return start_server(db, extra_env={"MEDIA_DIR": str(media)}, port=port)

    def stop(server: LiveServer) -> None:
        if server.process.poll() is None:
            stop_server(server)
        else:
            server.handle.close()

    report = await crash_rounds(
        replace(db, media_dir=media), tokens, start, stop, free_port(), rounds=ROUNDS, seed=5
    )
    figures = report.lines()
    assert report.rounds == ROUNDS, figures
    assert report.acknowledged == ROUNDS * 36, figures
    assert report.half_applied == 0, figures
    assert report.lost_acknowledged == 0, figures
    assert report.duplicates == 0, figures
    assert report.acknowledged_but_missing == 0, figures
    assert report.photo_hash_mismatches == 0, figures
    assert report.photos_not_marked_arrived == 0, figures
    assert report.integrity_failures == 0, figures
    assert report.orphan_files == [], figures
