"""Resumable upload over a bad link: a ~2 MB photo through a loopback link capped at
256 KB/s with 50 ms one-way latency, cut every 192 KB (inside chunks), against the same file
over the same link uninterrupted. Client: tuspy 1.1 (512 KB chunks, immediate retry, HEAD to
resume). Prints `name: value` lines; the headline, bytes_sent_ratio, is last.

    .venv/bin/python bench/upload.py [--handshake]

--handshake also charges one round trip per new TCP connection (see bench/_netem.py).
Targets: resume_time_ratio <= 1.3, bytes_sent_ratio <= 1.02.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tusclient import client as tus  # noqa: E402
from tusclient.exceptions import TusCommunicationError, TusUploadFailed  # noqa: E402

from bench._netem import Link, Stats, run_proxy  # noqa: E402
from tests.uploads.harness import AUTH, make_app, metadata, photo_bytes, serve, sha256  # noqa: E402

RATE = 256 * 1024
LATENCY = 0.050
CUT_EVERY = 192 * 1024
CHUNK = 512 * 1024
RUN_LIMIT_SECONDS = 90


def one_run(data: bytes, link: Link) -> tuple[float, Stats]:
    with tempfile.TemporaryDirectory(prefix="jb-bench-upload-") as tmp:
        app, recorder = make_app(Path(tmp) / "media")
        with serve(app) as url, run_proxy(int(url.rsplit(":", 1)[1]), link) as (port, proxy):
            endpoint = f"http://127.0.0.1:{port}/api/uploads/"
            uploader = tus.TusClient(endpoint, headers=AUTH).uploader(
                file_stream=io.BytesIO(data),
                chunk_size=CHUNK,
                metadata=metadata(data),
                retries=30,
                retry_delay=0,
            )
            errors: list[Exception] = []

            def run() -> None:
                try:
                    uploader.upload()
                except (TusCommunicationError, TusUploadFailed, OSError) as error:
                    errors.append(error)

            started = time.monotonic()
            worker = threading.Thread(target=run, daemon=True)
            worker.start()
            worker.join(RUN_LIMIT_SECONDS)
            elapsed = time.monotonic() - started
            if worker.is_alive() or errors:
                raise SystemExit(f"upload did not finish: {errors or 'timeout'}")
            stored = Path(tmp) / "media" / "blobs" / sha256(data)[:2] / sha256(data)[2:4]
            if (stored / sha256(data)).read_bytes() != data or not recorder.completed:
                raise SystemExit("stored file differs from the file sent")
            return elapsed, proxy.stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--handshake", action="store_true", help="charge 1 RTT per connection")
    args = parser.parse_args()
    data = photo_bytes((1412, 1412), seed=42)
    plain_link = Link(rate=RATE, latency=LATENCY, handshake=args.handshake)
    cut_link = Link(rate=RATE, latency=LATENCY, cut_every=CUT_EVERY, handshake=args.handshake)
    plain_s, plain = one_run(data, plain_link)
    cut_s, cut = one_run(data, cut_link)
    print(f"file_bytes: {len(data)}")
    print(f"link: {RATE // 1024} KB/s each way, {LATENCY * 1000:.0f} ms one-way latency")
    print(f"handshake_rtt_charged: {'yes' if args.handshake else 'no'}")
    print(f"chunk_bytes: {CHUNK}")
    print(f"cut_every_bytes: {CUT_EVERY}")
    print(f"uninterrupted_seconds: {plain_s:.2f}")
    print(f"uninterrupted_bytes_sent_ratio: {plain.up_bytes / len(data):.4f}")
    print(f"interrupted_seconds: {cut_s:.2f}")
    print(f"cuts: {cut.cuts}")
    print(f"connections: {cut.connections}")
    print(f"resume_time_ratio: {cut_s / plain_s:.3f}")
    print(f"bytes_sent_ratio: {cut.up_bytes / len(data):.4f}")


if __name__ == "__main__":
    main()
