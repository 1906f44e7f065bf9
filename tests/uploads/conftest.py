from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from server.uploads import Limits
from tests.uploads.harness import AUTH, Recorder, make_app, serve


@dataclass
class Live:
    url: str
    media: Path
    recorder: Recorder
    http: httpx.Client

    @property
    def endpoint(self) -> str:
        return self.url + "/api/uploads/"

    def stored_files(self) -> list[str]:
        """Every file under blobs/ and uploads/ (nothing may be kept after a refusal)."""
        return sorted(
            str(p.relative_to(self.media))
            for sub in ("blobs", "uploads", "tmp")
            for p in (self.media / sub).rglob("*")
            if p.is_file()
        )


def start(tmp_path: Path, limits: Limits | None = None) -> Iterator[Live]:
    media = tmp_path / "media"
    app, recorder = make_app(media, limits)
    with (
        serve(app) as url,
        httpx.Client(base_url=url, headers={**AUTH, "Tus-Resumable": "1.0.0"}) as http,
    ):
        yield Live(url, media, recorder, http)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    yield from start(tmp_path)
