"""Shared fixtures: a migrated database (SQLite by default, PostgreSQL when
TEST_DATABASE_URL says so), the app, an HTTP client, a live server process, users, devices."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from tortoise import Tortoise, connections

from server import db as dbmod
from server.app import create_app
from server.models import Role, User
from server.services.accounts import devices, users
from server.services.applications import sync_service
from server.services.citizen import reference_cache
from server.settings import Settings
from server.uploads.web import close as close_uploads

# Two shared cores run the suite (and CI may run beside other work): time is not a property
# under test, so no per-example deadline and no "input generation is slow" failures.
hypothesis_settings.register_profile(
    "jemput", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("jemput")

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data" / "wilayah-63"
CHROMIUM = "/usr/bin/chromium"
TEST_PASSWORD = "Uji-Coba-Lapangan-2026"


def database_url(tmp: Path) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite://{tmp / 'test.sqlite3'}"


def is_postgres() -> bool:
    return os.environ.get("TEST_DATABASE_URL", "").startswith(("postgres", "asyncpg"))


@pytest.fixture(scope="session")
def test_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("jemput")


@pytest.fixture(scope="session")
def settings(test_dir: Path) -> Settings:
    return Settings.from_env(
        {
            "DATA_DIR": str(test_dir / "data"),
            "MEDIA_DIR": str(test_dir / "media"),
            "DATABASE_URL": database_url(test_dir),
            "SECRET_KEY": "test-secret-key-" + "x" * 32,
            "BASE_URL": "http://127.0.0.1:8000",
        }
    )


@pytest.fixture(scope="session")
async def migrated(settings: Settings) -> AsyncIterator[Settings]:
    """The schema is built by the committed migrations, so the migrations are tested."""
    await dbmod.migrate(settings)
    await dbmod.close_db()
    await dbmod.init_db(settings)
    yield settings
    await dbmod.close_db()


async def truncate_all() -> None:
    conn = connections.get("default")
    tables = [model._meta.db_table for model in Tortoise.apps["models"].values()]
    if is_postgres():
        await conn.execute_script(
            "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
        )
    else:
        await conn.execute_script(
            "PRAGMA foreign_keys=OFF;"
            + "".join(f'DELETE FROM "{t}";' for t in tables)
            + "PRAGMA foreign_keys=ON;"
        )
    sync_service.form_catalog.forget()  # the next test's forms may reuse these ids
    reference_cache.forget()  # offices, permit types and holidays of the status page


@pytest.fixture
async def db(migrated: Settings) -> AsyncIterator[Settings]:
    """A clean database and media folder for one test (emptied afterwards)."""
    yield migrated
    await truncate_all()
    # Files are stored by content hash: a photo left by an earlier test would make the next
    # upload of the same bytes complete at its first HEAD, and what a test sees would depend
    # on which tests ran before it.
    empty_folder(migrated.media_dir)


def empty_folder(folder: Path) -> None:
    """Delete every file below `folder` but keep the folders: a running server made them."""
    for path in folder.rglob("*"):
        if not path.is_dir():
            path.unlink(missing_ok=True)


@pytest.fixture
async def app(db: Settings):  # type: ignore[no-untyped-def]
    app = create_app(db, manage_db=False)
    yield app
    await close_uploads(app)  # the advisory-lock pool, under UPLOAD_LOCKS=postgres


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    # https so that the __Host- (Secure) session cookie is kept by the client.
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
        yield c


UserFactory = Callable[..., Awaitable[User]]


@pytest.fixture
def make_user(db: Settings) -> UserFactory:
    counter = {"n": 0}

    async def factory(
        role: Role | str = Role.OFFICER,
        *,
        username: str | None = None,
        password: str = TEST_PASSWORD,
        area_codes: list[str] | None = None,
        office_code: str | None = None,
    ) -> User:
        counter["n"] += 1
        return await users.create_user(
            username or f"{Role(role).value}{counter['n']}",
            password,
            full_name=f"Test {Role(role).value} {counter['n']}",
            role=role,
            office_code=office_code,
            area_codes=area_codes if area_codes is not None else ["63.71"],
        )

    return factory


@pytest.fixture
def make_device(db: Settings) -> Callable[[User], Awaitable[devices.Enrollment]]:
    async def factory(user: User, name: str = "Tablet uji") -> devices.Enrollment:
        return await devices.enroll(user, name)

    return factory


async def login_form_token(client: httpx.AsyncClient) -> str:
    """GET /login as a browser would: sets the form's cookie, returns its CSRF token."""
    page = await client.get("/login")
    assert page.status_code == 200, page.text
    return page.text.split('name="login_token" value="')[1].split('"')[0]


