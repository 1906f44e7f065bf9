"""Start the upload component on 127.0.0.1 for the Node tests; prints one JSON line
{"url", "cut_url", "media", "token"} and serves until stdin closes. `cut_url` goes through
the link emulator, which drops the connection after every 100 KB the client sends."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from bench._netem import Link, run_proxy
from tests.uploads.harness import TOKEN, make_app, serve


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="jb-uploads-js-") as tmp:
        app, _ = make_app(Path(tmp) / "media")
        port = None
        with serve(app) as url:
            port = int(url.rsplit(":", 1)[1])
            link = Link(rate=4_000_000, cut_every=100_000)
            with run_proxy(port, link) as (cut_port, _):
                info = {
                    "url": url,
                    "cut_url": f"http://127.0.0.1:{cut_port}",
                    "media": str(Path(tmp) / "media"),
                    "token": TOKEN,
                }
                print(json.dumps(info))
                sys.stdout.flush()
                sys.stdin.read()


if __name__ == "__main__":
    main()
