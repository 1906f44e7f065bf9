"""Every route × every caller against the expected answer.

The table below has one row per (method, path) of ``server.app.collect_routes()``; a route
without a row fails ``test_every_route_has_a_row``, so nothing new slips in unguarded. Each row
gives the exact status each caller gets: anonymous, a device bearer token (no staff cookie) and
a signed-in staff member of each role. Rows also say whether the route changes state (then a
missing or forged CSRF token must be refused, nothing changed) and whether it carries personal
data (then the answer must say ``Cache-Control: no-store``).

Adding a route: add its row here (and, if it carries personal data but cannot say no-store yet,
to ``NO_STORE_GAPS``). That list only shrinks: a gap that has been fixed fails the test until
its entry is removed.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.routing import Mount, Route

from server.app import collect_routes
from server.models import AuditEvent, Device, Role, User
from server.services.accounts import devices, sessions
from server.web.auth import CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE

ANON = "anonymous"
DEVICE = "device"
STAFF = tuple(role.value for role in Role)  # officer, verifier, supervisor, admin
CALLERS = (ANON, DEVICE, *STAFF)
FORGED = "forged-" + "x" * 36

# What a caller that is not let in gets.
LOGIN_REDIRECT = 303  # pages send the browser to /login
API_UNAUTHORIZED = 401
WRONG_ROLE = 403


@dataclass
class Ctx:
    """What a request may need: ids of things that exist in this test's database."""

    device_id: str
    device_token: str
    csrf: dict[str, str]  # staff role → its session's CSRF token


Request = Callable[[Ctx, str | None], dict[str, Any]]  # (ctx, csrf token) → httpx kwargs


def no_body(ctx: Ctx, csrf: str | None) -> dict[str, Any]:
    return {}


def csrf_form(fields: dict[str, str] | None = None) -> Request:
    def build(ctx: Ctx, csrf: str | None) -> dict[str, Any]:
        data = dict(fields or {})
        if csrf is not None:
            data[CSRF_FIELD] = csrf
        return {"data": data}

    return build


def csrf_header(json: Any = None, headers: dict[str, str] | None = None) -> Request:
    def build(ctx: Ctx, csrf: str | None) -> dict[str, Any]:
        merged = dict(headers or {})
        if csrf is not None:
            merged[CSRF_HEADER] = csrf
        kwargs: dict[str, Any] = {"headers": merged}
        if json is not None:
            kwargs["json"] = json
        return kwargs

    return build


@dataclass(frozen=True)
class Row:
    answers: dict[str, int]
    # The concrete URL to call; "{device_id}" is filled from Ctx.
    url: str | None = None
    request: Request = no_body
    state_changing: bool = False  # a missing or forged CSRF token must be refused
    personal: bool = False  # the answer carries personal data: Cache-Control: no-store
    why: str = ""  # for an exemption (e.g. a state change without CSRF)


def unknown_name() -> str:
    # A fresh name per call: the login throttle also counts failures per username.
    return f"nobody-{uuid.uuid4().hex[:12]}"


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(CALLERS, status)


def page(*allowed: Role, ok: int = 200) -> dict[str, int]:
    """A back-office page: anonymous and device tokens go to /login, other roles get 403."""
    answers = {ANON: LOGIN_REDIRECT, DEVICE: LOGIN_REDIRECT}
    for role in STAFF:
        answers[role] = ok if Role(role) in allowed else WRONG_ROLE
    return answers


def staff_api(*allowed: Role, ok: int = 200) -> dict[str, int]:
    answers = {ANON: API_UNAUTHORIZED, DEVICE: API_UNAUTHORIZED}
    for role in STAFF:
        answers[role] = ok if Role(role) in allowed else WRONG_ROLE
    return answers


def device_api(ok: int = 200) -> dict[str, int]:
    """Field app calls: only a device bearer token; a staff cookie alone is not enough."""
    return {**everyone(API_UNAUTHORIZED), DEVICE: ok}


