"""The one settings module: the environment in, a frozen ``Settings`` out.

Every value is read and checked here, once, at start-up; a wrong or missing value raises
``SettingsError`` naming the variable, so a misconfigured server never half-starts.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

LANGUAGES = ("id", "en")
ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A setting is wrong or missing; the message names the variable and what to do."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    data_dir: Path
    media_dir: Path
    base_url: str
    timezone: str = "Asia/Makassar"
    default_language: str = "id"
    production: bool = False
    max_upload_bytes: int = 10 * 1024 * 1024
    max_application_bytes: int = 60 * 1024 * 1024
    # Per officer per day (office time zone), over all their tablets; 0 = no limit.
    upload_daily_files: int = 1000
    upload_daily_bytes: int = 2 * 1024 * 1024 * 1024
    sync_max_batch: int = 100
    sync_max_body_bytes: int = 2 * 1024 * 1024
    session_hours: int = 12
    session_idle_minutes: int = 30
    login_max_failures: int = 5
    login_window_seconds: int = 900
    # "memory" (one process), "database" (every worker through the database) or redis://…
    rate_limit_storage: str = "memory"
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    upload_locks: str = "file"  # "file" (one machine) or "postgres" (machines sharing one DB)
    status_link_days: int = 365  # a status link stops working this long after the case closed
    body_timeout_seconds: int = 60  # longest wait for the next piece of a request body
    field_lock_idle_seconds: int = 600  # the field app locks after this long without a touch

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite://")

    @property
    def secure_cookies(self) -> bool:
        """``__Host-`` cookies need Secure; a plain-HTTP development server on 127.0.0.1 is a
        secure context for the browser, so Chromium still accepts them there."""
        return True

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        production = _bool(env, "JEMPUT_PRODUCTION", False)
        data_dir = Path(env.get("DATA_DIR") or ROOT / "data").resolve()
        media_dir = Path(env.get("MEDIA_DIR") or data_dir / "media").resolve()
        database_url = env.get("DATABASE_URL") or f"sqlite://{data_dir / 'jemput.sqlite3'}"
        _check_database_url(database_url)
        base_url = env.get("BASE_URL", "http://127.0.0.1:8000").rstrip("/")
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SettingsError(
                f"BASE_URL={base_url!r} is not an absolute http(s) URL, "
                "for example https://izin.example.go.id"
            )
        if production and parts.scheme != "https":
            raise SettingsError("BASE_URL must use https when JEMPUT_PRODUCTION=1")
        timezone = env.get("TIMEZONE", "Asia/Makassar")
        try:
            zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise SettingsError(f"TIMEZONE={timezone!r} is not a known time zone") from exc
        language = env.get("DEFAULT_LANGUAGE", "id")
        if language not in LANGUAGES:
            raise SettingsError(f"DEFAULT_LANGUAGE={language!r} must be one of {LANGUAGES}")
        upload_locks = env.get("UPLOAD_LOCKS") or (
            "file" if database_url.startswith("sqlite") else "postgres"
        )
        if upload_locks not in ("file", "postgres"):
            raise SettingsError(f"UPLOAD_LOCKS={upload_locks!r} must be file or postgres")
        if upload_locks == "postgres" and database_url.startswith("sqlite"):
            raise SettingsError("UPLOAD_LOCKS=postgres needs a PostgreSQL DATABASE_URL")
        workers = _int(env, "WORKERS", 1)
        rate_limit_storage = env.get("RATE_LIMIT_STORAGE") or (
            "memory" if workers == 1 else "database"
        )
        if rate_limit_storage not in ("memory", "database") and not rate_limit_storage.startswith(
            ("redis://", "rediss://")
        ):
            raise SettingsError(
                f"RATE_LIMIT_STORAGE={rate_limit_storage!r} must be memory, database "
                "or a redis://host:6379/0 URL"
            )
        if rate_limit_storage == "memory" and workers > 1:
            raise SettingsError(
                "RATE_LIMIT_STORAGE=memory counts per process; with WORKERS > 1 use "
                "database or a redis:// URL so every worker counts together"
            )
        secret_key = env.get("SECRET_KEY") or ""
        if not secret_key:
            if production:
                raise SettingsError("SECRET_KEY is required when JEMPUT_PRODUCTION=1")
            secret_key = _development_secret(data_dir)
        elif len(secret_key) < 32:
            raise SettingsError("SECRET_KEY must be at least 32 characters long")
        return cls(
            database_url=database_url,
            secret_key=secret_key,
            data_dir=data_dir,
            media_dir=media_dir,
            base_url=base_url,
            timezone=timezone,
            default_language=language,
            production=production,
            max_upload_bytes=_int(env, "MAX_UPLOAD_BYTES", cls.max_upload_bytes),
            max_application_bytes=_int(env, "MAX_APPLICATION_BYTES", cls.max_application_bytes),
            upload_daily_files=_int(
                env, "UPLOAD_DAILY_FILES", cls.upload_daily_files, zero_is_off=True
            ),
            upload_daily_bytes=_int(
                env, "UPLOAD_DAILY_BYTES", cls.upload_daily_bytes, zero_is_off=True
            ),
            sync_max_batch=_int(env, "SYNC_MAX_BATCH", cls.sync_max_batch),
            sync_max_body_bytes=_int(env, "SYNC_MAX_BODY_BYTES", cls.sync_max_body_bytes),
            upload_locks=upload_locks,
            session_hours=_int(env, "SESSION_HOURS", cls.session_hours),
            session_idle_minutes=_int(env, "SESSION_IDLE_MINUTES", cls.session_idle_minutes),
            rate_limit_storage=rate_limit_storage,
            trusted_proxies=_networks(env, "TRUSTED_PROXIES"),
            status_link_days=_int(env, "STATUS_LINK_DAYS", cls.status_link_days),
            body_timeout_seconds=_int(env, "BODY_TIMEOUT_SECONDS", cls.body_timeout_seconds),
            field_lock_idle_seconds=_field_lock_idle_seconds(env),
        )


def _field_lock_idle_seconds(env: Mapping[str, str]) -> int:
    seconds = _int(env, "FIELD_LOCK_IDLE_SECONDS", Settings.field_lock_idle_seconds)
    if not 5 <= seconds <= 8 * 3600:
        raise SettingsError(
            f"FIELD_LOCK_IDLE_SECONDS={seconds} must be between 5 and 28800 (8 hours); "
            "the default is 600 (10 minutes)"
        )
    return seconds


def _check_database_url(url: str) -> None:
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme not in ("sqlite", "postgres", "postgresql", "asyncpg"):
        raise SettingsError(
            f"DATABASE_URL={url!r} is not supported: use sqlite:///path/file.sqlite3 "
            "or postgres://user@host:5432/dbname"
        )


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name}={raw!r} must be 1/0, true/false, yes/no or on/off")


def _int(env: Mapping[str, str], name: str, default: int, *, zero_is_off: bool = False) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name}={raw!r} must be a whole number") from exc
    if value == 0 and zero_is_off:
        return 0
    if value <= 0:
        more = " (0 turns it off)" if zero_is_off else ""
        raise SettingsError(f"{name}={raw!r} must be greater than zero{more}")
    return value


def _networks(
    env: Mapping[str, str], name: str
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    raw = env.get(name) or ""
    networks = []
    for part in raw.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError as exc:
            raise SettingsError(
                f"{name}: {part!r} is not an IP address or network, e.g. 10.0.0.5 or 10.0.0.0/24"
            ) from exc
    return tuple(networks)


def _development_secret(data_dir: Path) -> str:
    """Generated once and kept in the data folder, so sessions survive a restart."""
    path = data_dir / "secret_key"
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
        return path.read_text().strip()
    except FileExistsError:
        return path.read_text().strip()
    except OSError as exc:
        raise SettingsError(f"DATA_DIR={str(data_dir)!r} is not writable: {exc}") from exc
