"""The HTML/JSON twin: one endpoint, two renderings, chosen by suffix or Accept."""

from __future__ import annotations

import datetime as dt

import httpx
import jinja2
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from server.web.twin import json_path, respond, twin_routes, wants_json


async def thing(request: Request) -> Response:
    data = {
        "id": request.path_params["id"],
        "name": "<b>Toko</b>",
        "when": dt.datetime(2026, 12, 3, 8, 0, tzinfo=dt.UTC),
    }
    return respond(request, "thing.html", data)


def make_app() -> Starlette:
    env = jinja2.Environment(
        loader=jinja2.DictLoader({"thing.html": "<p>{{ id }} {{ name }} {{ when.year }}</p>"}),
        autoescape=True,
    )
    app = Starlette(routes=twin_routes("/things/{id}", thing))
    app.state.templates = Jinja2Templates(env=env)
    return app


@pytest.fixture
async def twin_client():
    transport = httpx.ASGITransport(app=make_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield client


async def test_html_by_default_and_escaped(twin_client):
    response = await twin_client.get("/things/1", headers={"accept": "text/html"})
    assert response.headers["content-type"].startswith("text/html")
    assert response.text == "<p>1 &lt;b&gt;Toko&lt;/b&gt; 2026</p>"
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("url", "accept"),
    [("/things/1.json", "text/html"), ("/things/1", "application/json")],
)
async def test_same_data_as_json_by_suffix_or_accept(twin_client, url, accept):
    response = await twin_client.get(url, headers={"accept": accept})
    assert response.json() == {
        "id": "1",
        "name": "<b>Toko</b>",
        "when": "2026-12-03T08:00:00+00:00",
    }
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("application/json", True),
        ("text/html,application/xhtml+xml,*/*;q=0.8", False),
        ("application/json;q=0.5, text/html", False),
        ("text/html;q=0.1, application/json", True),
        ("application/json;q=0", False),
        ("", False),
    ],
)
def test_accept_negotiation(accept, expected):
    scope = {"type": "http", "path": "/x", "headers": [(b"accept", accept.encode())]}
    assert wants_json(Request(scope)) is expected


def test_json_path():
    assert json_path("/office/") == "/office.json"
    assert json_path("/office/applications/{id}") == "/office/applications/{id}.json"
