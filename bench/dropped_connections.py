"""Dropped connections: 1,000 applications with 2 photos each synced by 10 tablets at once,
each a protocol-exact field client (tests/reliability/field_client.py: batches of 100, retry
on any network error or 5xx, Retry-After obeyed, tuspy uploads HEAD-first) through the fault
proxy (bench/_netem.py), which resets 10% of connections at a random byte, half mid-request
and half mid-response, with 2±2 ms latency.
Then every acknowledged mutation is looked up in the database and every photo's stored bytes
are hashed. Prints `name: value` lines; the headline (lost + duplicated + mismatched) is last.

    .venv/bin/python bench/dropped_connections.py [--applications 1000] [--reset-share 0.1]
        [--tablets 10] [--seed 1] [--database-url postgres://...]

Baseline in the same run: the same workload (fewer applications) without faults, for the
retry and time ratios.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import more_tablets, prepare, run, serve, settings_for  # noqa: E402
from server import db  # noqa: E402
from tests.reliability.dropped import report, sync_through_faults  # noqa: E402


def one_run(
    applications: int, reset_share: float, seed: int, database_url: str | None, tablets: int
):
    with tempfile.TemporaryDirectory(prefix="jb-dropped-") as tmp:
        settings = settings_for(Path(tmp), database_url)
        token = run(prepare(settings))

        async def enrol():
            await db.init_db(settings)
            try:
                return await more_tablets(tablets - 1)
            finally:
                await db.close_db()

        tokens = [token, *run(enrol())]
        with serve(settings) as url:
            started = time.monotonic()
            synced, stats = sync_through_faults(
                url, tokens, applications=applications, reset_share=reset_share, seed=seed
            )
            elapsed = time.monotonic() - started

        async def check():
            await db.init_db(settings)
            try:
                return await report(synced, stats, settings.media_dir)
            finally:
                await db.close_db()

        return elapsed, run(check())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--applications", type=int, default=1000)
    parser.add_argument("--reset-share", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tablets", type=int, default=10)
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default SQLite)")
    args = parser.parse_args()
    if args.database_url:
        print("note: --database-url must name an empty database; runs one after the other")
    base_apps = max(10, args.applications // 10)
    base_s, base = one_run(base_apps, 0.0, args.seed, None, args.tablets)
    fault_s, figures = one_run(
        args.applications, args.reset_share, args.seed, args.database_url, args.tablets
    )
    print(f"database: {'postgresql' if args.database_url else 'sqlite'}")
    print(f"baseline_applications: {base_apps}")
    print(f"baseline_seconds: {base_s:.1f}")
    print(f"baseline_retries: {base['retries']}")
    for key, value in figures.items():
        print(f"{key}: {value}")
    print(f"seconds: {fault_s:.1f}")
    per_app = (fault_s / args.applications) / (base_s / base_apps)
    print(f"time_per_application_ratio: {per_app:.2f}")
    bad = (
        figures["duplicates"]
        + figures["acknowledged_but_missing"]
        + figures["photo_hash_mismatches"]
        + figures["photos_not_marked_arrived"]
        + (figures["mutations"] - figures["acknowledged"])
    )
    print(f"lost_duplicated_or_mismatched: {bad}")
    if bad:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
