"""Database wiring: the Tortoise config, start-up checks, migrations and health."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise, connections
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.exceptions import IntegrityError
from tortoise.migrations.api import migrate as run_migrations
from tortoise.migrations.loader import MigrationLoader
from tortoise.migrations.recorder import MigrationRecorder

from server.settings import Settings

APP_LABEL = "models"
MIGRATIONS_MODULE = "server.migrations"

# A lock wait instead of "database is locked" when several workers share one SQLite file.
# How long a client is asked to wait when the database is busy or away.
RETRY_AFTER_SECONDS = 5


def is_transient_db_error(exc: BaseException) -> bool:
    """Busy, locked or unreachable: worth retrying. PostgreSQL's data errors (class 22: too
    long, bad encoding, out of range) and integrity errors fail the same way on every retry."""
    if isinstance(exc, IntegrityError):
        return False
    cause = exc.__cause__
    return not str(getattr(cause, "sqlstate", "") or "").startswith("22")


SQLITE_PRAGMAS = {"journal_mode": "WAL", "synchronous": "FULL", "busy_timeout": 10000}


# Filled by `jemput makemigrations` so Tortoise's CLI can import the config by dotted path.
MIGRATION_CONFIG: dict[str, Any] = {}


class DatabaseError(RuntimeError):
    """The database is unreachable or not in the state the server needs."""


def tortoise_config(settings: Settings) -> dict[str, Any]:
    connection = expand_db_url(settings.database_url)
    if settings.is_sqlite:
        connection["credentials"].update(SQLITE_PRAGMAS)
    else:
        connection["credentials"].setdefault("minsize", 1)
        connection["credentials"].setdefault("maxsize", 10)
    return {
        "connections": {"default": connection},
        "apps": {
            APP_LABEL: {
                "models": ["server.models"],
                "migrations": MIGRATIONS_MODULE,
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def init_db(settings: Settings) -> None:
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        # Global fallback: request tasks do not inherit the lifespan task's context.
        await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)
        await check_sqlite_pragmas(settings)
    except OSError as exc:
        raise DatabaseError(f"cannot reach the database ({settings.database_url}): {exc}") from exc


async def close_db() -> None:
    await Tortoise.close_connections()


async def check_sqlite_pragmas(settings: Settings) -> None:
    """WAL + synchronous=FULL is what makes an acknowledged sync durable; refuse to run
    without it rather than trust that the driver applied it."""
    if not settings.is_sqlite:
        return
    conn = connections.get("default")
    mode = (await conn.execute_query_dict("PRAGMA journal_mode"))[0]["journal_mode"]
    sync = (await conn.execute_query_dict("PRAGMA synchronous"))[0]["synchronous"]
    if mode.lower() != "wal" or int(sync) != 2:
        raise DatabaseError(f"SQLite must run with WAL and synchronous=FULL, got {mode}/{sync}")


async def migrate(settings: Settings) -> list[str]:
    """Apply every pending migration; returns the names applied."""
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    applied: list[str] = []

    def progress(event: str, app_label: str, name: str) -> None:
        if event == "apply_done":
            applied.append(name)

    try:
        await run_migrations(config=tortoise_config(settings), progress=progress)
    finally:
        # An open aiosqlite thread would keep a failed `jemput migrate` from exiting.
        await close_db()
    return applied


async def pending_migrations() -> list[str]:
    """Migrations on disk that the connected database has not applied."""
    conn = connections.get("default")
    recorder = MigrationRecorder(conn)
    loader = MigrationLoader({APP_LABEL: {"migrations": MIGRATIONS_MODULE}}, recorder)
    loader.load_disk()
    on_disk = set(loader.disk_migrations)
    done = set(await recorder.applied_migrations())
    return sorted(key.name for key in on_disk - done)


async def health() -> dict[str, Any]:
    try:
        conn = connections.get("default")
        await conn.execute_query("SELECT 1")
        pending = await pending_migrations()
    except Exception as exc:  # noqa: BLE001 - health reports any failure, it must not raise
        return {"ok": False, "database": "unreachable", "error": type(exc).__name__}
    return {"ok": not pending, "database": "ok", "pending_migrations": pending}
