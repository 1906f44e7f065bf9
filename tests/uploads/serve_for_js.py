"""Start the upload component on 127.0.0.1 for the Node tests; prints one JSON line
{"url", "media", "token"} and serves until stdin closes."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from tests.uploads.harness import TOKEN, make_app, serve


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="jb-uploads-js-") as tmp:
        app, _ = make_app(Path(tmp) / "media")
        with serve(app) as url:
            print(json.dumps({"url": url, "media": str(Path(tmp) / "media"), "token": TOKEN}))
            sys.stdout.flush()
            sys.stdin.read()


if __name__ == "__main__":
    main()
