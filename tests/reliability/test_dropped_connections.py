"""Applications and photos synced through a proxy that resets connections at random bytes
arrive exactly once, whole, with the right bytes (the full 1,000-application run is
`bench/dropped_connections.py`, figures in docs/reliability.md)."""

from __future__ import annotations

import asyncio

from bench._common import more_tablets, seed_officer
from server.settings import Settings
from tests.conftest import LiveServer
from tests.reliability.dropped import report, sync_through_faults


async def test_dropped_connections_lose_and_duplicate_nothing(
    db: Settings, live_server: LiveServer
) -> None:
    token = await seed_officer("petugas_putus")
    tokens = [token, *await more_tablets(2, "petugas_putus")]
    tablets, stats = await asyncio.to_thread(
        sync_through_faults, live_server.url, tokens, applications=25, reset_share=0.2, seed=11
    )
    figures = await report(tablets, stats, db.media_dir)
    assert stats.resets_mid_request > 0 and stats.resets_mid_response > 0, figures
    assert figures["retries"] > 0, figures
    assert figures["acknowledged"] == figures["mutations"] == 75, figures
    assert figures["tablets"] == 3, figures
    assert figures["pulled_records"] >= 25, figures  # each tablet sees the area's records
    assert figures["duplicates"] == 0, figures
    assert figures["acknowledged_but_missing"] == 0, figures
    assert figures["photo_hash_mismatches"] == 0, figures
    assert figures["photos_not_marked_arrived"] == 0, figures
    assert figures["server_errors"] == 0, figures
