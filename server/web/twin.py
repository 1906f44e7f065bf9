"""One view, two renderings (as Datasette does): every back-office page answers HTML, or the
same data as JSON when the URL ends in ``.json`` or the client prefers ``application/json``.

Pages, tests and later integrations therefore share one code path: an endpoint builds a plain
dict and hands it to ``respond``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.services.applications import scope

JSON_SUFFIX = ".json"
NO_STORE = {"Cache-Control": "no-store"}


def json_path(path: str) -> str:
    """``/office/applications/{id}`` → ``…/{id}.json``; ``/office/`` → ``/office.json``."""
    return path.rstrip("/") + JSON_SUFFIX


def twin_routes(
    path: str,
    endpoint: Callable[..., Any],
    *,
    methods: Sequence[str] = ("GET",),
    name: str | None = None,
) -> list[Route]:
    """The HTML route and its ``.json`` twin, both served by ``endpoint``."""
    base = name or endpoint.__name__
    # The twin comes first: "{id}" would otherwise swallow "42.json" whole.
    return [
        Route(json_path(path), endpoint, methods=list(methods), name=f"{base}.json"),
        Route(path, endpoint, methods=list(methods), name=base),
    ]


def wants_json(request: Request) -> bool:
    if request.url.path.endswith(JSON_SUFFIX):
        return True
    accept = request.headers.get("accept", "")
    return _prefers_json(accept)


def _prefers_json(accept: str) -> bool:
    best_json = best_html = -1.0
    for item in accept.split(","):
        media, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        media = media.strip().lower()
        if media == "application/json":
            best_json = max(best_json, quality)
        elif media in ("text/html", "*/*", "text/*"):
            best_html = max(best_html, quality)
    return best_json > 0 and best_json >= best_html


def jsonable(value: Any) -> Any:
    """orjson's fallback for what pages carry beyond plain JSON types."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def respond(
    request: Request,
    template: str,
    data: Mapping[str, Any],
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Render ``data`` as JSON or through ``template``. Back-office data is personal, so the
    answer is never stored by a browser or a proxy."""
    merged = {**NO_STORE, **(headers or {})}
    session = request.state._state.get("staff_session")
    if session is not None and scope.lacks_area(session.user):
        # Every page of someone who sees nothing says why (the HTML in base.html).
        data = {**data, "scope_notice": {"code": "no_area", "messages": scope.NO_AREA}}
    if wants_json(request):
        body = orjson.dumps(
            dict(data), default=jsonable, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_NAIVE_UTC
        )
        return Response(body, status_code=status, headers=merged, media_type="application/json")
    response = request.app.state.templates.TemplateResponse(
        request, template, dict(data), status_code=status
    )
    response.headers.update(merged)
    response.headers["Vary"] = "Accept"
    return response
