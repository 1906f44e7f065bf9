"""What the server holds compared with what a field client was told: the checks every fault
run ends with (duplicates, acknowledged-but-missing, photo hash mismatches, orphan files).
Reads the database through the models, so it runs on SQLite and PostgreSQL alike."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path
from typing import Any

from server.models import Application, SyncPushLog
from tests.reliability.field_client import FieldClient, Photo


def blob_path(media_dir: Path, sha: str) -> Path:
    return media_dir / "blobs" / sha[:2] / sha[2:4] / sha


async def processed_ids(client_id: str) -> list[int]:
    """Every mutation id the server processed for this client, in order, from the push log
    (one row per committed batch; replays are answered from storage and not logged again)."""
    logs = (
        await SyncPushLog.filter(client_id=client_id)
        .order_by("id")
        .values_list("entries", flat=True)
    )
    return sorted(entry["id"] for entries in logs for entry in entries)


async def check(
    client: FieldClient,
    creates: dict[str, dict[str, Any]],
    attaches: dict[int, tuple[str, str]],
    uploaded: list[Photo],
    media_dir: Path,
) -> dict[str, int]:
    """`creates`: mutation id → create args sent; `attaches`: mutation id → (record, sha);
    `uploaded`: photos whose upload the server completed."""
    processed = await processed_ids(client.client_id)
    twice = len(processed) - len(set(processed))
    rows = {
        a.id: a for a in await Application.filter(created_by_client=client.client_id, deleted=False)
    }
    expected_ids = {args["record_id"] for args in creates.values()}
    unexpected = len(set(rows) - expected_ids)
    file_repeats = sum(
        n - 1
        for row in rows.values()
        for n in Counter((f["sha256"], f["kind"]) for f in row.files).values()
        if n > 1
    )
    missing = 0
    for mid, args in creates.items():
        row = rows.get(args["record_id"])
        if mid <= client.acked_up_to and (
            row is None or row.tracking_code != args["tracking_code"]
        ):
            missing += 1
    for mid, (record_id, sha) in attaches.items():
        row = rows.get(record_id)
        if mid <= client.acked_up_to and (
            row is None or sha not in {f["sha256"] for f in row.files}
        ):
            missing += 1
    mismatches = 0
    not_arrived = 0
    for item in uploaded:
        path = blob_path(media_dir, item.sha256)
        stored = path.read_bytes() if path.is_file() else b""
        if stored != item.data or hashlib.sha256(stored).hexdigest() != item.sha256:
            mismatches += 1
        row = rows.get(item.record_id)
        if row is None or not any(
            f["sha256"] == item.sha256 and f.get("arrived") for f in row.files
        ):
            not_arrived += 1
    return {
        "acknowledged": sum(
            1 for mid in list(creates) + list(attaches) if mid <= client.acked_up_to
        ),
        "duplicates": twice + unexpected + file_repeats,
        "acknowledged_but_missing": missing,
        "photo_hash_mismatches": mismatches,
        "photos_not_marked_arrived": not_arrived,
    }


def orphan_files(media_dir: Path, known_blobs: set[str]) -> list[str]:
    """Files under MEDIA_DIR nobody can reach: a blob without its descriptor or index row, or
    a leftover temporary file."""
    orphans: list[str] = []
    blobs = media_dir / "blobs"
    if blobs.is_dir():
        for path in blobs.rglob("*"):
            if not path.is_file():
                continue
            sha = path.name.split(".")[0]
            descriptor = path.parent / f"{sha}.json"
            if not descriptor.exists() or sha not in known_blobs:
                orphans.append(str(path.relative_to(media_dir)))
    tmp = media_dir / "tmp"
    if tmp.is_dir():
        orphans.extend(str(p.relative_to(media_dir)) for p in tmp.iterdir())
    uploads = media_dir / "uploads"
    if uploads.is_dir():
        for part in uploads.glob("*.part"):
            if not part.with_suffix(".json").exists():
                orphans.append(str(part.relative_to(media_dir)))
    return orphans
