"""A region import started from the admin page runs in the background; its progress is read
by polling. Progress lives in this process (one import at a time per worker is plenty: the
whole of Kalimantan Selatan is ~2,100 rows)."""

from __future__ import annotations

import asyncio
import logging
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from server.models import User
from server.services import audit
from server.services.errors import ServiceError
from server.services.reference import regions

log = logging.getLogger(__name__)


@dataclass
class Job:
    id: str
    filename: str
    total: int
    done: int = 0
    state: str = "running"  # running | done | failed
    message: str = ""
    result: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "filename": self.filename,
            "total": self.total,
            "done": self.done,
            "state": self.state,
            "message": self.message,
            "result": self.result,
        }


_jobs: dict[str, Job] = {}
_tasks: set[asyncio.Task[None]] = set()


def read_upload(data: bytes, filename: str) -> list[regions.RegionRow]:
    """Check an uploaded code,parent_code,name file whole before anything is written."""
    name = PurePath(filename or "regions.csv").name or "regions.csv"
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / name
        path.write_bytes(data)
        try:
            rows = regions.read_csv(path)
        except UnicodeDecodeError:
            raise regions.ImportError_(
                f"{name}: bukan teks UTF-8 (not UTF-8 text); save the file as CSV UTF-8"
            ) from None
        except ServiceError as exc:
            exc.message = exc.message.replace(str(path), name)
            raise
    if not rows:
        raise regions.ImportError_(f"{name}: tidak ada baris (no rows below the header)")
    return [
        regions.RegionRow(r.code, r.parent_code, r.name, r.level, r.source.replace(str(path), name))
        for r in sorted(rows, key=lambda r: (r.level, r.code))
    ]


def start(rows: list[regions.RegionRow], filename: str, *, actor: User | None) -> Job:
    """Start the import in the background; refused (409) while one runs in this process (an
    import in another worker is refused by the database lock, and its job says so)."""
    if any(job.state == "running" for job in _jobs.values()):
        raise regions.busy()
    job = Job(id=uuid.uuid4().hex, filename=filename, total=len(rows))
    _jobs[job.id] = job

    def progress(done: int, total: int) -> None:
        job.done = done

    async def run() -> None:
        try:
            job.result = await regions.import_rows(rows, progress=progress)
            job.done = job.total
            job.state = "done"
            await audit.record(
                "regions.import",
                actor=actor,
                object_type="region",
                object_id=filename[:64],
                **job.result,
            )
        except ServiceError as exc:
            job.state, job.message = "failed", exc.message
        except Exception:  # a background task has nobody else to tell
            log.exception("region import failed")
            job.state = "failed"
            job.message = "Impor gagal; tidak ada yang diubah (import failed, nothing changed)."

    task = asyncio.create_task(run())
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
    return job


def get(job_id: str) -> Job | None:
    return _jobs.get(job_id)


async def wait_all() -> None:
    """Tests and shutdown: let running imports finish."""
    if _tasks:
        await asyncio.gather(*_tasks, return_exceptions=True)
