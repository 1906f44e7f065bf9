"""The field app's routes: the shell, the service worker's version and allowlist (from the
build, pwa/build.mjs), vendor files from node_modules, and the CSP-friendliness of the shell."""

from __future__ import annotations

import base64
import hashlib
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
    """The page (the bundle, stylesheet and Indonesian strings inside), what it may still
    fetch, never the source modules the bundle is made from nor what the page carries."""
    listed = set(served_shell_list())
    vendor = {p for p in listed if p.startswith("vendor/")}
    icons = {p.relative_to(pwa.PWA_DIR).as_posix() for p in (pwa.PWA_DIR / "icons").iterdir()}
    assert listed - vendor == {"./", "manifest.webmanifest", "i18n/en.json", *icons}
    # libraries loaded on demand stay files of their own; idb is imported at start: bundled
    assert vendor == {"vendor/qrcode.js", "vendor/signature_pad.js", "vendor/tus.min.js"}
    assert not any(p.startswith(("js/", "core/", "css/", "dist/")) for p in listed)


class Blocks(HTMLParser):
    """The built page's elements: external references and the text of inline blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str]] = []  # (tag, src or href)
        self.inline: list[tuple[str, dict[str, str | None], str]] = []
        self.attrs_seen: set[str] = set()
        self._open: tuple[str, dict[str, str | None]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        self.attrs_seen |= set(named)
        if tag in ("script", "link", "img") and (named.get("src") or named.get("href")):
            self.refs.append((tag, str(named.get("src") or named.get("href"))))
        if tag in ("script", "style") and "src" not in named:
            self._open = (tag, named)

    def handle_data(self, data: str) -> None:
        if self._open:
            self.inline.append((*self._open, data))
            self._open = None

    def handle_endtag(self, tag: str) -> None:
        self._open = None


def built_page() -> Blocks:
    blocks = Blocks()
    blocks.feed((pwa.PWA_DIR / "dist" / "index.html").read_text())
    return blocks


def digest(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_the_page_carries_the_bundle_styles_and_strings_and_loads_no_script() -> None:
    page = built_page()
    assert [ref for ref in page.refs if ref[0] == "script"] == []
    assert not any(ref[1].endswith((".css", ".json")) for ref in page.refs), page.refs
    kinds = [(tag, attrs.get("type")) for tag, attrs, _ in page.inline]
    assert kinds == [("style", None), ("script", "application/json"), ("script", "module")]
    strings = json.loads(page.inline[1][2])
    assert strings == json.loads((pwa.PWA_DIR / "i18n" / "id.json").read_text())
    assert page.inline[1][1]["id"] == "strings-id"
    assert "globalThis.jemputBola" in page.inline[2][2]  # the page's modules, for the tests
    # the template names the sources the build replaces
    template = (pwa.PWA_DIR / "index.html").read_text()
    assert '<script type="module" src="js/app.js"></script>' in template
    assert '<link rel="stylesheet" href="css/app.css">' in template


async def test_the_page_allows_exactly_its_own_inline_blocks(client) -> None:
    r = await client.get("/app/")
    assert r.status_code == 200
    policy = dict(
        part.strip().split(" ", 1) for part in r.headers["content-security-policy"].split(";")
    )
    page = built_page()
    style = next(text for tag, _, text in page.inline if tag == "style")
    module = next(text for tag, a, text in page.inline if a.get("type") == "module")
    assert policy["script-src"] == f"'self' {digest(module)}"
    assert policy["style-src"] == f"'self' {digest(style)}"
    assert "unsafe" not in r.headers["content-security-policy"]
    assert (await client.get("/app/index.html")).text == r.text


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


def test_the_page_has_no_inline_style_attribute_or_handler() -> None:
    for page in (built_page(), Blocks()):
        if not page.inline:
            page.feed((pwa.PWA_DIR / "index.html").read_text())
            assert page.inline == [], "the template has no inline block; the build adds them"
        assert "style" not in page.attrs_seen
        assert not any(a.startswith("on") for a in page.attrs_seen), page.attrs_seen


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