OFFICE = (Role.VERIFIER, Role.SUPERVISOR, Role.ADMIN)
ALL_STAFF = tuple(Role)
SHA = hashlib.sha256(uuid.uuid4().bytes).hexdigest()  # a file nobody has uploaded
NEW_SHA = hashlib.sha256(uuid.uuid4().bytes).hexdigest()  # the one the create rows start
TUS = {"Tus-Resumable": "1.0.0"}
CREATE_HEADERS = {
    **TUS,
    "Upload-Length": "10",
    "Upload-Metadata": ",".join(
        f"{k} {base64.b64encode(v.encode()).decode()}"
        for k, v in {"sha256": NEW_SHA, "record_id": str(uuid.uuid4()), "kind": "ktp"}.items()
    ),
}
UNKNOWN_APP = uuid.uuid4()
PATCH_HEADERS = {**TUS, "Content-Type": "application/offset+octet-stream", "Upload-Offset": "0"}

ADMIN_PAGES = {
    "/admin/users": "/admin/users",
    "/admin/users/{username}": "/admin/users/rr-verifier",
    "/admin/devices": "/admin/devices",
    "/admin/audit": "/admin/audit",
    "/admin/audit/verify": "/admin/audit/verify",
    "/admin/offices": "/admin/offices",
    "/admin/holidays": "/admin/holidays",
    "/admin/regions": "/admin/regions",
    "/admin/permit-types": "/admin/permit-types",
}
ADMIN_CHANGES = {
    "/admin/users": ("/admin/users", 400),
    "/admin/users/{username}": ("/admin/users/rr-verifier", 400),
    "/admin/users/{username}/password": ("/admin/users/rr-verifier/password", 400),
    "/admin/users/{username}/active": ("/admin/users/rr-verifier/active", 400),
    "/admin/offices": ("/admin/offices", 400),
    "/admin/offices/{code}": ("/admin/offices/no-such-office", 404),
    "/admin/holidays/import": ("/admin/holidays/import", 400),
    "/admin/holidays/set": ("/admin/holidays/set", 400),
    "/admin/holidays/remove": ("/admin/holidays/remove", 400),
    "/admin/regions/import": ("/admin/regions/import", 400),
    "/admin/permit-types": ("/admin/permit-types", 400),
    "/admin/permit-types/{code}/forms": ("/admin/permit-types/no-such-permit/forms", 400),
    "/admin/permit-types/{code}/sla": ("/admin/permit-types/no-such-permit/sla", 404),
}

