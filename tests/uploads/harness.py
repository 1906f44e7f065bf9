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


PDF_AUTHOR = "Budi Santoso Pemohon"
PDF_SOFTWARE = "KantorWriter Rahasia 9.1"


def pdf_bytes(author: str = PDF_AUTHOR, pages: int = 1) -> bytes:
    """A real PDF (pikepdf) carrying what a document leaks: the information dictionary
    (author, creator, producer, title, dates), an XMP packet on the catalog and on a page,
    application private data and a page modification date."""
    import pikepdf

    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page()
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:creator"] = [author]
        meta["xmp:CreatorTool"] = PDF_SOFTWARE
        meta["pdf:Producer"] = PDF_SOFTWARE
    info = pdf.docinfo
    info["/Author"] = author
    info["/Creator"] = PDF_SOFTWARE
    info["/Producer"] = PDF_SOFTWARE
    info["/Title"] = f"Surat izin milik {author}"
    info["/CreationDate"] = "D:20261203101010+08'00'"
    info["/ModDate"] = "D:20261203111111+08'00'"
    page = pdf.pages[0].obj
    page["/LastModified"] = pikepdf.String("D:20261203111111+08'00'")
    page["/PieceInfo"] = pikepdf.Dictionary(
        {"/KantorWriter": pikepdf.Dictionary({"/Private": pikepdf.String(author)})}
    )
    page["/Metadata"] = pdf.make_stream(
        f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:li>{author}</rdf:li></x:xmpmeta>'.encode(),
        Type=pikepdf.Name.Metadata,
        Subtype=pikepdf.Name.XML,
    )
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


def pdf_leaks(data: bytes, author: str = PDF_AUTHOR) -> list[str]:
    """What of a document's metadata a PDF still carries, read both by parsing it (compressed
    streams included) and as raw bytes; [] when nothing is left."""
    import pikepdf

    found = [
        marker
        for marker in (author.encode(), PDF_SOFTWARE.encode(), b"xmpmeta", b"20261203")
        if marker in data
    ]
    with pikepdf.open(io.BytesIO(data)) as pdf:
        found += [f"info {key}" for key in pdf.docinfo]
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                found += [
                    f"{key} in object {obj.objgen}"
                    for key in ("/Metadata", "/PieceInfo", "/LastModified")
                    if key in obj
                ]
                if isinstance(obj, pikepdf.Stream) and author.encode() in obj.read_bytes():
                    found.append(f"author in stream {obj.objgen}")
    return found
