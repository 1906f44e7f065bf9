"""Dropped connections: a field client syncs N applications with 2 photos each through the
fault proxy (bench/_netem.py), which resets a share of connections at a random byte, half
mid-request and half mid-response. Used by tests/reliability/test_dropped_connections.py
(small) and bench/dropped_connections.py (1,000 applications)."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench._common import application
from bench._netem import Link, Stats, run_proxy
from tests.reliability import ledger
from tests.reliability.field_client import FieldClient, Photo, photo


@dataclass
class Workload:
    creates: dict[int, dict[str, Any]] = field(default_factory=dict)
    attaches: dict[int, tuple[str, str]] = field(default_factory=dict)
    photos: list[Photo] = field(default_factory=list)


def queue_applications(client: FieldClient, count: int, seed: int) -> Workload:
    """Each application: create_application (with its two photo fields) + attach_file × 2,
    the way the field app queues a new application with a KTP and a shop-front photo."""
    rng = random.Random(seed)
    work = Workload()
    for n in range(count):
        args = application(rng, n)
        record_id = args["record_id"]
        shots = [photo(rng, record_id, "ktp"), photo(rng, record_id, "business_front")]
        fields = args["fields"]
        fields.pop("product_photo")
        fields.pop("signature")
        fields["ktp_photo"], fields["business_front_photo"] = (s.reference() for s in shots)
        work.creates[client.queue("create_application", args)] = args
        for shot in shots:
            mid = client.queue(
                "attach_file", {"record_id": record_id, "sha256": shot.sha256, "kind": shot.kind}
            )
            work.attaches[mid] = (record_id, shot.sha256)
        work.photos.extend(shots)
    return work


@dataclass
class Tablet:
    client: FieldClient
    work: Workload


def sync_through_faults(
    url: str,
    tokens: list[str],
    *,
    applications: int,
    reset_share: float,
    seed: int,
    uploaders: int = 2,
) -> tuple[list[Tablet], Stats]:
    """Each token is one tablet with its share of the applications; all tablets sync at
    once, each as the field app does (push, pull, upload, pull)."""
    upstream = int(url.rsplit(":", 1)[1])
    link = Link(seed=seed, reset_share=reset_share, latency=0.002, jitter=0.002)
    with run_proxy(upstream, link) as (port, proxy):
        tablets = []
        for n, token in enumerate(tokens):
            client = FieldClient(f"http://127.0.0.1:{port}", token)
            share = applications // len(tokens) + (n < applications % len(tokens))
            tablets.append(Tablet(client, queue_applications(client, share, seed * 100 + n)))

        def sync(tablet: Tablet) -> None:
            tablet.client.push_all()
            tablet.client.pull_all()
            with ThreadPoolExecutor(uploaders) as pool:
                list(pool.map(tablet.client.upload, tablet.work.photos))
            tablet.client.pull_all()
            tablet.client.close()

        with ThreadPoolExecutor(len(tablets)) as pool:
            list(pool.map(sync, tablets))
        return tablets, proxy.stats


async def report(tablets: list[Tablet], stats: Stats, media_dir: Path) -> dict[str, Any]:
    totals: dict[str, int] = {}
    for tablet in tablets:
        work = tablet.work
        checked = await ledger.check(
            tablet.client, work.creates, work.attaches, work.photos, media_dir
        )
        for key, value in checked.items():
            totals[key] = totals.get(key, 0) + value
    tally = [t.client.tally for t in tablets]
    return {
        "tablets": len(tablets),
        "applications": sum(len(t.work.creates) for t in tablets),
        "photos": sum(len(t.work.photos) for t in tablets),
        "mutations": sum(len(t.work.creates) + len(t.work.attaches) for t in tablets),
        "connections": stats.connections,
        "resets_mid_request": stats.resets_mid_request,
        "resets_mid_response": stats.resets_mid_response,
        "reset_share": round(
            (stats.resets_mid_request + stats.resets_mid_response) / max(1, stats.connections), 3
        ),
        "calls": sum(t.requests for t in tally),
        "retries": sum(t.retries for t in tally),
        "max_retries_one_call": max(t.max_retries_one_call for t in tally),
        "server_errors": sum(t.server_errors for t in tally),
        "rate_limited_429": sum(t.statuses.get(429, 0) for t in tally),
        "pulled_records": sum(len(t.client.records) for t in tablets),
        **totals,
    }