# (method, route path) → Row. HEAD follows GET and is not listed separately.
EXPECTED: dict[tuple[str, str], Row] = {
    ("GET", "/healthz"): Row(everyone(200)),
    ("GET", "/api/openapi.json"): Row(everyone(200)),  # the API's description, no data
    # -- field app API -----------------------------------------------------------------------
    ("POST", "/api/devices/enroll"): Row(
        # Credentials are the body; wrong ones are refused the same way for everyone.
        everyone(400),
        request=lambda ctx, csrf: {"json": {"username": unknown_name(), "password": "wrong-pass"}},
        why="credentials in the body, no session to forge against",
    ),
    ("GET", "/api/me"): Row(device_api(), personal=True),
    ("POST", "/api/devices/logout"): Row(
        # The device's own token is revoked (the one real change: checked below).
        device_api(ok=204),
        why="device bearer token, no cookie: not forgeable cross-site",
    ),
    ("GET", "/api/reference"): Row(device_api()),
    ("POST", "/api/sync/push"): Row(
        # A device gets past the gate and is told its body is wrong (415: not JSON).
        device_api(ok=415),
        why="device bearer token, no cookie: not forgeable cross-site",
    ),
    ("POST", "/api/sync/pull"): Row(
        device_api(ok=200),
        request=lambda ctx, csrf: {"json": {"protocol": 1, "client_id": str(uuid.uuid4())}},
        personal=True,
        why="device bearer token, no cookie: not forgeable cross-site",
    ),
    ("POST", "/api/conflicts/{conflict_id}/resolve"): Row(
        staff_api(*OFFICE, ok=404),
        url=f"/api/conflicts/{uuid.uuid4()}/resolve",
        request=csrf_header(json={"keep": "server"}),
        state_changing=True,
        personal=True,
    ),
    # -- uploads (tus) -------------------------------------------------------------------------
    ("OPTIONS", "/api/uploads"): Row(everyone(204), request=lambda c, t: {"headers": TUS}),
    ("OPTIONS", "/api/uploads/"): Row(everyone(204), request=lambda c, t: {"headers": TUS}),
    ("POST", "/api/uploads"): Row(
        # Past the gate, the upload is created (any signed-in caller may start one).
        {ANON: 401, DEVICE: 201, **dict.fromkeys(STAFF, 201)},
        request=csrf_header(headers=CREATE_HEADERS),
        state_changing=True,
    ),
    ("POST", "/api/uploads/"): Row(
        {ANON: 401, DEVICE: 201, **dict.fromkeys(STAFF, 201)},
        request=csrf_header(headers=CREATE_HEADERS),
        state_changing=True,
    ),
    ("OPTIONS", "/api/uploads/{sha256}"): Row(
        everyone(204), url=f"/api/uploads/{SHA}", request=lambda c, t: {"headers": TUS}
    ),
    ("HEAD", "/api/uploads/{sha256}"): Row(
        {ANON: 401, DEVICE: 404, **dict.fromkeys(STAFF, 404)},
        url=f"/api/uploads/{SHA}",
        request=lambda c, t: {"headers": TUS},
    ),
    ("PATCH", "/api/uploads/{sha256}"): Row(
        {ANON: 401, DEVICE: 404, **dict.fromkeys(STAFF, 404)},
        url=f"/api/uploads/{SHA}",
        request=csrf_header(headers=PATCH_HEADERS),
        state_changing=True,
    ),
    ("DELETE", "/api/uploads/{sha256}"): Row(
        {ANON: 401, DEVICE: 404, **dict.fromkeys(STAFF, 404)},
        url=f"/api/uploads/{SHA}",
        request=csrf_header(headers=TUS),
        state_changing=True,
    ),
    ("POST", "/api/uploads/{sha256}"): Row(
        {ANON: 401, DEVICE: 404, **dict.fromkeys(STAFF, 404)},
        url=f"/api/uploads/{SHA}",
        request=csrf_header(headers={**PATCH_HEADERS, "X-HTTP-Method-Override": "PATCH"}),
        state_changing=True,
    ),
    ("GET", "/api/uploads/{sha256}/state"): Row(
        # The field app's probe before tus: the same callers as HEAD, 200 for "not here".
        {ANON: 401, DEVICE: 200, **dict.fromkeys(STAFF, 200)},
        url=f"/api/uploads/{SHA}/state",
    ),
    ("GET", "/api/uploads/{sha256}/content"): Row(
        # Staff only; an unknown file is 404 whoever asks (no hint whether it exists).
        staff_api(*ALL_STAFF, ok=404),
        url=f"/api/uploads/{SHA}/content",
        personal=True,
    ),
    # -- sign-in and pages ---------------------------------------------------------------------
    ("GET", "/"): Row(everyone(303)),
    ("GET", "/login"): Row(everyone(200)),
    ("POST", "/login"): Row(
        everyone(403),
        request=lambda ctx, csrf: {"data": {"username": unknown_name(), "password": "wrong-pass"}},
        why="the sign-in form carries its own CSRF token (cookie-bound); without it: 403",
    ),
    ("POST", "/logout"): Row(
        {ANON: WRONG_ROLE, DEVICE: WRONG_ROLE, **dict.fromkeys(STAFF, 303)},
        request=csrf_form(),
        state_changing=True,
    ),
    ("GET", "/lang/{code}"): Row(everyone(303), url="/lang/en"),
    ("GET", "/field/"): Row(page(Role.OFFICER, Role.ADMIN), personal=True),
    ("GET", "/office/"): Row(page(*OFFICE), personal=True),
    ("GET", "/office.json"): Row(page(*OFFICE), personal=True),
    ("GET", "/office/dashboard"): Row(page(Role.SUPERVISOR, Role.ADMIN), personal=True),
    ("GET", "/office/dashboard.json"): Row(page(Role.SUPERVISOR, Role.ADMIN), personal=True),
    ("GET", "/office/conflicts"): Row(page(*OFFICE), personal=True),
    ("GET", "/office/conflicts.json"): Row(page(*OFFICE), personal=True),
    ("POST", "/office/conflicts/{conflict_id}/resolve"): Row(
        page(*OFFICE, ok=404),
        url=f"/office/conflicts/{uuid.uuid4()}/resolve",
        request=csrf_form({"choice": "server"}),
        state_changing=True,
        personal=True,
    ),
    ("POST", "/office/conflicts/{conflict_id}/resolve.json"): Row(
        page(*OFFICE, ok=404),
        url=f"/office/conflicts/{uuid.uuid4()}/resolve.json",
        request=csrf_form({"choice": "server"}),
        state_changing=True,
        personal=True,
    ),
    ("GET", "/office/duplicates"): Row(page(*OFFICE), personal=True),
    ("GET", "/office/duplicates.json"): Row(page(*OFFICE), personal=True),
    ("POST", "/office/duplicates/{flag_id:int}/decide"): Row(
        page(*OFFICE, ok=404),
        url="/office/duplicates/987654/decide",
        request=csrf_form({"decision": "dismiss"}),
        state_changing=True,
        personal=True,
    ),
    ("POST", "/office/duplicates/{flag_id:int}/decide.json"): Row(
        page(*OFFICE, ok=404),
        url="/office/duplicates/987654/decide.json",
        request=csrf_form({"decision": "dismiss"}),
        state_changing=True,
        personal=True,
    ),
    # -- administration (admins only; every page has a .json twin) ----------------------------
    ("GET", "/admin/"): Row(page(Role.ADMIN), personal=True),
    ("GET", "/admin.json"): Row(page(Role.ADMIN), personal=True),
    **{
        ("GET", path + suffix): Row(page(Role.ADMIN), url=url + suffix, personal=True)
        for path, url in ADMIN_PAGES.items()
        for suffix in ("", ".json")
    },
    **{
        # Reference data, not personal: the generic 404 page answers.
        ("GET", path + suffix): Row(page(Role.ADMIN, ok=404), url=url + suffix)
        for path, url in {
            "/admin/permit-types/{code}": "/admin/permit-types/no-such-permit",
            "/admin/regions/jobs/{job_id}": "/admin/regions/jobs/0123456789abcdef",
        }.items()
        for suffix in ("", ".json")
    },
    ("POST", "/admin/devices/{device_id}/revoke"): Row(
        page(Role.ADMIN, ok=303),
        url="/admin/devices/{device_id}/revoke",
        request=csrf_form(),
        state_changing=True,
    ),
    ("POST", "/admin/devices/{device_id}/revoke.json"): Row(
        page(Role.ADMIN, ok=200),
        url="/admin/devices/{device_id}/revoke.json",
        request=csrf_form(),
        state_changing=True,
    ),
    # An empty form is refused with the reason (400), or names what does not exist (404).
    **{
        ("POST", path + suffix): Row(
            page(Role.ADMIN, ok=status),
            url=url + suffix,
            request=csrf_form(),
            state_changing=True,
            personal=path.startswith("/admin/users"),
        )
        for path, (url, status) in ADMIN_CHANGES.items()
        for suffix in ("", ".json")
    },
    ("POST", "/admin/users/{username}/allow-enrol"): Row(
        page(Role.ADMIN, ok=303),
        url="/admin/users/rr-officer/allow-enrol",
        request=csrf_form(),
        state_changing=True,
    ),
    ("POST", "/admin/users/{username}/allow-enrol.json"): Row(
        page(Role.ADMIN, ok=200),
        url="/admin/users/rr-officer/allow-enrol.json",
        request=csrf_form(),
        state_changing=True,
    ),
    # Second factor: acts only on a session whose password step is done and code is not;
    # every caller here has a full session or none, so each is sent on (to /login or, for
    # the setup page, shown the optional enrolment).
    ("GET", "/login/second-factor"): Row(everyone(303)),
    ("POST", "/login/second-factor"): Row(
        everyone(303),
        request=csrf_form({"code": "123456"}),
        why="only a session between password and code may post here; others go to /login",
    ),
    ("GET", "/login/second-factor/setup"): Row(
        {ANON: 303, DEVICE: 303, **dict.fromkeys(STAFF, 200)}, personal=True
    ),
    ("POST", "/login/second-factor/setup"): Row(
        {ANON: 303, DEVICE: 303, **dict.fromkeys(STAFF, 400)},
        request=csrf_form({"secret": "A" * 32, "signature": "forged", "code": "123456"}),
        state_changing=True,
    ),
    # -- one application and the SLA lists (an unknown id is 404 for whoever may look) ---------
    ("GET", "/office/applications/{id}"): Row(
        page(*OFFICE, ok=404), url=f"/office/applications/{UNKNOWN_APP}", personal=True
    ),
    ("GET", "/office/applications/{id}.json"): Row(
        page(*OFFICE, ok=404), url=f"/office/applications/{UNKNOWN_APP}.json", personal=True
    ),
    **{
        ("POST", f"/office/applications/{{id}}/move{suffix}"): Row(
            page(Role.VERIFIER, Role.SUPERVISOR, ok=404),
            url=f"/office/applications/{UNKNOWN_APP}/move{suffix}",
            request=csrf_form({"version": "2", "to_status": "verifikasi"}),
            state_changing=True,
            personal=True,
        )
        for suffix in ("", ".json")
    },
    **{
        ("POST", f"/office/applications/{{id}}/nik{suffix}"): Row(
            page(*OFFICE, ok=404),
            url=f"/office/applications/{UNKNOWN_APP}/nik{suffix}",
            request=csrf_form(),
            state_changing=True,
            personal=True,
        )
        for suffix in ("", ".json")
    },
    **{
        ("GET", path): Row(page(*OFFICE), personal=True)
        for path in ("/office/overdue", "/office/overdue.json", "/office/sla", "/office/sla.json")
    },
    # -- citizen feedback inbox and the SKM report ----------------------------------------------
    ("GET", "/office/feedback"): Row(page(*OFFICE), personal=True),
    ("GET", "/office/feedback.json"): Row(page(*OFFICE), personal=True),
    ("GET", "/office/feedback/{id}"): Row(
        page(*OFFICE, ok=404), url=f"/office/feedback/{uuid.uuid4()}", personal=True
    ),
    ("GET", "/office/feedback/{id}.json"): Row(
        page(*OFFICE, ok=404), url=f"/office/feedback/{uuid.uuid4()}.json", personal=True
    ),
    ("POST", "/office/feedback/{id}/{action}"): Row(
        page(*OFFICE, ok=404),
        url=f"/office/feedback/{uuid.uuid4()}/reply",
        request=csrf_form({"reply": "Terima kasih."}),
        state_changing=True,
        personal=True,
    ),
    ("GET", "/office/skm"): Row(page(Role.SUPERVISOR, Role.ADMIN)),
    ("GET", "/office/skm.json"): Row(page(Role.SUPERVISOR, Role.ADMIN)),
    ("GET", "/office/skm.csv"): Row(page(Role.SUPERVISOR, Role.ADMIN)),
    # -- the citizen's pages (public; their forms carry their own signed token) ---------------
    ("GET", "/t/{code}"): Row(
        # An unknown code or token is 404 alike for everyone.
        everyone(404),
        url="/t/JB-7K3M-9QXD-4HTA?k=q3Vb8xY2mN4pR6tW1zA9cE1234",
        personal=True,
    ),
    ("GET", "/lacak"): Row(everyone(200)),
    ("POST", "/lacak"): Row(
        everyone(403),
        request=lambda ctx, csrf: {"data": {"code": "JB-7K3M-9QXD-4HTA", "phone_last4": "1234"}},
        why="public form without a session: refused here without its form token; the signed "
        "token itself is tested in tests/server/test_citizen_status.py",
    ),
    ("GET", "/umpan-balik"): Row(everyone(200)),
    ("POST", "/umpan-balik"): Row(
        everyone(403),
        request=lambda ctx, csrf: {"data": {"kind": "saran", "message": "Tolong buka sabtu."}},
        why="public form without a session: refused here without its form token; the signed "
        "token itself is tested in tests/server/test_citizen_feedback.py",
    ),
    ("GET", "/tiket/{code}"): Row(
        everyone(404), url="/tiket/TK-7K3M-9QXD-4HTA?k=q3Vb8xY2mN4pR6tW1zA9cE", personal=True
    ),
    ("GET", "/t/{code}/survei"): Row(
        everyone(404), url="/t/JB-7K3M-9QXD-4HTA/survei?k=q3Vb8xY2mN4pR6tW1zA9cE", personal=True
    ),
    ("POST", "/t/{code}/survei"): Row(
        everyone(404),
        url="/t/JB-7K3M-9QXD-4HTA/survei?k=q3Vb8xY2mN4pR6tW1zA9cE",
        why="public form behind the status link's secret (404 without it) and its signed form "
        "token (tests/server/test_citizen_feedback.py)",
    ),
    # -- the field app's shell (public files, no personal data) --------------------------------
    ("GET", "/app"): Row(everyone(308)),
    ("GET", "/app/"): Row(everyone(200)),
    ("GET", "/app/index.html"): Row(everyone(200)),
    ("GET", "/app/sw.js"): Row(everyone(200)),
    ("GET", "/app/manifest.webmanifest"): Row(everyone(200)),
    ("GET", "/app/vendor/{name}"): Row(everyone(200), url="/app/vendor/idb.js"),
    ("GET", "/app/{folder}/{rest:path}"): Row(everyone(200), url="/app/js/app.js"),
    ("GET", "/static"): Row(everyone(200), url="/static/office.css"),
}

