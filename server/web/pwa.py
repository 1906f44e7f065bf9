"""Serves the field app (``pwa/``) at ``/app/``: the page ``pwa/build.mjs`` makes at setup
time (``pwa/dist/index.html``: the stylesheet, the Indonesian strings and the bundled modules
inline, with a CSP that allows exactly those inline blocks by their hashes), the shell files
as they are, the service worker with its shell version and file list filled in, and an
allowlist of front-end libraries from ``node_modules`` at ``/app/vendor/<name>``
(``pwa/vendor.json``). Nothing else under those folders is reachable."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from server.web.security import csp

ROOT = Path(__file__).resolve().parents[2]
PWA_DIR = ROOT / "pwa"
NODE_MODULES = ROOT / "node_modules"

DIST_DIR = PWA_DIR / "dist"
SHELL_LIST = DIST_DIR / "shell.json"
# /app/vendor/<name> → file inside node_modules (ESM builds where the library has one); the
# build reads the same map to bundle the ones the app imports.
VENDOR: dict[str, str] = json.loads((PWA_DIR / "vendor.json").read_text())

SHELL_DIRS = ("css", "js", "core", "i18n", "icons", "dist")
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".html": "text/html; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}
VERSION_MARK = b"__SHELL_VERSION__"
FILES_MARK = b'["__SHELL_FILES__"]'
NOT_BUILT = "The field app is not built: run `make setup` (or `node pwa/build.mjs`)."

_version_cache: dict[tuple[tuple[str, int, int], ...], str] = {}


def shell_files() -> list[Path]:
    """Every file the app may load: the pwa folder's shell plus the vendor allowlist."""
    files = [PWA_DIR / "index.html", PWA_DIR / "manifest.webmanifest"]
    for folder in SHELL_DIRS:
        files += sorted(p for p in (PWA_DIR / folder).rglob("*") if p.is_file())
    files += [NODE_MODULES / rel for rel in VENDOR.values()]
    return [p for p in files if p.suffix in CONTENT_TYPES and p.is_file()]


def shell_version() -> str:
    """A hash of the shell's contents, so any change makes a new service worker."""
    files = [*shell_files(), PWA_DIR / "sw.js"]
    key = tuple((str(p), (st := p.stat()).st_mtime_ns, st.st_size) for p in files if p.exists())
    if key not in _version_cache:
        digest = hashlib.sha256()
        for path, _mtime, _size in key:
            digest.update(path.encode())
            digest.update(Path(path).read_bytes())
        _version_cache.clear()
        _version_cache[key] = digest.hexdigest()[:16]
    return _version_cache[key]


def _not_found() -> Response:
    return PlainTextResponse("Not found", status_code=404)


def _serve(request: Request, path: Path, body: bytes | None = None) -> Response:
    data = path.read_bytes() if body is None else body
    etag = '"' + hashlib.sha256(data).hexdigest()[:24] + '"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    media = CONTENT_TYPES.get(path.suffix, "application/octet-stream")
    return Response(data, media_type=media, headers=headers)


def _inside(base: Path, rel: str) -> Path | None:
    parts = rel.split("/")
    if not rel or "\\" in rel or any(p in ("", ".", "..") for p in parts):
        return None
    path = (base / rel).resolve()
    if base.resolve() not in path.parents or not path.is_file():
        return None
    return path


async def app_root(request: Request) -> Response:
    return RedirectResponse("/app/", status_code=308)


def page_csp() -> str:
    """The policy of the built page: 'self' plus the hashes of its own inline blocks (the
    build writes them to dist/csp.json)."""
    hashes = json.loads((PWA_DIR / "dist" / "csp.json").read_text())
    return csp(tuple(hashes["script-src"]), tuple(hashes["style-src"]))


async def index(request: Request) -> Response:
    page = PWA_DIR / "dist" / "index.html"
    if not (SHELL_LIST.is_file() and page.is_file()):
        return PlainTextResponse(NOT_BUILT, status_code=503)
    response = _serve(request, page)
    response.headers["Content-Security-Policy"] = page_csp()
    return response


def precache_list() -> list[str]:
    """The service worker's shell list, written by the build (``pwa/dist/shell.json``)."""
    return list(json.loads(SHELL_LIST.read_text()))


async def service_worker(request: Request) -> Response:
    if not SHELL_LIST.is_file():
        return PlainTextResponse(NOT_BUILT, status_code=503)
    source = (PWA_DIR / "sw.js").read_bytes()
    source = source.replace(FILES_MARK, json.dumps(precache_list()).encode())
    response = _serve(
        request, PWA_DIR / "sw.js", source.replace(VERSION_MARK, shell_version().encode())
    )
    response.headers["Service-Worker-Allowed"] = "/app/"
    return response


async def manifest(request: Request) -> Response:
    return _serve(request, PWA_DIR / "manifest.webmanifest")


async def vendor(request: Request) -> Response:
    rel = VENDOR.get(request.path_params["name"])
    if rel is None or not (NODE_MODULES / rel).is_file():
        return _not_found()
    return _serve(request, NODE_MODULES / rel)


async def shell_file(request: Request) -> Response:
    folder = request.path_params["folder"]
    if folder not in SHELL_DIRS:
        return _not_found()
    path = _inside(PWA_DIR / folder, request.path_params["rest"])
    if path is None or path.suffix not in CONTENT_TYPES:
        return _not_found()
    return _serve(request, path)


routes = [
    Route("/app", app_root, methods=["GET"]),
    Route("/app/", index, methods=["GET", "HEAD"]),
    Route("/app/index.html", index, methods=["GET", "HEAD"]),
    Route("/app/sw.js", service_worker, methods=["GET", "HEAD"]),
    Route("/app/manifest.webmanifest", manifest, methods=["GET", "HEAD"]),
    Route("/app/vendor/{name}", vendor, methods=["GET", "HEAD"]),
    Route("/app/{folder}/{rest:path}", shell_file, methods=["GET", "HEAD"]),
]
