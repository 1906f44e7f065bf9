"""Shared by the sync benchmarks: a fresh migrated database with one enrolled officer, the real
app under uvicorn on 127.0.0.1, and realistic generated applications."""

from __future__ import annotations

import asyncio
import os
import random
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server import db, reference  # noqa: E402
from server.models import Role, User  # noqa: E402
from server.services.accounts import devices, users  # noqa: E402
from server.services.reference import demo, regions  # noqa: E402
from server.settings import Settings  # noqa: E402

SECRET = "bench-secret-" + "x" * 40
AREA = "63.71"  # Kota Banjarmasin: its demo villages are loaded, so region checks run


def settings_for(data_dir: Path, database_url: str | None = None) -> Settings:
    return Settings.from_env(
        {
            "DATA_DIR": str(data_dir),
            "MEDIA_DIR": str(data_dir / "media"),
            "DATABASE_URL": database_url or f"sqlite://{data_dir / 'bench.sqlite3'}",
            "SECRET_KEY": SECRET,
            "BASE_URL": "http://127.0.0.1:8000",
        }
    )


async def prepare(settings: Settings) -> str:
    """Migrate, load the permit forms and demo regions, create an officer with a tablet;
    returns the device token."""
    await db.migrate(settings)
    await db.close_db()
    await db.init_db(settings)
    token = await seed_officer()
    await db.close_db()
    return token


async def seed_officer(username: str = "petugas_bench") -> str:
    """In an open database: the permit forms, the demo regions and an officer of AREA with an
    enrolled tablet; returns the device token."""
    await demo.load_permit_types()
    await regions.import_rows(regions.read_csv(reference.DEMO_REGIONS_FILE))
    user = await users.create_user(
        username,
        "Bench-Password-2026",
        full_name="Petugas Bench",
        role=Role.OFFICER,
        area_codes=[AREA],
    )
    enrollment = await devices.enroll(user, "bench tablet")
    return enrollment.token


async def more_tablets(count: int, username: str = "petugas_bench") -> list[str]:
    """Enrol `count` more tablets for the officer (each device has its own rate limits, as
    each tablet in the field does); returns their tokens."""
    user = await User.get(username=username)
    return [(await devices.enroll(user, f"tablet {n}")).token for n in range(count)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# A bench's tablets all belong to one officer: the daily upload quota per officer
# (UPLOAD_DAILY_FILES / UPLOAD_DAILY_BYTES) would measure itself, so benches turn it off.
BENCH_ENV = {"UPLOAD_DAILY_FILES": "0", "UPLOAD_DAILY_BYTES": "0"}


@contextmanager
def serve(settings: Settings) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        **BENCH_ENV,
        "DATA_DIR": str(settings.data_dir),
        "MEDIA_DIR": str(settings.media_dir),
        "DATABASE_URL": settings.database_url,
        "SECRET_KEY": SECRET,
        "BASE_URL": f"http://127.0.0.1:{port}",
    }
    log = settings.data_dir / "server.log"
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "server.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                "1",
            ],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"server did not start:\n{log.read_text()}")
                try:
                    httpx.get(url + "/healthz", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=10)


VILLAGES = [
    row.code
    for row in regions.read_csv(reference.DEMO_REGIONS_FILE)
    if row.code.startswith(AREA + ".") and row.code.count(".") == 3
]
FIRST = ["Siti", "Ahmad", "Rina", "Budi", "Nur", "Muhammad", "Dewi", "Rahmat", "Fitri", "Agus"]
LAST = ["Rahmah", "Santoso", "Wati", "Hidayat", "Saputra", "Lestari", "Kurniawan", "Aini"]
BUSINESS = ["Warung", "Bengkel", "Kios Pulsa", "Toko Kelontong", "Usaha Kue", "Penjahit"]
STREETS = ["Jl. Ahmad Yani", "Jl. Veteran", "Jl. Sungai Andai", "Jl. Pramuka", "Gg. Mawar"]


def application(rng: random.Random, n: int) -> dict[str, Any]:
    """create_application args of about 1.5 KB of JSON, shaped like a real intake."""
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    village = rng.choice(VILLAGES)

    def photo(kind: str) -> dict[str, Any]:
        return {
            "sha256": f"{rng.getrandbits(256):064x}",
            "kind": kind,
            "content_type": "image/jpeg",
            "size": rng.randint(150_000, 400_000),
        }

    day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(60, 99)
    sex = rng.choice(["L", "P"])
    fields = {
        "nik": f"6371{rng.randint(1, 5):02d}{day + (40 if sex == 'P' else 0):02d}{month:02d}"
        f"{year:02d}{rng.randint(1, 9999):04d}",
        "full_name": name,
        "sex": sex,
        "birth_date": f"19{year}-{month:02d}-{day:02d}",
        "home_region": village,
        "home_address": f"{rng.choice(STREETS)} No. {rng.randint(1, 200)} RT "
        f"{rng.randint(1, 20):03d} RW {rng.randint(1, 9):03d}",
        "phone": f"+62812{rng.randint(10_000_000, 99_999_999)}",
        "email": f"{name.split()[0].lower()}{n}@contoh.id",
        "business_name": f"{rng.choice(BUSINESS)} {name.split()[1]}",
        "business_region": village,
        "business_address": f"{rng.choice(STREETS)} No. {rng.randint(1, 200)}",
        "kbli": rng.choice(["47111", "56102", "95231", "14111", "10794"]),
        "capital": rng.randint(1, 50) * 1_000_000,
        "land_area_m2": rng.randint(6, 200),
        "workers": rng.randint(1, 9),
        "products": "Sembako, minuman dingin dan makanan ringan; melayani pesanan antar "
        "untuk warga sekitar.",
        "ktp_photo": photo("ktp"),
        "business_front_photo": photo("business_front"),
        "product_photo": photo("product"),
        "location": {
            "lat": -3.3 - rng.random() / 10,
            "lon": 114.55 + rng.random() / 10,
            "accuracy_m": rng.randint(4, 30),
            "captured_at": "2026-03-01T02:15:00Z",
        },
        "documents": ["ktp", "npwp"] if rng.random() < 0.3 else ["ktp"],
        "signature": {**photo("signature"), "content_type": "image/png"},
    }
    return {
        "record_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "permit_type": "nib-umk",
        "form_version": 1,
        "tracking_code": "JB-"
        + "-".join(
            "".join(rng.choice("23456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(4))
            for _ in range(3)
        ),
        "status_token": "".join(rng.choice("ABCDEFGHabcdefgh0123456789_-") for _ in range(22)),
        "fields": fields,
    }


def run(coro: Any) -> Any:
    return asyncio.run(coro)