# Personal-data routes that do not yet answer Cache-Control: no-store. Only ever shrinks: when
# a route is fixed, this test fails until its entry is removed.
NO_STORE_GAPS: set[tuple[str, str]] = set()


def route_keys() -> Iterator[tuple[str, str]]:
    for route in collect_routes():
        if isinstance(route, Mount):
            yield ("GET", route.path)
        elif isinstance(route, Route):
            methods = set(route.methods or ())
            if "GET" in methods:
                methods.discard("HEAD")
            for method in sorted(methods):
                yield (method, route.path)
        else:  # pragma: no cover - a new kind of route needs a rule here
            raise AssertionError(f"unknown route kind {route!r}")


def test_every_route_has_a_row() -> None:
    routes = set(route_keys())
    missing = sorted(routes - set(EXPECTED))
    stale = sorted(set(EXPECTED) - routes)
    assert not missing, f"routes without a row in EXPECTED (add one): {missing}"
    assert not stale, f"rows for routes that no longer exist (remove them): {stale}"


def test_gap_list_names_personal_routes_only() -> None:
    for key in NO_STORE_GAPS:
        assert key in EXPECTED and EXPECTED[key].personal, key


def test_every_state_change_is_guarded_or_explained() -> None:
    for (method, path), row in EXPECTED.items():
        if method in ("POST", "PUT", "PATCH", "DELETE") and not row.state_changing:
            assert row.why, f"{method} {path}: state change without CSRF needs a reason"