async def post_login(
    client: httpx.AsyncClient,
    username: str,
    password: str,
    headers: dict[str, str] | None = None,
    **extra: str,
) -> httpx.Response:
    """The sign-in form as a browser sends it (with its CSRF token); the password step only."""
    token = await login_form_token(client)
    data = {"username": username, "password": password, "login_token": token, **extra}
    return await client.post("/login", data=data, headers=headers)


def post_login_sync(http: httpx.Client, username: str, password: str) -> httpx.Response:
    """``post_login`` for a live server over plain http, where a client keeps no Secure
    cookie: the form cookie is carried by hand."""
    page = http.get("/login")
    token = page.text.split('name="login_token" value="')[1].split('"')[0]
    cookie = next(c.split(";")[0] for c in page.headers.get_list("set-cookie") if "jb_login=" in c)
    return http.post(
        "/login",
        data={"username": username, "password": password, "login_token": token},
        headers={"Cookie": cookie},
    )


async def enrol_second_factor(user: User) -> str:
    """Gives a test user an authenticator (as the setup page would); returns the secret."""
    import pyotp

    user.totp_secret = pyotp.random_base32()
    await user.save(update_fields=["totp_secret"])
    return user.totp_secret


def next_totp_code(user: User) -> str:
    """A code for the earliest time step the server will still take for this user (codes are
    single-use, so a second sign-in within 30 s takes the next step's code)."""
    import pyotp

    from server.services.accounts import second_factor

    step = int(time.time()) // second_factor.STEP_SECONDS
    if user.totp_last_step is not None:
        step = max(step, user.totp_last_step + 1)
    return pyotp.TOTP(user.totp_secret).at(step * second_factor.STEP_SECONDS)


async def staff_login(
    client: httpx.AsyncClient, username: str, password: str = TEST_PASSWORD
) -> str:
    """Signs in through the real forms (password, then the TOTP code for roles that need
    one: the test user gets an authenticator first); returns the new session's CSRF token."""
    from server.models import StaffSession
    from server.services.accounts import second_factor

    user = await User.get(username=username)
    if second_factor.required(user) and not user.totp_secret:
        await enrol_second_factor(user)
    response = await post_login(client, username, password)
    assert response.status_code == 303, response.text
    if response.headers["location"].startswith("/login/second-factor"):
        pending = await StaffSession.filter(user=user).order_by("-created_at").first()
        assert pending is not None
        await user.refresh_from_db()
        response = await client.post(
            "/login/second-factor",
            data={"code": next_totp_code(user), "csrf_token": pending.csrf_token},
        )
        assert response.status_code == 303, response.text
    session = await StaffSession.filter(user=user).order_by("-created_at").first()
    assert session is not None and session.second_factor_done
    return session.csrf_token


