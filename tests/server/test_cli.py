"""The `jemput` command as an administrator uses it, on a throwaway SQLite data folder."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pyotp
import pytest

from server.settings import Settings
from server.web.auth import START_PAGES
from tests.conftest import ROOT, post_login_sync, start_server, stop_server

pytestmark = pytest.mark.slow
DEMO_PASSWORD = "Demo-Lapangan-2026"


def jemput(data_dir, *args, stdin: str | None = None, **extra_env):
    env = {**os.environ, "DATA_DIR": str(data_dir), **extra_env}
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    data = tmp_path_factory.mktemp("cli")
    assert jemput(data, "migrate").returncode == 0
    first = jemput(data, "demo", JEMPUT_DEMO_PASSWORD=DEMO_PASSWORD)
    assert first.returncode == 0, first.stderr
    assert "demo data loaded" in first.stdout
    return data


def test_demo_loads_once_and_reprints_the_accounts(demo_dir):
    again = jemput(demo_dir, "demo")
    assert again.returncode == 0
    assert "already present" in again.stdout
    for username in ("petugas", "petugas2", "verifikator", "supervisor", "admin"):
        assert username in again.stdout
    assert DEMO_PASSWORD in again.stdout


def test_migrate_twice_applies_nothing_new(demo_dir):
    result = jemput(demo_dir, "migrate")
    assert result.returncode == 0 and "migrations applied: 0" in result.stdout


def test_every_demo_role_logs_in_to_its_start_page(demo_dir):
    settings = Settings.from_env({"DATA_DIR": str(demo_dir)})
    server = start_server(settings)
    try:
        roles = {"petugas": "officer", "verifikator": "verifier", "supervisor": "supervisor"}
        roles["admin"] = "admin"
        totp_keys = {
            line.split()[0]: line.split("totp:")[1].strip()
            for line in (demo_dir / "demo-accounts.txt").read_text().splitlines()
            if "totp:" in line
        }
        assert sorted(totp_keys) == ["admin", "supervisor"]
        for username, role in roles.items():
            with httpx.Client(base_url=server.url) as http:
                login = post_login_sync(http, username, DEMO_PASSWORD)
                assert login.status_code == 303
                target = login.headers["location"]
                cookie = login.headers["set-cookie"].split(";")[0]
                if username in totp_keys:
                    assert target == "/login/second-factor"
                    form = http.get(target, headers={"Cookie": cookie}).text
                    csrf = form.split('name="csrf_token" value="')[1].split('"')[0]
                    code = pyotp.TOTP(totp_keys[username]).now()
                    login = http.post(
                        target, data={"code": code, "csrf_token": csrf}, headers={"Cookie": cookie}
                    )
                    assert login.status_code == 303, login.text
                    target = login.headers["location"]
                    cookie = login.headers["set-cookie"].split(";")[0]
                assert target == START_PAGES[role]
                page = http.get(target, headers={"Cookie": cookie})
                assert page.status_code == 200 and "Keluar" in page.text
        with httpx.Client(base_url=server.url) as http:
            token = http.post(
                "/api/devices/enroll",
                json={"username": "petugas", "password": DEMO_PASSWORD, "device_name": "Tab"},
            ).json()["token"]
            reference = http.get("/api/reference", headers={"Authorization": f"Bearer {token}"})
            body = reference.json()
            codes = sorted(p["code"] for p in body["permit_types"])
            assert codes == ["halal-self-declare", "nib-umk", "sku", "spp-irt"]
            assert {r["code"] for r in body["regions"]} >= {"63", "63.71", "63.71.01.1002"}
            assert all(
                r["code"].startswith(("63.71", "63.03")) or r["level"] == 1 for r in body["regions"]
            )
            assert http.get("/healthz").json()["ok"] is True
    finally:
        stop_server(server)


def test_user_commands(demo_dir):
    added = jemput(
        demo_dir,
        "user",
        "add",
        "rina",
        "--role",
        "verifier",
        "--name",
        "Rina Wati",
        "--office",
        "dpmptsp-banjar",
        "--password-stdin",
        stdin="Kalsel-Verifikasi-01\n",
    )
    assert added.returncode == 0, added.stderr
    duplicate = jemput(
        demo_dir,
        "user",
        "add",
        "rina",
        "--role",
        "verifier",
        "--name",
        "R",
        "--password-stdin",
        stdin="Kalsel-Verifikasi-01\n",
    )
    assert duplicate.returncode == 1 and "sudah dipakai" in duplicate.stderr
    weak = jemput(
        demo_dir,
        "user",
        "add",
        "budi",
        "--role",
        "officer",
        "--name",
        "B",
        "--password-stdin",
        stdin="12345678\n",
    )
    assert weak.returncode == 1 and "terlalu umum" in weak.stderr
    assert jemput(demo_dir, "user", "disable", "rina").returncode == 0
    listing = jemput(demo_dir, "user", "list").stdout
    assert any(line.startswith("rina") and "disabled" in line for line in listing.splitlines())
    changed = jemput(
        demo_dir, "user", "set-password", "rina", "--password-stdin", stdin="Baru-Sekali-99\n"
    )
    assert changed.returncode == 0
    missing = jemput(demo_dir, "user", "disable", "nobody")
    assert missing.returncode == 1 and "tidak ditemukan" in missing.stderr


def test_import_errors_name_file_and_line(demo_dir, tmp_path):
    bad = tmp_path / "holidays.csv"
    bad.write_text("date,name\n2026-01-01,Tahun Baru\n17-08-2026,Salah format\n")
    result = jemput(demo_dir, "holidays", "import", str(bad))
    assert result.returncode == 1
    assert f"{bad}:3: '17-08-2026' is not a date" in result.stderr