# -- the callers ----------------------------------------------------------------------------


async def make_callers(app: Any) -> tuple[Ctx, dict[str, httpx.AsyncClient]]:
    users: dict[str, User] = {}
    clients: dict[str, httpx.AsyncClient] = {}
    csrf: dict[str, str] = {}

    def transport() -> httpx.ASGITransport:
        # One address per caller: the login throttle counts failures per client address.
        return httpx.ASGITransport(app=app, client=(f"127.0.1.{len(clients) + 1}", 50000))

    for role in STAFF:
        users[role] = await User.create(
            username=f"rr-{role}",
            full_name=f"Route {role}",
            role=role,
            area_codes=["63.71"],
            password_hash="not-a-hash",  # these callers never sign in with a password
        )
        new = await sessions.start(users[role], hours=1, language="id")
        csrf[role] = new.session.csrf_token
        clients[role] = httpx.AsyncClient(
            transport=transport(),
            base_url="https://testserver",
            cookies={SESSION_COOKIE: new.token},
        )
    enrollment = await devices.enroll(users["officer"], "Tablet uji")
    clients[ANON] = httpx.AsyncClient(transport=transport(), base_url="https://testserver")
    clients[DEVICE] = httpx.AsyncClient(
        transport=transport(),
        base_url="https://testserver",
        headers={"Authorization": f"Bearer {enrollment.token}"},
    )
    ctx = Ctx(device_id=str(enrollment.device.id), device_token=enrollment.token, csrf=csrf)
    return ctx, clients


