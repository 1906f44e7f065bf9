from __future__ import annotations

import pytest

from server.settings import Settings, SettingsError


def env(tmp_path, **extra):
    return {"DATA_DIR": str(tmp_path), **extra}


def test_defaults_are_sqlite_in_the_data_folder_and_wita(tmp_path):
    settings = Settings.from_env(env(tmp_path))
    assert settings.database_url == f"sqlite://{tmp_path / 'jemput.sqlite3'}"
    assert settings.timezone == "Asia/Makassar"
    assert settings.default_language == "id"
    assert settings.media_dir == tmp_path / "media"


def test_upload_locks_follow_the_database(tmp_path):
    assert Settings.from_env(env(tmp_path)).upload_locks == "file"
    on_pg = env(tmp_path, DATABASE_URL="postgres://postgres@127.0.0.1:5432/x")
    assert Settings.from_env(on_pg).upload_locks == "postgres"
    assert Settings.from_env({**on_pg, "UPLOAD_LOCKS": "file"}).upload_locks == "file"


def test_development_secret_is_generated_once_and_kept(tmp_path):
    first = Settings.from_env(env(tmp_path)).secret_key
    second = Settings.from_env(env(tmp_path)).secret_key
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("extra", "names"),
    [
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"BASE_URL": "izin.example"}, "BASE_URL"),
        ({"TIMEZONE": "Mars/Olympus"}, "TIMEZONE"),
        ({"DEFAULT_LANGUAGE": "fr"}, "DEFAULT_LANGUAGE"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"MAX_UPLOAD_BYTES": "ten"}, "MAX_UPLOAD_BYTES"),
        ({"JEMPUT_PRODUCTION": "maybe"}, "JEMPUT_PRODUCTION"),
        ({"JEMPUT_PRODUCTION": "1", "BASE_URL": "https://izin.example.go.id"}, "SECRET_KEY"),
        ({"JEMPUT_PRODUCTION": "1", "SECRET_KEY": "k" * 40}, "BASE_URL must use https"),
        ({"UPLOAD_LOCKS": "redis"}, "UPLOAD_LOCKS"),
        ({"UPLOAD_LOCKS": "postgres"}, "UPLOAD_LOCKS=postgres needs a PostgreSQL"),
        ({"FIELD_LOCK_IDLE_SECONDS": "2"}, "FIELD_LOCK_IDLE_SECONDS=2 must be between"),
        ({"FIELD_LOCK_IDLE_SECONDS": "ten"}, "FIELD_LOCK_IDLE_SECONDS"),
        ({"UPLOAD_DAILY_FILES": "-1"}, r"UPLOAD_DAILY_FILES='-1' .*\(0 turns it off\)"),
        ({"UPLOAD_DAILY_BYTES": "lots"}, "UPLOAD_DAILY_BYTES"),
        ({"MAX_UPLOAD_BYTES": "0"}, "MAX_UPLOAD_BYTES='0' must be greater than zero$"),
    ],
)
def test_a_wrong_value_names_the_variable(tmp_path, extra, names):
    with pytest.raises(SettingsError, match=names):
        Settings.from_env(env(tmp_path, **extra))


def test_field_app_lock_defaults_to_ten_minutes_and_can_be_set(tmp_path):
    assert Settings.from_env(env(tmp_path)).field_lock_idle_seconds == 600
    assert (
        Settings.from_env(env(tmp_path, FIELD_LOCK_IDLE_SECONDS="120")).field_lock_idle_seconds
        == 120
    )


def test_cli_start_up_error_is_clear(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "server.cli", "migrate"],
        env={"PATH": "/usr/bin:/bin", "DATA_DIR": str(tmp_path), "DATABASE_URL": "oracle://x"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "configuration error: DATABASE_URL='oracle://x' is not supported" in result.stderr


def test_daily_upload_quota_defaults_and_zero_turns_it_off(tmp_path):
    settings = Settings.from_env(env(tmp_path))
    assert (settings.upload_daily_files, settings.upload_daily_bytes) == (1000, 2 * 1024**3)
    off = Settings.from_env(env(tmp_path, UPLOAD_DAILY_FILES="0", UPLOAD_DAILY_BYTES="0"))
    assert (off.upload_daily_files, off.upload_daily_bytes) == (0, 0)
    assert Settings.from_env(env(tmp_path, UPLOAD_DAILY_FILES="40")).upload_daily_files == 40
