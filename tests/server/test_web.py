"""Health, errors, security headers and language through the real app."""

from __future__ import annotations

from server.models import Role
from server.web import pwa
from server.web.security import CSP
from tests.conftest import staff_login


async def test_healthz_reports_database_and_migrations(client, db):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "database": "ok", "pending_migrations": []}


async def test_healthz_notices_a_pending_migration(client, db, monkeypatch):
    from server import db as dbmod

    async def pending():
        return ["0099_future"]

    monkeypatch.setattr(dbmod, "pending_migrations", pending)
    response = await client.get("/healthz")
    assert response.status_code == 503 and response.json()["ok"] is False


async def test_every_response_carries_a_strict_csp(client, db):
    for path in ("/login", "/healthz", "/api/nothing-here", "/static/office.css"):
        response = await client.get(path)
        assert response.headers["content-security-policy"] == CSP
        assert response.headers["x-content-type-options"] == "nosniff"
    assert "'unsafe-inline'" not in CSP and "script-src 'self'" in CSP
    # The field app's page adds only the hashes of its own inline bundle and stylesheet.
    field_app = await client.get("/app/")
    assert field_app.headers["content-security-policy"] == pwa.page_csp() != CSP
    assert "'unsafe" not in pwa.page_csp()


async def test_api_errors_are_json_and_pages_are_indonesian_html(client, db):
    api = await client.get("/api/nothing-here")
    assert api.status_code == 404
    assert api.json() == {"error": "http_404", "message": "Halaman yang Anda cari tidak ada."}
    page = await client.get("/nothing-here")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Maaf (404)" in page.text and "Halaman yang Anda cari tidak ada." in page.text


async def test_wrong_method_is_a_clear_405(client, db):
    response = await client.delete("/api/devices/enroll")
    assert response.status_code == 405 and response.json()["error"] == "http_405"


async def test_language_switch_to_english(client, make_user):
    user = await make_user(Role.VERIFIER)
    await staff_login(client, user.username)
    indonesian = await client.get("/office/")
    assert "Permohonan masuk" in indonesian.text and 'lang="id"' in indonesian.text
    switched = await client.get("/lang/en?next=/office/")
    assert switched.status_code == 303 and switched.headers["location"] == "/office/"
    english = await client.get("/office/")
    assert "Incoming applications" in english.text and 'lang="en"' in english.text


def test_every_template_message_has_an_indonesian_translation():
    from pathlib import Path

    from jinja2.ext import babel_extract

    from server.web.i18n import translations

    catalog = translations("id")
    missing = []
    for path in Path("server/templates").glob("*.html"):
        with path.open("rb") as handle:
            for _line, _func, message, _c in babel_extract(
                handle, ["_", "gettext"], [], {"extensions": "jinja2.ext.i18n"}
            ):
                text = message if isinstance(message, str) else None
                if text and text not in catalog._catalog:  # type: ignore[attr-defined]
                    missing.append(f"{path.name}: {text}")
    assert missing == []