async def live_staff_cookie(
    http: httpx.AsyncClient, username: str, password: str = TEST_PASSWORD
) -> str:
    """Signs in on a live server over plain http (Secure cookies carried by hand), with the
    second step where the role needs one; returns the session cookie as ``name=value``."""
    from server.models import StaffSession
    from server.services.accounts import second_factor

    user = await User.get(username=username)
    if second_factor.required(user) and not user.totp_secret:
        await enrol_second_factor(user)
    page = await http.get("/login")
    token = page.text.split('name="login_token" value="')[1].split('"')[0]
    form_cookie = next(
        c.split(";")[0] for c in page.headers.get_list("set-cookie") if "jb_login=" in c
    )
    login = await http.post(
        "/login",
        data={"username": username, "password": password, "login_token": token},
        headers={"Cookie": form_cookie},
    )
    assert login.status_code == 303, login.text
    cookie = login.headers["set-cookie"].split(";")[0]
    if login.headers["location"].startswith("/login/second-factor"):
        pending = await StaffSession.filter(user=user).order_by("-created_at").first()
        assert pending is not None
        await user.refresh_from_db()
        done = await http.post(
            "/login/second-factor",
            data={"code": next_totp_code(user), "csrf_token": pending.csrf_token},
            headers={"Cookie": cookie},
        )
        assert done.status_code == 303, done.text
        cookie = done.headers["set-cookie"].split(";")[0]
    return cookie


async def reset_rate_limits(client: httpx.AsyncClient) -> None:
    """Forget the rate-limit counters of the app behind an in-process client."""
    await client._transport.app.state.limiter.reset()  # type: ignore[attr-defined]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    def __init__(self, url: str, process: subprocess.Popen[bytes], log: Path, handle) -> None:  # type: ignore[no-untyped-def]
        self.url = url
        self.process = process
        self.log = log
        self.handle = handle


def start_server(
    settings: Settings,
    *,
    workers: int = 1,
    extra_env: dict[str, str] | None = None,
    port: int | None = None,
) -> LiveServer:
    port = port or free_port()
    log = settings.data_dir / f"server-{port}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DATA_DIR": str(settings.data_dir),
        "MEDIA_DIR": str(settings.media_dir),
        "DATABASE_URL": settings.database_url,
        "SECRET_KEY": settings.secret_key,
        "BASE_URL": f"http://127.0.0.1:{port}",
        **(extra_env or {}),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "server.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        cwd=ROOT,
        env=env,
        stdout=(handle := log.open("wb")),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            handle.close()
            raise RuntimeError(f"server exited early:\n{log.read_text()}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code in (200, 503):
                return LiveServer(url, process, log, handle)
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    handle.close()
    raise RuntimeError(f"server did not start in 30 s:\n{log.read_text()}")


def stop_server(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
    server.handle.close()


@pytest.fixture(scope="session")
def live_server(migrated: Settings) -> Iterator[LiveServer]:
    """A real uvicorn process on 127.0.0.1 sharing the test database. Use with ``db`` so
    tables are emptied after each test. The field app is built first, so the browser runs
    the bundle of the sources under test (esbuild takes well under a second)."""
    subprocess.run(["node", str(ROOT / "pwa" / "build.mjs")], check=True, capture_output=True)
    server = start_server(migrated)
    yield server
    stop_server(server)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Browser tests need Debian's Chromium. Without it they skip loudly, except under CI,
    where a missing browser is a failure."""
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    message = f"Chromium not found at {CHROMIUM}: install it with `apt-get install -y chromium`"
    if os.environ.get("CI"):
        pytest.fail(message + " (required under CI)")
    pytest.skip(message)


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    """Skipped browser tests must not pass unnoticed: end the run with a banner."""
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if CHROMIUM in str(r.longrepr)]
    if skipped:
        terminalreporter.write_sep("!", "BROWSER TESTS SKIPPED", red=True, bold=True)
        terminalreporter.write_line(
            f"{len(skipped)} browser tests did not run: no Chromium at {CHROMIUM}. "
            "Install it with `apt-get install -y chromium` (under CI they fail instead).",
            red=True,
            bold=True,
        )


@pytest.fixture(scope="session")
def shared_regions() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared region data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
async def siup_mikro_form(db: Settings) -> None:
    """The test permit form pushed applications are checked against (tests/forms.py)."""
    from tests.forms import install_siup_mikro

    await install_siup_mikro()
