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


def sync_through_faults(
    url: str, token: str, *, applications: int, reset_share: float, seed: int, workers: int = 4
) -> tuple[FieldClient, Workload, Stats]:
    upstream = int(url.rsplit(":", 1)[1])
    link = Link(seed=seed, reset_share=reset_share, latency=0.002, jitter=0.002)
    with run_proxy(upstream, link) as (port, proxy):
        client = FieldClient(f"http://127.0.0.1:{port}", token)
        work = queue_applications(client, applications, seed)
        client.push_all()
        client.pull_all()
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(client.upload, work.photos))
        client.pull_all()
        client.close()
        return client, work, proxy.stats


async def report(
    client: FieldClient, work: Workload, stats: Stats, media_dir: Path
) -> dict[str, Any]:
    checked = await ledger.check(client, work.creates, work.attaches, work.photos, media_dir)
    return {
        "applications": len(work.creates),
        "photos": len(work.photos),
        "mutations": len(work.creates) + len(work.attaches),
        "connections": stats.connections,
        "resets_mid_request": stats.resets_mid_request,
        "resets_mid_response": stats.resets_mid_response,
        "reset_share": round(
            (stats.resets_mid_request + stats.resets_mid_response) / max(1, stats.connections), 3
        ),
        "requests": client.tally.requests,
        "retries": client.tally.retries,
        "max_retries_one_call": client.tally.max_retries_one_call,
        "server_errors": client.tally.server_errors,
        "pulled_records": len(client.records),
        **checked,
    }
