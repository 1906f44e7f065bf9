"""The field app's routes: the shell, the service worker's version and allowlist (from the
build, pwa/build.mjs), vendor files from node_modules, and the CSP-friendliness of the shell."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from server.web import pwa

SW_LIST = re.compile(r"const SHELL = (\[.*?\]);", re.S)


def shell_list(source: str) -> list[str]:
    match = SW_LIST.search(source)
    assert match, "sw.js has no SHELL list"
    return list(json.loads(match.group(1)))


def served_shell_list() -> list[str]:
    listed = pwa.precache_list()
    assert listed, "run `make setup`: the field app is not built"
    return listed


@pytest.fixture
async def client() -> httpx.AsyncClient:
    app = Starlette(routes=pwa.routes)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
    ) as c:
        yield c


async def test_service_worker_is_revalidated_and_carries_the_shell_version(client) -> None:
    r = await client.get("/app/sw.js")
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-cache"
    assert r.headers["content-type"].startswith("text/javascript")
    assert "__SHELL_VERSION__" not in r.text
    assert f'const VERSION = "{pwa.shell_version()}";' in r.text
    assert shell_list(r.text) == pwa.precache_list()  # the build's list, filled in


async def test_every_precached_path_is_served(client) -> None:
    for path in served_shell_list():
        r = await client.get("/app/" + path)
        assert r.status_code == 200, path


def test_every_shell_file_is_precached() -> None:
    """The bundle and the assets, never the source modules the bundle is made from."""
    listed = set(served_shell_list())
    on_disk = {
        p.relative_to(pwa.PWA_DIR).as_posix()
        for folder in ("css", "i18n", "icons", "dist")
        for p in (pwa.PWA_DIR / folder).rglob("*")
        if p.is_file() and p.name != "shell.json"
    }
    assert "dist/app.js" in on_disk
    vendor = {p for p in listed if p.startswith("vendor/")}
    assert on_disk | {"./", "index.html", "manifest.webmanifest"} == listed - vendor
    # libraries loaded on demand stay files of their own; idb is imported at start: bundled
    assert vendor == {"vendor/qrcode.js", "vendor/signature_pad.js", "vendor/tus.min.js"}
    assert not any(p.startswith(("js/", "core/")) for p in listed)


def test_index_html_loads_the_bundle_only() -> None:
    html = (pwa.PWA_DIR / "index.html").read_text()
    assert re.findall(r"<script[^>]*src=\"([^\"]+)\"", html) == ["dist/app.js"]
    assert "modulepreload" not in html


def test_the_precache_never_lists_api_photos_or_status_pages() -> None:
    for path in served_shell_list():
        assert not path.startswith(("/", "api", "t/", "..")), path


async def test_unlisted_and_escaping_paths_are_404(client) -> None:
    for path in (
        "/app/vendor/lodash.throttle",
        "/app/vendor/../package.json",
        "/app/js/../../server/app.py",
        "/app/js/%2e%2e/%2e%2e/pyproject.toml",
        "/app/tests/pwa/sync.test.js",
        "/app/core/missing.js",
        "/app/docs/architecture.md",
    ):
        r = await client.get(path, follow_redirects=True)
        assert r.status_code == 404, path


async def test_vendor_allowlist_serves_the_esm_builds(client) -> None:
    r = await client.get("/app/vendor/idb.js")
    assert r.status_code == 200
    assert "export {" in r.text and "openDB" in r.text
    r = await client.get("/app/vendor/qrcode.js")
    assert "export default qrcode" in r.text


async def test_every_script_is_served_as_javascript(client) -> None:
    # Module scripts with any other type are refused by the browser.
    for path in served_shell_list():
        if path.endswith(".js"):
            r = await client.get("/app/" + path)
            assert r.headers["content-type"].startswith("text/javascript"), path


def test_vendor_files_count_in_the_shell_version() -> None:
    files = set(pwa.shell_files())
    for rel in pwa.VENDOR.values():
        assert pwa.NODE_MODULES / rel in files, rel


async def test_unchanged_files_answer_304(client) -> None:
    first = await client.get("/app/core/sync.js")
    again = await client.get("/app/core/sync.js", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""


async def test_app_without_slash_redirects(client) -> None:
    r = await client.get("/app")
    assert r.status_code == 308
    assert r.headers["location"] == "/app/"


def test_shell_version_changes_when_a_shell_file_changes(tmp_path, monkeypatch) -> None:
    copy = tmp_path / "pwa"
    shutil.copytree(pwa.PWA_DIR, copy)
    monkeypatch.setattr(pwa, "PWA_DIR", copy)
    before = pwa.shell_version()
    css = copy / "css" / "app.css"
    css.write_text(css.read_text() + "\n/* changed */\n")
    assert pwa.shell_version() != before


class InlineFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {k for k, _ in attrs}
        if "style" in names or any(k.startswith("on") for k in names):
            self.problems.append(f"<{tag}> has an inline style or handler")
        if tag == "style":
            self.problems.append("<style> element")
        self._in_script = tag == "script" and "src" not in names

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append("inline <script>")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False


def test_index_html_needs_no_unsafe_inline() -> None:
    finder = InlineFinder()
    finder.feed((pwa.PWA_DIR / "index.html").read_text())
    assert finder.problems == []


def test_app_code_never_uses_eval_or_inner_html() -> None:
    for path in (pwa.PWA_DIR).rglob("*.js"):
        if pwa.DIST_DIR in path.parents:
            continue  # generated from these sources and the vendor libraries
        text = path.read_text()
        for bad in ("eval(", "new Function(", "innerHTML", "insertAdjacentHTML", "document.write"):
            assert bad not in text, f"{path}: {bad}"
        assert not re.search(r"setAttribute\(\s*[\"']style", text), path


def test_both_languages_have_the_same_strings_and_cover_the_code() -> None:
    id_ = json.loads((pwa.PWA_DIR / "i18n" / "id.json").read_text())
    en = json.loads((pwa.PWA_DIR / "i18n" / "en.json").read_text())
    assert set(id_) == set(en)
    used: set[str] = set()
    for path in (pwa.PWA_DIR / "js").rglob("*.js"):
        used |= set(re.findall(r"\bt\(\"([a-z][a-z_0-9]*\.[a-z_0-9.]+)\"", path.read_text()))
    assert used - set(id_) == set()


def test_manifest_is_installable_shape() -> None:
    m = json.loads((pwa.PWA_DIR / "manifest.webmanifest").read_text())
    assert m["start_url"] == "/app/" and m["scope"] == "/app/"
    assert m["display"] == "standalone"
    sizes = {i["sizes"] for i in m["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in m["icons"]:
        assert (pwa.PWA_DIR / icon["src"]).is_file()


def test_vendor_files_exist_in_node_modules() -> None:
    for rel in pwa.VENDOR.values():
        assert (pwa.NODE_MODULES / rel).is_file(), f"run `npm ci`: {rel} missing"


def test_shell_files_stay_within_the_repository() -> None:
    root = Path(pwa.ROOT).resolve()
    for p in pwa.shell_files():
        assert root in p.resolve().parents