def url_of(key: tuple[str, str], row: Row, ctx: Ctx) -> str:
    return (row.url or key[1]).replace("{device_id}", ctx.device_id)


async def call(
    client: httpx.AsyncClient, key: tuple[str, str], row: Row, ctx: Ctx, csrf: str | None
) -> httpx.Response:
    return await client.request(key[0], url_of(key, row, ctx), **row.request(ctx, csrf))


def is_denied(response: httpx.Response) -> bool:
    if response.status_code == LOGIN_REDIRECT:
        return response.headers.get("location", "").startswith("/login")
    return response.status_code in (API_UNAUTHORIZED, WRONG_ROLE)


@pytest.fixture
async def callers(app: Any) -> Any:
    ctx, clients = await make_callers(app)
    yield ctx, clients
    for client in clients.values():
        await client.aclose()


@pytest.mark.parametrize("key", sorted(EXPECTED), ids=lambda k: f"{k[0]} {k[1]}")
async def test_route_answers_each_caller(key: tuple[str, str], callers: Any) -> None:
    ctx, clients = callers
    row = EXPECTED[key]
    got: dict[str, int] = {}
    for caller in CALLERS:
        token = ctx.csrf.get(caller)
        response = await call(clients[caller], key, row, ctx, token)
        got[caller] = response.status_code
        if row.personal and not is_denied(response):
            no_store = "no-store" in response.headers.get("cache-control", "")
            if key in NO_STORE_GAPS:
                assert not no_store, f"{key} now says no-store: remove it from NO_STORE_GAPS"
            else:
                assert no_store, f"{key} carries personal data: Cache-Control must be no-store"
        if key == ("POST", "/admin/devices/{device_id}/revoke") and caller == "admin":
            # The one real change in the table: it happened, and only for the admin.
            device = await Device.get(id=ctx.device_id)
            assert device.revoked_at is not None
        if key == ("POST", "/api/devices/logout") and caller == DEVICE:
            device = await Device.get(id=ctx.device_id)
            assert device.revoked_at is not None, "a field-app logout revokes its own token"
    assert got == row.answers


