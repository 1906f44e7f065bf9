"""A real uvicorn server on 127.0.0.1 running the upload component, for tests and the bench."""

from __future__ import annotations

import base64
import hashlib
import io
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from PIL import Image
from starlette.applications import Starlette
from starlette.requests import Request

from server.uploads import FileLocks, Limits, LocalDiskStorage, UploadError, build_routes

TOKEN = "device-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@dataclass
class Recorder:
    completed: list[tuple[Any, dict[str, str], str]] = field(default_factory=list)

    async def on_complete(self, principal: Any, metadata: dict[str, str], sha: str) -> None:
        self.completed.append((principal, metadata, sha))


async def authenticate(request: Request) -> str:
    if request.headers.get("authorization") != f"Bearer {TOKEN}":
        raise UploadError(401, "unauthenticated", "Send the device token.")
    return "device-1"


def make_app(media: Path, limits: Limits | None = None) -> tuple[Starlette, Recorder]:
    recorder = Recorder()
    storage = LocalDiskStorage(media)
    routes = build_routes(
        storage, FileLocks(media / "locks"), authenticate, recorder.on_complete, limits
    )
    return Starlette(routes=routes), recorder


@contextmanager
def serve(app: Starlette) -> Iterator[str]:
    """Run `app` under uvicorn in a thread; yields the base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def photo_bytes(size: tuple[int, int] = (640, 480), seed: int = 1, gps: bool = False) -> bytes:
    """A JPEG with noisy content (so it does not compress to nothing) and optional GPS EXIF."""
    im = Image.effect_noise(size, 60 + seed).convert("RGB")
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    if gps:
        exif[0x8825] = {1: "S", 2: (3.0, 19.0, 12.0), 3: "E", 4: (114.0, 35.0, 24.0)}
    buf = io.BytesIO()
    im.save(buf, format="JPEG", quality=95, exif=exif.tobytes())
    return buf.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def metadata(data: bytes, **extra: str) -> dict[str, str]:
    meta = {
        "sha256": sha256(data),
        "filename": "foto.jpg",
        "filetype": "image/jpeg",
        "record_id": "0190f0c2-aaaa-7bbb-8ccc-123456789abc",
        "kind": "business_photo",
    }
    meta.update(extra)
    return meta


def encode_metadata(meta: dict[str, str]) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in meta.items())
