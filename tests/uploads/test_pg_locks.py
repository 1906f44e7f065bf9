"""PostgreSQL advisory locks: two pools stand for two machines sharing one database."""

from __future__ import annotations

import os
import time

import pytest

from server.uploads import PgAdvisoryLocks, UploadError
from server.uploads.locks import advisory_key

URL = os.environ.get("TEST_DATABASE_URL", "")
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not URL.startswith(("postgres", "asyncpg")), reason="TEST_DATABASE_URL is not PostgreSQL"
    ),
]
SHA = "ab" * 32


async def test_a_second_machine_gets_423_until_the_first_lets_go() -> None:
    import asyncpg

    dsn = "postgresql://" + URL.split("://", 1)[1]
    first = await asyncpg.create_pool(dsn, min_size=1, max_size=2)
    second = await asyncpg.create_pool(dsn, min_size=1, max_size=2)
    try:
        a, b = PgAdvisoryLocks(first), PgAdvisoryLocks(second)
        async with a.hold(SHA):
            started = time.monotonic()
            with pytest.raises(UploadError) as refused:
                async with b.hold(SHA, wait=0.2):
                    pass
            assert refused.value.status == 423
            assert time.monotonic() - started >= 0.2
            async with b.hold("cd" * 32, wait=0):  # other uploads are not blocked
                pass
        async with b.hold(SHA, wait=0):
            held = await second.fetchval(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
            )
            assert held >= 1
        assert advisory_key(SHA) != advisory_key("cd" * 32)
    finally:
        await first.close()
        await second.close()
