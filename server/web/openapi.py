"""The OpenAPI 3.1 document of the JSON API, generated from the code: every endpoint under
/api/ (and /healthz) declares its operations next to its function with ``@operation``, and
``document(routes)`` walks the route table, so a route and its description cannot drift apart
(tests/server/test_openapi.py checks that every API route and method is declared)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from starlette.routing import BaseRoute, Route

F = TypeVar("F", bound=Callable[..., Any])

API_PREFIXES = ("/api/", "/healthz")

ERROR = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
}
UUID = {"type": "string", "format": "uuid"}
SHA256 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}


def error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR}}}


def json_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def ok(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    if schema is None:
        return {"description": description}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


DEVICE = [{"device": []}]
STAFF = [{"staff": []}]
COMMON = {
    "400": error("the request is malformed; `message` says how"),
    "401": error("no, a wrong or a revoked credential"),
    "429": error("too many requests: wait `Retry-After` seconds"),
    "503": error("transient failure, nothing was committed: retry after `Retry-After`"),
}


def operation(method: str, **spec: Any) -> Callable[[F], F]:
    """Declare one HTTP method of the decorated endpoint (summary, requestBody, responses,
    parameters, security …, as OpenAPI writes them). Common error answers are added."""

    def attach(endpoint: F) -> F:
        declared: dict[str, dict[str, Any]] = getattr(endpoint, "__openapi__", {})
        responses = {**COMMON, **spec.pop("responses", {})}
        if method.upper() == "HEAD":  # a HEAD answer has no body, errors included
            responses = {
                code: {"description": answer["description"]} for code, answer in responses.items()
            }
        declared[method.upper()] = {**spec, "responses": responses}
        endpoint.__openapi__ = declared  # type: ignore[attr-defined]
        return endpoint

    return attach


def api_routes(routes: Iterable[BaseRoute]) -> list[Route]:
    return [r for r in routes if isinstance(r, Route) and r.path.startswith(API_PREFIXES)]


def documented_methods(route: Route) -> set[str]:
    """Starlette adds HEAD to every GET route; only a HEAD of its own is an operation."""
    methods = set(route.methods or ())
    return methods - {"HEAD"} if "GET" in methods else methods


def document(routes: Iterable[BaseRoute], version: str = "1") -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for route in api_routes(routes):
        declared = getattr(route.endpoint, "__openapi__", {})
        for method in sorted(documented_methods(route)):
            if method not in declared:
                continue  # the test names every undeclared route and method
            spec = dict(declared[method])
            params = [
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                for name in route.param_convertors
            ]
            if params and "parameters" not in spec:
                spec["parameters"] = params
            paths.setdefault(route.path, {})[method.lower()] = spec
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Jemput Bola API",
            "version": version,
            "description": "Device API (docs/sync-protocol.md, docs/uploads.md) and the "
            'back-office JSON calls. Errors: {"error", "message"}.',
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "device": {"type": "http", "scheme": "bearer"},
                "staff": {"type": "apiKey", "in": "cookie", "name": "__Host-jb_session"},
            }
        },
    }