@pytest.mark.parametrize(
    "key",
    sorted(k for k, row in EXPECTED.items() if row.state_changing),
    ids=lambda k: f"{k[0]} {k[1]}",
)
@pytest.mark.parametrize("token", ["missing", "forged"])
async def test_state_change_refuses_missing_or_forged_csrf(
    key: tuple[str, str], token: str, callers: Any
) -> None:
    ctx, clients = callers
    row = EXPECTED[key]
    allowed = [role for role in STAFF if row.answers[role] != WRONG_ROLE]
    assert allowed, f"{key}: no staff role gets past the gate, so CSRF is untested"
    before = await AuditEvent.all().count()
    for role in allowed:
        response = await call(clients[role], key, row, ctx, None if token == "missing" else FORGED)
        assert response.status_code == 403, (role, response.status_code, response.text[:200])
        if "json" in response.headers.get("content-type", ""):
            body = response.json()
            assert body.get("error") == "csrf_failed", body
        else:
            assert "expired" in response.text or "kedaluwarsa" in response.text.lower()
    # Nothing changed: no audit row written, the device still works, sessions still live.
    assert await AuditEvent.all().count() == before
    device = await Device.get(id=ctx.device_id)
    assert device.revoked_at is None
    for role in STAFF:
        token = clients[role].cookies.get(SESSION_COOKIE)
        assert await sessions.load(token, idle_minutes=30) is not None
