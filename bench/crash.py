"""Crashes: kill -9 of a real `jemput serve` at random moments while a protocol-exact field
client (tests/reliability/field_client.py) pushes 12 applications per round in batches of
12 mutations and uploads their 24 photos; with the server down the database is compared with
what the client was told, SQLite's integrity_check is run, then the server restarts on the
same port and the client replays until all is acknowledged. Prints `name: value` lines; the
headline (every failure added up, 0 expected) is last.

    .venv/bin/python bench/crash.py [--rounds 50] [--seed 1] [--database-url postgres://...]

--database-url must name an empty PostgreSQL database (default: a fresh SQLite file).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import BENCH_ENV, more_tablets, prepare, run, settings_for  # noqa: E402
from server import db  # noqa: E402
from tests.conftest import LiveServer, free_port, start_server, stop_server  # noqa: E402
from tests.reliability.crash import crash_rounds  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="jb-crash-") as tmp:
        settings = settings_for(Path(tmp), args.database_url)
        settings = replace(settings, secret_key="bench-secret-" + "x" * 40)
        token = run(prepare(settings))

        def start(port: int) -> LiveServer:
            return start_server(settings, port=port, extra_env=BENCH_ENV)

        def stop(server: LiveServer) -> None:
            if server.process.poll() is None:
                stop_server(server)
            else:
                server.handle.close()

        async def rounds():
            await db.init_db(settings)
            try:
                tokens = [token, *await more_tablets(args.rounds)]
                return await crash_rounds(
                    settings, tokens, start, stop, free_port(), rounds=args.rounds, seed=args.seed
                )
            finally:
                await db.close_db()

        report = run(rounds())
    figures = report.lines()
    print(f"database: {'postgresql' if args.database_url else 'sqlite'}")
    for key, value in figures.items():
        print(f"{key}: {value}")
    if report.orphan_files:
        print(f"orphans: {report.orphan_files[:10]}")
    failures = (
        report.half_applied
        + report.lost_acknowledged
        + report.duplicates
        + report.acknowledged_but_missing
        + report.photo_hash_mismatches
        + report.photos_not_marked_arrived
        + report.integrity_failures
        + len(report.orphan_files)
    )
    print(f"failures: {failures}")
    if failures:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
